/**
 * Our controller on a trace: the real core (App: bus master, policy engine, arbiter, GreenTracker)
 * driving simulated wall connectors and cars over the simulated bus, in virtual time.
 *
 * - Time: a VirtualClock starting at 2026-06-21T00:00:00Z (REPLAY_START_MS), so second t of the
 *   trace is t seconds after midnight UTC of the summer solstice. A trace has no date; this one
 *   only decides which of the two identical "Track Green Energy" policies matches (§5.2: the first,
 *   sunrise ≤ hour < sunset, by day; the second, nonScheduledAction = 3, at night), and the local
 *   time shown in the log.
 * - Config: the replay defaults (32 A for all, 32 A per unit, 6 A minimum), with the user's
 *   document merged over them: its `config` section key by key over the defaults' (so its wiring
 *   limits win), every other section as it is.
 * - Settings: nonScheduledAction 3 ("track green energy"), so Track Green Energy applies around the
 *   clock. The active policy is checked once an hour; anything but a green policy is logged as an
 *   error (a custom `policy` section could do that).
 * - World: `slaves` wall connectors (default 1) at config.defaultVoltage / numberOfPhases (240 V,
 *   1 phase by default), 32 A, each with a car plugged in all along that charges from 5 to 32 A
 *   and never fills.
 * - The simulated meter: a timer every `meterIntervalS` (default 1 s) reports the trace's values
 *   at that instant to `app.energy` as source "replay": generation, and consumption, plus the
 *   chargers' draw at that instant when config.subtractChargerLoad says the meter sees the car.
 * - Sampling: second by second to traceDuration(rows). Each second t adds (1 s, gen, cons, car_w)
 *   to the metrics, where car_w is the cars' mean power over [t, t + 1) (their energy at t + 1
 *   minus at t, so ramps and starts within the second count as they happen), rounded to 0.1 W as
 *   the `--out` file writes it (so the figures equal a scoring of that file), and offered_a is the
 *   sum of the limits the units hold at t.
 * - Log: warnings and errors are collected, stamped with the replay time (`+HH:MM:SS`); info and
 *   debug are dropped.
 */
import { App } from "../../src/app.js";
import { GreenTracker, type GreenTuning } from "../../src/charge/green.js";
import { parseConfig, type Config } from "../../src/config/config.js";
import type { Log, LogLevel } from "../../src/platform/log.js";
import { seededRandom } from "../../src/platform/random.js";
import { VirtualClock } from "../../src/platform/virtual-clock.js";
import type { SimulatedCarOptions } from "../sim/car.js";
import { buildWorld } from "../sim/world.js";
import { runIdeal, type ReplayRun } from "./ideal.js";
import { ReplayMetrics, type ReplayResult, type ReplayStep } from "./metrics.js";
import { runOpenEvse, runTwcManager } from "./peers.js";
import { traceCursor, traceDuration, type TraceRow } from "./trace.js";

/** Second 0 of every replay: 2026-06-21T00:00:00Z. */
export const REPLAY_START_MS = Date.UTC(2026, 5, 21, 0, 0, 0);

/** The config a replay uses when none is given, and under a given one. */
export const DEFAULT_REPLAY_CONFIG: Readonly<{ config: Readonly<Record<string, unknown>> }> = Object.freeze({
	config: Object.freeze({ wiringMaxAmpsAllTWCs: 32, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 }),
});

/** The energy source name the simulated meter reports as. */
export const REPLAY_METER_SOURCE = "replay";

export interface RunOursOptions {
	/** A TWCManager config.json document (parsed), merged over DEFAULT_REPLAY_CONFIG. */
	configDocument?: unknown;
	/** Seed of the simulation (bus, units, cars) and of the core's randomness (default 1). */
	seed?: number;
	/** Seconds between the simulated meter's readings (default 1). */
	meterIntervalS?: number;
	/** Wall connectors, each with a car (default 1, at most 3). */
	slaves?: number;
	/** The car's behaviour over the defaults (ramps, start delay, sleep); it never fills. */
	car?: SimulatedCarOptions;
	/** Green tuning over DEFAULT_GREEN_TUNING (to try others: bench --tuning); the default one when absent. */
	greenTuning?: Partial<GreenTuning>;
}

