/**
 * Two `npm start` processes on one bus, as a user could do by mistake: a TCP hub relays bytes between
 * its clients (a multi-client RS485-to-Ethernet converter). Instance A brings two simulated wall
 * connectors, instance B none; both have one config and Charge Now at 40 A. The hub watches what the
 * wall connectors say they hold (their heartbeat replies) and its sum must never exceed 40 A. Each has
 * its own copy of the config: two instances on one settings directory refuse to start.
 */
import test from "ava";
import { copyFileSync, mkdtempSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrameDecoder } from "../../../src/twc/frame.js";
import { decodeMessage } from "../../../src/twc/messages.js";
import { startCli } from "./start-cli.js";

function hub(onBytes: (bytes: Buffer) => void): Promise<{ server: Server; port: number }> {
	const clients = new Set<Socket>();
	const server = createServer((socket) => {
		clients.add(socket);
		socket.on("data", (data) => {
			onBytes(data);
			for (const other of clients) if (other !== socket) other.write(data);
		});
		socket.on("close", () => clients.delete(socket));
		socket.on("error", () => clients.delete(socket));
	});
	return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** The demo's config in a directory of its own: its settings directory (one instance per directory). */
function ownConfig(): string {
	const file = join(mkdtempSync(join(tmpdir(), "twc-instance-")), "config.json");
	copyFileSync("host-sim/demo-config.json", file);
	return file;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("two npm start instances on one bus (a TCP hub) with Charge Now 40 A each: the wall connectors never hold more than the 40 A wiring limit, and both report the other master", async (t) => {
	const held = new Map<number, number>();
	let worst = 0;
	let replies = 0;
	const decoder = new FrameDecoder((body) => {
		const m = decodeMessage(body);
		if (m.kind !== "slaveHeartbeat") return;
		replies++;
		held.set(m.sender, m.limitCentiamps / 100);
		let sum = 0;
		for (const amps of held.values()) sum += amps;
		worst = Math.max(worst, sum);
	});
	const { server, port } = await hub((bytes) => decoder.push(bytes, Date.now()));
	t.teardown(() => server.close());
	const bus = `socket://127.0.0.1:${port}`;
	const a = startCli(["--bus", bus, "--slaves", "2", "--config", ownConfig()], (fn) => t.teardown(fn));
	const portA = await a.port;
	const post = (httpPort: number) =>
		fetch(`http://127.0.0.1:${httpPort}/api/chargeNow`, { method: "POST", body: JSON.stringify({ chargeNowRate: 40, chargeNowDuration: 3600 }) });
	t.is((await post(portA)).status, 200);
	// A links both units and charges them (how long depends on the machine's load: wait for it).
	for (let waited = 0; held.size < 2 && waited < 45_000; waited += 500) await sleep(500);
	t.is(held.size, 2, "both units answer A's heartbeats");
	await sleep(3000);
	const b = startCli(["--bus", bus, "--config", ownConfig()], (fn) => t.teardown(fn));
	const portB = await b.port;
	t.is((await post(portB)).status, 200);
	await sleep(20_000);
	t.true(replies > 40, `${replies} heartbeat replies seen on the hub`);
	t.true(worst <= 40, `the wall connectors held ${worst} A together`);
	for (const httpPort of [portA, portB]) {
		const state = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/state`)).json()) as { problems: string[]; bus: { otherMaster: unknown } };
		t.true(state.problems.some((p) => /another master is using our ID 7777/.test(p)), JSON.stringify(state.problems));
		t.truthy(state.bus.otherMaster);
	}
});
