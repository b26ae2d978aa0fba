/** Log sink. `topic` names the room that speaks (e.g. "bus", "master", "config"). */
export type LogLevel = "error" | "warn" | "info" | "debug";

export interface Log {
	write(level: LogLevel, topic: string, message: string): void;
}

/** A log that drops everything (tests that do not look at the log). */
export const silentLog: Log = Object.freeze({ write() {} });
