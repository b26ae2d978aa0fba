import test from "ava";
import { pythonBytearray, TwcResponseRecorder, withoutSecrets } from "../../../src/api/twcmanager-extra-routes.js";
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import { Opcode } from "../../../src/twc/messages.js";
import { seededRandom } from "../../../src/platform/random.js";
import { silentLog } from "../../../src/platform/log.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { AppWorld, MemoryStorage } from "../support/app-world.js";

test("getConfig: TWCManager's shape with config.wiringMaxAmpsAllTWCs, every password, token, key and secret removed", (t) => {
	const clock = new VirtualClock();
	const { config } = parseConfig({
		config: { wiringMaxAmpsAllTWCs: 30, wiringMaxAmpsPerTWC: 24 },
		sources: { HASS: { enabled: false, serverIP: "http://user:hunter2@10.0.0.2", apiKey: "sk-abc" }, Fronius: { enabled: false, password: "p1" } },
		control: { MQTT: { enabled: false, username: "u", password: "mqtt-pass" } },
	});
	t.truthy(config);
	const app = new App({ clock, log: silentLog, random: seededRandom(1), bus: { listen() {}, write: () => true, close() {} } }, config!);
	const r = app.router.handle({ method: "GET", path: "/api/getConfig", query: new Map(), headers: new Map(), body: "" });
	t.is(r.status, 200);
	const text = r.body ?? "";
	for (const secret of ["sk-abc", "p1\"", "mqtt-pass", "hunter2"]) t.false(text.includes(secret), secret);
	const doc = JSON.parse(text);
	t.is(doc.config.wiringMaxAmpsAllTWCs, 30);
	t.is(doc.config.minAmpsPerTWC, 6, "the default the master runs with");
	t.is(doc.control.MQTT.username, "u");
	t.false("password" in doc.control.MQTT);
	t.false("apiKey" in doc.sources.HASS);
	t.is(doc.sources.HASS.serverIP, "http://10.0.0.2");
	t.deepEqual(withoutSecrets({ vehicle: { teslaAPI: { clientSecret: "x", refreshToken: "y", keep: 1 } }, list: [{ privateKey: "k" }] }), { vehicle: { teslaAPI: { keep: 1 } }, list: [{}] });
});

test("getUUID: text/plain digits, the same after a restart (kept in the storage)", (t) => {
	const w = new AppWorld({ slaves: 1 });
	const a = w.get("/api/getUUID");
	t.is(a.status, 200);
	t.is(a.response.contentType, "text/plain");
	t.regex(String(a.response.body), /^\d{6,15}$/);
	w.restart();
	t.is(w.get("/api/getUUID").response.body, a.response.body);
	w.stop();
});

test("setConsumptionOffset: 204 and the offset in amps shows in getConsumptionOffsets; 400 without offset or with a non-number", (t) => {
	const w = new AppWorld({ slaves: 1 });
	t.is(w.post("/api/setConsumptionOffset", { offset: 2.5 }).status, 204);
	t.deepEqual(w.get("/api/getConsumptionOffsets").json, { greenEnergyAmpsOffset: { value: 2.5, unit: "A" } });
	const missing = w.post("/api/setConsumptionOffset", { offsetName: "x", value: 100, unit: "W" });
	t.is(missing.status, 400);
	t.is(missing.json.error, "offset is required");
	t.regex(w.post("/api/setConsumptionOffset", { offset: "lots" }).json.error, /offset must be a number/);
	t.is(w.post("/api/setConsumptionOffset", "not json").status, 400);
	t.is(w.post("/api/setConsumptionOffset", { offset: 0 }).status, 204);
	t.deepEqual(w.get("/api/getConsumptionOffsets").json, {});
	w.stop();
});

test("setPolicy: a known policy 200, a missing, empty, non-string or unknown one 400 with a reason", (t) => {
	const w = new AppWorld({ slaves: 1 });
	const ok = w.post("/api/setPolicy", { policy: "Charge Now" });
	t.is(ok.status, 200);
	t.like(ok.json, { status: "success", policy: "Charge Now" });
	t.is(w.post("/api/setPolicy", {}).json.error, "policy field is required");
	t.is(w.post("/api/setPolicy", { policy: null }).status, 400);
	t.is(w.post("/api/setPolicy", { policy: "" }).json.error, "policy cannot be empty");
	t.regex(w.post("/api/setPolicy", { policy: ["a"] }).json.error, /policy must be a string/);
	t.regex(w.post("/api/setPolicy", { policy: "'; DROP TABLE settings; --" }).json.error, /not found/);
	w.stop();
});

test("sendStopCommand / sendStartCommand: 200 and FC B2 / FC B1 reach each unit (acknowledged)", (t) => {
	const w = new AppWorld({ slaves: 2 });
	w.waitLinked();
	const stop = w.post("/api/sendStopCommand", { extraField: "ignored" });
	t.is(stop.status, 200);
	t.deepEqual([...stop.json.sent].sort(), [w.id(0), w.id(1)].sort());
	w.advance(3000);
	t.true(w.log.find(/stop \(FC B2\) requested by the API/).length === 1);
	t.true(w.app.master.slaves.every((s) => s.acksStartStop === true), "the units acknowledged FC B2");
	t.is(w.post("/api/sendStartCommand").status, 200);
	w.stop();
});

