/**
 * `npm run sources -- --once` with a source that is told its values (MQTT): the command waits for
 * the first message (up to 12 s) instead of reporting "no message yet" right after the start.
 */
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import { main } from "../../../host-sim/sources.js";

test("sources --once waits for a told source's first message, then prints its values", async (t) => {
	const broker = await Aedes.createBroker();
	const sockets = new Set<Socket>();
	const server = createServer(broker.handle);
	server.on("connection", (s) => {
		sockets.add(s);
		s.on("close", () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as { port: number }).port;
	t.teardown(() => {
		for (const s of sockets) s.destroy();
		server.close();
		broker.close();
	});
	const file = join(mkdtempSync(join(tmpdir(), "twc-told-")), "config.json");
	writeFileSync(file, JSON.stringify({ sources: { MQTT: { enabled: true, brokerIP: "127.0.0.1", brokerPort: String(port), topicGeneration: "house/pv", topicConsumption: "house/load" } } }));
	// The publisher speaks 3 s after the command starts, not retained: nothing to read at the first poll.
	const publisher = mqtt.connect(`mqtt://127.0.0.1:${port}`);
	t.teardown(() => publisher.end(true));
	setTimeout(() => {
		publisher.publish("house/pv", "1834");
		publisher.publish("house/load", "2218.9");
	}, 3000);
	const started = Date.now();
	const result = await new Promise<{ code: number; out: string[]; err: string[] }>((resolve) => {
		const out: string[] = [];
		const err: string[] = [];
		main(["--config", file, "--once"], (x) => out.push(x), (x) => err.push(x), (code) => resolve({ code, out, err }));
	});
	t.is(result.code, 0, result.err.join("\n"));
	const doc = JSON.parse(result.out.join(""));
	t.like(doc.sources[0], { name: "MQTT", ok: true, generationW: 1834, consumptionW: 2218.9, error: null });
	t.is(doc.generationW, 1834);
	t.true(Date.now() - started < 12_000);
});
