import test from "ava";
import { GREEN_TIMER_START, GREEN_TIMER_STOP, GreenTracker, type GreenConfig, type GreenContext } from "../../../src/charge/green.js";
import { EnergyReadings } from "../../../src/energy/readings.js";
import { silentLog } from "../../../src/platform/log.js";

const CONFIG: GreenConfig = {
	startSurplusW: undefined,
	stopSurplusW: undefined,
	startDelaySeconds: 60,
	stopDelaySeconds: 60,
	riseSeconds: 0,
	deficitWh: 5,
	subtractChargerLoad: false,
	treatGenerationAsGridDelivery: false,
	ampsOffset: 0,
};

function setup(config: Partial<GreenConfig> = {}, context: Partial<GreenContext> = {}) {
	const readings = new EnergyReadings({ log: silentLog, staleSeconds: 60 });
	const ctx: GreenContext = { chargerLoadW: 0, volts: 240, phases: 1, minAmps: 6, offsets: {}, ...context };
	const green = new GreenTracker(readings, { ...CONFIG, ...config }, () => ctx);
	let now = 0;
	/** Runs `seconds` of a steady surplus, one reading and one decision a second; returns the last wish. */
	const run = (seconds: number, gen: number, cons = 0) => {
		let wish = green.wish(now);
		for (let i = 0; i < seconds; i++) {
			now += 1000;
			readings.report("meter", { atMs: now, generationW: gen, consumptionW: cons + (config.subtractChargerLoad ? ctx.chargerLoadW : 0) }, now);
			wish = green.wish(now);
		}
		return wish;
	};
	return { green, readings, ctx, run, time: () => now, advance: (ms: number) => (now += ms) };
}

test("starts only after the surplus has held the start threshold for the start delay; then whole amps of it", (t) => {
	const { run } = setup();
	const waiting = run(30, 3000, 400); // 2600 W ≥ 2016 W (6 A × 240 V + 40 %)
	t.is(waiting.amps, 0);
	t.is(waiting.timers[0].name, GREEN_TIMER_START);
	t.is(waiting.timers[0].secondsLeft, 31, "counted from the first reading at 1 s");
	const on = run(31, 3000, 400);
	t.is(on.amps, Math.floor(2600 / 240));
	t.is(on.details!.smoothedSurplusW, 2600);
});

test("a short dip holds the minimum; a dip lasting the stop delay stops; a deep deficit stops at once", (t) => {
	const { run } = setup();
	run(61, 4000);
	const dip = run(20, 1250); // below the 1296 W stop threshold, above the deficit budget for a while
	t.is(dip.amps, 6, "held at the minimum");
	t.is(dip.timers[0].name, GREEN_TIMER_STOP);
	t.is(run(41, 1250).amps, 0, "stopped after 60 s");
	const deep = setup();
	deep.run(61, 4000);
	const first = deep.run(3, 0);
	t.is(first.amps, 6, "a few seconds of deficit are tolerated");
	let seconds = 3;
	let wish = first;
	while (wish.amps > 0 && seconds < 120) {
		wish = deep.run(1, 0);
		seconds++;
	}
	t.is(wish.amps, 0);
	t.true(seconds < 20, `stopped after ${seconds} s, long before the 60 s stop delay`);
	t.regex(wish.note, /deficit below the minimum cost 5\.\d Wh/);
});

test("rises are smoothed, drops are followed at once", (t) => {
	const { run } = setup({ riseSeconds: 60, startDelaySeconds: 0 });
	run(600, 2400);
	t.is(run(1, 2400).amps, 10);
	const rising = run(30, 4800);
	t.true(rising.amps > 10 && rising.amps < 20, `half-way up after one time constant or less: ${rising.amps}`);
	t.is(run(1, 2400).amps, 10, "a drop is followed in one step");
});

test("offsets and a meter that sees the car", (t) => {
	const offset = setup({ ampsOffset: 2, startDelaySeconds: 0 }, { offsets: { heatpump: { value: 480, unit: "W" } } });
	t.is(offset.run(2, 4800).amps, Math.floor((4800 - 480 - 480) / 240));
	const sees = setup({ subtractChargerLoad: true, startDelaySeconds: 0 }, { chargerLoadW: 2400 });
	t.is(sees.run(2, 4800, 300).amps, Math.floor((4800 - 300) / 240), "the car's 2400 W are not counted as house load");
});

test("stale readings: no surplus, and the wish says why", (t) => {
	const { run, green, advance, time } = setup({ startDelaySeconds: 0 });
	t.true(run(5, 5000).amps > 0);
	advance(61_000);
	const stale = green.wish(time());
	t.is(stale.amps, 0);
	t.regex(stale.note, /readings stale: the newest is 61 s old/);
	t.is(stale.details!.stale, true);
});

test("on a changeable day (recent shortages) a dip is ridden longer than on a steady one", (t) => {
	const stopAfter = (warmups: number) => {
		const { run } = setup({ stopDelaySeconds: 60, deficitWh: 1000 });
		run(61, 4000);
		for (let i = 0; i < warmups; i++) {
			run(20, 1300); // a short dip: shortage noted, ridden
			run(120, 4000);
		}
		let seconds = 0;
		while (run(1, 1300).amps > 0 && seconds < 600) seconds++;
		return seconds;
	};
	const steady = stopAfter(0);
	const changeable = stopAfter(2);
	t.true(steady >= 59 && steady <= 61, `steady day: stops after the 60 s stop delay (${steady} s)`);
	t.true(changeable >= 3 * 60 - 1 && changeable <= 3 * 60 + 1, `after two recent dips: three times as long (${changeable} s)`);
});