test("saveSettings 204; checkArrival / checkDeparture 202; sendTeslaAPICommand 501 with a reason", (t) => {
	const w = new AppWorld({ slaves: 1 });
	t.is(w.post("/api/saveSettings", {}).status, 204);
	t.is(w.post("/api/checkArrival", { extraField: 1 }).status, 202);
	t.is(w.post("/api/checkDeparture").status, 202);
	const tesla = w.post("/api/sendTeslaAPICommand", { commandName: "wake_up" });
	t.is(tesla.status, 501);
	t.regex(tesla.json.error, /no Tesla API integration/);
	w.stop();
});

test("sendDebugCommand: the dangerous commands and heartbeats are 400, a missing commandName 400, FC B1 204 and its reply in getLastTWCResponse", (t) => {
	const w = new AppWorld({ slaves: 1 });
	w.waitLinked();
	t.is(w.get("/api/getLastTWCResponse").response.body, "None");
	t.is(w.post("/api/sendDebugCommand", {}).json.error, "commandName is required and must be a string");
	t.is(w.post("/api/sendDebugCommand", { command: "A".repeat(1000) }).status, 400);
	t.is(w.post("/api/sendDebugCommand", { commandName: "Custom" }).json.error, "customCommand is required when Command is Custom");
	for (const custom of ["fc19", "FC1A", "fbe8", "fb e0 77 77"]) {
		const r = w.post("/api/sendDebugCommand", { commandName: "Custom", customCommand: custom });
		t.is(r.status, 400, custom);
		t.regex(r.json.error, /^refused/, custom);
	}
	t.regex(w.post("/api/sendDebugCommand", { commandName: "Reboot" }).json.error, /unknown commandName/);
	const start = w.post("/api/sendDebugCommand", { commandName: "StartCharging" });
	t.is(start.status, 204);
	w.advance(3000);
	t.regex(String(w.get("/api/getLastTWCResponse").response.body), /^bytearray\(b'\\xfd\\xb1/);
	w.stop();
});

test("getLastTWCResponse keeps the first unusual reply only, and formats it as Python's str(bytearray)", (t) => {
	const r = new TwcResponseRecorder(() => 0);
	t.is(r.text(), "None");
	r.arm();
	t.is(r.text(), "bytearray(b'')");
	r.onFrame(Uint8Array.of(0xfd, 0xe0, 1, 2));
	t.is(r.text(), "bytearray(b'')", "heartbeats are not kept");
	r.onFrame(Uint8Array.of(Opcode.FirmwareReplyOld >> 8, 0x1b, 0x41, 0x27, 0x5c, 0x00));
	r.onFrame(Uint8Array.of(0xfd, 0xb2));
	t.is(r.text(), "bytearray(b'\\xfd\\x1bA\\'\\\\\\x00')");
	t.is(pythonBytearray(Uint8Array.of(0x0a, 0x7f)), "bytearray(b'\\n\\x7f')");
});

test("chargeNow above the wiring limit: 200, capped to wiringMaxAmpsAllTWCs, and the answer says so", (t) => {
	const w = new AppWorld({ slaves: 1 });
	const r = w.post("/api/chargeNow", { chargeNowRate: 80, chargeNowDuration: 3600 });
	t.is(r.status, 200);
	t.like(r.json, { status: "success", rate: 40, requestedRate: 80, duration: 3600 });
	t.regex(r.json.warnings[0], /80 A is above the wiring limit .*capped to 40 A/);
	t.is(w.app.settings.current.chargeNowAmps, 40);
	t.is(w.get("/api/getStatus").json.chargeNowAmps, 40);
	t.is(w.post("/api/chargeNow", { chargeNowRate: 1e308, chargeNowDuration: 60 }).json.rate, 40);
	w.stop();
});

test("deleteConsumptionOffset: an empty offsetName is 400 \"offsetName is required\", an unknown one 404", (t) => {
	const w = new AppWorld({ slaves: 1 });
	const empty = w.post("/api/deleteConsumptionOffset", { offsetName: "" });
	t.is(empty.status, 400);
	t.regex(empty.json.error, /^offsetName is required/);
	t.is(w.post("/api/deleteConsumptionOffset", { offsetName: "nope" }).status, 404);
	w.stop();
});

test("the storage failing for the UUID: still an answer, and a warning", (t) => {
	const storage = new MemoryStorage();
	storage.write = () => {
		throw new Error("flash full");
	};
	const w = new AppWorld({ slaves: 1, storage });
	t.is(w.get("/api/getUUID").status, 200);
	t.true(w.log.find(/UUID could not be stored/).length >= 1);
	w.stop();
});
