import type { Clock, TimerHandle } from "./clock.js";

interface PendingTimer {
	at: number;
	seq: number;
	callback: () => void;
}

/**
 * A Clock whose time only moves when asked to: tests, the replay and the benchmarks run hours of
 * bus traffic in milliseconds with it, and every run is the same. Portable (no host needed).
 * Timers due at the same instant fire in the order they were set.
 */
export class VirtualClock implements Clock {
	#now: number;
	#seq = 0;
	#timers: PendingTimer[] = [];

	constructor(startMs = Date.UTC(2026, 5, 21, 0, 0, 0)) {
		this.#now = startMs;
	}

	now(): number {
		return this.#now;
	}

	setTimer(delayMs: number, callback: () => void): TimerHandle {
		const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
		// Keep the queue sorted by (at, seq): insertion from the back is cheap for the usual near-future timers.
		let i = this.#timers.length;
		while (i > 0 && (this.#timers[i - 1].at > timer.at)) i--;
		this.#timers.splice(i, 0, timer);
		return timer;
	}

	clearTimer(handle: TimerHandle): void {
		const i = this.#timers.indexOf(handle as PendingTimer);
		if (i >= 0) this.#timers.splice(i, 1);
	}

	/** Number of timers waiting. */
	get pending(): number {
		return this.#timers.length;
	}

	/** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
	advance(ms: number): void {
		this.runUntil(this.#now + ms);
	}

	/** Fires timers in order until `endMs`, then sets the time to `endMs`. */
	runUntil(endMs: number): void {
		while (this.#timers.length > 0 && this.#timers[0].at <= endMs) {
			const timer = this.#timers.shift()!;
			if (timer.at > this.#now) this.#now = timer.at;
			timer.callback();
		}
		if (endMs > this.#now) this.#now = endMs;
	}

	/** Sets the time without firing timers in between: a wall-clock jump (time sync, DST tests). */
	jumpTo(ms: number): void {
		const delta = ms - this.#now;
		this.#now = ms;
		for (const timer of this.#timers) timer.at += delta;
	}
}
