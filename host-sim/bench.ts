/**
 * npm run bench: the figures the README quotes. Runs in virtual time; `--json` prints raw results.
 *
 * 1. The bus: the master with 1, 2 and 3 simulated wall connectors (`--hours=N` simulated hours).
 * 2. The replay: every synthetic day (host-sim/replay/synthetic-days.ts) for seeds 1, 2 and 3
 *    (several seeds, so that nothing is tuned to one day), our controller against the ideal one
 *    and TWCManager's baseline, one wall connector with one car, and the issue's goals:
 *    - import: our grid import for the car ≤ the baseline's;
 *    - starts: ours ≤ half the baseline's;
 *    - capture: the surplus the car took (car_from_surplus_kwh) ≥ 95 % of the ideal's on `clear`,
 *      ≥ 85 % on `broken-cloud`;
 *    - clear starts: ≤ 2 starts on `clear`.
 * `--no-bus` / `--no-replay` skip a part; `--seeds=1,2,3` picks the replay seeds.
 */
import { benchBus, type BusBenchResult } from "./bench-bus.js";
import type { ReplayResult } from "./replay/metrics.js";
import { replayAll } from "./replay/run-ours.js";
import { SYNTHETIC_DAYS, syntheticDay } from "./replay/synthetic-days.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const hours = Number(args.find((a) => a.startsWith("--hours="))?.slice(8) ?? 1);
const seeds = (args.find((a) => a.startsWith("--seeds="))?.slice(8) ?? "1,2,3").split(",").map(Number);
const doBus = !args.includes("--no-bus");
const doReplay = !args.includes("--no-replay");

/** One goal of the issue on one replay: undefined `pass` when it does not apply to the day. */
export interface GoalCheck {
	goal: "import" | "starts" | "capture" | "clear starts";
	pass: boolean | undefined;
	/** "0.016 ≤ 0.011", "3 ≤ 2", "98.7 % ≥ 95 %". */
	detail: string;
}

export interface ReplayBenchResult {
	day: string;
	seed: number;
	ours: ReplayResult;
	ideal: ReplayResult;
	baseline: ReplayResult;
	goals: GoalCheck[];
	/** Wall time of the day's replay, the three controllers (ours takes nearly all of it), ms. */
	runMs: number;
	/** Warnings and errors of the core during the run. */
	logLines: number;
}

/** The capture goal per day (fraction of the ideal's car_from_surplus_kwh). */
const CAPTURE_GOAL: Readonly<Record<string, number>> = { clear: 0.95, "broken-cloud": 0.85 };

export function checkGoals(day: string, ours: ReplayResult, ideal: ReplayResult, baseline: ReplayResult): GoalCheck[] {
	const kwh = (x: number) => x.toFixed(3);
	const goals: GoalCheck[] = [
		{ goal: "import", pass: ours.grid_import_by_car_kwh <= baseline.grid_import_by_car_kwh, detail: `${kwh(ours.grid_import_by_car_kwh)} ≤ ${kwh(baseline.grid_import_by_car_kwh)}` },
		{ goal: "starts", pass: ours.starts <= baseline.starts / 2, detail: `${ours.starts} ≤ ${baseline.starts / 2}` },
	];
	const share = CAPTURE_GOAL[day];
	if (share === undefined) goals.push({ goal: "capture", pass: undefined, detail: "-" });
	else {
		const got = ideal.car_from_surplus_kwh > 0 ? ours.car_from_surplus_kwh / ideal.car_from_surplus_kwh : 1;
		goals.push({ goal: "capture", pass: got >= share, detail: `${(got * 100).toFixed(1)} % ≥ ${share * 100} %` });
	}
	goals.push(day === "clear" ? { goal: "clear starts", pass: ours.starts <= 2, detail: `${ours.starts} ≤ 2` } : { goal: "clear starts", pass: undefined, detail: "-" });
	return goals;
}

