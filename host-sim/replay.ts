/**
 * npm run replay: our controller, the ideal one and the two peers (TWCManager, OpenEVSE: models of
 * their documented green algorithms, host-sim/replay/peers.ts) on a trace of PV generation and
 * house consumption (host-sim/replay/trace.ts), in virtual time. Prints the five figures of each as
 * JSON; `--out` writes our controller's second-by-second steps.
 *
 * Exit codes: 0 done; 1 the trace cannot be read or has no good row, or --out cannot be written;
 * 2 a usage error or a bad config file (each error names the key).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseConfigText } from "../src/config/config.js";
import { formatSteps, type ReplayResult } from "./replay/metrics.js";
import { replayAll, ReplayConfigError } from "./replay/run-ours.js";
import { SYNTHETIC_DAYS, syntheticDay } from "./replay/synthetic-days.js";
import { parseTrace, traceDuration, type TraceRow } from "./replay/trace.js";

export const USAGE = `Usage: npm run replay -- --trace FILE.csv [options]
       npm run replay -- --day NAME [--seed N] [options]

  --trace FILE      a CSV with the header t_s,gen_w,cons_w: seconds from the start, PV
                    generation (W), house consumption without the car (W); each row holds
                    until the next; lines starting with # are comments
  --day NAME        a synthetic day instead: ${SYNTHETIC_DAYS.join(", ")}
  --seed N          seed of the synthetic day and of the simulation (default 1)
  --config FILE     TWCManager config.json (green keys, wiring limits, subtractChargerLoad);
                    default: 32 A for all, 32 A per unit, 6 A minimum
  --out FILE        write our controller's steps, one row per second:
                    t_s,gen_w,cons_w,car_w,offered_a
  --help            this text

Prints JSON: { "trace": {…}, "ours": {…}, "ideal": {…}, "twcmanager": {…}, "openevse": {…},
"baseline": {…} }, each controller with surplus_kwh, car_kwh, car_from_surplus_kwh,
grid_import_by_car_kwh and starts ("baseline" repeats "twcmanager", for older scripts). One wall
connector with one car plugged in all along (240 V single phase, 6 to 32 A, a battery that never
fills), 00:00 UTC at second 0, Track Green Energy around the clock. Ours drives a realistic car
(start delay, ramps); the ideal and the peers the simple car of ../shared/traces/peer-models.py.
Per second: surplus = max(gen − cons, 0); from surplus = Σ min(car, surplus); import =
Σ max(car − surplus, 0); a start = the car going from ≤ 50 W to > 50 W.
Exit codes: 0 done, 1 the trace cannot be read or has no good row, 2 a usage or config error.
`;

export interface ReplayCommandLine {
	trace: string | undefined;
	day: string | undefined;
	seed: number;
	config: string | undefined;
	out: string | undefined;
	help: boolean;
}

/** Reads the command line; throws an Error whose message says what is wrong. */
export function parseReplayArgs(argv: string[]): ReplayCommandLine {
	const { values } = parseArgs({
		args: argv,
		options: {
			trace: { type: "string" },
			day: { type: "string" },
			seed: { type: "string" },
			config: { type: "string" },
			out: { type: "string" },
			help: { type: "boolean" },
		},
		strict: true,
		allowPositionals: false,
	});
	const help = values.help ?? false;
	let seed = 1;
	if (values.seed !== undefined) {
		const n = Number(values.seed);
		if (values.seed.trim() === "" || !Number.isInteger(n) || n < 0 || n > 2 ** 31) throw new Error(`--seed must be a whole number from 0 to ${2 ** 31} (got "${values.seed}")`);
		seed = n;
	}
	if (!help) {
		if (values.trace !== undefined && values.day !== undefined) throw new Error("give --trace FILE or --day NAME, not both");
		if (values.trace === undefined && values.day === undefined) throw new Error("--trace FILE (or --day NAME) is required");
		if (values.day !== undefined && !SYNTHETIC_DAYS.includes(values.day)) throw new Error(`--day must be one of ${SYNTHETIC_DAYS.join(", ")} (got "${values.day}")`);
	}
	return { trace: values.trace, day: values.day, seed, config: values.config, out: values.out, help };
}

