/**
 * sources.MQTT and sources.DSMRreader through the real NodeMqttClient (npm mqtt) against real
 * brokers on 127.0.0.1: aedes in-process (always), and Debian's mosquitto where it is installed.
 */
import test from "ava";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeMqttClient } from "../../../host-sim/node-mqtt-client.js";
import type { EnergySource, PollResult, SourceContext } from "../../../src/energy/source.js";
import { dsmrReaderSource as dsmrReader } from "../../../src/energy/sources/dsmr-reader.js";
import { mqttSource as mqttTopics } from "../../../src/energy/sources/mqtt.js";
import { silentLog } from "../../../src/platform/log.js";

interface Broker {
	port: number;
	close(): Promise<void>;
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const port = (server.address() as { port: number }).port;
			server.close(() => resolve(port));
		});
	});
}

async function aedesBroker(port = 0, authenticate?: (user: string, password: string) => boolean): Promise<Broker> {
	const broker = await Aedes.createBroker();
	if (authenticate) {
		broker.authenticate = (_client, user, password, callback) => {
			const ok = authenticate(user ?? "", password?.toString() ?? "");
			callback(ok ? null : Object.assign(new Error("bad user name or password"), { returnCode: 4 }), ok);
		};
	}
	const server: Server = createServer(broker.handle);
	const sockets = new Set<import("node:net").Socket>();
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

/** Publishes with a plain npm mqtt client, as DSMR-reader or Node-RED would. */
async function publish(port: number, topic: string, payload: string, retain = false): Promise<void> {
	const client = await mqtt.connectAsync({ host: "127.0.0.1", port, protocol: "mqtt" });
	await client.publishAsync(topic, payload, { retain, qos: 1 });
	await client.endAsync();
}

function context(): SourceContext {
	return { clock: new NodeClock(), log: silentLog, mqtt: new NodeMqttClient({ reconnectMs: 200 }) };
}

function poll(source: EnergySource): Promise<PollResult> {
	return new Promise((resolve) => source.poll(resolve));
}

/** Polls until `check` holds (values travel asynchronously), or gives the last result. */
async function pollUntil(source: EnergySource, check: (r: PollResult) => boolean, ms = 5000): Promise<PollResult> {
	const end = Date.now() + ms;
	let result = await poll(source);
	while (!check(result) && Date.now() < end) {
		await new Promise((r) => setTimeout(r, 50));
		result = await poll(source);
	}
	return result;
}

const DSMR_READER_JSON = JSON.stringify({
	id: 1234,
	timestamp: "2026-06-21T12:00:00+02:00",
	electricity_delivered_1: "1234.567",
	electricity_returned_1: "321.000",
	electricity_currently_delivered: "0.244",
	electricity_currently_returned: "0.000",
	phase_currently_delivered_l1: "0.070",
	phase_currently_delivered_l2: "0.032",
	phase_currently_delivered_l3: "0.142",
	phase_voltage_l1: "230.0",
	phase_voltage_l2: "230.0",
	phase_voltage_l3: "229.0",
});

async function runDsmrReader(t: import("ava").ExecutionContext, port: number): Promise<void> {
	// The port as a string and the default topic dsmr/json, as TWCManager's config gives them.
	const source = dsmrReader.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: String(port), maxAgeS: 1 }, context()) as EnergySource;
	t.teardown(() => source.close());
	const before = await pollUntil(source, (r) => !r.ok && /no message yet/.test(r.error));
	t.deepEqual(before, { ok: false, error: "DSMRreader: no message yet on dsmr/json" });
	await publish(port, "dsmr/json", DSMR_READER_JSON);
	t.deepEqual(await pollUntil(source, (r) => r.ok), { ok: true, reading: { generationW: 0, consumptionW: 244, gridW: 244, voltageV: 229.7, batteryW: null, socPercent: null } });
	await publish(port, "dsmr/json", JSON.stringify({ electricity_currently_delivered: 0, electricity_currently_returned: 2.601 }));
	t.like(await pollUntil(source, (r) => r.ok && r.reading.generationW === 2601), { ok: true, reading: { generationW: 2601, consumptionW: 0, gridW: -2601 } });
	t.like(await poll(source), { ok: true, reading: { voltageV: null } }, "a message replaces the one before as a whole");
	// Garbage is not used; the last good values serve until they age out, then the reason shows.
	await publish(port, "dsmr/json", "<html>oops</html>");
	t.like(await poll(source), { ok: true, reading: { generationW: 2601 } });
	t.deepEqual(await pollUntil(source, (r) => !r.ok, 3000), { ok: false, error: "DSMRreader: dsmr/json: the message: the answer is an HTML page, not JSON (wrong address, or a firmware that does not serve this API)" });
}

test.serial("DSMRreader over aedes: DSMR-reader's JSON telegram gives import as consumption, export as generation", async (t) => {
	const broker = await aedesBroker();
	t.teardown(() => broker.close());
	await runDsmrReader(t, broker.port);
});

