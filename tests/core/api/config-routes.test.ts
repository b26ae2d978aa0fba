/**
 * GET/POST /api/v1/config (src/api/config-routes.ts): the stored document with secrets hidden, a
 * patch checked with the host's config.json checks (parseConfig) plus a device key, stored whole,
 * refusals naming the key and storing nothing. Runs in Node and in XS.
 */
import test from "ava";
import { App } from "../../../src/app.js";
import { addConfigRoutes, type ConfigStore } from "../../../src/api/config-routes.js";
import { Router } from "../../../src/api/router.js";
import { parseConfig } from "../../../src/config/config.js";
import type { HttpResponse } from "../../../src/platform/http-server.js";
import { silentLog } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { ScriptedPort } from "../support/scripted-bus.js";

const STORED = {
	config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 },
	interface: { RS485: { enabled: true } },
	device: { httpPort: 80, ssid: "home", password: "hunter22" },
};

/** A store in memory whose checks are parseConfig's (a real bus) plus one device key. */
function memoryStore(initial: unknown = STORED) {
	const state = { text: initial === undefined ? undefined : JSON.stringify(initial), writes: 0, failWrite: false };
	const store: ConfigStore = {
		read: () => state.text,
		write(text) {
			if (state.failWrite) throw new Error("flash full");
			state.text = text;
			state.writes++;
		},
		validate(document) {
			const core: Record<string, unknown> = {};
			for (const key of Object.keys(document)) if (key !== "device") core[key] = document[key];
			const result = parseConfig(core, { requireWiringLimits: true });
			const errors = [...result.errors];
			const device = (document.device ?? {}) as Record<string, unknown>;
			const port = device.httpPort;
			if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
				errors.push(`device.httpPort: must be a whole number from 1 to 65535 (got ${JSON.stringify(port)})`);
			}
			return { errors, warnings: result.warnings };
		},
	};
	const router = new Router(silentLog);
	addConfigRoutes(router, store);
	return { state, router };
}

function send(router: Router, method: string, path: string, body: unknown = "") {
	const text = typeof body === "string" ? body : JSON.stringify(body);
	const response: HttpResponse = router.handle({ method, path, query: new Map(), headers: new Map(), body: text });
	return { status: response.status, json: response.body ? JSON.parse(response.body) : null };
}

test("GET /api/v1/config answers the stored document with the password shown as (set)", (t) => {
	const { router } = memoryStore();
	const r = send(router, "GET", "/api/v1/config");
	t.is(r.status, 200);
	t.deepEqual(r.json.config.config, STORED.config);
	t.is(r.json.config.device.password, "(set)");
	t.is(r.json.config.device.ssid, "home");
	t.false(JSON.stringify(r.json).includes("hunter22"), "the password never leaves the device");
	t.false(r.json.restartRequired);
});

test("an empty password is shown empty, not (set)", (t) => {
	const { router } = memoryStore({ ...STORED, device: { password: "" } });
	t.is(send(router, "GET", "/api/v1/config").json.config.device.password, "");
});

test("POST a patch: stored whole, answers what changed and that a restart applies it", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", { config: { minAmpsPerTWC: 8 }, device: { httpPort: 8088 } });
	t.is(r.status, 200, JSON.stringify(r.json));
	t.true(r.json.saved);
	t.true(r.json.restartRequired);
	t.deepEqual(r.json.changed, { "config.minAmpsPerTWC": { from: 6, to: 8 }, "device.httpPort": { from: 80, to: 8088 } });
	const stored = JSON.parse(state.text!);
	t.is(stored.config.minAmpsPerTWC, 8);
	t.is(stored.config.wiringMaxAmpsAllTWCs, 40, "keys the patch does not name are kept");
	t.is(stored.device.password, "hunter22");
	t.is(stored.device.httpPort, 8088);
	const after = send(router, "GET", "/api/v1/config");
	t.is(after.json.config.config.minAmpsPerTWC, 8);
	t.true(after.json.restartRequired, "GET says the running configuration is not the stored one");
});

test("a wiring limit of 0 is refused with the key named, and nothing is stored", (t) => {
	const { router, state } = memoryStore();
	const before = state.text;
	const r = send(router, "POST", "/api/v1/config", { config: { wiringMaxAmpsAllTWCs: 0 } });
	t.is(r.status, 400);
	t.regex(r.json.error, /^config\.wiringMaxAmpsAllTWCs: must be a number from 1 to 500/);
	t.false(r.json.saved);
	t.is(state.text, before);
	t.is(state.writes, 0);
	t.false(send(router, "GET", "/api/v1/config").json.restartRequired);
});

test("the checks judge the whole document: a minimum above the stored wiring limit is refused", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", { config: { minAmpsPerTWC: 33 } });
	t.is(r.status, 400);
	t.regex(r.json.error, /^config\.minAmpsPerTWC \(33\) is above config\.wiringMaxAmpsPerTWC \(32\)/);
	t.is(state.writes, 0);
});

