import test from "ava";
import { formatSteps, ReplayMetrics } from "../../../host-sim/replay/metrics.js";

test("three hour-long samples, worked out by hand from the definitions", (t) => {
	const m = new ReplayMetrics();
	// Hour 1: surplus 2000 − 500 = 1500 W; the car takes 1440 W, all of it from the surplus.
	m.add(3600, 2000, 500, 1440);
	// Hour 2: surplus 1000 − 500 = 500 W; the car takes 1440 W: 500 W from the surplus, 940 W from the grid.
	m.add(3600, 1000, 500, 1440);
	// Hour 3: night, no surplus (gen − cons < 0 counts as 0), the car rests.
	m.add(3600, 0, 300, 0);
	t.deepEqual(m.result(), {
		surplus_kwh: 1.5 + 0.5 + 0,
		car_kwh: 1.44 + 1.44 + 0,
		car_from_surplus_kwh: 1.44 + 0.5 + 0,
		grid_import_by_car_kwh: 0 + 0.94 + 0,
		starts: 1,
	});
	t.is(m.seconds, 3 * 3600);
});

test("per-second samples add up: 10 s at 2400 W of a 3000 W surplus", (t) => {
	const m = new ReplayMetrics();
	for (let i = 0; i < 10; i++) m.add(1, 3300, 300, 2400);
	const r = m.result();
	t.is(r.surplus_kwh, Math.round((3000 * 10) / 3600) / 1000); // 8.33 Wh → 0.008
	t.is(r.car_kwh, Math.round((2400 * 10) / 3600) / 1000); // 6.67 Wh → 0.007
	t.is(r.grid_import_by_car_kwh, 0);
});

test("a start is the car going from at most the threshold (50 W) to above it, as the traces README counts", (t) => {
	const m = new ReplayMetrics();
	const car = [0, 50, 51, 100, 1440, 0, 1440, 1440, 50, 120, 0, 40, 60];
	for (const w of car) m.add(1, 0, 0, w);
	t.is(m.result().starts, 4, "50 W is not drawing, 51 W is");
	const drawingFirst = new ReplayMetrics();
	drawingFirst.add(1, 0, 0, 2000);
	t.is(drawingFirst.result().starts, 1, "a car drawing from the first sample started");
	const custom = new ReplayMetrics({ startThresholdW: 1000 });
	for (const w of car) custom.add(1, 0, 0, w);
	t.is(custom.result().starts, 2);
	t.is(custom.startThresholdW, 1000);
	t.is(new ReplayMetrics().startThresholdW, 50);
});

test("negative generation (standby draw) leaves no surplus; the car's power is then all grid import", (t) => {
	const m = new ReplayMetrics();
	m.add(3600, -50, 200, 1000);
	t.deepEqual(m.result(), { surplus_kwh: 0, car_kwh: 1, car_from_surplus_kwh: 0, grid_import_by_car_kwh: 1, starts: 1 });
});

test("results are rounded to 3 decimals (1 Wh)", (t) => {
	const m = new ReplayMetrics();
	m.add(1, 1234.5, 0, 0); // 0.3429 Wh
	m.add(3600, 1000, 0, 0); // 1 kWh
	t.is(m.result().surplus_kwh, 1);
	m.add(3.6, 1000, 0, 0); // + 1 Wh
	t.is(m.result().surplus_kwh, 1.001);
});

test("nonsense samples throw", (t) => {
	const m = new ReplayMetrics();
	t.throws(() => m.add(NaN, 0, 0, 0), { instanceOf: RangeError });
	t.throws(() => m.add(1, Infinity, 0, 0), { instanceOf: RangeError });
	t.throws(() => m.add(-1, 0, 0, 0), { instanceOf: RangeError });
	t.throws(() => m.add(1, 0, 0, -5), { instanceOf: RangeError });
});

test("formatSteps writes the --out CSV", (t) => {
	const text = formatSteps([
		{ t_s: 0, gen_w: 2000, cons_w: 300, car_w: 1439.96, offered_a: 6 },
		{ t_s: 1, gen_w: 2000, cons_w: 300, car_w: 0, offered_a: 0 },
	]);
	t.is(text, "t_s,gen_w,cons_w,car_w,offered_a\n0,2000,300,1440,6\n1,2000,300,0,0\n");
});
