/**
 * Time for the core: UTC epoch milliseconds and one-shot timers. Nothing in src/ reads the wall
 * clock or schedules work any other way, so a test can run a simulated day in milliseconds.
 */
export type TimerHandle = unknown;

export interface Clock {
	/** UTC epoch milliseconds (may jump when the host syncs its time). */
	now(): number;
	/** Calls `callback` once, `delayMs` from now (0 = as soon as possible, after the current turn). */
	setTimer(delayMs: number, callback: () => void): TimerHandle;
	clearTimer(handle: TimerHandle): void;
}
