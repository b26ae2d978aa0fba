import test from "ava";
import { App } from "../../../src/app.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../../../src/api/json-body.js";
import { parseConfig } from "../../../src/config/config.js";
import type { HttpRequest, HttpResponse } from "../../../src/platform/http-server.js";
import { silentLog } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { ScriptedPort } from "../support/scripted-bus.js";

function setup(config: Record<string, unknown> = {}) {
	const clock = new VirtualClock();
	const port = new ScriptedPort(clock);
	const parsed = parseConfig({ config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, ...config } });
	const app = new App({ clock, log: silentLog, random: seededRandom(1), bus: port }, parsed.config!);
	app.start();
	clock.advance(1500);
	return { clock, app };
}

function send(app: App, method: string, path: string, body: unknown = "") {
	const text = typeof body === "string" ? body : JSON.stringify(body);
	const request: HttpRequest = { method, path, query: new Map(), headers: new Map(), body: text };
	const response: HttpResponse = app.router.handle(request);
	let json: any = null;
	if (response.body) json = JSON.parse(response.body);
	return { status: response.status, json, response };
}

/** A copy of the settings to compare before and after (field by field: XS freezes nothing here, but be safe). */
function snapshot(app: App): string {
	return JSON.stringify(app.settings.current);
}

const NESTED = `[`.repeat(30_000) + `]`.repeat(30_000);

test("30,000 nested arrays (60 KB) to every JSON route: 400 saying the body nests too deeply, nothing changed", (t) => {
	const { app } = setup();
	const before = snapshot(app);
	const bodies: [string, string][] = [
		["/api/setSetting", `{"setting":"chargeNowAmps","value":${NESTED}}`],
		["/api/chargeNow", `{"chargeNowRate":${NESTED},"chargeNowDuration":60}`],
		["/api/chargeNow", NESTED],
		["/api/v1/settings", `{"consumptionOffset":${NESTED}}`],
		["/api/addConsumptionOffset", `{"offsetName":"x","offsetValue":${NESTED},"offsetUnit":"W"}`],
		["/api/setScheduledChargingSettings", `{"enabled":true,"amps":${NESTED}}`],
		["/api/setLatLon", `{"lat":${NESTED}}`],
		["/api/v1/vehicleGroups", `{"group":${NESTED}}`],
		["/vehicle/groupMgmt", `{"group":${NESTED}}`],
	];
	for (const [path, body] of bodies) {
		t.true(body.length >= 60_000);
		const r = send(app, "POST", path, body);
		t.is(r.status, 400, path);
		t.regex(r.json.error, /nests too deeply/, path);
		t.true(r.response.body!.length < 500, `${path}: the error does not echo the body`);
	}
	t.is(snapshot(app), before);
	t.is(send(app, "GET", "/api/getStatus").status, 200, "the master keeps answering");
});

