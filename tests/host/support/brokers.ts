/**
 * Real MQTT brokers on 127.0.0.1 for the host tests: aedes in-process (always there, a
 * devDependency) and Debian's mosquitto (where installed, started with its own config on a free
 * port and stopped by its PID).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import mqtt from "mqtt";

export interface Broker {
	port: number;
	close(): Promise<void>;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const port = (server.address() as { port: number }).port;
			server.close(() => resolve(port));
		});
	});
}

/** aedes on `port` (0: any free one), optionally with a user name and password check. */
export async function aedesBroker(port = 0, authenticate?: (user: string, password: string) => boolean): Promise<Broker> {
	const broker = await Aedes.createBroker();
	if (authenticate) {
		broker.authenticate = (_client, user, password, callback) => {
			const ok = authenticate(user ?? "", password?.toString() ?? "");
			callback(ok ? null : Object.assign(new Error("bad user name or password"), { returnCode: 4 }), ok);
		};
	}
	const server: Server = createServer(broker.handle);
	const sockets = new Set<Socket>();
	server.on("connection", (socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
	return {
		port: (server.address() as { port: number }).port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => broker.close(() => resolve()));
				// Clients still connected would keep the server open.
				for (const socket of sockets) socket.destroy();
			}),
	};
}

/** Debian's mosquitto on a free port with its own config; undefined when it is not installed. */
export async function mosquittoBroker(): Promise<Broker | undefined> {
	const which = spawnSync("sh", ["-c", "command -v mosquitto || ls /usr/sbin/mosquitto"], { encoding: "utf8" });
	const path = which.stdout.trim().split("\n")[0];
	if (which.status !== 0 || path === "") return undefined;
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), "twc-mosquitto-"));
	const conf = join(dir, "mosquitto.conf");
	writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
	const child = spawn(path, ["-c", conf], { stdio: "ignore" });
	const stop = async () => {
		if (child.exitCode === null) {
			const exited = new Promise((resolve) => child.once("exit", resolve));
			process.kill(child.pid!, "SIGTERM");
			await exited;
		}
		rmSync(dir, { recursive: true, force: true });
	};
	// Wait until it accepts connections.
	const end = Date.now() + 5000;
	while (Date.now() < end) {
		try {
			const client = await mqtt.connectAsync({ host: "127.0.0.1", port, reconnectPeriod: 0, connectTimeout: 500 });
			await client.endAsync();
			return { port, close: stop };
		} catch {
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	await stop();
	throw new Error("mosquitto did not start");
}
