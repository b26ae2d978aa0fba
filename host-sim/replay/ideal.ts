/**
 * The ideal controller: the yardstick no real one can beat. Each second it knows the surplus
 * (gen − cons, the house without the car) exactly and the car follows at once: it takes the
 * largest whole-amp current from `minAmps` to `maxAmps` that the surplus covers, else 0. So it
 * never imports for the car and never offers between 0 and `minAmps`. Car power = amps × volts
 * × phases.
 */
import { ReplayMetrics, type ReplayStep } from "./metrics.js";
import { traceCursor, traceDuration, type TraceRow } from "./trace.js";

export interface IdealOptions {
	/** Volts per phase (default 240) and phases (default 1). */
	volts?: number;
	phases?: number;
	/** Lowest current a car charges at (default 6 A) and the most it takes (default 32 A). */
	minAmps?: number;
	maxAmps?: number;
}

export interface ReplayRun {
	metrics: ReplayMetrics;
	/** One per second from 0 to traceDuration(rows) − 1. */
	steps: ReplayStep[];
}

/** The whole amps the ideal controller takes from `surplusW`: 0, or minAmps … maxAmps. */
export function idealAmps(surplusW: number, wattsPerAmp: number, minAmps: number, maxAmps: number): number {
	const amps = Math.min(maxAmps, Math.floor(surplusW / wattsPerAmp));
	return amps >= minAmps ? amps : 0;
}

export function runIdeal(rows: readonly TraceRow[], options: IdealOptions = {}): ReplayRun {
	const volts = options.volts ?? 240;
	const phases = options.phases ?? 1;
	const minAmps = options.minAmps ?? 6;
	const maxAmps = options.maxAmps ?? 32;
	if (!(volts > 0 && phases > 0 && minAmps >= 0 && maxAmps >= minAmps)) {
		throw new RangeError(`bad ideal options: volts ${volts}, phases ${phases}, amps ${minAmps} to ${maxAmps}`);
	}
	const wattsPerAmp = volts * phases;
	const metrics = new ReplayMetrics();
	const steps: ReplayStep[] = [];
	if (rows.length === 0) return { metrics, steps };
	const at = traceCursor(rows);
	const end = traceDuration(rows);
	for (let t = 0; t < end; t++) {
		const { gen_w, cons_w } = at(t);
		const amps = idealAmps(Math.max(0, gen_w - cons_w), wattsPerAmp, minAmps, maxAmps);
		const car_w = amps * wattsPerAmp;
		metrics.add(1, gen_w, cons_w, car_w);
		steps.push({ t_s: t, gen_w, cons_w, car_w, offered_a: amps });
	}
	return { metrics, steps };
}
