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
 * A moment remembered by a timer. If the clock steps back before it, the moment moves back with
 * the clock, so a timer never runs longer than it should because of a jump; a jump forward only
 * ends timers early, which is the safe direction for every timer here.
 */
export class Since {
	#at: number;
	constructor(at: number) {
		this.#at = at;
	}
	get at(): number {
		return this.#at;
	}
	set(at: number): void {
		this.#at = at;
	}
	/** Milliseconds since the moment, never negative. */
	elapsed(now: number): number {
		if (now < this.#at) this.#at = now;
		return now - this.#at;
	}
}
