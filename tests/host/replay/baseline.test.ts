import test from "ava";
import { greenAmps, runBaseline } from "../../../host-sim/replay/baseline.js";
import { runIdeal } from "../../../host-sim/replay/ideal.js";
import type { ReplayStep } from "../../../host-sim/replay/metrics.js";
import { SYNTHETIC_DAYS, syntheticDay } from "../../../host-sim/replay/synthetic-days.js";
import type { TraceRow } from "../../../host-sim/replay/trace.js";
import { SimulatedCar } from "../../../host-sim/sim/car.js";

/** Rows from [t_s, surplus amps at 240 V] (the house draws nothing). */
const amps = (...rows: [number, number][]): TraceRow[] => rows.map(([t_s, a]) => ({ t_s, gen_w: a * 240, cons_w: 0 }));
const offered = (steps: ReplayStep[], from: number, to: number) => steps.slice(from, to).map((s) => s.offered_a);
const all = (n: number, value: number) => Array<number>(n).fill(value);
const near = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) <= eps;

const base = { volts: 240, phases: 1, currentMaxAmps: 0, numCarsCharging: 0, minAmpsPerTWC: 6 };

test("§5.6 green amps with subtractChargerLoad false: the surplus in amps to 0.01 A, never below 0", (t) => {
	t.is(greenAmps({ ...base, generationW: 3000, consumptionW: 500 }), 10.42); // 2500 / 240 = 10.4167
	t.is(greenAmps({ ...base, generationW: 300, consumptionW: 500 }), 0);
	t.is(greenAmps({ ...base, generationW: -60, consumptionW: 0 }), 0.25, "a negative EMS value is sign-flipped");
	t.is(greenAmps({ ...base, generationW: 3000, consumptionW: -500 }), 12.5, "consumption clamped at 0");
	t.is(greenAmps({ ...base, generationW: 3000, consumptionW: 500, currentMaxAmps: 20, numCarsCharging: 1 }), 10.42, "the incremental formula never binds here");
	t.is(greenAmps({ ...base, generationW: 6900, consumptionW: 0, volts: 230, phases: 3 }), 10);
});

test("the budget follows the 30 s policy cadence: a change at 45 s shows at 60 s", (t) => {
	const { steps } = runBaseline(amps([0, 10], [45, 20], [100, 20]));
	t.deepEqual(offered(steps, 0, 60), all(60, 10));
	t.deepEqual(offered(steps, 60, 101), all(41, 20));
	t.true(near(steps[40].car_w, 10 * 240), "the car follows");
	t.true(near(steps[80].car_w, 20 * 240));
});

test("with the default settings every change of the offer falls on a policy evaluation", (t) => {
	for (const name of ["broken-cloud", "high-house-load"]) {
		const { steps } = runBaseline(syntheticDay(name, 2));
		const changes = steps.filter((s, i) => i > 0 && s.offered_a !== steps[i - 1].offered_a);
		t.true(changes.length > 10, `${name}: ${changes.length} changes`);
		t.deepEqual(
			changes.filter((s) => s.t_s % 30 !== 0).map((s) => s.t_s),
			[],
			name,
		);
		const late = runBaseline(syntheticDay(name, 2), { firstPolicyAtS: 7 }).steps;
		t.deepEqual(
			late.filter((s, i) => i > 0 && s.offered_a !== late[i - 1].offered_a && s.t_s % 30 !== 7).map((s) => s.t_s),
			[],
			`${name}, first evaluation at 7 s`,
		);
	}
});

test("a reduction within 5 s of the last change waits until 5 s have passed; a raise does not wait", (t) => {
	// Evaluated every second to see the §4.2 step 11 hold on its own.
	const { steps } = runBaseline(amps([0, 20], [10, 16], [12, 10], [16, 10.5], [20, 20], [30, 20]), { policyCheckIntervalS: 1 });
	t.deepEqual(offered(steps, 0, 10), all(10, 20));
	t.is(steps[10].offered_a, 16, "the last change was 10 s ago: at once");
	t.deepEqual(offered(steps, 11, 15), [16, 16, 16, 16], "held while the offer changed < 5 s ago");
	t.deepEqual(offered(steps, 15, 20), [10, 10, 10, 10, 10], "then lowered; 10.5 A is offered as 10 (int)");
	t.is(steps[20].offered_a, 20, "a raise goes out at once");
});

