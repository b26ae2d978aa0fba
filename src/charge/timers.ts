/**
 * Timers as the explanation shows them ("minimum on time: 42 s left"), and elapsed time that
 * survives a clock stepping back (NTP, a manual set): the core's clock is UTC and may jump.
 */

/** An active timer in a "why this current" record. */
export interface ActiveTimer {
	name: string;
	secondsLeft: number;
}

/** Seconds left until `untilMs`, rounded up; 0 when it has passed. */
export function secondsLeft(untilMs: number, nowMs: number): number {
	return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

/**
 * A moment remembered by a timer. The clock may step back (a time sync); the moment then moves
 * back with it, by the size of the step as seen from the last reading, so the time already
 * elapsed is kept: a 60 s timer 15 s in still has 45 s to go after a step back of an hour (it
 * would otherwise restart, or last an hour more). Only the time between the last reading and the
 * step is lost, about one heartbeat. A step forward only ends timers early, the safe direction
 * for every timer here.
 */
export class Since {
	#at: number;
	/** The latest time it was read or set at. */
	#seen: number;
	constructor(at: number) {
		this.#at = at;
		this.#seen = at;
	}
	get at(): number {
		return this.#at;
	}
	set(at: number): void {
		this.#at = at;
		this.#seen = at;
	}
	/** Milliseconds since the moment, never negative. */
	elapsed(now: number): number {
		if (now < this.#seen) this.#at += now - this.#seen;
		this.#seen = now;
		if (now < this.#at) this.#at = now;
		return now - this.#at;
	}
}
