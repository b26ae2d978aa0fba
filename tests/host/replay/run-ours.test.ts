import test from "ava";
import type { ReplayStep } from "../../../host-sim/replay/metrics.js";
import { mergeReplayConfig, REPLAY_START_MS, replayAll, ReplayConfigError, replayConfig, replayTime, runOurs } from "../../../host-sim/replay/run-ours.js";
import { syntheticDay } from "../../../host-sim/replay/synthetic-days.js";
import type { TraceRow } from "../../../host-sim/replay/trace.js";

/** Rows from [t_s, gen_w, cons_w]. */
const trace = (...rows: [number, number, number][]): TraceRow[] => rows.map(([t_s, gen_w, cons_w]) => ({ t_s, gen_w, cons_w }));
const near = (a: number, b: number, eps = 1) => Math.abs(a - b) <= eps;
const firstAt = (steps: ReplayStep[], ok: (s: ReplayStep) => boolean) => steps.find(ok)?.t_s;

test("second 0 is 2026-06-21T00:00:00Z; replay times read +HH:MM:SS", (t) => {
	t.is(new Date(REPLAY_START_MS).toISOString(), "2026-06-21T00:00:00.000Z");
	t.is(replayTime(0), "+00:00:00");
	t.is(replayTime(3 * 3600 + 62.7), "+03:01:02");
	t.is(replayTime(86_400 + 5), "+1d00:00:05");
});

test("the user's config goes over the replay defaults key by key; their wiring limits win; errors name the key", (t) => {
	t.deepEqual(mergeReplayConfig(undefined), { config: { wiringMaxAmpsAllTWCs: 32, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 } });
	t.deepEqual(mergeReplayConfig({ config: { wiringMaxAmpsAllTWCs: 16, greenStartDelay: 30 }, policy: {} }), {
		config: { wiringMaxAmpsAllTWCs: 16, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6, greenStartDelay: 30 },
		policy: {},
	});
	const { config } = replayConfig({ config: { wiringMaxAmpsAllTWCs: 16, subtractChargerLoad: true } });
	t.is(config.wiringMaxAmpsAllTWCs, 16);
	t.is(config.wiringMaxAmpsPerTWC, 16, "held to the total (with a warning)");
	t.true(config.green.subtractChargerLoad);
	const error = t.throws(() => runOurs(trace([0, 0, 0]), { configDocument: { config: { greenDeficitWh: "lots" } } }), { instanceOf: ReplayConfigError });
	t.regex(error!.message, /config\.greenDeficitWh: must be a number/);
	t.throws(() => runOurs(trace([0, 0, 0]), { configDocument: 42 }), { instanceOf: ReplayConfigError });
});

test("no surplus: the car never draws, never imports, is never offered anything", (t) => {
	const { metrics, steps, log } = runOurs(trace([0, 0, 400], [600, 300, 800], [1200, 1000, 900], [1800, 0, 400]));
	t.is(steps.length, 2400);
	t.deepEqual(
		steps.map((s) => s.t_s),
		Array.from({ length: 2400 }, (_, i) => i),
	);
	t.true(steps.every((s) => s.car_w === 0 && s.offered_a === 0));
	t.like(metrics, { car_kwh: 0, car_from_surplus_kwh: 0, grid_import_by_car_kwh: 0, starts: 0 });
	t.deepEqual(log, []);
});

test("a steady 5 kW surplus: the car charges at floor(5000 / 240) = 20 A within two minutes and stays there", (t) => {
	const { metrics, steps, log } = runOurs(trace([0, 5000, 0], [1800, 5000, 0]));
	const at20 = firstAt(steps, (s) => s.offered_a === 20 && near(s.car_w, 20 * 240));
	t.not(at20, undefined);
	t.true(at20! <= 120, `at 20 A from ${at20} s`);
	t.true(steps.slice(at20).every((s) => s.offered_a === 20 && near(s.car_w, 4800)), "and stays");
	t.true(steps.every((s) => s.offered_a <= 20), "never more than the surplus");
	t.is(metrics.starts, 1);
	t.true(metrics.grid_import_by_car_kwh <= 0.001, `import ${metrics.grid_import_by_car_kwh} kWh`);
	t.true(metrics.car_from_surplus_kwh > 0.95 * 4.8 * ((3600 - at20!) / 3600), `captured ${metrics.car_from_surplus_kwh} kWh`);
	t.deepEqual(log, []);
});

