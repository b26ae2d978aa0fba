/**
 * GET /api/v1/log: the recent log lines, newest last, as the log keeps them (the TraceLog ring on
 * the device, the ConsoleLog ring on the host). Lines are copied per request; the ring is not
 * touched. `?lines=N` keeps only the newest N.
 */
import type { Log } from "../platform/log.js";
import { json, type Router } from "./router.js";

/** A log that keeps its recent lines (the Log interface itself only writes). */
export interface LogRing {
	/** The kept lines, oldest first, each as it was printed. */
	recentLines(): readonly string[];
}

/** Whether `log` keeps recent lines (TraceLog, ConsoleLog); a plain Log does not. */
export function hasLogRing(log: Log | LogRing | undefined): log is LogRing {
	return log !== undefined && typeof (log as Partial<LogRing>).recentLines === "function";
}

export function addLogRoutes(router: Router, ring: LogRing | undefined): void {
	router.get("/api/v1/log", (request) => {
		if (ring === undefined) return json(200, { lines: [], kept: false, note: "this log keeps no recent lines" });
		const all = ring.recentLines();
		const asked = request.query.get("lines");
		let count = all.length;
		if (asked !== undefined) {
			const n = Number(asked);
			if (asked.trim() === "" || !Number.isInteger(n) || n < 0) {
				return json(400, { error: `lines: a whole number of lines, 0 or more (got ${JSON.stringify(asked.slice(0, 20))})` });
			}
			count = Math.min(n, all.length);
		}
		const lines: string[] = [];
		for (let i = all.length - count; i < all.length; i++) lines.push(all[i]);
		return json(200, { lines, kept: true });
	});
}