export interface ReplayOutput {
	trace: { name: string; seed?: number; duration_s: number; rows: number; errors: number };
	ours: ReplayResult;
	ideal: ReplayResult;
	twcmanager: ReplayResult;
	openevse: ReplayResult;
	/** The same as twcmanager (older scripts read it). */
	baseline: ReplayResult;
}

export interface ReplayIo {
	stdout(text: string): void;
	stderr(text: string): void;
}

const processIo: ReplayIo = {
	stdout: (text) => process.stdout.write(text),
	stderr: (text) => process.stderr.write(text),
};

/** At most this many lines of the core's log go to stderr. */
const MAX_LOG_LINES = 30;

/** Runs the replay the command line asks for; returns the exit code. */
export function replayMain(argv: string[], io: ReplayIo = processIo): number {
	let options: ReplayCommandLine;
	try {
		options = parseReplayArgs(argv);
	} catch (error) {
		io.stderr(`${(error as Error).message}\n\n${USAGE}`);
		return 2;
	}
	if (options.help) {
		io.stdout(USAGE);
		return 0;
	}

	// The config first: a mistake there is cheaper to report before reading a large trace.
	let configDocument: unknown;
	if (options.config !== undefined) {
		let text: string;
		try {
			text = readFileSync(options.config, "utf8");
		} catch (error) {
			io.stderr(`cannot read config file ${options.config}: ${(error as Error).message}\n`);
			return 2;
		}
		const parsed = parseConfigText(text);
		if (!parsed.config) {
			for (const error of parsed.errors) io.stderr(`config error: ${error}\n`);
			io.stderr(`the replay did not run: fix ${options.config}\n`);
			return 2;
		}
		configDocument = parsed.config.document;
	}

	let rows: TraceRow[];
	let name: string;
	let errors = 0;
	if (options.day !== undefined) {
		rows = syntheticDay(options.day, options.seed);
		name = options.day;
	} else {
		const file = options.trace!;
		name = basename(file);
		let text: string;
		try {
			text = readFileSync(file, "utf8");
		} catch (error) {
			io.stderr(`cannot read trace file ${file}: ${(error as Error).message}\n`);
			return 1;
		}
		const parsed = parseTrace(text, name);
		for (const error of parsed.errors) io.stderr(`${error}\n`);
		errors = parsed.errors.length;
		rows = parsed.rows;
		if (rows.length === 0) {
			io.stderr(`${name}: no good rows left, nothing to replay\n`);
			return 1;
		}
		if (errors > 0) io.stderr(`${name}: ${errors} bad row${errors === 1 ? "" : "s"} skipped, replaying the ${rows.length} good one${rows.length === 1 ? "" : "s"}\n`);
	}

	let result: ReturnType<typeof replayAll>;
	try {
		result = replayAll(rows, { configDocument, seed: options.seed });
	} catch (error) {
		if (error instanceof ReplayConfigError) {
			for (const e of error.errors) io.stderr(`config error: ${e}\n`);
			return 2;
		}
		throw error;
	}
	for (const warning of result.configWarnings) io.stderr(`config warning: ${warning}\n`);
	const log = result.ours.log;
	for (const line of log.slice(0, MAX_LOG_LINES)) io.stderr(`controller: ${line}\n`);
	if (log.length > MAX_LOG_LINES) io.stderr(`controller: … ${log.length - MAX_LOG_LINES} more warnings\n`);

	if (options.out !== undefined) {
		try {
			writeFileSync(options.out, formatSteps(result.ours.steps));
		} catch (error) {
			io.stderr(`cannot write ${options.out}: ${(error as Error).message}\n`);
			return 1;
		}
	}
	const output: ReplayOutput = {
		trace: { name, ...(options.day !== undefined ? { seed: options.seed } : {}), duration_s: traceDuration(rows), rows: rows.length, errors },
		ours: result.ours.metrics,
		ideal: result.ideal.metrics.result(),
		twcmanager: result.twcmanager.metrics.result(),
		openevse: result.openevse.metrics.result(),
		baseline: result.twcmanager.metrics.result(),
	};
	io.stdout(JSON.stringify(output, null, 2) + "\n");
	return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = replayMain(process.argv.slice(2));
