/**
 * How long each JavaScript turn takes, by what started it (a timer, the bus, an HTTP request).
 * The ESP32's UART has no driver buffer under the ECMA-419 serial: the 128-byte RX FIFO is all the
 * slack there is, 133 ms at 9600 baud, so a turn longer than that loses bus bytes. The longest turns
 * are shown in GET /api/v1/device and logged when they pass the warning mark.
 */

/** 128 bytes × 10 bits / 9600 baud. */
export const FIFO_FILL_MS = Math.floor((128 * 10 * 1000) / 9600);
/** Turns longer than this are logged (with their kind): half the FIFO's time. */
export const SLOW_TURN_MS = 60;

export interface TurnStats {
	kind: string;
	turns: number;
	longestMs: number;
	/** Turns longer than SLOW_TURN_MS. */
	slow: number;
}

export class TurnMeter {
	readonly #stats = new Map<string, TurnStats>();
	readonly #now: () => number;
	readonly #onSlow: ((kind: string, ms: number) => void) | undefined;

	constructor(options: { now?: () => number; onSlow?: (kind: string, ms: number) => void } = {}) {
		this.#now = options.now ?? Date.now;
		this.#onSlow = options.onSlow;
	}

	/** Runs `work` as one measured turn of `kind`. */
	run<T>(kind: string, work: () => T): T {
		const start = this.#now();
		try {
			return work();
		} finally {
			this.#record(kind, this.#now() - start);
		}
	}

	/** Wraps a callback so that each call is measured. */
	wrap<A extends unknown[], R>(kind: string, callback: (...args: A) => R): (...args: A) => R {
		return (...args: A) => this.run(kind, () => callback(...args));
	}

	#record(kind: string, ms: number): void {
		let stats = this.#stats.get(kind);
		if (stats === undefined) {
			stats = { kind, turns: 0, longestMs: 0, slow: 0 };
			this.#stats.set(kind, stats);
		}
		stats.turns++;
		if (ms > stats.longestMs) stats.longestMs = ms;
		if (ms > SLOW_TURN_MS) {
			stats.slow++;
			this.#onSlow?.(kind, ms);
		}
	}

	/** Every kind measured, longest first. */
	snapshot(): TurnStats[] {
		const list: TurnStats[] = [];
		for (const stats of this.#stats.values()) list.push({ ...stats });
		return list.sort((a, b) => b.longestMs - a.longestMs);
	}
}