test.serial("MQTT over aedes: topicConsumption / topicGeneration in W, negative generation as its magnitude, garbage refused", async (t) => {
	const broker = await aedesBroker();
	t.teardown(() => broker.close());
	const source = mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: broker.port, topicConsumption: "house/load", topicGeneration: "house/pv" }, context()) as EnergySource;
	t.teardown(() => source.close());
	await pollUntil(source, (r) => !r.ok && /no message yet/.test(r.error));
	// A retained value published before is received too.
	await publish(broker.port, "house/pv", "-1834", true);
	t.deepEqual(await pollUntil(source, (r) => r.ok), { ok: true, reading: { generationW: 1834, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	await publish(broker.port, "house/load", " 2218.9 ");
	t.like(await pollUntil(source, (r) => r.ok && r.reading.consumptionW !== null), { ok: true, reading: { generationW: 1834, consumptionW: 2218.9 } });
	await publish(broker.port, "house/load", "unavailable");
	const bad = await pollUntil(source, (r) => !r.ok, 1000);
	// The good values stay while fresh; the garbage is not used.
	t.like(bad, { ok: true, reading: { consumptionW: 2218.9 } });
	await publish(broker.port, "house/load", "-5");
	t.deepEqual(await pollUntil(source, (r) => !r.ok), { ok: false, error: "MQTT: consumption -5 W is negative" });
	t.is(mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1" }, context()), "sources.MQTT: give topicConsumption or topicGeneration (or both)");
	t.is(mqttTopics.create({ enabled: true, topicGeneration: "x" }, context()), "sources.MQTT.brokerIP: required");
});

test.serial("MQTT: values age out after maxAgeS; a broker that is down is named, and the client reconnects when it is back", async (t) => {
	const port = await freePort();
	const source = mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: port, topicGeneration: "pv", maxAgeS: 1 }, context()) as EnergySource;
	t.teardown(() => source.close());
	const down = await pollUntil(source, (r) => !r.ok && /ECONNREFUSED/.test(r.error));
	t.regex((down as { error: string }).error, new RegExp(`^MQTT: MQTT broker 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
	const broker = await aedesBroker(port);
	t.teardown(() => broker.close());
	await pollUntil(source, (r) => !r.ok && /no message yet/.test(r.error));
	await publish(port, "pv", "500");
	t.like(await pollUntil(source, (r) => r.ok), { ok: true, reading: { generationW: 500 } });
	await new Promise((r) => setTimeout(r, 1200));
	t.regex((await poll(source) as { error: string }).error, /^MQTT: no new value on pv for 1 s$/);
});

test.serial("MQTT: user name and password are sent to the broker (both, as TWCManager)", async (t) => {
	const seen: string[] = [];
	const broker = await aedesBroker(0, (user, password) => (seen.push(`${user}:${password}`), user === "twc" && password === "secret"));
	t.teardown(() => broker.close());
	const source = mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: broker.port, username: "twc", password: "secret", topicGeneration: "pv" }, context()) as EnergySource;
	t.teardown(() => source.close());
	await pollUntil(source, (r) => !r.ok && /no message yet/.test(r.error));
	t.deepEqual(seen, ["twc:secret"]);
	const wrong = mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: broker.port, username: "twc", password: "nope", topicGeneration: "pv" }, context()) as EnergySource;
	t.teardown(() => wrong.close());
	const refused = await pollUntil(wrong, (r) => !r.ok && /MQTT broker [^ ]+: /.test(r.error));
	t.regex((refused as { error: string }).error, /^MQTT: MQTT broker 127\.0\.0\.1:\d+: .*(Bad username or password|Not authorized)/i);
});

/** Starts Debian's mosquitto on a free port with its own config; undefined when not installed. */
async function mosquitto(): Promise<{ port: number; process: ChildProcess; dir: string } | undefined> {
	const which = spawnSync("sh", ["-c", "command -v mosquitto || ls /usr/sbin/mosquitto"], { encoding: "utf8" });
	const path = which.stdout.trim().split("\n")[0];
	if (which.status !== 0 || path === "") return undefined;
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), "twc-mosquitto-"));
	const conf = join(dir, "mosquitto.conf");
	writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
	const child = spawn(path, ["-c", conf], { stdio: "ignore" });
	// Wait until it accepts connections.
	const end = Date.now() + 5000;
	while (Date.now() < end) {
		try {
			const client = await mqtt.connectAsync({ host: "127.0.0.1", port, reconnectPeriod: 0, connectTimeout: 500 });
			await client.endAsync();
			return { port, process: child, dir };
		} catch {
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	child.kill();
	rmSync(dir, { recursive: true, force: true });
	throw new Error("mosquitto did not start");
}

test.serial("DSMRreader and MQTT over Debian's mosquitto (skipped where it is not installed)", async (t) => {
	const broker = await mosquitto();
	if (broker === undefined) {
		t.log("mosquitto is not installed (apt-get install mosquitto): this test is skipped, the aedes tests cover the same path");
		t.pass();
		return;
	}
	t.teardown(() => {
		broker.process.kill("SIGTERM");
		rmSync(broker.dir, { recursive: true, force: true });
	});
	await runDsmrReader(t, broker.port);
	const source = mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: broker.port, topicConsumption: "load", topicGeneration: "pv" }, context()) as EnergySource;
	t.teardown(() => source.close());
	await pollUntil(source, (r) => !r.ok && /no message yet/.test(r.error));
	await publish(broker.port, "pv", "3100");
	await publish(broker.port, "load", "450.5");
	t.like(await pollUntil(source, (r) => r.ok && r.reading.consumptionW !== null && r.reading.generationW !== null), { ok: true, reading: { generationW: 3100, consumptionW: 450.5 } });
});
