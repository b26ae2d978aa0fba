import test from "ava";
import { Router } from "../../../src/api/router.js";
import { addSetupRoutes, basicPassword, type NetworkState, type SetupValues } from "../../../src/api/setup-routes.js";
import type { HttpRequest } from "../../../src/platform/http-server.js";
import { silentLog } from "../../../src/platform/log.js";

function setup(options: { saveError?: string; authorize?: (request: HttpRequest) => string | undefined } = {}) {
	const saved: SetupValues[] = [];
	const network: NetworkState = { mode: "accessPoint", ssid: "", hostname: "twc-1a2b.local", since: 1_000, reason: "no network configured" };
	const router = new Router(silentLog);
	addSetupRoutes(router, {
		network: () => network,
		current: () => ({ hostname: "twc-1a2b" }),
		networks: () => [{ ssid: "home <5G>", rssi: -50 }, { ssid: "neighbour", rssi: -80 }],
		save: (values) => {
			if (options.saveError !== undefined) return options.saveError;
			saved.push(values);
			return undefined;
		},
		next: () => "The charger restarts in 2 s and joins the network as a station.",
		authorize: options.authorize,
	});
	const send = (method: string, path: string, body = "", contentType?: string) => {
		const headers = new Map<string, string>();
		if (contentType !== undefined) headers.set("content-type", contentType);
		return router.handle({ method, path, query: new Map(), headers, body });
	};
	return { saved, send, network };
}

const FORM = "application/x-www-form-urlencoded";
const GOOD = "ssid=home+net&password=wifi%2Dpass%26word&adminPassword=admin-secret&wiringMaxAmpsAllTWCs=40&wiringMaxAmpsPerTWC=32";

