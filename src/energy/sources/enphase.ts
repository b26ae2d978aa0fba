/**
 * Enphase Envoy / IQ Gateway (reference §A.3). Local: `GET /production.json?details=1` (with
 * `Authorization: Bearer <token>` when a token is set: firmware 7 and later needs one; port 443
 * is asked over https, accepting the gateway's self-signed certificate).
 *  - generation: the `eim` production meter (a CT on the solar feed) when it is measuring
 *    (activeCount > 0), else the microinverters' own report (`inverters`). At night the CT reads
 *    the inverters' standby draw, a few W below zero: kept as it is.
 *  - consumption: `total-consumption`, grid: `net-consumption` (+ import), only from a CT that
 *    measures (activeCount > 0): with no consumption CT the gateway fills in numbers it did not measure.
 *  - voltage: total-consumption's rmsVoltage; on a three-phase gateway that is the sum of the three
 *    lines, so the lines' mean is taken.
 * Old firmware (3.x) answers production.json with an HTML page; then `/api/v1/production`
 * (wattsNow → generation) is asked, and when that is not served either the source fails, saying so.
 * Cloud (Enlighten API v2, retired by Enphase in 2023): `apiKey` + `userID` + `systemID`.
 */
import type { SourceDefinition, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { AskingSource, type Answer } from "./asking-source.js";

const NAME = "Enphase";

export const ENPHASE_PRODUCTION_PATH = "/production.json?details=1";
export const ENPHASE_LEGACY_PATH = "/api/v1/production";

interface MeterEntry {
	type?: unknown;
	measurementType?: unknown;
	activeCount?: unknown;
	wNow?: unknown;
	rmsVoltage?: unknown;
	lines?: unknown;
}

function entries(answer: unknown, key: string): MeterEntry[] {
	const list = valueAt(answer, key);
	return Array.isArray(list) ? list.filter((e): e is MeterEntry => e !== null && typeof e === "object") : [];
}

function noKind(entry: MeterEntry): boolean {
	return entry.measurementType === undefined || entry.measurementType === null;
}

function measuring(entry: MeterEntry | undefined): entry is MeterEntry {
	const count = numberFrom(entry?.activeCount);
	return entry !== undefined && count !== undefined && count > 0;
}

/** The voltage of a consumption meter: per phase on a three-phase gateway (its rmsVoltage is the lines' sum). */
function meterVoltage(entry: MeterEntry | undefined): number | null {
	if (entry === undefined) return null;
	const lines = Array.isArray(entry.lines) ? entry.lines.map((l) => numberFrom(valueAt(l, "rmsVoltage"))).filter((v): v is number => v !== undefined && v > 0) : [];
	if (lines.length >= 3) return lines.reduce((a, b) => a + b, 0) / lines.length;
	const v = numberFrom(entry.rmsVoltage);
	if (v === undefined || v <= 0) return null;
	// Three phases summed, but no lines to divide by: no single voltage to give.
	return v > 500 ? null : v;
}

/** The readings of a production.json answer. */
export function enphaseProduction(answer: unknown): { reading: SourceReading } | { error: string } {
	if (answer === null || typeof answer !== "object" || Array.isArray(answer) || !Array.isArray(valueAt(answer, "production"))) {
		return { error: "production.json: the answer has no \"production\" list (is this an Envoy?)" };
	}
	const production = entries(answer, "production");
	const consumption = entries(answer, "consumption");
	const eim = production.find((e) => e.type === "eim" && (noKind(e) || e.measurementType === "production"));
	const inverters = production.find((e) => e.type === "inverters");
	const reading = emptyReading();
	if (measuring(eim)) reading.generationW = numberFrom(eim.wNow) ?? null;
	if (reading.generationW === null && inverters !== undefined) reading.generationW = numberFrom(inverters.wNow) ?? null;
	if (reading.generationW === null && eim === undefined && inverters === undefined) return { error: "production.json: neither an \"inverters\" nor an \"eim\" production entry" };
	const total = consumption.find((e) => e.measurementType === "total-consumption") ?? (consumption.length > 0 && noKind(consumption[0]) ? consumption[0] : undefined);
	const net = consumption.find((e) => e.measurementType === "net-consumption");
	if (measuring(total)) reading.consumptionW = numberFrom(total.wNow) ?? null;
	if (measuring(net)) reading.gridW = numberFrom(net.wNow) ?? null;
	reading.voltageV = meterVoltage(total);
	return { reading };
}

/** The generation of an old firmware's /api/v1/production answer. */
export function enphaseLegacyProduction(answer: unknown): { reading: SourceReading } | { error: string } {
	const watts = numberFrom(valueAt(answer, "wattsNow"));
	if (watts === undefined) return { error: "/api/v1/production: the answer has no wattsNow" };
	const reading = emptyReading();
	reading.generationW = watts;
	return { reading };
}

export const enphaseSource: SourceDefinition = {
	name: NAME,
	summary: "Enphase Envoy / IQ Gateway, local production.json (token on firmware 7+) or /api/v1/production",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const apiKey = r.string("apiKey", "");
		const userID = r.string("userID", "");
		const systemID = r.string("systemID", "");
		if (apiKey !== "" && userID !== "" && systemID !== "") {
			if (r.error !== undefined) return r.error;
			// TWCManager's cloud mode wins when all three are set; Enlighten v2 is retired, kept for old keys.
			const url = `https://api.enphaseenergy.com/api/v2/systems/${encodeURIComponent(systemID)}/summary?key=${encodeURIComponent(apiKey)}&user_id=${encodeURIComponent(userID)}`;
			return new AskingSource(NAME, 60, context, (ask, finish) =>
				ask({ method: "GET", url }, (answer) => {
					if (answer.error !== undefined) return finish(`${answer.error.split(`key=${encodeURIComponent(apiKey)}`).join("key=<apiKey>")} (Enlighten API v2 was retired in 2023: prefer the local gateway, serverIP)`, emptyReading());
					const watts = numberFrom(valueAt(answer.json, "current_power"));
					const reading = emptyReading();
					if (watts === undefined) return finish("Enlighten summary: no current_power", reading);
					reading.generationW = watts;
					finish(undefined, reading);
				}),
			);
		}
		const ip = r.string("serverIP");
		const port = r.port("serverPort", 80);
		const token = r.string("token", "");
		if (r.error !== undefined) return r.error;
		if (/^[a-z]+:\/\//i.test(ip) || ip.includes("/")) return `sources.${NAME}.serverIP: give the gateway's address only (e.g. "192.168.1.30"), not a URL (got ${JSON.stringify(ip)})`;
		const https = port === 443;
		const base = `${https ? "https" : "http"}://${ip}:${port}`;
		const headers: Record<string, string> = { Accept: "application/json" };
		if (token !== "") headers.Authorization = `Bearer ${token}`;
		const request = (path: string) => ({ method: "GET" as const, url: base + path, headers, acceptSelfSigned: https, maxBytes: 128 * 1024 });
		const authHint = (answer: Answer) =>
			(answer.status === 401 || answer.status === 403) && token === "" ? `${answer.error} (firmware 7 and later needs a token: set sources.${NAME}.token)` : (answer.error ?? "");
		/** After the legacy path answered once, it is asked first (old firmware never gains production.json). */
		let legacy = false;
		return new AskingSource(NAME, 10, context, (ask, finish) => {
			const askLegacy = (why: string | undefined) =>
				ask(request(ENPHASE_LEGACY_PATH), (answer) => {
					if (answer.error !== undefined) {
						legacy = false;
						if (answer.notServed && why !== undefined) return finish(`${why}; ${answer.error}`, emptyReading());
						return finish(authHint(answer), emptyReading());
					}
					const parsed = enphaseLegacyProduction(answer.json);
					if ("error" in parsed) return finish(`${answer.url}: ${parsed.error}`, emptyReading());
					legacy = true;
					finish(undefined, parsed.reading);
				});
			if (legacy) return askLegacy(undefined);
			ask(request(ENPHASE_PRODUCTION_PATH), (answer) => {
				if (answer.error !== undefined) {
					if (!answer.notServed) return finish(authHint(answer), emptyReading());
					const html = answer.status !== 404;
					return askLegacy(html ? `${answer.url}: the gateway answers with an HTML page, not JSON (firmware too old for production.json)` : answer.error);
				}
				const parsed = enphaseProduction(answer.json);
				if ("error" in parsed) return finish(`${answer.url}: ${parsed.error}`, emptyReading());
				finish(undefined, parsed.reading);
			});
		});
	},
};
