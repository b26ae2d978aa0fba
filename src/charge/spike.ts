/**
 * Cars that do not follow the offer: the "6 A lock-up" (reference §3.8). After an offer increase a
 * car on Oct-2017 firmware may sit at ~5.2 A whatever it is offered, until it is offered at least
 * the spike current (16 A; 21 A on 80 A units) for 5 s or more.
 *
 * TWCManager spikes on every raise below the spike current (proactive) and whenever a car draws
 * 2 A less than offered for 10 s (reactive). Here it is a closed loop, per slave:
 *  - reactive: a car drawing more than 2 A but over 2 A below an offer it has held (unchanged
 *    ±0.8 A) for 10 s gets one spike; afterwards, if it follows the offer the lock-up is learned
 *    for this car; if it does not, the car limits itself for another reason (its own limit, a cold
 *    battery) and the next try waits, twice as long each time (5 min … 1 h);
 *  - proactive: only for a car that has locked up in this session, on an increase, at most once
 *    a minute;
 *  - the spike is held 5 s from when the slave confirms it, then the offer goes straight to the
 *    target: whole amps, never alternating;
 *  - never above the slave's caps; if the gate has no room for it, it is abandoned.
 */
import { secondsLeft, type ActiveTimer } from "./timers.js";

export const SPIKE_HOLD_MS = 5000;
/** Actual current that has not moved by more than this is "unchanged" (§4.2 step 4). */
const SIGNIFICANT_AMPS = 0.8;
const STEADY_MS = 10_000;
/** After the spike, the car has this long to follow the offer. */
const CHECK_MS = 15_000;
const MIN_INTERVAL_MS = 60_000;
const FIRST_BACKOFF_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 60 * 60_000;
/** The spike must be confirmed by the slave within this time, else there is no room for it. */
const CONFIRM_MS = 10_000;

/** §3.8 spikeAmpsToCancel6ALimit: 21 A on 80 A units, 16 A otherwise. */
export function spikeAmpsFor(unitMaxAmps: number): number {
	return unitMaxAmps >= 80 ? 21 : 16;
}

export interface SpikeInput {
	now: number;
	/** Whole amps the arbiter wants for the car (at least its minimum). */
	target: number;
	/** The lowest of the slave's caps. */
	cap: number;
	unitMaxAmps: number;
	commanded: number;
	reportedLimit: number;
	actual: number;
	charging: boolean;
	proactive: boolean;
	reactive: boolean;
}

export interface SpikeResult {
	amps: number;
	/** What the workaround is doing, for the explanation; undefined when idle and unremarkable. */
	note?: string;
	timers: ActiveTimer[];
}

type Phase = { kind: "idle" } | { kind: "spiking"; startedAt: number; confirmedAt?: number; reactive: boolean } | { kind: "checking"; until: number; reactive: boolean };

export class SpikeWorkaround {
	#phase: Phase = { kind: "idle" };
	#steadyAmps = -1;
	#steadySince = 0;
	/** The offer the slave was last commanded, and since when (the lag must outlast a raise's ramp). */
	#commanded = NaN;
	#commandedSince = 0;
	#nextAllowedAt = 0;
	#backoffMs = FIRST_BACKOFF_MS;
	#lockUpLearned = false;
	#lastNote: string | undefined;
	#spikes = 0;

	/** Spikes sent in this session (for the status). */
	get spikes(): number {
		return this.#spikes;
	}

	get lockUpLearned(): boolean {
		return this.#lockUpLearned;
	}

	/** A new car (session ended): forget what was learned. */
	reset(): void {
		this.#phase = { kind: "idle" };
		this.#nextAllowedAt = 0;
		this.#backoffMs = FIRST_BACKOFF_MS;
		this.#lockUpLearned = false;
		this.#lastNote = undefined;
		this.#steadyAmps = -1;
		this.#commanded = NaN;
	}

