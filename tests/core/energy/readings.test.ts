import test from "ava";
import { EnergyReadings } from "../../../src/energy/readings.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";

function recorder() {
	const lines: string[] = [];
	const log: Log = { write: (level: LogLevel, topic: string, message: string) => lines.push(`${level} ${topic}: ${message}`) };
	return { lines, log };
}

test("sources are summed; a standby draw counts as no generation", (t) => {
	const r = new EnergyReadings({ log: recorder().log, staleSeconds: 60 });
	t.is(r.report("inverter", { atMs: 1000, generationW: 3000 }, 1000), undefined);
	t.is(r.report("meter", { atMs: 1500, consumptionW: 400 }, 1500), undefined);
	t.is(r.report("inverter2", { atMs: 1500, generationW: -40 }, 1500), undefined);
	const latest = r.latest(2000)!;
	t.is(latest.generationW, 3000);
	t.is(latest.consumptionW, 400);
	t.is(latest.atMs, 1000, "the oldest sample used");
	t.deepEqual(latest.sources.sort(), ["inverter", "inverter2", "meter"]);
});

test("absurd, negative, out-of-order and future readings are refused with a reason and keep the good value", (t) => {
	const { lines, log } = recorder();
	const r = new EnergyReadings({ log, staleSeconds: 60 });
	r.report("m", { atMs: 10_000, generationW: 2000, consumptionW: 500 }, 10_000);
	t.regex(r.report("m", { atMs: 11_000, generationW: 5e6, consumptionW: 500 }, 11_000)!, /generationW 5000000 W is absurd/);
	t.regex(r.report("m", { atMs: 12_000, generationW: -5000, consumptionW: 500 }, 12_000)!, /negative beyond an inverter's standby/);
	t.regex(r.report("m", { atMs: 13_000, generationW: Number.NaN }, 13_000)!, /not a number/);
	t.regex(r.report("m", { atMs: 9_000, generationW: 2100, consumptionW: 500 }, 14_000)!, /out of order/);
	t.regex(r.report("m", { atMs: 60_000, generationW: 2100, consumptionW: 500 }, 14_000)!, /in the future/);
	t.regex(r.report("m", { atMs: 15_000 }, 15_000)!, /no generation, consumption or grid/);
	t.is(r.report("m", { atMs: 10_000, generationW: 2000, consumptionW: 500 }, 16_000), undefined, "the same sample again is ignored quietly");
	t.is(r.latest(16_000)!.generationW, 2000, "the good value stays");
	t.true(lines.some((l) => l.startsWith("warn energy: m: reading refused: generationW 5000000 W is absurd")));
	const status = r.status(16_000)[0];
	t.is(status.refused, 6);
	t.is(status.accepted, 1);
});

test("nothing fresh within the stale time: no reading, and the age is known", (t) => {
	const r = new EnergyReadings({ log: recorder().log, staleSeconds: 30 });
	t.is(r.latest(0), undefined);
	t.is(r.newestAgeSeconds(0), undefined);
	r.report("m", { atMs: 0, generationW: 1000, consumptionW: 0 }, 0);
	t.truthy(r.latest(30_000));
	t.is(r.latest(30_001), undefined);
	t.is(r.newestAgeSeconds(45_000), 45);
});
