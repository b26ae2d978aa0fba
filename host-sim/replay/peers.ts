/**
 * The two peers the replay compares ours with, as models of their documented algorithms, each
 * driving the same simple car, stepped once a second. They are the models of
 * ../shared/traces/peer-models.py (the traces README: "The two peers, as models"), written again
 * here so that `npm run replay` and `npm run bench` print the same figures for any trace.
 *
 * - The simple car: charges only when offered at least the minimum; then it follows the offer at
 *   up to 2 A/s either way; offered less than the minimum it stops at once. Its power is
 *   amps × volts × phases.
 * - `twcmanager` (reference twcmanager-core.md §4.2, §5.1, §5.6): the green policy is re-read every
 *   `policyCheckIntervalS` (30 s): the budget is the surplus in amps, (gen − cons) / V, to 0.01 A,
 *   never below 0. Each second: below the minimum → 0, else the whole amps; a reduction within 5 s
 *   of the last change of the offer keeps the offer; a crossing of the minimum (either way) by the
 *   wish records the flip time, and for `startStopDelayS` (60 s) after it a car that still draws is
 *   held at the minimum (TWCManager's startStopDelay dampening). Capped at the most amps.
 * - `openevse` (reference anchors.md §2.1, OpenEVSE's solar divert, `src/divert.cpp`): every
 *   `inputIntervalS` (10 s) it reads the available amps, (gen − cons − 100 W reserve) / V, and
 *   smooths them (time constant 20 s on a rise, 600 s on a fall); it starts when the smoothed
 *   value reaches the minimum + 0.5 A and stops when it is at or below the minimum after at least
 *   600 s of charging; while charging the offer is floor(available) clamped to minimum…most.
 *
 * Neither model needs our core: they read the trace directly (no meter lag, no bus).
 */
import { ReplayMetrics, type ReplayStep } from "./metrics.js";
import type { ReplayRun } from "./ideal.js";
import { traceCursor, traceDuration, type TraceRow } from "./trace.js";

export interface PeerOptions {
	/** Volts per phase (default 240) and phases (default 1). */
	volts?: number;
	phases?: number;
	/** Lowest current a car charges at (default 6 A) and the most it takes (default 32 A). */
	minAmps?: number;
	maxAmps?: number;
}

export interface TwcManagerOptions extends PeerOptions {
	/** config.startStopDelay (default 60 s) and the policy check interval (default 30 s). */
	startStopDelayS?: number;
	policyCheckIntervalS?: number;
}

export interface OpenEvseOptions extends PeerOptions {
	/** Divert reserve (default 100 W), input interval (default 10 s). */
	reserveW?: number;
	inputIntervalS?: number;
	/** Smoothing time constants: rise (default 20 s) and fall (default 600 s). */
	riseTauS?: number;
	fallTauS?: number;
	/** Least charging time before a stop (default 600 s). */
	minChargeS?: number;
}

/** The peers' car: follows the offer at up to 2 A/s once offered ≥ the minimum; stops at once below it. */
export class SimpleCar {
	readonly minAmps: number;
	readonly rampAmpsPerSecond: number;
	#amps = 0;

	constructor(minAmps = 6, rampAmpsPerSecond = 2) {
		this.minAmps = minAmps;
		this.rampAmpsPerSecond = rampAmpsPerSecond;
	}

	get amps(): number {
		return this.#amps;
	}

	/** One second with `offer` amps offered; returns the amps drawn in that second. */
	step(offer: number): number {
		const target = offer >= this.minAmps ? offer : 0;
		if (target > 0) this.#amps += Math.max(-this.rampAmpsPerSecond, Math.min(this.rampAmpsPerSecond, target - this.#amps));
		else this.#amps = 0;
		return this.#amps;
	}
}

interface Supply {
	volts: number;
	phases: number;
	minAmps: number;
	maxAmps: number;
	wattsPerAmp: number;
}