	step(input: SpikeInput): SpikeResult {
		const { now, target } = input;
		if (now < this.#steadySince) this.#steadySince = now; // clock stepped back
		if (now < this.#commandedSince) this.#commandedSince = now;
		if (input.commanded !== this.#commanded) {
			this.#commanded = input.commanded;
			this.#commandedSince = now;
		}
		if (this.#steadyAmps < 0 || Math.abs(input.actual - this.#steadyAmps) > SIGNIFICANT_AMPS) {
			this.#steadyAmps = input.actual;
			this.#steadySince = now;
		}
		const spike = Math.min(spikeAmpsFor(input.unitMaxAmps), Math.floor(input.cap));
		const phase = this.#phase;

		if (phase.kind === "spiking") {
			if (!input.charging) return this.#idle(target, "spike abandoned: the car stopped");
			if (phase.confirmedAt === undefined && input.reportedLimit >= spike && input.commanded >= spike) phase.confirmedAt = now;
			if (phase.confirmedAt === undefined) {
				if (now - phase.startedAt > CONFIRM_MS || now < phase.startedAt) return this.#idle(target, "spike abandoned: no room for it within the wiring limits");
				return { amps: spike, note: `6 A lock-up workaround: offering ${spike} A`, timers: [] };
			}
			if (now - phase.confirmedAt < SPIKE_HOLD_MS && now >= phase.confirmedAt) {
				return { amps: spike, note: `6 A lock-up workaround: holding ${spike} A`, timers: [{ name: "spike hold", secondsLeft: secondsLeft(phase.confirmedAt + SPIKE_HOLD_MS, now) }] };
			}
			this.#phase = { kind: "checking", until: now + CHECK_MS, reactive: phase.reactive };
			return { amps: target, note: `6 A lock-up workaround: back to ${target} A, checking the car follows`, timers: [] };
		}

		if (phase.kind === "checking") {
			if (now < phase.until && now >= phase.until - CHECK_MS) return { amps: target, note: `6 A lock-up workaround: checking the car follows ${target} A`, timers: [] };
			const followed = input.actual >= Math.min(target, input.reportedLimit) - 2;
			if (followed) {
				if (phase.reactive) this.#lockUpLearned = true;
				this.#backoffMs = FIRST_BACKOFF_MS;
				this.#nextAllowedAt = now + MIN_INTERVAL_MS;
				return this.#idle(target, `6 A lock-up cleared: the car draws ${input.actual.toFixed(1)} A`);
			}
			this.#nextAllowedAt = now + this.#backoffMs;
			const minutes = Math.round(this.#backoffMs / 60_000);
			this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
			return this.#idle(target, `the car draws ${input.actual.toFixed(1)} A of ${target} A offered after a spike: it limits itself (not the 6 A lock-up); next try in ${minutes} min`);
		}

		if (now < this.#nextAllowedAt - MAX_BACKOFF_MS) this.#nextAllowedAt = now; // clock stepped far back
		const allowed = now >= this.#nextAllowedAt && spike > target && input.charging;
		const held = input.commanded === target && input.reportedLimit >= target;
		const lagging = input.actual > 2 && input.actual <= spike && input.commanded - input.actual > 2;
		// "An offer it has held for 10 s": right after a raise a car steady at the old offer is only ramping.
		const offerHeld = now - this.#commandedSince >= STEADY_MS;
		if (allowed && input.reactive && held && lagging && offerHeld && now - this.#steadySince >= STEADY_MS) {
			return this.#start(now, spike, true, `car draws ${input.actual.toFixed(1)} A of ${input.commanded} A offered for 10 s`);
		}
		if (allowed && input.proactive && this.#lockUpLearned && target > input.commanded && input.commanded > 0) {
			return this.#start(now, spike, false, `raising the offer of a car that locked up before`);
		}
		const timers = now < this.#nextAllowedAt && lagging ? [{ name: "next spike allowed", secondsLeft: secondsLeft(this.#nextAllowedAt, now) }] : [];
		return { amps: target, note: now < this.#nextAllowedAt ? this.#lastNote : undefined, timers };
	}

	#start(now: number, spike: number, reactive: boolean, why: string): SpikeResult {
		this.#phase = { kind: "spiking", startedAt: now, reactive };
		this.#spikes++;
		this.#nextAllowedAt = now + MIN_INTERVAL_MS;
		this.#lastNote = undefined;
		return { amps: spike, note: `6 A lock-up workaround: ${why}; offering ${spike} A for 5 s`, timers: [] };
	}

	#idle(target: number, note: string): SpikeResult {
		this.#phase = { kind: "idle" };
		this.#lastNote = note;
		return { amps: target, note, timers: [] };
	}
}