test("null removes a key: removing a wiring limit is refused (required on a real bus)", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", { config: { wiringMaxAmpsPerTWC: null } });
	t.is(r.status, 400);
	t.regex(r.json.error, /^config\.wiringMaxAmpsPerTWC: required on a real bus/);
	t.is(state.writes, 0);
	const removed = send(router, "POST", "/api/v1/config", { device: { ssid: null } });
	t.is(removed.status, 200);
	t.deepEqual(removed.json.changed, { "device.ssid": { from: "home" } });
	t.false("ssid" in JSON.parse(state.text!).device);
});

test("a device key is checked too: httpPort 70000 refused naming device.httpPort", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", { device: { httpPort: 70000 } });
	t.is(r.status, 400);
	t.regex(r.json.error, /^device\.httpPort: /);
	t.is(state.writes, 0);
});

test("GET's (set) sent back keeps the password; a new password is stored and shown as changed, never echoed", (t) => {
	const { router, state } = memoryStore();
	const got = send(router, "GET", "/api/v1/config").json.config;
	got.config.minAmpsPerTWC = 7;
	const r = send(router, "POST", "/api/v1/config", got);
	t.is(r.status, 200);
	t.deepEqual(r.json.changed, { "config.minAmpsPerTWC": { from: 6, to: 7 } });
	t.is(JSON.parse(state.text!).device.password, "hunter22");
	const changed = send(router, "POST", "/api/v1/config", { device: { password: "new secret" } });
	t.deepEqual(changed.json.changed, { "device.password": { from: "(set)", to: "(set)" } });
	t.is(JSON.parse(state.text!).device.password, "new secret");
	t.false(JSON.stringify(changed.json).includes("new secret"));
});

test("a patch that changes nothing stores nothing", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", { config: { minAmpsPerTWC: 6 } });
	t.is(r.status, 200);
	t.false(r.json.saved);
	t.deepEqual(r.json.changed, {});
	t.is(state.writes, 0);
});

test("bad bodies: not JSON, a section that is not an object, nesting too deep: 400, nothing stored", (t) => {
	const { router, state } = memoryStore();
	t.is(send(router, "POST", "/api/v1/config", "{not json").status, 400);
	const section = send(router, "POST", "/api/v1/config", { device: 5 });
	t.is(section.status, 400);
	t.regex(section.json.error, /^device: must be an object/);
	const deep = send(router, "POST", "/api/v1/config", `{"config":${"[".repeat(100)}${"]".repeat(100)}}`);
	t.is(deep.status, 400);
	t.regex(deep.json.error, /nests too deeply/);
	t.is(state.writes, 0);
});

test("a document above the size cap is refused", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", { device: { hostname: "x".repeat(9000) } });
	t.is(r.status, 400);
	t.regex(r.json.error, /more than 8192/);
	t.is(state.writes, 0);
});

test("a failed write answers 500 NOT saved, and the stored document is unchanged", (t) => {
	const { router, state } = memoryStore();
	state.failWrite = true;
	const r = send(router, "POST", "/api/v1/config", { config: { minAmpsPerTWC: 8 } });
	t.is(r.status, 500);
	t.regex(r.json.error, /NOT saved: Error: flash full/);
	t.false(r.json.saved);
	t.is(send(router, "GET", "/api/v1/config").json.config.config.minAmpsPerTWC, 6);
	t.false(send(router, "GET", "/api/v1/config").json.restartRequired);
});

test("a __proto__ key in a patch is plain data, not the prototype", (t) => {
	const { router, state } = memoryStore();
	const r = send(router, "POST", "/api/v1/config", `{"device":{"__proto__":{"polluted":1},"hostname":"twc"}}`);
	t.is(r.status, 200);
	const stored = JSON.parse(state.text!);
	t.is(stored.device.hostname, "twc");
	t.is(({} as Record<string, unknown>).polluted, undefined);
});

test("a stored document that is not JSON: GET says so (500), a whole valid POST replaces it", (t) => {
	const { router, state } = memoryStore();
	state.text = "{broken";
	const r = send(router, "GET", "/api/v1/config");
	t.is(r.status, 500);
	t.regex(r.json.error, /not valid JSON/);
	const fixed = send(router, "POST", "/api/v1/config", STORED);
	t.is(fixed.status, 200);
	t.is(JSON.parse(state.text!).config.wiringMaxAmpsAllTWCs, 40);
});

test("the App serves /api/v1/config when given a store, and not without one", (t) => {
	const make = (configStore?: ConfigStore) => {
		const clock = new VirtualClock();
		const parsed = parseConfig({ config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32 } });
		return new App({ clock, log: silentLog, random: seededRandom(1), bus: new ScriptedPort(clock) }, parsed.config!, { configStore });
	};
	const { state } = memoryStore();
	const store: ConfigStore = { read: () => state.text, write: (text) => (state.text = text), validate: () => ({ errors: [], warnings: [] }) };
	const withStore = make(store);
	const r = send(withStore.router, "GET", "/api/v1/config");
	t.is(r.status, 200);
	t.is(r.json.config.config.wiringMaxAmpsAllTWCs, 40);
	t.is(send(make().router, "GET", "/api/v1/config").status, 404);
});
