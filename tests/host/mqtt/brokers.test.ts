/**
 * MQTT status, control and Home Assistant discovery of the real program (`npm start`: the CLI with
 * its simulated wall connectors, through host-sim/node-mqtt-client.ts and npm mqtt) against real
 * brokers on 127.0.0.1: aedes in-process, and Debian's mosquitto where it is installed. A plain
 * npm mqtt client plays Home Assistant: it subscribes homeassistant/# and TWC/#, checks what it
 * gets against HA's discovery rules, sends a command, and sees the last will when the program is
 * killed.
 */
import test, { type ExecutionContext } from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { discoveryProblems } from "../../core/mqtt/ha-rules.js";
import { aedesBroker, mosquittoBroker, type Broker } from "../support/brokers.js";

interface Seen {
	topic: string;
	payload: string;
	retain: boolean;
}

/** A client that keeps every message of its filters, and waits for conditions on them. */
async function listener(port: number, filters: string[]) {
	const client = await mqtt.connectAsync({ host: "127.0.0.1", port, protocol: "mqtt", reconnectPeriod: 0 });
	const seen: Seen[] = [];
	client.on("message", (topic, payload, packet) => seen.push({ topic, payload: payload.toString("utf8"), retain: packet.retain }));
	await client.subscribeAsync(filters, { qos: 0 });
	const last = (prefix: string) => {
		const out = new Map<string, string>();
		for (const m of seen) if (m.topic.startsWith(prefix)) out.set(m.topic, m.payload);
		return out;
	};
	const until = async (what: string, check: () => boolean, ms = 30_000) => {
		const end = Date.now() + ms;
		while (!check()) {
			if (Date.now() > end) throw new Error(`timed out waiting for ${what}; seen:\n${seen.slice(-40).map((m) => `${m.topic} ${m.payload}`).join("\n")}`);
			await new Promise((r) => setTimeout(r, 50));
		}
	};
	return { client, seen, last, until, close: () => client.endAsync() };
}

/** `npm start` with MQTT status and control on `port` (the demo's two simulated units). */
function startProgram(t: ExecutionContext, port: number): { child: ChildProcess; output: () => string } {
	const dir = mkdtempSync(join(tmpdir(), "twc-mqtt-"));
	const config = join(dir, "config.json");
	const broker = { enabled: true, brokerIP: "127.0.0.1", brokerPort: String(port), topicPrefix: "TWC" };
	writeFileSync(
		config,
		JSON.stringify({
			config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 },
			control: { HTTP: { enabled: false }, MQTT: broker },
			status: { MQTT: { ...broker, ratelimit: 0 } },
		}),
	);
	const child = spawn(process.execPath, ["--import=tsx", "host-sim/cli.ts", "--config", config, "--log-level", "info"], { stdio: ["ignore", "pipe", "pipe"] });
	let output = "";
	child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
	t.teardown(() => {
		if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
		rmSync(dir, { recursive: true, force: true });
	});
	return { child, output: () => output };
}

async function runAgainst(t: ExecutionContext, port: number): Promise<void> {
	const ha = await listener(port, ["homeassistant/#", "TWC/#"]);
	t.teardown(() => ha.close());
	const program = startProgram(t, port);
	// Both simulated units linked and announced, their states published.
	const unitIds = () => new Set([...ha.last("homeassistant/sensor/").keys()].map((topic) => /TWC_([0-9A-F]{4})\//.exec(topic)?.[1]).filter((id) => id !== undefined));
	await ha.until("two units announced", () => unitIds().size === 2, 60_000).catch((error) => {
		throw new Error(`${error.message}\nprogram output:\n${program.output()}`);
	});
	const ids = [...unitIds()] as string[];
	const statesOf = () => new Map([...ha.last("TWC/")]);
	await ha.until("every state topic of the announced entities", () => {
		const states = statesOf();
		return ids.every((id) => states.has(`TWC/${id}/sessionkWh`) && states.has(`TWC/${id}/lifetimekWh`)) && states.has("TWC/all/generationW");
	});
	t.is(ha.last("TWC/availability").get("TWC/availability"), "online");

	// A late subscriber gets every discovery document retained, as Home Assistant after a restart.
	const late = await listener(port, ["homeassistant/#"]);
	await late.until("retained discovery", () => late.seen.length >= 8 * 2 + 6 + 6);
	await late.close();
	t.true(late.seen.every((m) => m.retain), "delivered as retained messages");
	const discovery = new Map(late.seen.map((m) => [m.topic, m.payload]));
	t.is(discovery.size, 8 * 2 + 6 + 6, [...discovery.keys()].join("\n"));
	const ids2 = [...discovery.values()].map((p) => JSON.parse(p).unique_id as string);
	t.is(new Set(ids2).size, ids2.length, "unique ids are unique");
	t.deepEqual(discoveryProblems({ discoveryPrefix: "homeassistant", messages: discovery, states: statesOf(), commandFilter: "TWC/control/#" }), []);

	// A command as Home Assistant's number sends it: Charge Now at 32 A on both cars sharing 40 A.
	await ha.client.publishAsync("TWC/control/chargeNowAmps", "32", { qos: 0 });
	await ha.until("Charge Now applied", () => statesOf().get("TWC/all/currentPolicy") === "Charge Now" && statesOf().get("TWC/all/chargeNowAmps") === "32");
	await ha.until("the offers follow", () => ids.every((id) => statesOf().get(`TWC/${id}/ampsOffered`) === "16"));
	// TWCManager's own payload.
	await ha.client.publishAsync("TWC/control/chargeNowEnd", "", { qos: 0 });
	await ha.until("Charge Now ended", () => statesOf().get("TWC/all/chargeNowAmps") === "0" && statesOf().get("TWC/all/currentPolicy") !== "Charge Now");

	// Killed without a word: the broker publishes the last will.
	process.kill(program.child.pid!, "SIGKILL");
	await ha.until("the last will", () => ha.seen.some((m) => m.topic === "TWC/availability" && m.payload === "offline"), 10_000);
	const after = await listener(port, ["TWC/availability"]);
	await after.until("retained offline", () => after.seen.length > 0);
	t.deepEqual(after.seen, [{ topic: "TWC/availability", payload: "offline", retain: true }]);
	await after.close();
}

test.serial("npm start over aedes: retained discovery that passes HA's rules, published states, a command, the last will", async (t) => {
	t.timeout(120_000);
	const broker = await aedesBroker();
	t.teardown(() => broker.close());
	await runAgainst(t, broker.port);
});

test.serial("npm start over Debian's mosquitto (skipped where it is not installed)", async (t) => {
	t.timeout(120_000);
	const broker = await mosquittoBroker();
	if (broker === undefined) {
		t.log("mosquitto is not installed (apt-get install mosquitto): skipped; the aedes test covers the same path");
		t.pass();
		return;
	}
	t.teardown(() => broker.close());
	await runAgainst(t, broker.port);
});
