import type { Clock } from "../src/platform/clock.js";
import type { Log, LogLevel } from "../src/platform/log.js";

export interface LogEntry {
	/** UTC epoch milliseconds. */
	time: number;
	level: LogLevel;
	topic: string;
	message: string;
}

export type LogStream = "stdout" | "stderr";

export interface ConsoleLogOptions {
	/** Entries below this level are dropped (default "info"). */
	level?: LogLevel;
	/** How many entries `recent()` keeps (default 200). */
	ringSize?: number;
	/** Where lines go (default process.stdout / process.stderr); tests inject their own. */
	writer?: (stream: LogStream, line: string) => void;
	/** Time source for the entries (default Date.now). */
	clock?: Pick<Clock, "now">;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function isLogLevel(text: string): text is LogLevel {
	return Object.hasOwn(RANK, text);
}

function processWriter(stream: LogStream, line: string): void {
	(stream === "stderr" ? process.stderr : process.stdout).write(line + "\n");
}

/**
 * A Log that prints one line per entry ("<ISO time> <LEVEL> <topic>: <message>"), errors and
 * warnings to stderr, and keeps the last entries in a ring for a status page.
 */
export class ConsoleLog implements Log {
	#level: LogLevel;
	#ring: (LogEntry | undefined)[];
	#next = 0;
	#count = 0;
	#writer: (stream: LogStream, line: string) => void;
	#now: () => number;

	constructor(options: ConsoleLogOptions = {}) {
		this.#level = options.level ?? "info";
		this.#ring = new Array<LogEntry | undefined>(Math.max(1, Math.floor(options.ringSize ?? 200)));
		this.#writer = options.writer ?? processWriter;
		const clock = options.clock;
		this.#now = clock ? () => clock.now() : Date.now;
	}

	get level(): LogLevel {
		return this.#level;
	}

	set level(level: LogLevel) {
		this.#level = level;
	}

	write(level: LogLevel, topic: string, message: string): void {
		if (RANK[level] > RANK[this.#level]) return;
		const entry: LogEntry = { time: this.#now(), level, topic, message };
		this.#ring[this.#next] = entry;
		this.#next = (this.#next + 1) % this.#ring.length;
		this.#count = Math.min(this.#count + 1, this.#ring.length);
		const stream: LogStream = level === "error" || level === "warn" ? "stderr" : "stdout";
		try {
			this.#writer(stream, formatEntry(entry));
		} catch {
			// A broken stdout must not take the caller down with it.
		}
	}

	/** The kept entries, oldest first. */
	recent(): LogEntry[] {
		const size = this.#ring.length;
		const out: LogEntry[] = [];
		for (let i = 0; i < this.#count; i++) {
			const entry = this.#ring[(this.#next - this.#count + i + size) % size];
			if (entry) out.push({ ...entry });
		}
		return out;
	}

	/** The kept entries as printed lines, oldest first (GET /api/v1/log). */
	recentLines(): string[] {
		return this.recent().map(formatEntry);
	}
}

/** One line: newlines inside the message are escaped so an entry never spans lines. */
export function formatEntry(entry: LogEntry): string {
	const message = entry.message.replace(/\r?\n/g, "\\n");
	return `${new Date(entry.time).toISOString()} ${entry.level.toUpperCase().padEnd(5)} ${entry.topic}: ${message}`;
}