test("GET /setup is a small page that works on a phone: viewport, inline CSS, no outside resources, the form fields", (t) => {
	const { send } = setup();
	const response = send("GET", "/setup");
	t.is(response.status, 200);
	t.regex(response.contentType ?? "", /^text\/html/);
	const html = response.body ?? "";
	t.regex(html, /<meta name="viewport" content="width=device-width/);
	t.regex(html, /<style>/);
	t.notRegex(html, /https?:\/\//, "no CDN, nothing from elsewhere");
	t.notRegex(html, /<script/);
	for (const name of ["ssid", "password", "adminPassword", "wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC", "hostname"]) {
		t.regex(html, new RegExp(`name="${name}"`), name);
	}
	t.regex(html, /<form method="post" action="\/setup">/);
	t.true(html.includes(`<option value="home &lt;5G&gt;">`), "nearby networks offered, escaped");
	t.true(html.includes(`value="twc-1a2b"`), "the current name filled in");
	t.true(html.length < 6000, `small: ${html.length} bytes`);
});

test("POST /setup (form): valid values are stored and the answer says what happens next", (t) => {
	const { send, saved } = setup();
	const response = send("POST", "/setup", GOOD, FORM);
	t.is(response.status, 200);
	t.deepEqual(saved, [{ ssid: "home net", password: "wifi-pass&word", adminPassword: "admin-secret", wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32 }]);
	t.regex(response.body ?? "", /Saved\./);
	t.regex(response.body ?? "", /restarts in 2 s and joins the network as a station/);
});

test("POST /setup (JSON): the same fields, a JSON answer", (t) => {
	const { send, saved } = setup();
	const response = send("POST", "/setup", JSON.stringify({ ssid: "home", password: "", adminPassword: "12345678", wiringMaxAmpsAllTWCs: 24, wiringMaxAmpsPerTWC: 16, hostname: "Garage" }), "application/json");
	t.is(response.status, 200);
	const body = JSON.parse(response.body ?? "{}");
	t.is(body.saved, true);
	t.regex(body.next, /station/);
	t.deepEqual(saved, [{ ssid: "home", password: "", adminPassword: "12345678", wiringMaxAmpsAllTWCs: 24, wiringMaxAmpsPerTWC: 16, hostname: "garage" }]);
});

test("a missing wiring limit is refused: the error names the field, says no car charges, and nothing is stored", (t) => {
	const { send, saved } = setup();
	for (const missing of ["wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC"]) {
		const body = GOOD.split("&").filter((part) => !part.startsWith(`${missing}=`)).join("&");
		const response = send("POST", "/setup", body, FORM);
		t.is(response.status, 400, missing);
		t.true((response.body ?? "").includes(`${missing}: required`), `${missing} named`);
		t.regex(response.body ?? "", /no car charges until both wiring limits are set/);
		// Also when sent empty.
		const empty = send("POST", "/setup", JSON.stringify({ ssid: "home", adminPassword: "admin-secret", wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, [missing]: "" }), "application/json");
		t.is(empty.status, 400);
		t.deepEqual(JSON.parse(empty.body ?? "{}").errors.map((e: { field: string }) => e.field), [missing]);
	}
	t.deepEqual(saved, []);
});

test("every bad field is named, with the configuration's own ranges, and the form comes back with what was typed", (t) => {
	const { send, saved } = setup();
	const response = send(
		"POST",
		"/setup",
		JSON.stringify({ ssid: "", password: "short", adminPassword: "abc", wiringMaxAmpsAllTWCs: 900, wiringMaxAmpsPerTWC: "lots", hostname: "-bad name" }),
		"application/json",
	);
	t.is(response.status, 400);
	const body = JSON.parse(response.body ?? "{}");
	t.deepEqual(body.errors.map((e: { field: string }) => e.field).sort(), ["adminPassword", "hostname", "password", "ssid", "wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC"]);
	const byField = new Map<string, string>(body.errors.map((e: { field: string; message: string }) => [e.field, e.message]));
	t.is(byField.get("wiringMaxAmpsAllTWCs"), "wiringMaxAmpsAllTWCs: must be a number from 1 to 500 (got 900)");
	t.is(byField.get("wiringMaxAmpsPerTWC"), `wiringMaxAmpsPerTWC: must be a number from 1 to 80 (got "lots")`);
	t.regex(byField.get("password") ?? "", /8 to 63 characters \(got 5\)/);
	t.regex(byField.get("adminPassword") ?? "", /at least 8 characters/);
	t.deepEqual(saved, []);

	const form = send("POST", "/setup", "ssid=home&password=wifi-password&adminPassword=admin-secret&wiringMaxAmpsAllTWCs=40&wiringMaxAmpsPerTWC=0", FORM);
	t.is(form.status, 400);
	t.regex(form.contentType ?? "", /^text\/html/);
	t.true((form.body ?? "").includes("wiringMaxAmpsPerTWC: must be a number from 1 to 80 (got &quot;0&quot;)"));
	t.true((form.body ?? "").includes(`value="home"`), "typed values kept");
	t.true((form.body ?? "").includes(`value="40"`));
});

test("a per-connector limit below the minimum current is refused: no car could ever charge", (t) => {
	const { send, saved } = setup();
	const response = send("POST", "/setup", JSON.stringify({ ssid: "home", adminPassword: "admin-secret", wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 5 }), "application/json");
	t.is(response.status, 400);
	const body = JSON.parse(response.body ?? "{}");
	t.is(body.errors[0].field, "wiringMaxAmpsPerTWC");
	t.regex(body.errors[0].message, /no car could ever charge/);
	t.deepEqual(saved, []);
});

test("storage that fails: 500 naming it, the typed values come back", (t) => {
	const { send } = setup({ saveError: "flash full" });
	const response = send("POST", "/setup", GOOD, FORM);
	t.is(response.status, 500);
	t.true((response.body ?? "").includes("not saved: flash full"));
	t.true((response.body ?? "").includes(`value="home net"`));
});

test("a badly encoded form and a non-object JSON body are refused with a reason", (t) => {
	const { send, saved } = setup();
	const bad = send("POST", "/setup", "ssid=%E0%A4%A&adminPassword=x", FORM);
	t.is(bad.status, 400);
	t.true((bad.body ?? "").includes("ssid: badly encoded form value"));
	const list = send("POST", "/setup", "[1,2]", "application/json");
	t.is(list.status, 400);
	t.regex(JSON.parse(list.body ?? "{}").error, /JSON object/);
	t.deepEqual(saved, []);
});

test("once an admin password is stored, the setup page and its form ask for it (401 with a Basic challenge); nothing stored without it", (t) => {
	const stored = "pässword-1%41";
	const { saved, send } = setup({ authorize: (request) => (basicPassword(request) === stored ? undefined : "the admin password is required") });
	for (const [method, body] of [["GET", ""], ["POST", GOOD]]) {
		const response = send(method, "/setup", body, FORM);
		t.is(response.status, 401, method);
		t.regex(response.headers?.["WWW-Authenticate"] ?? "", /^Basic realm=/);
		t.true((response.body ?? "").includes("the admin password is required"));
	}
	t.deepEqual(saved, []);
	// A browser sends user:password as UTF-8 in base64 (here "admin:pässword-1%41").
	const utf8 = "admin:p\u00c3\u00a4ssword-1%41";
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	let b64 = "";
	for (let i = 0; i < utf8.length; i += 3) {
		const n = (utf8.charCodeAt(i) << 16) | ((utf8.charCodeAt(i + 1) || 0) << 8) | (utf8.charCodeAt(i + 2) || 0);
		b64 += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63] + (i + 1 < utf8.length ? alphabet[(n >> 6) & 63] : "=") + (i + 2 < utf8.length ? alphabet[n & 63] : "=");
	}
	const request = { method: "POST", path: "/setup", query: new Map(), headers: new Map([["authorization", `Basic ${b64}`]]), body: "" };
	t.is(basicPassword(request), stored);
});

test("GET /api/v1/network answers mode, ssid, ip, rssi, hostname and since", (t) => {
	const { send, network } = setup();
	Object.assign(network, { mode: "station", ssid: "home", ip: "192.168.1.40", rssi: -58, since: 5_000, reason: undefined });
	const response = send("GET", "/api/v1/network");
	t.is(response.status, 200);
	t.deepEqual(JSON.parse(response.body ?? "{}"), { mode: "station", ssid: "home", ip: "192.168.1.40", rssi: -58, hostname: "twc-1a2b.local", since: 5_000 });
});