export function benchReplay(day: string, seed: number): ReplayBenchResult {
	const rows = syntheticDay(day, seed);
	const t0 = performance.now();
	const all = replayAll(rows, { seed });
	const runMs = performance.now() - t0;
	const ours = all.ours.metrics;
	const ideal = all.ideal.metrics.result();
	const baseline = all.baseline.metrics.result();
	return {
		day,
		seed,
		ours,
		ideal,
		baseline,
		goals: checkGoals(day, ours, ideal, baseline),
		runMs,
		logLines: all.ours.log.length,
	};
}

const bus: BusBenchResult[] = doBus ? [1, 2, 3].map((n) => benchBus(n, hours * 3_600_000)) : [];
const replay: ReplayBenchResult[] = [];
if (doReplay) for (const day of SYNTHETIC_DAYS) for (const seed of seeds) replay.push(benchReplay(day, seed));

if (json) {
	process.stdout.write(JSON.stringify({ bus, replay }, null, 2) + "\n");
} else {
	if (doBus) {
		const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
		console.log(`Bus benchmark: the master with simulated wall connectors, ${hours} simulated hour(s) each\n`);
		console.log("| slaves | heartbeat interval per slave: mean / p99 / max (ms) | reply collisions | link-ready collisions | slave-vs-slave | first link-ready → first heartbeat: mean / max (ms) | missed replies | CPU (ms) |");
		console.log("|---|---|---|---|---|---|---|---|");
		for (const r of bus) {
			const h = r.heartbeatInterval;
			console.log(
				`| ${r.slaves} | ${f(h.mean)} / ${f(h.p99)} / ${f(h.max)} | ${r.replyCollisions} | ${r.linkReadyCollisions} | ${r.slaveVsSlaveCollisions} | ${f(r.linkUp.mean)} / ${f(r.linkUp.max)} | ${r.heartbeatsMissed} | ${r.cpuMs.toFixed(0)} |`,
			);
		}
	}
	if (doReplay) {
		if (doBus) console.log("");
		console.log(`Replay benchmark: synthetic days, seeds ${seeds.join(", ")}; one wall connector, one car; ours / ideal / baseline (kWh)\n`);
		console.log("| day | seed | surplus | captured ours / ideal / baseline | import ours / baseline | starts ours / ideal / baseline | import ≤ baseline | starts ≤ ½ baseline | capture | ≤ 2 starts (clear) | run time (ms) |");
		console.log("|---|---|---|---|---|---|---|---|---|---|---|");
		const k = (x: number) => x.toFixed(3);
		const cell = (g: GoalCheck) => (g.pass === undefined ? "-" : `${g.pass ? "PASS" : "FAIL"} (${g.detail})`);
		for (const r of replay) {
			console.log(
				`| ${r.day} | ${r.seed} | ${k(r.ours.surplus_kwh)} | ${k(r.ours.car_from_surplus_kwh)} / ${k(r.ideal.car_from_surplus_kwh)} / ${k(r.baseline.car_from_surplus_kwh)} | ${k(r.ours.grid_import_by_car_kwh)} / ${k(r.baseline.grid_import_by_car_kwh)} | ${r.ours.starts} / ${r.ideal.starts} / ${r.baseline.starts} | ${r.goals.map(cell).join(" | ")} | ${r.runMs.toFixed(0)} |`,
			);
		}
		const checks = replay.flatMap((r) => r.goals.filter((g) => g.pass !== undefined));
		const failed = checks.filter((g) => !g.pass).length;
		console.log(`\nGoals: ${checks.length - failed} of ${checks.length} pass, ${failed} fail.`);
		const warned = replay.filter((r) => r.logLines > 0);
		if (warned.length > 0) console.log(`Core warnings during the replays: ${warned.map((r) => `${r.day}/${r.seed}: ${r.logLines}`).join(", ")} (npm run replay -- --day NAME --seed N shows them).`);
	}
}