export interface OursRun {
	metrics: ReplayResult;
	/** One per second from 0 to traceDuration(rows) − 1. */
	steps: ReplayStep[];
	/** Warnings and errors, "+HH:MM:SS level topic: message". */
	log: string[];
}

/** A bad config document: `errors` name the keys. */
export class ReplayConfigError extends Error {
	readonly errors: string[];
	constructor(errors: string[]) {
		super(`config: ${errors.join("; ")}`);
		this.name = "ReplayConfigError";
		this.errors = errors;
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The user's document over the replay defaults: `config` merged key by key, other sections kept. */
export function mergeReplayConfig(document: unknown): unknown {
	if (document === undefined || document === null) return { config: { ...DEFAULT_REPLAY_CONFIG.config } };
	if (!isObject(document)) return document; // parseConfig says what is wrong with it
	const own = document.config;
	if (own !== undefined && !isObject(own)) return document;
	return { ...document, config: { ...DEFAULT_REPLAY_CONFIG.config, ...(own ?? {}) } };
}

/** parseConfig of the merged document; throws ReplayConfigError naming the keys. */
export function replayConfig(document?: unknown): { config: Config; warnings: string[] } {
	const parsed = parseConfig(mergeReplayConfig(document));
	if (!parsed.config) throw new ReplayConfigError(parsed.errors);
	return { config: parsed.config, warnings: parsed.warnings };
}

/** "+HH:MM:SS" of a replay second (days as +1d…). */
export function replayTime(seconds: number): string {
	const s = Math.max(0, Math.floor(seconds));
	const d = Math.floor(s / 86_400);
	const two = (n: number) => String(n).padStart(2, "0");
	const hms = `${two(Math.floor((s % 86_400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
	return d > 0 ? `+${d}d${hms}` : `+${hms}`;
}

class CollectingLog implements Log {
	readonly lines: string[] = [];
	constructor(private readonly clock: VirtualClock) {}
	write(level: LogLevel, topic: string, message: string): void {
		if (level !== "warn" && level !== "error") return;
		this.lines.push(`${replayTime((this.clock.now() - REPLAY_START_MS) / 1000)} ${level} ${topic}: ${message}`);
	}
}

export function runOurs(rows: readonly TraceRow[], options: RunOursOptions = {}): OursRun {
	const seed = options.seed ?? 1;
	const meterIntervalS = options.meterIntervalS ?? 1;
	const slaves = options.slaves ?? 1;
	if (!(meterIntervalS > 0 && Number.isFinite(meterIntervalS))) throw new RangeError(`meterIntervalS must be a positive number of seconds (got ${meterIntervalS})`);
	if (!Number.isInteger(slaves) || slaves < 1 || slaves > 3) throw new RangeError(`slaves must be 1, 2 or 3 (got ${slaves})`);
	const { config } = replayConfig(options.configDocument);

	const metrics = new ReplayMetrics();
	const steps: ReplayStep[] = [];
	const clock = new VirtualClock(REPLAY_START_MS);
	const log = new CollectingLog(clock);
	if (rows.length === 0) return { metrics: metrics.result(), steps, log: log.lines };

	const volts = config.defaultVoltage;
	const phases: 1 | 3 = config.numberOfPhases === 3 ? 3 : 1;
	const world = buildWorld(clock, {
		slaves,
		seed,
		car: { neverFills: true, maxAmps: 32, minAmps: 5, ...options.car },
		unit: { maxAmps: 32, volts, phases },
	});
	const cars = world.cars.filter((car) => car !== undefined);
	// Another tuning: a GreenTracker like the App's own (same readings, same context), with it.
	let tuned: GreenTracker | undefined;
	const green = options.greenTuning ? { wish: (now: number) => (tuned as GreenTracker).wish(now) } : undefined;
	const app = new App({ clock, log, random: seededRandom(seed), bus: world.masterPort }, config, { green });
	if (options.greenTuning) {
		tuned = new GreenTracker(
			app.energy,
			config.green,
			() => app.greenInputs(),
			options.greenTuning,
		);
	}
	const set = app.settings.update({ nonScheduledAction: 3 }, "replay");
	if (!set.ok) log.write("error", "replay", `could not set nonScheduledAction 3: ${set.errors.join("; ")}`);
	app.start();

	const seconds = () => (clock.now() - REPLAY_START_MS) / 1000;
	const wattsPerAmp = volts * phases;
	const chargerW = () => world.units.reduce((sum, unit) => sum + unit.actualAmps, 0) * wattsPerAmp;

	// The simulated meter.
	const meterAt = traceCursor(rows);
	const subtract = config.green.subtractChargerLoad;
	let lastProblem: string | undefined;
	const meter = () => {
		const now = clock.now();
		const { gen_w, cons_w } = meterAt(seconds());
		const problem = app.energy.report(REPLAY_METER_SOURCE, { atMs: now, generationW: gen_w, consumptionW: subtract ? cons_w + chargerW() : cons_w }, now);
		// Once per run of the same refusal: a bad row is held for many seconds.
		if (problem && problem !== lastProblem) log.write("error", "replay", `the simulated meter's reading was refused: ${problem}`);
		lastProblem = problem;
		clock.setTimer(meterIntervalS * 1000, meter);
	};
	clock.setTimer(0, meter);

	const checkPolicy = (t: number) => {
		const engine = app.charge.engine;
		if (engine.activePolicyName !== "Track Green Energy" || !engine.policyIsGreen()) {
			log.write("error", "replay", `the active policy is "${engine.activePolicyName}", not Track Green Energy: the replay measures something else (${replayTime(t)})`);
		}
	};

	const at = traceCursor(rows);
	const end = traceDuration(rows);
	const energyWh = () => cars.reduce((sum, car) => sum + car.energyWhAt(clock.now()), 0);
	let before = energyWh();
	for (let t = 0; t < end; t++) {
		const { gen_w, cons_w } = at(t);
		// The policy is first evaluated at the first heartbeat, a few seconds in: check it a minute into each hour.
		if (t % 3600 === 60) checkPolicy(t);
		const offered_a = world.units.reduce((sum, unit) => sum + unit.limitAmps, 0);
		clock.runUntil(REPLAY_START_MS + (t + 1) * 1000);
		const after = energyWh();
		const car_w = Math.round(Math.max(0, (after - before) * 3600) * 10) / 10;
		before = after;
		metrics.add(1, gen_w, cons_w, car_w);
		steps.push({ t_s: t, gen_w, cons_w, car_w, offered_a });
	}
	app.stop();
	for (const unit of world.units) unit.stop();
	return { metrics: metrics.result(), steps, log: log.lines };
}

export interface ReplayAllOptions {
	configDocument?: unknown;
	seed?: number;
	meterIntervalS?: number;
	car?: SimulatedCarOptions;
	greenTuning?: Partial<GreenTuning>;
}

export interface ReplayAll {
	ours: OursRun;
	ideal: ReplayRun;
	/** The peers (host-sim/replay/peers.ts), each with the simple car. */
	twcmanager: ReplayRun;
	openevse: ReplayRun;
	/** The config they ran with (the merged one), and its warnings. */
	config: Config;
	configWarnings: string[];
}

/**
 * Ours (the realistic car), the ideal and the two peers (the simple car) on the same trace, for one
 * wall connector and one car, with the installation of the config: supply (defaultVoltage,
 * numberOfPhases), minimum (max of minAmpsPerTWC and the unit's 6 A), most (the car's 32 A within
 * the wiring limits); TWCManager also takes startStopDelay and the policy interval.
 */
export function replayAll(rows: readonly TraceRow[], options: ReplayAllOptions = {}): ReplayAll {
	const { config, warnings } = replayConfig(options.configDocument);
	const ours = runOurs(rows, { configDocument: options.configDocument, seed: options.seed, meterIntervalS: options.meterIntervalS, car: options.car, greenTuning: options.greenTuning });
	const volts = config.defaultVoltage;
	const phases = config.numberOfPhases === 3 ? 3 : 1;
	const minAmps = Math.max(config.minAmpsPerTWC, 6);
	const maxAmps = Math.max(minAmps, Math.min(32, config.wiringMaxAmpsAllTWCs, config.wiringMaxAmpsPerTWC));
	const supply = { volts, phases, minAmps, maxAmps };
	const ideal = runIdeal(rows, supply);
	const twcmanager = runTwcManager(rows, { ...supply, startStopDelayS: config.startStopDelay, policyCheckIntervalS: config.policies.policyCheckInterval });
	const openevse = runOpenEvse(rows, supply);
	return { ours, ideal, twcmanager, openevse, config, configWarnings: warnings };
}
