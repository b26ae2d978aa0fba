import test from "ava";
import { ReplayMetrics } from "../../../host-sim/replay/metrics.js";
import { SUDDEN_LOAD, SYNTHETIC_DAYS, syntheticDay } from "../../../host-sim/replay/synthetic-days.js";
import { formatTrace, parseTrace, traceDuration, type TraceRow } from "../../../host-sim/replay/trace.js";

const H = 3600;

/** Surplus of a day with no car (kWh, rounded as the replay does). */
function surplusKwh(rows: readonly TraceRow[]): number {
	const m = new ReplayMetrics();
	for (let i = 0; i < rows.length; i++) {
		const next = i + 1 < rows.length ? rows[i + 1].t_s : traceDuration(rows);
		m.add(next - rows[i].t_s, rows[i].gen_w, rows[i].cons_w, 0);
	}
	return m.result().surplus_kwh;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const between = (rows: readonly TraceRow[], from: number, to: number) => rows.filter((r) => r.t_s >= from && r.t_s < to);

test("the five days, each 24 h at one row per 10 s, valid traces", (t) => {
	t.deepEqual([...SYNTHETIC_DAYS], ["clear", "broken-cloud", "winter", "high-house-load", "sudden-load"]);
	for (const name of SYNTHETIC_DAYS) {
		const rows = syntheticDay(name);
		t.is(rows.length, 8640, name);
		t.true(
			rows.every((r, i) => r.t_s === i * 10 && Number.isInteger(r.gen_w) && Number.isInteger(r.cons_w)),
			name,
		);
		t.is(traceDuration(rows), 86_400, name);
		const reread = parseTrace(formatTrace(rows), name);
		t.deepEqual(reread.errors, [], name);
		t.deepEqual(reread.rows, rows, name);
	}
});

test("deterministic for a seed, different across seeds; the default seed is 1", (t) => {
	for (const name of SYNTHETIC_DAYS) {
		t.deepEqual(syntheticDay(name, 7), syntheticDay(name, 7), name);
		t.deepEqual(syntheticDay(name), syntheticDay(name, 1), name);
		t.notDeepEqual(syntheticDay(name, 1), syntheticDay(name, 2), name);
		t.notDeepEqual(
			syntheticDay(name, 2).map((r) => r.cons_w),
			syntheticDay(name, 3).map((r) => r.cons_w),
			`${name}: the house differs too`,
		);
	}
});

test("an unknown day throws with the list; the seed must be an integer", (t) => {
	const error = t.throws(() => syntheticDay("sunny"), { instanceOf: RangeError });
	t.regex(error?.message ?? "", /unknown synthetic day "sunny".*clear, broken-cloud, winter, high-house-load, sudden-load/);
	t.throws(() => syntheticDay("clear", 1.5), { instanceOf: RangeError });
});

test("clear: a bell from 06:00 to 20:00 peaking near 6 kW around midday; the house at 300–500 W with appliance runs", (t) => {
	for (const seed of [1, 2, 3]) {
		const rows = syntheticDay("clear", seed);
		t.true(between(rows, 0, 6 * H).every((r) => r.gen_w === 0), "dark before sunrise");
		t.true(between(rows, 20 * H, 24 * H).every((r) => r.gen_w === 0), "dark after sunset");
		const peak = rows.reduce((best, r) => (r.gen_w > best.gen_w ? r : best));
		t.true(peak.gen_w >= 5500 && peak.gen_w <= 6700, `peak ${peak.gen_w} W`);
		t.true(peak.t_s >= 11 * H && peak.t_s <= 15 * H, `peak at ${peak.t_s / H} h`);
		// Smooth: no clouds, so a 10 s step never moves the PV by more than 3 % of the peak.
		t.true(rows.every((r, i) => i === 0 || Math.abs(r.gen_w - rows[i - 1].gen_w) < 0.03 * peak.gen_w));
		const day = between(rows, 7 * H, 22 * H).map((r) => r.cons_w);
		const base = median(day);
		t.true(base >= 300 && base <= 500, `median house ${base} W`);
		t.true(Math.min(...day) >= 150, "never implausibly low");
		// Appliance runs: 1–2 kW on top of the base, lasting minutes.
		const busy = day.filter((w) => w > base + 800).length;
		t.true(busy >= 6 * 2 && busy <= 6 * 7 * 20 * 2, `${busy} rows with an appliance`);
		const kwh = surplusKwh(rows);
		t.true(kwh >= 25 && kwh <= 45, `surplus ${kwh} kWh`);
	}
});

test("broken cloud: the clear day's house, the sun cut to 20–40 % by passing clouds, several an hour", (t) => {
	for (const seed of [1, 2, 3]) {
		const clear = syntheticDay("clear", seed);
		const cloudy = syntheticDay("broken-cloud", seed);
		t.deepEqual(
			cloudy.map((r) => r.cons_w),
			clear.map((r) => r.cons_w),
		);
		const ratio = cloudy.map((r, i) => (clear[i].gen_w > 500 ? r.gen_w / clear[i].gen_w : 1));
		t.true(
			ratio.every((x) => x >= 0.19 && x <= 1.16),
			"never darker than 20 % nor brighter than +15 %",
		);
		// Passages: runs of rows below 60 % of the clear sky.
		const runs: number[] = [];
		let run = 0;
		for (const x of ratio) {
			if (x < 0.6) run++;
			else if (run > 0) runs.push(run), (run = 0);
		}
		const hours = 14;
		t.true(runs.length >= 2 * hours && runs.length <= 12 * hours, `${runs.length} passages`);
		t.true(
			runs.every((n) => n <= 61),
			"none longer than 10 min",
		);
		t.true(runs.some((n) => n >= 30), "some last minutes");
		t.true(runs.some((n) => n <= 6), "some last under a minute");
		const dark = ratio.filter((x) => x < 0.45).length / ratio.filter((_, i) => clear[i].gen_w > 500).length;
		t.true(dark >= 0.15 && dark <= 0.5, `clouded ${Math.round(dark * 100)} % of the day`);
		const kwh = surplusKwh(cloudy);
		t.true(kwh < surplusKwh(clear) * 0.9 && kwh > surplusKwh(clear) * 0.5, `surplus ${kwh} kWh`);
	}
});

test("winter: a short low sun, a higher house load, the surplus mostly below the 1440 W of 6 A", (t) => {
	for (const seed of [1, 2, 3]) {
		const rows = syntheticDay("winter", seed);
		t.true(
			rows.filter((r) => r.gen_w > 0).every((r) => r.t_s >= 8.5 * H && r.t_s < 16.5 * H),
			"sun from 08:30 to 16:30",
		);
		const peak = Math.max(...rows.map((r) => r.gen_w));
		t.true(peak >= 1500 && peak <= 2200, `peak ${peak} W`);
		const daylight = between(rows, 8.5 * H, 16.5 * H);
		const house = median(daylight.map((r) => r.cons_w));
		t.true(house >= 500 && house <= 700, `median house ${house} W`);
		const above = daylight.filter((r) => r.gen_w - r.cons_w >= 1440).length / daylight.length;
		t.true(above < 0.3, `surplus ≥ 1440 W for ${Math.round(above * 100)} % of daylight`);
		const kwh = surplusKwh(rows);
		t.true(kwh > 1 && kwh < surplusKwh(syntheticDay("clear", seed)) / 4, `surplus ${kwh} kWh`);
	}
});

test("high house load: the clear sun, the house at 1.5–3 kW through the day", (t) => {
	for (const seed of [1, 2, 3]) {
		const rows = syntheticDay("high-house-load", seed);
		t.deepEqual(
			rows.map((r) => r.gen_w),
			syntheticDay("clear", seed).map((r) => r.gen_w),
		);
		const day = between(rows, 7 * H, 22 * H).map((r) => r.cons_w);
		const inRange = day.filter((w) => w >= 1300 && w <= 3200).length / day.length;
		t.true(inRange > 0.9, `${Math.round(inRange * 100)} % of the day within 1.3–3.2 kW`);
		const house = median(day);
		t.true(house >= 1500 && house <= 3000, `median ${house} W`);
		const kwh = surplusKwh(rows);
		t.true(kwh < surplusKwh(syntheticDay("clear", seed)) * 0.8, `surplus ${kwh} kWh`);
	}
});

test("sudden load: the clear day plus exactly 7 kW from 12:00 for 20 min, which wipes out the noon surplus", (t) => {
	for (const seed of [1, 2]) {
		const clear = syntheticDay("clear", seed);
		const sudden = syntheticDay("sudden-load", seed);
		const { startS, durationS, watts } = SUDDEN_LOAD;
		t.deepEqual([startS, durationS, watts], [12 * H, 20 * 60, 7000]);
		sudden.forEach((r, i) => {
			const inside = r.t_s >= startS && r.t_s < startS + durationS;
			if (r.gen_w !== clear[i].gen_w || r.cons_w - clear[i].cons_w !== (inside ? watts : 0)) t.fail(`row ${i} at ${r.t_s} s`);
		});
		t.true(between(clear, startS, startS + durationS).every((r) => r.gen_w - r.cons_w > 3000), "plenty of surplus on the clear day");
		t.true(between(sudden, startS, startS + durationS).every((r) => r.gen_w - r.cons_w < 0), "none with the load");
		t.true(between(sudden, startS - 60, startS).every((r) => r.gen_w - r.cons_w > 3000), "a sudden drop, not a slope");
	}
});
