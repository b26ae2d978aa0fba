import type { Clock, TimerHandle } from "../src/platform/clock.js";

/** Node's setTimeout caps a delay at 2^31 - 1 ms (about 24.8 days) and fires at once beyond it. */
const MAX_DELAY_MS = 0x7fffffff;

interface NodeTimer {
	timeout?: ReturnType<typeof setTimeout>;
}

/** The wall clock and setTimeout, for the host. */
export class NodeClock implements Clock {
	now(): number {
		return Date.now();
	}

	setTimer(delayMs: number, callback: () => void): TimerHandle {
		const timer: NodeTimer = {};
		// Longer delays are chained so the timer does not fire early.
		const arm = (remaining: number): void => {
			timer.timeout = remaining > MAX_DELAY_MS
				? setTimeout(() => arm(remaining - MAX_DELAY_MS), MAX_DELAY_MS)
				: setTimeout(callback, remaining);
		};
		arm(Math.max(0, delayMs || 0));
		return timer;
	}

	clearTimer(handle: TimerHandle): void {
		const timer = handle as NodeTimer | undefined;
		if (timer?.timeout !== undefined) clearTimeout(timer.timeout);
	}
}