test("below 6 A within 60 s of starting: held at 6 A until 60 s after the crossing, then stopped", (t) => {
	const { steps, metrics } = runBaseline(amps([0, 10], [20, 2], [200, 2]));
	t.deepEqual(offered(steps, 0, 30), all(30, 10));
	// At 30 s the budget is 2 A: desired 0, but the car started < 60 s ago (dampening, §4.2 step 13).
	t.deepEqual(offered(steps, 30, 90), all(60, 6));
	t.true(near(steps[60].car_w, 6 * 240));
	// 60 s after that crossing the dampening ends and nothing holds it: 0 A, the car stops.
	t.deepEqual(offered(steps, 90, 200), all(110, 0));
	t.true(steps.slice(90).every((s) => s.car_w === 0));
	t.is(metrics.result().starts, 1);
});

test("below 6 A long after the start: stopped at the next evaluation; it restarts when the surplus comes back", (t) => {
	const { steps, metrics } = runBaseline(amps([0, 10], [100, 3], [200, 8], [300, 8]));
	t.deepEqual(offered(steps, 0, 120), all(120, 10));
	t.deepEqual(offered(steps, 120, 210), all(90, 0), "stopped at 120 s, the first evaluation after 100 s");
	t.is(steps[121].car_w, 0);
	t.deepEqual(offered(steps, 210, 310), all(100, 8), "offered again at 210 s");
	t.true(near(steps[250].car_w, 8 * 240), "and charging");
	t.is(steps[120].car_w, 0, "offered 0 A, the car stops at once (below its 5 A)");
	t.is(metrics.result().starts, 2);
});

test("the ideal's minimum and the baseline's agree on what 6 A needs", (t) => {
	const rows = amps([0, 5.99], [60, 6], [120, 6]);
	t.deepEqual(offered(runBaseline(rows).steps, 0, 60), all(60, 0));
	t.deepEqual(offered(runBaseline(rows).steps, 60, 121), all(61, 6));
	t.deepEqual(offered(runIdeal(rows).steps, 0, 121), [...all(60, 0), ...all(61, 6)]);
});

test("greenEnergyFlexAmps keeps a charging car at 6 A when the surplus is within the flex", (t) => {
	const rows = amps([0, 10], [100, 4.5], [200, 3], [300, 3]);
	const { steps } = runBaseline(rows, { greenEnergyFlexAmps: 2 });
	t.deepEqual(offered(steps, 120, 210), all(90, 6), "4 A + 2 A of flex reaches 6 A");
	t.deepEqual(offered(steps, 210, 300), all(90, 0), "3 A + 2 A does not");
	t.deepEqual(offered(runBaseline(amps([0, 4.5], [100, 4.5]), { greenEnergyFlexAmps: 2 }).steps, 0, 100), all(100, 0), "flex does not start a car");
});

test("spike amps, when asked for: a raise below 16 A goes to 16 A for 5 s first", (t) => {
	const { steps } = runBaseline(amps([0, 10], [100, 10]), { spikeAmpsProactively: true });
	t.deepEqual(offered(steps, 0, 5), all(5, 16));
	t.deepEqual(offered(steps, 5, 100), all(95, 10));
	t.deepEqual(offered(runBaseline(amps([0, 10], [100, 10])).steps, 0, 100), all(100, 10), "off by default");
});

test("a car of one's own: 3 phases at 230 V", (t) => {
	const car = new SimulatedCar({ neverFills: true, maxAmps: 16 });
	const rows = [{ t_s: 0, gen_w: 230 * 3 * 20, cons_w: 0 }, { t_s: 60, gen_w: 230 * 3 * 20, cons_w: 0 }];
	const { steps } = runBaseline(rows, { volts: 230, phases: 3, car });
	t.is(steps[30].offered_a, 20);
	t.true(near(steps[30].car_w, 16 * 690), "the car's own 16 A limit");
});

test("whole synthetic days: baseline and ideal run, and their figures hang together", (t) => {
	for (const name of SYNTHETIC_DAYS) {
		const rows = syntheticDay(name);
		const ideal = runIdeal(rows).metrics.result();
		const { steps, metrics } = runBaseline(rows);
		const baseline = metrics.result();
		t.is(steps.length, 86_400, name);
		t.true(
			steps.every((s) => s.offered_a === 0 || (Number.isInteger(s.offered_a) && s.offered_a >= 6 && s.offered_a <= 32)),
			name,
		);
		t.is(baseline.surplus_kwh, ideal.surplus_kwh, name);
		t.true(Math.abs(baseline.car_kwh - baseline.car_from_surplus_kwh - baseline.grid_import_by_car_kwh) <= 0.0015, name);
		t.true(baseline.car_from_surplus_kwh <= ideal.surplus_kwh, name);
		t.true(baseline.grid_import_by_car_kwh >= 0, name);
	}
});
