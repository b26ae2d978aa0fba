/**
 * The energy-source framework (issue 11 §1, §5): config sections, polling, failures as values,
 * stale and implausible readings, sums as TWCManager makes them.
 */
import test from "ava";
import { EnergyReadings } from "../../../src/energy/readings.js";
import { createSources } from "../../../src/energy/registry.js";
import { HttpSource } from "../../../src/energy/http-source.js";
import { emptyReading, type EnergySource, type PollResult, type SourceContext, type SourceDefinition } from "../../../src/energy/source.js";
import { SourcePoller, sumReadings } from "../../../src/energy/source-poller.js";
import { numberFrom, SectionReader, valueAt } from "../../../src/energy/source-values.js";
import type { HttpClient, HttpClientRequest, HttpClientResult } from "../../../src/platform/http-client.js";
import { silentLog } from "../../../src/platform/log.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";

/** A source whose next answers the test sets (undefined: never answers). */
class ScriptedSource implements EnergySource {
	readonly intervalS = 10;
	answers: (PollResult | undefined)[] = [];
	polls = 0;
	closed = false;
	/** With no scripted answer left: hang (never answer) instead of a good reading. */
	hang = false;
	constructor(readonly name: string) {}
	poll(done: (result: PollResult) => void): void {
		this.polls++;
		const answer = this.answers.length > 0 ? this.answers.shift() : this.hang ? undefined : { ok: true as const, reading: { ...emptyReading(), generationW: 1000, consumptionW: 400 } };
		if (answer) done(answer);
	}
	close(): void {
		this.closed = true;
	}
}

function definition(name: string): SourceDefinition {
	return {
		name,
		summary: "test",
		create: (section) => (typeof section.serverIP === "string" ? new ScriptedSource(name) : `sources.${name}.serverIP: required`),
	};
}

const context = (clock: VirtualClock): SourceContext => ({ clock, log: silentLog });

test("sources: enabled sections are built, disabled ones skipped, unknown ones named, bad keys named", (t) => {
	const clock = new VirtualClock();
	const defs = [definition("Fronius"), definition("Enphase")];
	const made = createSources(
		{ Fronius: { enabled: true, serverIP: "10.0.0.2" }, Enphase: { enabled: false }, Victron: { enabled: true }, Powerwall: "yes" },
		context(clock),
		defs,
	);
	t.deepEqual(made.sources.map((s) => s.name), ["Fronius"]);
	t.deepEqual(made.warnings, ["sources.Victron: unknown energy system (known: Fronius, Enphase), ignored", "sources.Powerwall: unknown energy system (known: Fronius, Enphase), ignored"]);
	const bad = createSources({ Enphase: { enabled: "true" } }, context(clock), defs);
	t.deepEqual(bad.errors, ["sources.Enphase.serverIP: required"]);
	t.deepEqual(createSources("all of them", context(clock), defs).errors, ["sources: must be an object with one section per energy system"]);
});

test("config keys as TWCManager's users write them: a port as text, numbers as text, the key named in errors", (t) => {
	const r = new SectionReader("Fronius", { serverIP: "192.168.1.5", serverPort: "80", cacheTime: "15", inverterIDs: [1, "2"] });
	t.is(r.string("serverIP"), "192.168.1.5");
	t.is(r.port("serverPort", 443), 80);
	t.is(r.number("cacheTime", 10, 1, 3600), 15);
	t.deepEqual(r.strings("inverterIDs"), ["1", "2"]);
	t.is(r.error, undefined);
	const bad = new SectionReader("Fronius", { serverPort: "eighty" });
	bad.string("serverIP");
	bad.port("serverPort", 80);
	t.is(bad.error, "sources.Fronius.serverIP: required", "the first problem");
	const port = new SectionReader("TED", { serverPort: 70000 });
	port.port("serverPort", 80);
	t.is(port.error, "sources.TED.serverPort: must be a port number from 1 to 65535 (got 70000)");
	t.is(numberFrom(" 12.5 "), 12.5);
	t.is(numberFrom("unavailable"), undefined);
	t.is(valueAt({ Body: { Data: { Site: { P_PV: 1834 } } } }, "Body.Data.Site.P_PV"), 1834);
	t.is(valueAt({ production: [{}, { wNow: 488 }] }, "production[1].wNow"), 488);
	t.is(valueAt({ a: 1 }, "toString"), undefined, "no inherited properties");
});

