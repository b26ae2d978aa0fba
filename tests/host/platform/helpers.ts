import type { BytePortListener } from "../../../src/platform/byte-port.js";
import type { Clock, TimerHandle } from "../../../src/platform/clock.js";
import type { LogLevel } from "../../../src/platform/log.js";
import { NodeClock } from "../../../host-sim/node-clock.js";

export function recordingLog() {
	const entries: [LogLevel, string, string][] = [];
	return { entries, write: (level: LogLevel, topic: string, message: string) => void entries.push([level, topic, message]) };
}

/** A real clock that also counts the timers it was asked for (to see retries being scheduled). */
export class CountingClock implements Clock {
	readonly delays: number[] = [];
	#clock = new NodeClock();
	now(): number {
		return this.#clock.now();
	}
	setTimer(delayMs: number, callback: () => void): TimerHandle {
		this.delays.push(delayMs);
		return this.#clock.setTimer(delayMs, callback);
	}
	clearTimer(handle: TimerHandle): void {
		this.#clock.clearTimer(handle);
	}
}

/** A BytePortListener that records everything and lets a test wait for a condition. */
export class RecordingListener implements BytePortListener {
	readonly statuses: [boolean, string][] = [];
	bytes: number[] = [];
	#waiters: (() => void)[] = [];

	onBytes(bytes: Uint8Array): void {
		this.bytes.push(...bytes);
		this.#wake();
	}

	onStatus(open: boolean, reason: string): void {
		this.statuses.push([open, reason]);
		this.#wake();
	}

	/** Resolves once `condition` holds; rejects after `timeoutMs`. */
	until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
		if (condition()) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
			const check = () => {
				if (!condition()) {
					this.#waiters.push(check);
					return;
				}
				clearTimeout(timer);
				resolve();
			};
			this.#waiters.push(check);
		});
	}

	#wake(): void {
		const waiters = this.#waiters;
		this.#waiters = [];
		for (const waiter of waiters) waiter();
	}
}
