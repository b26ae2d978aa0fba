import test from "ava";
import { BUCKET_MS, History, HISTORY_BUCKETS, HISTORY_DOCUMENT, MAX_HISTORY_BYTES, type HistorySample } from "../../../src/charge/history.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { AppWorld, MemoryStorage, RecordingLog } from "../support/app-world.js";

function standalone(storage = new MemoryStorage(), start = Date.UTC(2026, 5, 21, 0, 0, 0)) {
	const clock = new VirtualClock(start);
	const log = new RecordingLog(clock);
	let sample: HistorySample = { generationW: 0, consumptionW: 0, units: [] };
	const history = new History({ clock, log, storage, read: () => sample });
	return { clock, log, storage, history, set: (s: HistorySample) => (sample = s) };
}

test("buckets are 5-minute means of the samples; generation, consumption and charging per unit", (t) => {
	const h = standalone();
	h.history.start();
	h.set({ generationW: 3000, consumptionW: 500, units: [{ twcId: "AAAA", watts: 7200 }, { twcId: "BBBB", watts: 0 }] });
	h.clock.advance(BUCKET_MS / 2 - 5000); // samples every 10 s: 15 at these values, 15 at the next
	h.set({ generationW: 1000, consumptionW: 700, units: [{ twcId: "AAAA", watts: 3600 }, { twcId: "BBBB", watts: 1000 }] });
	h.clock.advance(BUCKET_MS / 2 + 6000);
	const [first, partial] = h.history.buckets();
	t.is(first.start, Date.UTC(2026, 5, 21, 0, 0, 0));
	t.false(first.partial);
	t.is(first.generationW, 2000);
	t.is(first.consumptionW, 600);
	t.deepEqual(first.units, { AAAA: 5400, BBBB: 500 });
	t.is(first.chargingW, 5900);
	t.true(partial.partial);
	t.is(partial.start, first.start + BUCKET_MS);
	h.history.stop();
});

test("the ring keeps two days (576 buckets) and no more", (t) => {
	const h = standalone();
	h.history.start();
	h.set({ generationW: 100, consumptionW: 100, units: [{ twcId: "AAAA", watts: 1000 }] });
	h.clock.advance(3 * 24 * 3600_000);
	const closed = h.history.buckets().filter((b) => !b.partial);
	t.is(closed.length, HISTORY_BUCKETS);
	t.is(closed[closed.length - 1].start - closed[0].start, (HISTORY_BUCKETS - 1) * BUCKET_MS);
	h.history.stop();
});

test("history.json: written at most every 5 minutes, bounded, and read back after a restart", (t) => {
	const h = standalone();
	h.history.start();
	h.set({ generationW: 4321, consumptionW: 1234, units: [{ twcId: "AAAA", watts: 7000 }, { twcId: "BBBB", watts: 3000 }, { twcId: "CCCC", watts: 11000 }] });
	h.clock.advance(2 * 24 * 3600_000);
	t.true(h.storage.writes <= (2 * 24 * 3600_000) / BUCKET_MS + 1, `${h.storage.writes} writes in two days`);
	t.true(h.storage.writes >= 500);
	const text = h.storage.read(HISTORY_DOCUMENT)!;
	t.true(text.length <= MAX_HISTORY_BYTES, `${text.length} bytes`);
	h.history.stop();
	const again = new History({ clock: h.clock, log: h.log, storage: h.storage, read: () => ({ generationW: 0, consumptionW: 0, units: [] }) });
	const before = h.history.buckets().filter((b) => !b.partial);
	t.deepEqual(again.buckets(), before);
	t.is(before[0].generationW, 4320, "stored in tens of watts");
	t.deepEqual(before[0].units, { AAAA: 7000, BBBB: 3000, CCCC: 11000 });
});

test("a damaged history.json is reported and the history starts empty; the master keeps running", (t) => {
	const storage = new MemoryStorage();
	storage.write(HISTORY_DOCUMENT, '{"version":1,"bucketSeconds":300,"scaleW":10,"last":5,"generation":"!!"}');
	const h = standalone(storage);
	t.regex(h.history.loadProblem ?? "", /history\.json has damaged generation\/consumption columns: the history starts empty/);
	t.deepEqual(h.history.buckets(), []);
	const w = new AppWorld({ slaves: 1, storage });
	t.true(w.state().problems.some((p: string) => p.includes("history.json")));
	w.stop();
});