test("the depth scan counts brackets outside strings only and allows 32 levels", (t) => {
	t.is(MAX_JSON_DEPTH, 32);
	t.is(jsonDepth(`{"a":[1,{"b":[]}]}`), 4);
	t.is(jsonDepth(`{"a":"[[[[[[{{{{\\"[[["}`), 1, "brackets and escaped quotes inside a string do not count");
	const { app } = setup();
	const deep = (n: number) => `{"setting":"homeLat","value":${"[".repeat(n - 1)}${"]".repeat(n - 1)}}`;
	// 32 levels parse (the settings then refuse the value itself); 33 are refused before parsing.
	t.notRegex(send(app, "POST", "/api/setSetting", deep(32)).json.error, /nests too deeply/);
	t.regex(send(app, "POST", "/api/setSetting", deep(33)).json.error, /nests too deeply \(more than 32 levels/);
	t.is(send(app, "POST", "/api/setSetting", { setting: "homeLat", value: "[".repeat(5000) }).status, 400, "a string of brackets is just a string");
	t.notRegex(send(app, "POST", "/api/setSetting", { setting: "homeLat", value: "[".repeat(5000) }).json.error, /nests too deeply/);
});

test("chargeNowDuration and chargeNowRate are read as Python's int(): hex, exponents, junk, 1e308 are 400 naming the field", (t) => {
	const { app } = setup();
	const refused: [unknown, unknown, RegExp][] = [
		[16, 1e308, /^chargeNowDuration must be a whole number of seconds from 1 to 604800 \(a week\) \(got 1e\+308\)$/],
		[16, "1e308", /^chargeNowDuration must be a whole decimal number of seconds \(got "1e308"\)$/],
		[16, "0x20", /^chargeNowDuration must be a whole decimal number of seconds \(got "0x20"\)$/],
		[16, "1e3", /^chargeNowDuration must be a whole decimal number/],
		[16, "", /^chargeNowDuration must be a whole decimal number/],
		[16, "12abc", /^chargeNowDuration must be a whole decimal number/],
		[16, "NaN", /^chargeNowDuration must be a whole decimal number/],
		[16, "Infinity", /^chargeNowDuration must be a whole decimal number/],
		[16, "3.5", /^chargeNowDuration must be a whole decimal number/],
		[16, "1__0", /^chargeNowDuration must be a whole decimal number/],
		[16, true, /^chargeNowDuration must be a whole decimal number/],
		[16, 7 * 24 * 3600 + 1, /^chargeNowDuration must be a whole number of seconds from 1 to 604800/],
		[16, "9".repeat(400), /^chargeNowDuration is too large a number of seconds \(got "9{79}…\)$/],
		["0x10", 60, /^chargeNowRate must be a whole decimal number of amps \(got "0x10"\)$/],
		["1e1", 60, /^chargeNowRate must be a whole decimal number of amps/],
		[null, 60, /^chargeNowRate must be a whole decimal number of amps \(got null\)$/],
		[0.5, 60, /^chargeNowRate must be a whole number of amps ≥ 1 \(got 0.5\)$/],
	];
	for (const [rate, duration, error] of refused) {
		const r = send(app, "POST", "/api/chargeNow", { chargeNowRate: rate, chargeNowDuration: duration });
		t.is(r.status, 400, JSON.stringify([rate, duration]));
		t.regex(r.json.error, error);
	}
	t.is(app.settings.current.chargeNowAmps, 0, "nothing stored");
	t.is(app.settings.current.chargeNowTimeEnd, 0);
});

test("chargeNow accepts what int() accepts: blanks, a sign, underscores, a fraction cut, a week", (t) => {
	const { app, clock } = setup();
	const cases: [unknown, unknown, number, number][] = [
		[" 16 ", "+3_600", 16, 3600],
		["20", 7 * 24 * 3600, 20, 604800],
		[12.9, 59.99, 12, 59],
	];
	for (const [rate, duration, amps, seconds] of cases) {
		const r = send(app, "POST", "/api/chargeNow", { chargeNowRate: rate, chargeNowDuration: duration });
		t.is(r.status, 200);
		t.deepEqual(r.json, { status: "success", rate: amps, duration: seconds });
		t.is(app.settings.current.chargeNowAmps, amps);
		t.is(app.settings.current.chargeNowTimeEnd, Math.floor(clock.now() / 1000) + seconds);
	}
});

test("a chargeNowRate below what a car can be offered succeeds with warnings saying nothing will charge", (t) => {
	const { app } = setup();
	const low = send(app, "POST", "/api/chargeNow", { chargeNowRate: 4, chargeNowDuration: 600 });
	t.is(low.status, 200);
	t.is(low.json.status, "success");
	t.is(low.json.rate, 4);
	t.is(low.json.duration, 600);
	t.true(Array.isArray(low.json.warnings) && low.json.warnings.length === 1, JSON.stringify(low.json));
	t.regex(low.json.warnings[0], /4 A is below minAmpsPerTWC \(6\)/);
	// minAmpsPerTWC below the unit's own 6 A floor: the floor still rules.
	const { app: lax } = setup({ minAmpsPerTWC: 2 });
	const r = send(lax, "POST", "/api/chargeNow", { chargeNowRate: 5, chargeNowDuration: 600 });
	t.is(r.status, 200);
	t.deepEqual(r.json.warnings, ["chargeNowRate: 5 A is below the 6 A a wall connector offers at least: a car gets 0 A, so nothing charges at this rate"]);
	// At the floor: the plain TWCManager answer.
	t.deepEqual(send(lax, "POST", "/api/chargeNow", { chargeNowRate: 6, chargeNowDuration: 600 }).json, { status: "success", rate: 6, duration: 600 });
});

test("setScheduledChargingSettings reads minutes and amps with int(): \"0x20\" is 400, 90.7 is 90", (t) => {
	const { app } = setup();
	const before = snapshot(app);
	for (const [key, value] of [["startingMinute", "0x20"], ["endingMinute", "1e2"], ["amps", "16A"], ["flexBatterySize", "0x40"]] as const) {
		const body: Record<string, unknown> = { enabled: true, startingMinute: 60, endingMinute: 120, amps: 16, monday: true, [key]: value };
		const r = send(app, "POST", "/api/setScheduledChargingSettings", body);
		t.is(r.status, 400, key);
		t.regex(r.json.error, new RegExp(`^${key} must be a whole decimal number`));
	}
	t.is(snapshot(app), before);
	const ok = send(app, "POST", "/api/setScheduledChargingSettings", { enabled: true, startingMinute: 90.7, endingMinute: "120", amps: 16, monday: true });
	t.is(ok.status, 202);
	t.is(app.settings.current.scheduledAmpsStartHour, 1.5);
	t.is(app.settings.current.scheduledAmpsEndHour, 2);
});

test("deleting a consumption offset that is only an inherited name (toString, __proto__, constructor) is 404", (t) => {
	const { app } = setup();
	t.is(send(app, "POST", "/api/addConsumptionOffset", { offsetName: "house", offsetValue: 500, offsetUnit: "W" }).status, 200);
	const before = snapshot(app);
	for (const name of ["toString", "__proto__", "constructor", "hasOwnProperty", "nothing"]) {
		const r = send(app, "POST", "/api/deleteConsumptionOffset", { offsetName: name });
		t.is(r.status, 404, name);
		t.is(r.json.error, `no consumption offset named ${JSON.stringify(name)}`);
	}
	t.is(snapshot(app), before);
	t.is(send(app, "POST", "/api/deleteConsumptionOffset", { offsetName: "house" }).status, 200);
	t.deepEqual(send(app, "GET", "/api/getConsumptionOffsets").json, {});
});

test("malformed JSON on /vehicle/groupMgmt is 400 \"malformed JSON body\", not \"unknown group\"", (t) => {
	const { app } = setup();
	const before = snapshot(app);
	for (const body of [`{"group": "Allow Charging", "operation": "add"`, `{group: 1}`, `[1, 2]`]) {
		const r = send(app, "POST", "/vehicle/groupMgmt", body);
		t.is(r.status, 400, body);
		t.regex(r.json.error, /^(malformed JSON body|JSON body must be an object)/, body);
	}
	t.is(snapshot(app), before);
	// The form still works.
	const form = send(app, "POST", "/vehicle/groupMgmt", "group=Allow+Charging&operation=add&vin=5YJ3E1EA4KF317001");
	t.is(form.status, 200, JSON.stringify(form.json));
	t.deepEqual(app.settings.current.VehicleGroups["Allow Charging"].Members, ["5YJ3E1EA4KF317001"]);
});

test("a known path with the wrong method is 405 with Allow; HEAD answers like GET without a body; OPTIONS lists the methods", (t) => {
	const { app } = setup();
	const post = send(app, "GET", "/api/chargeNow");
	t.is(post.status, 405);
	t.deepEqual(post.response.headers, { Allow: "POST, OPTIONS" });
	t.regex(post.json.error, /^\/api\/chargeNow does not take GET/);
	for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
		const r = send(app, method, "/api/getStatus");
		t.is(r.status, 405, method);
		t.deepEqual(r.response.headers, { Allow: "GET, HEAD, OPTIONS" });
		t.is(typeof r.json.error, "string");
	}
	const both = send(app, "PUT", "/api/v1/settings");
	t.deepEqual(both.response.headers, { Allow: "GET, POST, HEAD, OPTIONS" });
	const get = send(app, "GET", "/api/getStatus");
	const head = send(app, "HEAD", "/api/getStatus");
	t.is(head.status, 200);
	t.is(head.response.contentType, get.response.contentType);
	t.is(head.response.body, undefined);
	t.is(send(app, "HEAD", "/api/chargeNow").status, 405, "HEAD only where GET is");
	const options = send(app, "OPTIONS", "/api/v1/settings");
	t.is(options.status, 204);
	t.deepEqual(options.response.headers, { Allow: "GET, POST, HEAD, OPTIONS" });
	t.is(send(app, "GET", "/api/nothing").status, 404);
	t.is(send(app, "HEAD", "/api/nothing").status, 404);
});

test("every refusal has a JSON error string, /api/v1/settings included (its errors list stays)", (t) => {
	const { app } = setup();
	const settings = send(app, "POST", "/api/v1/settings", { chargeNowAmps: 99, nonScheduledAction: 7 });
	t.is(settings.status, 400);
	t.true(Array.isArray(settings.json.errors) && settings.json.errors.length === 2);
	t.is(settings.json.error, settings.json.errors.join("; "));
	const refusals: [string, string, unknown][] = [
		["POST", "/api/v1/settings", "not json"],
		["POST", "/api/v1/settings", []],
		["POST", "/api/v1/settings", { nope: 1 }],
		["POST", "/api/chargeNow", "{"],
		["POST", "/api/chargeNow", { chargeNowRate: 0, chargeNowDuration: 60 }],
		["POST", "/api/setSetting", { value: 1 }],
		["POST", "/api/setSetting", { setting: "chargeNowAmps", value: -1 }],
		["POST", "/api/setLatLon", { lat: 999, lon: 0 }],
		["POST", "/api/setScheduledChargingSettings", { enabled: true, startingMinute: -5 }],
		["POST", "/api/addConsumptionOffset", { offsetValue: 1 }],
		["POST", "/api/deleteConsumptionOffset", {}],
		["POST", "/api/v1/vehicleGroups", { group: "Nope", operation: "add", vin: "x" }],
		["POST", "/vehicle/groupMgmt", "group=Nope&operation=add"],
		["GET", "/api/setSetting", ""],
		["GET", "/nothing", ""],
	];
	for (const [method, path, body] of refusals) {
		const r = send(app, method, path, body);
		t.true(r.status >= 400 && r.status < 500, `${method} ${path} ${JSON.stringify(body)}: ${r.status}`);
		t.is(typeof r.json.error, "string", `${method} ${path} ${JSON.stringify(body)}`);
		t.true(r.json.error.length > 0);
	}
	t.regex(send(app, "POST", "/api/chargeNow", "{").json.error, /^malformed JSON body/);
	t.is(send(app, "POST", "/api/chargeNow", "").json.error, "malformed JSON body: the body is empty");
	t.is(send(app, "POST", "/api/chargeNow", "[]").json.error, "JSON body must be an object (got an array)");
});
