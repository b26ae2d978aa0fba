/**
 * Clock on Moddable's `timer` module and `Date.now()`.
 *
 * `now()` is UTC epoch milliseconds, as the core expects. On an ESP32 the clock starts near 0
 * (1970) at boot until something sets it (SNTP once the app joins a network), so it may jump; the
 * core only uses differences for bus timing and must tolerate the jump (see src/platform/clock.ts).
 * Timers are one-shot `Timer.set`: they fire between JS turns with the FreeRTOS tick (1 ms).
 *
 * No hardware is touched at module load (this module is preloaded).
 */
import Timer from "timer";
import type { Clock, TimerHandle } from "platform/clock";

/** One pending timer; `timer` is cleared when it fires so `clearTimer` never touches a spent Timer. */
interface PendingTimer {
	timer: Timer | undefined;
}

export class TimerClock implements Clock {
	readonly #onError: ((error: unknown) => void) | undefined;
	readonly #turns: { run<T>(kind: string, work: () => T): T } | undefined;

	/**
	 * @param onError called when a timer callback throws; the exception goes no further, because an
	 * exception escaping a native callback would abort the VM and reset the board.
	 * @param turns measures each callback as a JavaScript turn ("timer"): see turn-meter.ts.
	 */
	constructor(onError?: (error: unknown) => void, turns?: { run<T>(kind: string, work: () => T): T }) {
		this.#onError = onError;
		this.#turns = turns;
	}

	now(): number {
		return Date.now();
	}

	setTimer(delayMs: number, callback: () => void): TimerHandle {
		const pending: PendingTimer = { timer: undefined };
		const delay = delayMs > 0 ? Math.ceil(delayMs) : 0;
		pending.timer = Timer.set(() => {
			pending.timer = undefined;
			try {
				if (this.#turns !== undefined) this.#turns.run("timer", callback);
				else callback();
			} catch (error) {
				if (this.#onError !== undefined) this.#onError(error);
				else trace(`error clock: timer callback threw ${String(error)}\n`);
			}
		}, delay);
		return pending;
	}

	clearTimer(handle: TimerHandle): void {
		const pending = handle as PendingTimer | undefined;
		if (pending === undefined || pending === null || pending.timer === undefined) return;
		Timer.clear(pending.timer);
		pending.timer = undefined;
	}
}