test("sessions per VIN: a session's energy from the unit's meter, ended when the car leaves", (t) => {
	const h = standalone();
	h.history.start();
	h.set({ generationW: 0, consumptionW: 0, units: [{ twcId: "AAAA", watts: 7000, lifetimeKwh: 100, session: { vin: "5YJ3E1EA7KF000001", startedAt: h.clock.now() } }] });
	const started = h.clock.now();
	h.clock.advance(3600_000);
	h.set({ generationW: 0, consumptionW: 0, units: [{ twcId: "AAAA", watts: 7000, lifetimeKwh: 107, session: { vin: "5YJ3E1EA7KF000001", startedAt: started } }] });
	h.clock.advance(20_000);
	h.set({ generationW: 0, consumptionW: 0, units: [{ twcId: "AAAA", watts: 0, lifetimeKwh: 107 }] });
	h.clock.advance(20_000);
	const sessions = h.history.sessions();
	t.is(sessions.length, 1);
	t.like(sessions[0], { vin: "5YJ3E1EA7KF000001", twcId: "AAAA", start: Math.floor(started / 1000), kWh: 7 });
	t.true(sessions[0].end! > sessions[0].start);
	h.history.stop();
});

test("the API over a simulated night: getHistory in TWCManager's format, the native JSON with sessions per VIN, and CSV", (t) => {
	const w = new AppWorld({ slaves: 2 });
	w.waitLinked();
	t.is(w.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 }).status, 200);
	w.advance(3600_000);
	const history = w.get("/api/getHistory");
	t.is(history.status, 200);
	t.is(history.json.length, 576);
	t.deepEqual(Object.keys(history.json[0]).sort(), ["charger_power", "timestamp"]);
	t.regex(history.json[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d[05]:00[+-]\d\d:\d\d$/);
	const last = history.json[575];
	t.true(last.charger_power > 5000, `the two cars charge: ${last.charger_power} W`);
	t.is(history.json[0].charger_power, 0, "two days ago: nothing recorded");

	const query = (path: string, hours: string) => w.app.router.handle({ method: "GET", path, query: new Map([["hours", hours]]), headers: new Map(), body: "" });
	const native = JSON.parse(query("/api/v1/history", "2").body!);
	t.is(native.bucketSeconds, 300);
	t.deepEqual([...native.units].sort(), [w.id(0), w.id(1)].sort());
	t.true(native.buckets.length >= 12 && native.buckets.length <= 14);
	t.true(native.buckets.at(-1).partial);
	const vin = w.vin(0);
	t.true(native.sessions.some((s: { vin: string; running: boolean }) => s.vin === vin && s.running));
	const tooMany = query("/api/v1/history", "99");
	t.is(tooMany.status, 400);
	t.regex(JSON.parse(tooMany.body!).error, /hours must be a number above 0 and at most 48/);

	const csv = w.get("/api/v1/history.csv");
	t.is(csv.status, 200);
	t.is(csv.response.contentType, "text/csv; charset=utf-8");
	const lines = String(csv.response.body).trim().split("\r\n");
	t.regex(lines[0], /^time,start_utc_ms,generation_w,consumption_w,charging_w,charging_w_[0-9A-F]{4},charging_w_[0-9A-F]{4},partial$/);
	t.true(lines.length >= 13);
	w.stop();
});

test("the history survives a restart of the controller", (t) => {
	const w = new AppWorld({ slaves: 1 });
	w.waitLinked();
	w.post("/api/chargeNow", { chargeNowRate: 32, chargeNowDuration: 7200 });
	w.advance(1800_000);
	const before = w.get("/api/v1/history").json.buckets.filter((b: { partial?: boolean }) => !b.partial);
	t.true(before.length >= 5);
	w.restart();
	const after = w.get("/api/v1/history").json.buckets;
	for (const b of before) t.true(after.some((a: { start: number; chargingW: number }) => a.start === b.start && a.chargingW === b.chargingW), `bucket ${b.time}`);
	w.stop();
});
