import test from "ava";
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import type { HttpRequest } from "../../../src/platform/http-server.js";
import { silentLog } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { ScriptedPort, ScriptedSlave } from "../support/scripted-bus.js";

function get(app: App, path: string, method = "GET") {
	const request: HttpRequest = { method, path, query: new Map(), headers: new Map(), body: "" };
	const response = app.router.handle(request);
	return { status: response.status, type: response.contentType, json: JSON.parse(response.body ?? "null") };
}

function setup() {
	const clock = new VirtualClock();
	const port = new ScriptedPort(clock);
	const { config } = parseConfig({ config: { wiringMaxAmpsAllTWCs: 30, wiringMaxAmpsPerTWC: 24 } });
	const app = new App({ clock, log: silentLog, random: seededRandom(1), bus: port }, config!);
	app.charge.chargeNow(30, 24 * 3600, "test");
	app.start();
	clock.advance(1500);
	return { clock, port, app };
}

test("getSlaveTWCs answers from live state with TWCManager's keys, shapes and formats", (t) => {
	const { clock, port, app } = setup();
	const a = new ScriptedSlave(port, clock, { id: 0x4142, draw: 12.345, vin: "1M8GDM9AXKP042788" });
	const b = new ScriptedSlave(port, clock, { id: 0x022c, protocol: 1, maxAmps: 80 });
	a.linkReady();
	clock.advance(10);
	b.linkReady();
	clock.advance(65_000);
	const { status, type, json } = get(app, "/api/getSlaveTWCs");
	t.is(status, 200);
	t.is(type, "application/json");
	t.deepEqual(Object.keys(json).sort(), ["022C", "4142", "total"]);
	const s = json["4142"];
	t.deepEqual(Object.keys(s).sort(), [
		"TWCID", "carsCharging", "chargeTime", "chargerLoadInW", "currentVIN", "lastAmpsOffered", "lastHeartbeat", "lastVIN",
		"lifetimekWh", "maxAmps", "reportedAmpsActual", "state", "version", "voltsPhaseA", "voltsPhaseB", "voltsPhaseC",
	]);
	t.is(s.TWCID, "4142");
	t.is(s.carsCharging, 1);
	t.is(s.lastAmpsOffered, 24, "Charge Now's 30 A, bound by wiringMaxAmpsPerTWC");
	t.is(s.reportedAmpsActual, 12.35, "rounded to 2 decimals like Python's round()");
	t.is(s.maxAmps, 32);
	t.is(s.version, 2);
	t.is(s.voltsPhaseA, 240);
	t.is(s.lifetimekWh, 1234);
	t.is(s.currentVIN, "1M8GDM9AXKP042788");
	t.is(s.chargerLoadInW, Math.round(12.35 * 240));
	t.regex(s.chargeTime, /^0:01:0\d$/);
	t.true(s.lastHeartbeat >= 0 && s.lastHeartbeat < 1.1);
	const v1 = json["022C"];
	t.is(v1.version, 1);
	t.is(v1.maxAmps, 80);
	t.is(v1.lastAmpsOffered, 6, "no car there: offered what the charging car leaves (6 A, enough to start one)");
	t.is(v1.chargeTime, "--:--:--");
	t.deepEqual(json.total, { carsCharging: 1, lastAmpsOffered: 30, lifetimekWh: 2468, maxAmps: 32, reportedAmpsActual: 12.35, TWCID: "total" });
});

test("getStatus has TWCManager's fields, the \"%.2f\" strings and the one-element-array quirk", (t) => {
	const { clock, port, app } = setup();
	new ScriptedSlave(port, clock, { id: 0x4142, draw: 10 }).linkReady();
	clock.advance(65_000);
	const { json } = get(app, "/api/getStatus");
	t.is(json.carsCharging, 1);
	t.is(json.chargerLoadWatts, "2400.00");
	t.deepEqual(json.chargerLoadAmps, ["10.00"]);
	t.is(json.currentPolicy, "Charge Now");
	t.is(json.maxAmpsToDivideAmongSlaves, "30.00");
	t.is(json.consumptionAmps, "0.00");
	t.is(json.generationWatts, "0.00");
	t.is(json.isGreenPolicy, "No");
	t.is(json.scheduledChargingStartHour, -1);
	t.is(json.ScheduledCharging.enabled, false);
	t.is(json.ScheduledCharging.monday, true);
	t.is(json.chargeNowAmps, 30);
	t.is(json.chargeNowTimeEnd, Math.floor(clock.now() / 1000) - 66 + 24 * 3600);
});

test("unknown routes answer 404, a wrong method 405, both with a JSON reason", (t) => {
	const { app } = setup();
	t.is(get(app, "/api/nothing").status, 404);
	t.regex(get(app, "/api/nothing").json.error, /no such route/);
	t.is(get(app, "/api/getStatus", "POST").status, 405);
});

test("getStatus shows the energy readings and the green policy as TWCManager formats them", (t) => {
	const { clock, port, app } = setup();
	app.charge.cancelChargeNow("test");
	t.true(app.settings.update({ nonScheduledAction: 3 }, "test").ok);
	new ScriptedSlave(port, clock, { id: 0x4142, draw: 0 }).linkReady();
	clock.advance(5000);
	app.energy.report("meter", { atMs: clock.now(), generationW: 3000, consumptionW: 600 }, clock.now());
	clock.advance(1000);
	const { json } = get(app, "/api/getStatus");
	t.is(json.generationWatts, "3000.00");
	t.deepEqual(json.generationAmps, ["12.50"], "3000 W / 240 V, in the one-element array");
	t.is(json.consumptionWatts, "600.00");
	t.deepEqual(json.consumptionAmps, ["2.50"]);
	t.is(json.isGreenPolicy, "Yes");
	t.is(json.currentPolicy, "Track Green Energy");
	const state = get(app, "/api/v1/state").json;
	t.is(state.green.details.surplusW, 2400);
	t.regex(state.green.note, /starting in \d+ s|surplus 2400 W/);
	t.is(state.energy[0].source, "meter");
	t.is(state.energy[0].fresh, true);
});
