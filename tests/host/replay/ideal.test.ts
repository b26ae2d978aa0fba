import test from "ava";
import { idealAmps, runIdeal } from "../../../host-sim/replay/ideal.js";
import { SYNTHETIC_DAYS, syntheticDay } from "../../../host-sim/replay/synthetic-days.js";
import type { TraceRow } from "../../../host-sim/replay/trace.js";

const trace = (...rows: [number, number, number][]): TraceRow[] => rows.map(([t_s, gen_w, cons_w]) => ({ t_s, gen_w, cons_w }));

test("each second the largest whole amps from 6 to 32 that the surplus covers, else 0", (t) => {
	const rows = trace(
		[0, 1000, 0], // 1000 W: 4.2 A, below 6 A → 0
		[10, 2000, 500], // 1500 W: 6.25 A → 6 A
		[20, 10_000, 0], // 41.7 A → 32 A
		[30, 0, 300], // night
	);
	const { steps, metrics } = runIdeal(rows);
	t.is(steps.length, 40);
	t.deepEqual(
		steps.map((s) => s.t_s),
		Array.from({ length: 40 }, (_, i) => i),
	);
	const offered = steps.map((s) => s.offered_a);
	t.deepEqual(offered, [...Array(10).fill(0), ...Array(10).fill(6), ...Array(10).fill(32), ...Array(10).fill(0)]);
	t.true(steps.every((s) => s.car_w === s.offered_a * 240));
	const wh = (w: number, s: number) => (w * s) / 3600;
	const kwh = (x: number) => Math.round(x) / 1000; // Wh → kWh to 3 decimals
	t.deepEqual(metrics.result(), {
		surplus_kwh: kwh(wh(1000, 10) + wh(1500, 10) + wh(10_000, 10)),
		car_kwh: kwh(wh(6 * 240, 10) + wh(32 * 240, 10)),
		car_from_surplus_kwh: kwh(wh(6 * 240, 10) + wh(32 * 240, 10)),
		grid_import_by_car_kwh: 0,
		starts: 1,
	});
});

test("exactly 6 A of surplus is enough; a watt less is not", (t) => {
	t.is(idealAmps(1440, 240, 6, 32), 6);
	t.is(idealAmps(1439, 240, 6, 32), 0);
	t.is(idealAmps(0, 240, 6, 32), 0);
	t.is(idealAmps(1e6, 240, 6, 32), 32);
});

test("options: three phases at 230 V and other limits", (t) => {
	const rows = trace([0, 5000, 0], [5, 20_000, 0]);
	const { steps } = runIdeal(rows, { volts: 230, phases: 3, minAmps: 6, maxAmps: 16 });
	t.is(steps[0].offered_a, 7); // 5000 / 690 = 7.2
	t.is(steps[0].car_w, 7 * 690);
	t.is(steps[5].offered_a, 16);
	t.throws(() => runIdeal(rows, { minAmps: 10, maxAmps: 6 }), { instanceOf: RangeError });
	t.deepEqual(runIdeal([]).steps, []);
});

test("on every synthetic day: a whole day of seconds, never an import, never 1–5 A, never less than it could", (t) => {
	for (const name of SYNTHETIC_DAYS) {
		const { steps, metrics } = runIdeal(syntheticDay(name));
		t.is(steps.length, 86_400, name);
		const r = metrics.result();
		t.is(r.grid_import_by_car_kwh, 0, name);
		t.is(r.car_kwh, r.car_from_surplus_kwh, name);
		const bad = steps.find((s) => {
			const surplus = Math.max(0, s.gen_w - s.cons_w);
			const a = s.offered_a;
			if (!Number.isInteger(a) || (a !== 0 && (a < 6 || a > 32))) return true;
			if (s.car_w > surplus) return true; // an import
			if (a === 0) return surplus >= 6 * 240; // could have charged
			return a < 32 && (a + 1) * 240 <= surplus; // could have taken one more amp
		});
		t.is(bad, undefined, `${name}: ${JSON.stringify(bad)}`);
	}
});
