/**
 * GET /api/v1/log (src/api/log-routes.ts): the recent log lines, newest last, from a log that keeps
 * a ring; through the App, from the platform's log. Runs in Node and in XS.
 */
import test from "ava";
import { App } from "../../../src/app.js";
import { addLogRoutes, type LogRing } from "../../../src/api/log-routes.js";
import { Router } from "../../../src/api/router.js";
import { parseConfig } from "../../../src/config/config.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { silentLog } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { ScriptedPort } from "../support/scripted-bus.js";

/** A log with a ring of its last `size` lines, like TraceLog and ConsoleLog. */
class RingLog implements Log, LogRing {
	lines: string[] = [];
	constructor(readonly size = 5) {}
	write(level: LogLevel, topic: string, message: string): void {
		this.lines.push(`${level} ${topic}: ${message}`);
		if (this.lines.length > this.size) this.lines.shift();
	}
	recentLines(): readonly string[] {
		return this.lines;
	}
}

function get(router: Router, path: string, query: [string, string][] = []) {
	const response = router.handle({ method: "GET", path, query: new Map(query), headers: new Map(), body: "" });
	return { status: response.status, json: response.body ? JSON.parse(response.body) : null };
}

test("GET /api/v1/log answers the kept lines, newest last", (t) => {
	const log = new RingLog(3);
	const router = new Router(silentLog);
	addLogRoutes(router, log);
	for (let i = 1; i <= 5; i++) log.write("info", "test", `line ${i}`);
	const r = get(router, "/api/v1/log");
	t.is(r.status, 200);
	t.deepEqual(r.json.lines, ["info test: line 3", "info test: line 4", "info test: line 5"]);
	t.true(r.json.kept);
});

test("?lines=N keeps the newest N; a bad N is a 400 naming lines", (t) => {
	const log = new RingLog(5);
	const router = new Router(silentLog);
	addLogRoutes(router, log);
	for (let i = 1; i <= 4; i++) log.write("warn", "t", `m${i}`);
	t.deepEqual(get(router, "/api/v1/log", [["lines", "2"]]).json.lines, ["warn t: m3", "warn t: m4"]);
	t.deepEqual(get(router, "/api/v1/log", [["lines", "0"]]).json.lines, []);
	t.is(get(router, "/api/v1/log", [["lines", "99"]]).json.lines.length, 4);
	for (const bad of ["-1", "x", "1.5", ""]) {
		const r = get(router, "/api/v1/log", [["lines", bad]]);
		t.is(r.status, 400, bad);
		t.regex(r.json.error, /^lines: /, bad);
	}
});

test("a log without a ring: an empty list that says so", (t) => {
	const router = new Router(silentLog);
	addLogRoutes(router, undefined);
	const r = get(router, "/api/v1/log");
	t.is(r.status, 200);
	t.deepEqual(r.json.lines, []);
	t.false(r.json.kept);
});

test("through the App: the platform log's recent lines, including what the master logged", (t) => {
	const clock = new VirtualClock();
	const log = new RingLog(50);
	const parsed = parseConfig({ config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32 } });
	const app = new App({ clock, log, random: seededRandom(1), bus: new ScriptedPort(clock) }, parsed.config!);
	app.start();
	clock.advance(2000);
	log.write("error", "test", "the newest entry");
	const r = get(app.router, "/api/v1/log");
	t.is(r.status, 200);
	t.true(r.json.lines.length >= 2, JSON.stringify(r.json.lines));
	t.is(r.json.lines[r.json.lines.length - 1], "error test: the newest entry");
});
