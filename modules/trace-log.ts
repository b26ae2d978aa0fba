/**
 * Log on the console: in a release build the console UART at 115200 baud (console-writer.ts, since
 * `trace()` prints nothing there), in a debug build `trace()` to xsbug. With a minimum level and a
 * small ring of recent entries that the API and a crash report can show.
 *
 * Do not log every bus byte: at 9600 baud that is ~960 lines/s and it starves everything else
 * (anchors.md §4.1). No hardware is touched at module load (this module is preloaded).
 */
import type { Log, LogLevel } from "platform/log";

const LEVELS: readonly LogLevel[] = Object.freeze(["error", "warn", "info", "debug"] as LogLevel[]);
const RANK: Readonly<Record<LogLevel, number>> = Object.freeze({ error: 0, warn: 1, info: 2, debug: 3 });

/** Entries longer than this are cut in the ring (not in the trace output), to bound its memory. */
export const RING_ENTRY_CHARS = 160;

export interface TraceLogOptions {
	/** Lowest level written; default "info". */
	level?: LogLevel;
	/** Entries kept in the ring; default 32 (0 = no ring). */
	ringSize?: number;
	/** Time stamp source for the ring and the trace line; default Date.now. */
	now?: () => number;
	/** Where lines go instead of trace() (the release console). */
	console?: { write(line: string): void };
}

export class TraceLog implements Log {
	#level: number;
	readonly #now: () => number;
	readonly #console: { write(line: string): void } | undefined;
	readonly #ring: (string | undefined)[];
	#next = 0;
	#dropped = 0;

	constructor(options: TraceLogOptions = {}) {
		this.#level = RANK[options.level ?? "info"];
		this.#now = options.now ?? Date.now;
		this.#console = options.console;
		const size = options.ringSize ?? 32;
		this.#ring = new Array<string | undefined>(size > 0 ? Math.floor(size) : 0).fill(undefined);
	}

	/** The lowest level written. */
	get level(): LogLevel {
		return LEVELS[this.#level];
	}

	set level(level: LogLevel) {
		this.#level = RANK[level] ?? RANK.info;
	}

	/** Entries below the level that were dropped. */
	get dropped(): number {
		return this.#dropped;
	}

	write(level: LogLevel, topic: string, message: string): void {
		const rank = RANK[level];
		if (rank === undefined || rank > this.#level) {
			this.#dropped++;
			return;
		}
		const line = `${this.#now()} ${level} ${topic}: ${message}`;
		if (this.#console !== undefined) this.#console.write(line);
		else trace(line, "\n");
		const ring = this.#ring;
		if (ring.length === 0) return;
		ring[this.#next] = line.length > RING_ENTRY_CHARS ? line.slice(0, RING_ENTRY_CHARS - 1) + "…" : line;
		this.#next = (this.#next + 1) % ring.length;
	}

	/** The ring's entries, oldest first. */
	recent(): string[] {
		const ring = this.#ring;
		const out: string[] = [];
		for (let i = 0; i < ring.length; i++) {
			const entry = ring[(this.#next + i) % ring.length];
			if (entry !== undefined) out.push(entry);
		}
		return out;
	}

	/** The ring's entries, oldest first: GET /api/v1/log (src/api/log-routes.ts). */
	recentLines(): string[] {
		return this.recent();
	}
}

/** Parses a level name from configuration; undefined if it is not one. */
export function parseLogLevel(value: unknown): LogLevel | undefined {
	return typeof value === "string" && Object.prototype.hasOwnProperty.call(RANK, value) ? (value as LogLevel) : undefined;
}