function supply(options: PeerOptions): Supply {
	const volts = options.volts ?? 240;
	const phases = options.phases ?? 1;
	const minAmps = options.minAmps ?? 6;
	const maxAmps = options.maxAmps ?? 32;
	if (!(volts > 0 && phases > 0 && minAmps > 0 && maxAmps >= minAmps)) {
		throw new RangeError(`bad peer options: volts ${volts}, phases ${phases}, amps ${minAmps} to ${maxAmps}`);
	}
	return { volts, phases, minAmps, maxAmps, wattsPerAmp: volts * phases };
}

/** Runs `controller` (offer amps for second i) against the simple car over the trace. */
function run(rows: readonly TraceRow[], s: Supply, controller: (i: number, gen: number, cons: number, car: SimpleCar) => number): ReplayRun {
	const metrics = new ReplayMetrics();
	const steps: ReplayStep[] = [];
	if (rows.length === 0) return { metrics, steps };
	const at = traceCursor(rows);
	const end = traceDuration(rows);
	const car = new SimpleCar(s.minAmps);
	for (let i = 0; i < end; i++) {
		const { gen_w, cons_w } = at(i);
		const offer = controller(i, gen_w, cons_w, car);
		const car_w = car.step(offer) * s.wattsPerAmp;
		metrics.add(1, gen_w, cons_w, car_w);
		steps.push({ t_s: i, gen_w, cons_w, car_w, offered_a: offer });
	}
	return { metrics, steps };
}

/** Python's round(x, 2) for the values that occur here (a non-negative number of amps). */
function round2(x: number): number {
	return Math.round(x * 100) / 100;
}

export function runTwcManager(rows: readonly TraceRow[], options: TwcManagerOptions = {}): ReplayRun {
	const s = supply(options);
	const startStopDelay = options.startStopDelayS ?? 60;
	const interval = Math.max(1, Math.round(options.policyCheckIntervalS ?? 30));
	let offer = 0;
	let lastOfferChange = -Infinity;
	let maxDivide = 0;
	let lastDesired = 0;
	let flippedAt = -Infinity;
	return run(rows, s, (i, gen, cons, car) => {
		if (i % interval === 0) maxDivide = round2(Math.max(0, gen / s.wattsPerAmp - cons / s.wattsPerAmp));
		let desired = maxDivide < s.minAmps ? 0 : Math.trunc(maxDivide);
		if (desired < offer && i - lastOfferChange < 5) desired = offer;
		if (desired >= s.minAmps !== lastDesired >= s.minAmps) {
			lastDesired = desired;
			flippedAt = i;
		}
		if (i - flippedAt < startStopDelay && car.amps > 0) desired = Math.max(s.minAmps, desired);
		desired = Math.min(desired, s.maxAmps);
		if (desired !== offer) {
			offer = desired;
			lastOfferChange = i;
		}
		return offer;
	});
}

export function runOpenEvse(rows: readonly TraceRow[], options: OpenEvseOptions = {}): ReplayRun {
	const s = supply(options);
	const reserve = options.reserveW ?? 100;
	const interval = Math.max(1, Math.round(options.inputIntervalS ?? 10));
	const rise = options.riseTauS ?? 20;
	const fall = options.fallTauS ?? 600;
	const minCharge = options.minChargeS ?? 600;
	let smooth = 0;
	let charging = false;
	let started = 0;
	let offer = 0;
	return run(rows, s, (i, gen, cons) => {
		if (i % interval === 0) {
			const available = (gen - cons - reserve) / s.wattsPerAmp;
			const tau = available > smooth ? rise : fall;
			smooth += (available - smooth) * (1 - Math.exp(-interval / tau));
			if (!charging && smooth >= s.minAmps + 0.5) {
				charging = true;
				started = i;
			} else if (charging && smooth <= s.minAmps && i - started >= minCharge) charging = false;
			offer = charging ? Math.max(s.minAmps, Math.min(s.maxAmps, Math.floor(available))) : 0;
		}
		return offer;
	});
}
