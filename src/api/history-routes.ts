/**
 * The history (charge/history.ts) over HTTP:
 *  - GET /api/getHistory: TWCManager's format (§9): 576 entries, one per 5 minutes over the last
 *    two days, `{timestamp: local ISO time with offset, charger_power: W}`, 0 where nothing was
 *    recorded, the bucket being filled last;
 *  - GET /api/v1/history[?hours=N]: native JSON, buckets with generation, consumption, charging per
 *    unit, the charge sessions and a summary per VIN;
 *  - GET /api/v1/history.csv[?hours=N]: the buckets as CSV.
 */
import type { LocalTime } from "../charge/local-time.js";
import { BUCKET_MS, HISTORY_BUCKETS, type History, type HistoryBucket, type SessionRecord } from "../charge/history.js";
import type { VehicleRecord } from "../charge/settings.js";
import type { HttpRequest, HttpResponse } from "../platform/http-server.js";
import { json, type Router } from "./router.js";

export interface HistorySource {
	history: History;
	now(): number;
	localTime(utcMs: number): LocalTime;
	/** settings.Vehicles: sessions and kWh per VIN since ever (ChargeSessions keeps them). */
	vehicles(): Readonly<Record<string, VehicleRecord>>;
}

const MAX_HOURS = (HISTORY_BUCKETS * BUCKET_MS) / 3_600_000;

export function addHistoryRoutes(router: Router, source: HistorySource): void {
	router.get("/api/getHistory", () => json(200, twcManagerHistory(source)));
	router.get("/api/v1/history", (request) => {
		const hours = hoursOf(request);
		if (typeof hours === "string") return json(400, { error: hours });
		return json(200, nativeHistory(source, hours));
	});
	router.get("/api/v1/history.csv", (request) => {
		const hours = hoursOf(request);
		if (typeof hours === "string") return json(400, { error: hours });
		return csv(source, hours);
	});
}

function hoursOf(request: HttpRequest): number | string {
	const raw = request.query.get("hours");
	if (raw === undefined || raw === "") return MAX_HOURS;
	const n = Number(raw);
	if (!Number.isFinite(n) || n <= 0 || n > MAX_HOURS) return `hours must be a number above 0 and at most ${MAX_HOURS} (got ${JSON.stringify(raw.slice(0, 20))})`;
	return n;
}

/** "2026-06-21T22:05:00+02:00", Python's isoformat(timespec="seconds") of an aware local time. */
export function localIso(t: LocalTime): string {
	const p = (n: number, w = 2) => String(n).padStart(w, "0");
	const off = Math.abs(t.offsetMinutes);
	const sign = t.offsetMinutes < 0 ? "-" : "+";
	return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)}T${p(t.hour)}:${p(t.minute)}:${p(t.second)}${sign}${p(Math.floor(off / 60))}:${p(off % 60)}`;
}

function twcManagerHistory(source: HistorySource): { timestamp: string; charger_power: number }[] {
	const last = Math.floor(source.now() / BUCKET_MS);
	const first = last - HISTORY_BUCKETS + 1;
	const power = new Map<number, number>();
	for (const b of source.history.buckets(first * BUCKET_MS)) power.set(b.start / BUCKET_MS, b.chargingW ?? 0);
	const out: { timestamp: string; charger_power: number }[] = [];
	for (let b = first; b <= last; b++) out.push({ timestamp: localIso(source.localTime(b * BUCKET_MS)), charger_power: power.get(b) ?? 0 });
	return out;
}

function nativeHistory(source: HistorySource, hours: number): Record<string, unknown> {
	const now = source.now();
	const from = now - hours * 3_600_000;
	const buckets = source.history.buckets(from);
	const units: string[] = [];
	for (const b of buckets) for (const id of Object.keys(b.units)) if (!units.includes(id)) units.push(id);
	const sessions = source.history.sessions().filter((s) => (s.end ?? Infinity) * 1000 >= from);
	return {
		bucketSeconds: BUCKET_MS / 1000,
		from,
		to: now,
		units,
		buckets: buckets.map((b) => bucketJson(b, source)),
		sessions: sessions.map((s) => sessionJson(s, source)),
		vehicles: perVin(source.history.sessions(), source.vehicles()),
	};
}

function bucketJson(b: HistoryBucket, source: HistorySource): Record<string, unknown> {
	const out: Record<string, unknown> = {
		start: b.start,
		time: localIso(source.localTime(b.start)),
		generationW: b.generationW ?? null,
		consumptionW: b.consumptionW ?? null,
		chargingW: b.chargingW ?? null,
		units: { ...b.units },
	};
	if (b.partial) out.partial = true;
	return out;
}

function sessionJson(s: SessionRecord, source: HistorySource): Record<string, unknown> {
	return {
		vin: s.vin,
		twcId: s.twcId,
		start: s.start,
		startTime: localIso(source.localTime(s.start * 1000)),
		end: s.end ?? null,
		endTime: s.end === undefined ? null : localIso(source.localTime(s.end * 1000)),
		kWh: s.kWh ?? null,
		running: s.end === undefined,
	};
}

/** Per VIN: the sessions in the history (last ones) and the totals kept in the settings (since ever). */
function perVin(sessions: readonly SessionRecord[], vehicles: Readonly<Record<string, VehicleRecord>>): Record<string, unknown> {
	const out: Record<string, { recentSessions: number; recentkWh: number; chargeSessions: number | null; totalkWh: number | null }> = {};
	const entry = (vin: string) => {
		if (!Object.prototype.hasOwnProperty.call(out, vin)) {
			const record = Object.prototype.hasOwnProperty.call(vehicles, vin) ? vehicles[vin] : undefined;
			Object.defineProperty(out, vin, {
				value: { recentSessions: 0, recentkWh: 0, chargeSessions: record?.chargeSessions ?? null, totalkWh: record?.totalkWh ?? null },
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return out[vin];
	};
	for (const vin of Object.keys(vehicles)) entry(vin);
	for (const s of sessions) {
		const e = entry(s.vin);
		e.recentSessions++;
		if (s.kWh !== undefined) e.recentkWh = Math.round((e.recentkWh + s.kWh) * 1000) / 1000;
	}
	return out;
}

function csv(source: HistorySource, hours: number): HttpResponse {
	const buckets = source.history.buckets(source.now() - hours * 3_600_000);
	const units: string[] = [];
	for (const b of buckets) for (const id of Object.keys(b.units)) if (!units.includes(id)) units.push(id);
	const cell = (v: number | undefined) => (v === undefined ? "" : String(v));
	const lines = [["time", "start_utc_ms", "generation_w", "consumption_w", "charging_w", ...units.map((id) => `charging_w_${id}`), "partial"].join(",")];
	for (const b of buckets) {
		lines.push(
			[localIso(source.localTime(b.start)), String(b.start), cell(b.generationW), cell(b.consumptionW), cell(b.chargingW), ...units.map((id) => cell(b.units[id])), b.partial ? "1" : "0"].join(","),
		);
	}
	return {
		status: 200,
		contentType: "text/csv; charset=utf-8",
		headers: { "Content-Disposition": 'attachment; filename="history.csv"' },
		body: `${lines.join("\r\n")}\r\n`,
	};
}
