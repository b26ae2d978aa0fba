/**
 * sources.MQTT and sources.DSMRreader through the real NodeMqttClient (npm mqtt) against real
 * brokers on 127.0.0.1: aedes in-process (always), and Debian's mosquitto where it is installed.
 */
import test from "ava";
import mqtt from "mqtt";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeMqttClient } from "../../../host-sim/node-mqtt-client.js";
import type { EnergySource, PollResult, SourceContext } from "../../../src/energy/source.js";
import { dsmrReaderSource as dsmrReader } from "../../../src/energy/sources/dsmr-reader.js";
import { mqttSource as mqttTopics } from "../../../src/energy/sources/mqtt.js";
import { silentLog } from "../../../src/platform/log.js";
import { aedesBroker, freePort, mosquittoBroker } from "../support/brokers.js";

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

test.serial("DSMRreader and MQTT over Debian's mosquitto (skipped where it is not installed)", async (t) => {
	const broker = await mosquittoBroker();
	if (broker === undefined) {
		t.log("mosquitto is not installed (apt-get install mosquitto): this test is skipped, the aedes tests cover the same path");
		t.pass();
		return;
	}
	t.teardown(() => broker.close());
	await runDsmrReader(t, broker.port);
	const source = mqttTopics.create({ enabled: true, brokerIP: "127.0.0.1", brokerPort: broker.port, topicConsumption: "load", topicGeneration: "pv" }, context()) as EnergySource;
	t.teardown(() => source.close());
	await pollUntil(source, (r) => !r.ok && /no message yet/.test(r.error));
	await publish(broker.port, "pv", "3100");
	await publish(broker.port, "load", "450.5");
	t.like(await pollUntil(source, (r) => r.ok && r.reading.consumptionW !== null && r.reading.generationW !== null), { ok: true, reading: { generationW: 3100, consumptionW: 450.5 } });
});
