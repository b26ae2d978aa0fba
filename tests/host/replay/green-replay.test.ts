import test from "ava";
import { replayAll } from "../../../host-sim/replay/run-ours.js";
import type { TraceRow } from "../../../host-sim/replay/trace.js";

/**
 * What must never get worse, through the whole core and the realistic car (not the tuned figures):
 * a small array's steady surplus just above the minimum starts the car; a day without enough
 * surplus costs no grid energy; both with meters that update every 1, 5 or 10 s, at 230 V and on
 * three phases.
 */

/** A clear small-array morning-to-afternoon: 60 s rows, the surplus `low`…`high`…`low` W for 4 hours, a little house noise. */
function smallArrayDay(low: number, high: number): TraceRow[] {
	const rows: TraceRow[] = [{ t_s: 0, gen_w: 0, cons_w: 300 }];
	const start = 3600;
	for (let m = 0; m < 240; m++) {
		const bell = Math.sin((Math.PI * (m + 0.5)) / 240);
		const cons = 300 + ((m * 37) % 5) * 10;
		rows.push({ t_s: start + m * 60, gen_w: Math.round(cons + low + (high - low) * bell), cons_w: cons });
	}
	rows.push({ t_s: start + 240 * 60, gen_w: 0, cons_w: 300 }, { t_s: start + 270 * 60, gen_w: 0, cons_w: 300 });
	return rows;
}

for (const meterIntervalS of [1, 5, 10]) {
	test(`a clear small-array day (1.45–1.98 kW of surplus for 4 h) starts and takes most of it: meter every ${meterIntervalS} s`, (t) => {
		const { ours, ideal } = replayAll(smallArrayDay(1450, 1980), { meterIntervalS });
		const m = ours.metrics;
		const best = ideal.metrics.result();
		t.true(m.starts >= 1 && m.starts <= 2, `${m.starts} starts`);
		t.true(m.car_from_surplus_kwh >= 0.9 * best.car_from_surplus_kwh, `${m.car_from_surplus_kwh} of the ideal's ${best.car_from_surplus_kwh} kWh`);
		t.true(m.grid_import_by_car_kwh <= 0.05, `${m.grid_import_by_car_kwh} kWh imported`);
	});
}

test("a day whose surplus never covers the minimum (at most 1.35 kW) costs no grid energy: the car never starts", (t) => {
	for (const meterIntervalS of [1, 10]) {
		const { ours } = replayAll(smallArrayDay(900, 1350), { meterIntervalS });
		t.is(ours.metrics.starts, 0, `meter ${meterIntervalS} s`);
		t.is(ours.metrics.grid_import_by_car_kwh, 0);
	}
});

test("at 230 V the minimum is 1380 W: 1.40–1.60 kW of surplus starts the car", (t) => {
	const { ours } = replayAll(smallArrayDay(1400, 1600), { configDocument: { config: { defaultVoltage: 230 } } });
	t.true(ours.metrics.starts >= 1 && ours.metrics.starts <= 2, `${ours.metrics.starts} starts`);
	t.true(ours.metrics.grid_import_by_car_kwh <= 0.05);
});

test("three-phase: 4.3–5.5 kW of surplus starts the car (6 A × 230 V × 3 = 4140 W), 3 kW does not", (t) => {
	const three = { config: { defaultVoltage: 230, numberOfPhases: 3 } };
	const { ours, ideal } = replayAll(smallArrayDay(4300, 5500), { configDocument: three });
	t.true(ours.metrics.starts >= 1 && ours.metrics.starts <= 2, `${ours.metrics.starts} starts`);
	t.true(ours.metrics.car_from_surplus_kwh >= 0.9 * ideal.metrics.result().car_from_surplus_kwh);
	t.is(replayAll(smallArrayDay(2500, 3000), { configDocument: three }).ours.metrics.starts, 0);
});

test("a green tuning given to the replay is the one our controller runs with (bench --tuning), the default otherwise", (t) => {
	const day = smallArrayDay(1450, 1980);
	const byDefault = replayAll(day).ours.metrics;
	t.true(byDefault.starts >= 1, "the default tuning starts the car");
	// A steady start needing the minimum covered with no shortfall for 200 minutes, an ample one at 10× the minimum: never.
	const strict = replayAll(day, { greenTuning: { windowDelays: 200, maxShortShare: 0, startFactor: 10 } }).ours.metrics;
	t.is(strict.starts, 0);
	t.is(strict.car_kwh, 0);
	t.deepEqual(replayAll(day, { greenTuning: {} }).ours.metrics, byDefault, "an empty tuning is the default one");
});