test("the poller feeds the readings, keeps each source's state, and a failing source keeps its reason", (t) => {
	const clock = new VirtualClock();
	const readings = new EnergyReadings({ log: silentLog, staleSeconds: 60 });
	const good = new ScriptedSource("Fronius");
	const failing = new ScriptedSource("Enphase");
	failing.answers = Array.from({ length: 10 }, () => ({ ok: false as const, error: "Enphase: http://10.0.0.3/production.json: connection refused" }));
	const poller = new SourcePoller({ sources: [good, failing], clock, log: silentLog, readings });
	poller.start();
	clock.advance(35_000);
	t.true(good.polls >= 4, "polled at its interval");
	const [a, b] = poller.states;
	t.like(a, { name: "Fronius", ok: true, error: null });
	t.is(a.reading?.generationW, 1000);
	t.like(b, { name: "Enphase", ok: false, error: "Enphase: http://10.0.0.3/production.json: connection refused" });
	t.true(b.failures >= 3);
	t.like(readings.latest(clock.now()), { generationW: 1000, consumptionW: 400 });
	poller.stop();
	t.true(good.closed && failing.closed);
});

test("a source that never answers is given up after 30 s, and its last good value ages out of the readings", (t) => {
	const clock = new VirtualClock();
	const readings = new EnergyReadings({ log: silentLog, staleSeconds: 60 });
	const source = new ScriptedSource("TED");
	// Good at first, then it hangs.
	source.answers = [{ ok: true, reading: { ...emptyReading(), generationW: 3000, consumptionW: 500 } }];
	source.hang = true;
	const poller = new SourcePoller({ sources: [source], clock, log: silentLog, readings });
	poller.start();
	clock.advance(10_000); // second poll: never answers
	clock.advance(31_000);
	t.like(poller.states[0], { ok: false, error: "TED: no answer within 30 s" });
	clock.advance(40_000);
	t.is(readings.latest(clock.now()), undefined, "stale: no surplus from it");
	poller.stop();
});

test("sums as TWCManager makes them: consumption added, a negative generation turned positive (§0.2), failed sources left out", (t) => {
	const r = (g: number | null, c: number | null) => ({ ...emptyReading(), generationW: g, consumptionW: c });
	const states = [
		{ name: "A", ok: true, reading: r(1834, 2218.9), error: null, lastPollAt: 0, lastGoodAt: 0, failures: 0 },
		{ name: "B", ok: true, reading: r(-500, null), error: null, lastPollAt: 0, lastGoodAt: 0, failures: 0 },
		{ name: "C", ok: false, reading: r(9999, 9999), error: "x", lastPollAt: 0, lastGoodAt: 0, failures: 1 },
	];
	t.deepEqual(sumReadings(states), { generationW: 2334, consumptionW: 2218.9 });
	t.deepEqual(sumReadings([]), { generationW: null, consumptionW: null });
});

/** An HttpClient that answers from a table, as a device would. */
class TableHttp implements HttpClient {
	constructor(readonly answers: Record<string, HttpClientResult>) {}
	readonly asked: HttpClientRequest[] = [];
	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void {
		this.asked.push(request);
		onDone(this.answers[request.url] ?? { error: "connection refused" });
	}
}

function httpSource(http: HttpClient, read: (answers: unknown[], reading: ReturnType<typeof emptyReading>) => string | undefined) {
	const clock = new VirtualClock();
	return new HttpSource({ name: "Test", intervalS: 10, context: { clock, log: silentLog, http }, steps: () => [{ request: { method: "GET", url: "http://dev/a" } }], read });
}

function pollOnce(source: EnergySource): PollResult {
	let result: PollResult | undefined;
	source.poll((r) => (result = r));
	if (!result) throw new Error("no answer");
	return result;
}

test("an HTTP source: each failure is a value naming the URL and what to check; garbage and impossible values are refused", (t) => {
	const read = (answers: unknown[], reading: ReturnType<typeof emptyReading>) => {
		const v = numberFrom(valueAt(answers[0], "power"));
		if (v === undefined) return "the answer has no power value";
		reading.generationW = v;
		return undefined;
	};
	t.deepEqual(pollOnce(httpSource(new TableHttp({}), read)), { ok: false, error: "Test: http://dev/a: connection refused" });
	t.deepEqual(pollOnce(httpSource(new TableHttp({ "http://dev/a": { status: 401, body: "" } }), read)), { ok: false, error: "Test: http://dev/a: HTTP 401 (check the user name, password or token)" });
	const html = pollOnce(httpSource(new TableHttp({ "http://dev/a": { status: 200, body: "<html><body>Envoy</body></html>" } }), read));
	t.false(html.ok);
	t.regex((html as { error: string }).error, /HTML page, not JSON/);
	t.deepEqual(pollOnce(httpSource(new TableHttp({ "http://dev/a": { status: 200, body: '{"power":"n/a"}' } }), read)), { ok: false, error: "Test: the answer has no power value" });
	const huge = pollOnce(httpSource(new TableHttp({ "http://dev/a": { status: 200, body: '{"power":5e9}' } }), read));
	t.false(huge.ok);
	t.regex((huge as { error: string }).error, /beyond any house/);
	const good = pollOnce(httpSource(new TableHttp({ "http://dev/a": { status: 200, body: '{"power":1834}' } }), read));
	t.deepEqual(good, { ok: true, reading: { ...emptyReading(), generationW: 1834 } });
});