test("the surplus drops to 0: the car stops within seconds and the import after the drop is small", (t) => {
	const { metrics, steps } = runOurs(trace([0, 5000, 0], [600, 0, 300], [1200, 0, 300]));
	t.true(near(steps[599].car_w, 4800), "charging before the drop");
	const stopped = firstAt(steps, (s) => s.t_s >= 600 && s.car_w === 0);
	t.not(stopped, undefined);
	t.true(stopped! - 600 <= 30, `stopped ${stopped! - 600} s after the drop`);
	t.true(steps.slice(stopped).every((s) => s.car_w === 0 && s.offered_a === 0), "and stays off");
	const importWh = steps.slice(600).reduce((wh, s) => wh + Math.max(0, s.car_w - Math.max(0, s.gen_w - s.cons_w)) / 3600, 0);
	t.true(importWh <= 15, `imported ${importWh.toFixed(1)} Wh after the drop`);
	t.true(near(metrics.grid_import_by_car_kwh * 1000, importWh, 1.5), "all of the import is after the drop");
	t.is(metrics.starts, 1);
});

test("a meter that sees the car (subtractChargerLoad): the replay adds the car to consumption and the core takes it off again", (t) => {
	// 5 kW of PV, 1 kW of house: 4 kW of surplus = 16 A. Without the car in the reading the core would see more.
	const rows = trace([0, 5000, 1000], [900, 5000, 1000]);
	for (const subtractChargerLoad of [false, true]) {
		const { steps, log } = runOurs(rows, { configDocument: { config: { subtractChargerLoad } } });
		t.true(steps.slice(300).every((s) => s.offered_a === 16 && near(s.car_w, 16 * 240)), `subtractChargerLoad ${subtractChargerLoad}`);
		t.deepEqual(log, []);
	}
});

test("the user's wiring limit caps the car; two slaves share the surplus", (t) => {
	const rows = trace([0, 9000, 0], [600, 9000, 0]);
	const capped = runOurs(rows, { configDocument: { config: { wiringMaxAmpsAllTWCs: 16, wiringMaxAmpsPerTWC: 16 } } });
	t.is(Math.max(...capped.steps.map((s) => s.offered_a)), 16);
	t.true(near(capped.steps[599].car_w, 16 * 240));
	const two = runOurs(trace([0, 6000, 0], [600, 6000, 0]), { slaves: 2 });
	t.is(two.steps[599].offered_a, 25, "6000 / 240 = 25 A in total");
	t.true(near(two.steps[599].car_w, 25 * 240, 2));
});

test("the same seed replays the same; a coarser meter is allowed", (t) => {
	const rows = trace([0, 0, 300], [60, 4000, 300], [400, 800, 300], [700, 3000, 300], [900, 3000, 300]);
	const a = runOurs(rows, { seed: 5 });
	const b = runOurs(rows, { seed: 5 });
	t.deepEqual(a, b);
	const slow = runOurs(rows, { seed: 5, meterIntervalS: 10 });
	t.is(slow.steps.length, a.steps.length);
	t.true(slow.metrics.car_kwh > 0);
	t.throws(() => runOurs(rows, { meterIntervalS: 0 }), { message: /meterIntervalS/ });
	t.throws(() => runOurs(rows, { slaves: 4 }), { message: /slaves/ });
	t.deepEqual(runOurs([]).steps, []);
});

test("a synthetic day replays to the end under Track Green Energy at every hour, next to the ideal and the two peers", (t) => {
	const rows = syntheticDay("clear", 1);
	const { ours, ideal, twcmanager, openevse } = replayAll(rows, { seed: 1 });
	t.is(ours.steps.length, 86_400);
	t.deepEqual(
		ours.log.filter((l) => /policy/.test(l)),
		[],
		"the hourly policy check found Track Green Energy every time",
	);
	const m = ours.metrics;
	t.is(m.surplus_kwh, ideal.metrics.result().surplus_kwh);
	t.is(m.surplus_kwh, twcmanager.metrics.result().surplus_kwh);
	t.is(m.surplus_kwh, openevse.metrics.result().surplus_kwh);
	t.true(m.starts >= 1);
	t.true(m.car_from_surplus_kwh <= m.surplus_kwh);
	t.true(m.car_from_surplus_kwh <= ideal.metrics.result().car_from_surplus_kwh + 1, "the ideal is a yardstick");
	t.true(m.car_from_surplus_kwh > 0.5 * m.surplus_kwh, `captured ${m.car_from_surplus_kwh} of ${m.surplus_kwh} kWh`);
	t.true(near(m.car_kwh, m.car_from_surplus_kwh + m.grid_import_by_car_kwh, 0.002));
	t.true(ours.steps.slice(0, 5 * 3600).every((s) => s.car_w === 0), "no charging before sunrise");
});

test("a policy that is not green is reported in the log (the replay would measure something else)", (t) => {
	// policy.override replaces the whole list (§5.5): here with a fixed-amps policy only.
	const configDocument = {
		policy: {
			override: [{ name: "Always 10 A", match: ["settings.nonScheduledAction"], condition: ["eq"], value: [3], charge_amps: 10 }],
		},
	};
	const { log } = runOurs(trace([0, 0, 300], [3700, 0, 300]), { configDocument });
	t.true(
		log.some((l) => /error replay: the active policy is "Always 10 A", not Track Green Energy/.test(l)),
		log.join("\n"),
	);
});
