/**
 * SolarEdge monitoring API, the cloud half of `sources.SolarEdge` (reference §A.15; the local Modbus
 * half is solaredge-modbus.ts, chosen in solaredge.ts). `GET https://monitoringapi.solaredge.com/site/<siteID>/currentPowerFlow?api_key=<apiKey>`:
 * PV → generation, LOAD → consumption, GRID (+ import when it flows from the grid to the load),
 * STORAGE (+ discharge, − charge) and its chargeLevel; unit W or kW. A site without a power-flow
 * answer (no meter) is read from `/site/<siteID>/overview` (currentPower.power → generation) from
 * then on, as TWCManager's automatic poll mode does.
 * SolarEdge allows 300 requests a day per site and key: the source asks every 300 s (288 a day).
 * `serverIP`/`serverPort` (not TWCManager keys) point it at a local proxy or a test server.
 */
import type { SourceContext, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, type SectionReader, valueAt } from "../source-values.js";
import { AskingSource, type Answer } from "./asking-source.js";
import { deviceBase } from "./http-values.js";

const NAME = "SolarEdge";
const CLOUD = "https://monitoringapi.solaredge.com";
/** 86 400 s / 300 requests = 288 s; 300 s keeps a margin for the one-off probe of the overview. */
export const SOLAREDGE_CLOUD_INTERVAL_S = 300;

function unitFactor(unit: unknown): number | undefined {
	if (unit === "W") return 1;
	if (unit === "kW") return 1000;
	if (unit === "MW") return 1_000_000;
	return undefined;
}

/** Who feeds whom, from the answer's connections (names compared in lower case). */
function flows(answer: unknown, from: string, to: string): boolean {
	const list = valueAt(answer, "siteCurrentPowerFlow.connections");
	if (!Array.isArray(list)) return false;
	return list.some((c) => String(valueAt(c, "from")).toLowerCase() === from && String(valueAt(c, "to")).toLowerCase() === to);
}

/**
 * The readings of a currentPowerFlow answer, or `noFlow` when the site has no power flow to give
 * (no meter: then the overview is read).
 */
export function solaredgePowerFlow(answer: unknown): { reading: SourceReading } | { error: string; noFlow?: boolean } {
	const flow = valueAt(answer, "siteCurrentPowerFlow");
	if (flow === null || typeof flow !== "object") return { error: "currentPowerFlow: the answer has no siteCurrentPowerFlow", noFlow: true };
	const pv = numberFrom(valueAt(flow, "PV.currentPower"));
	const load = numberFrom(valueAt(flow, "LOAD.currentPower"));
	if (pv === undefined && load === undefined) return { error: "currentPowerFlow: neither PV nor LOAD in the answer", noFlow: true };
	const unit = valueAt(flow, "unit");
	const factor = unitFactor(unit);
	if (factor === undefined) return { error: `currentPowerFlow: unknown unit ${JSON.stringify(unit)} (W or kW expected)` };
	const reading = emptyReading();
	reading.generationW = pv === undefined ? null : pv * factor;
	reading.consumptionW = load === undefined ? null : load * factor;
	const grid = numberFrom(valueAt(flow, "GRID.currentPower"));
	if (grid !== undefined) {
		if (grid === 0) reading.gridW = 0;
		else if (flows(answer, "grid", "load")) reading.gridW = grid * factor;
		else if (flows(answer, "load", "grid") || flows(answer, "pv", "grid") || flows(answer, "storage", "grid")) reading.gridW = -grid * factor;
	}
	const storage = numberFrom(valueAt(flow, "STORAGE.currentPower"));
	if (storage !== undefined) {
		const status = String(valueAt(flow, "STORAGE.status") ?? "").toLowerCase();
		const charging = status === "charging" || flows(answer, "pv", "storage") || flows(answer, "grid", "storage") || flows(answer, "load", "storage");
		const discharging = status === "discharging" || flows(answer, "storage", "load") || flows(answer, "storage", "grid");
		reading.batteryW = storage === 0 ? 0 : charging ? -storage * factor : discharging ? storage * factor : null;
		const level = numberFrom(valueAt(flow, "STORAGE.chargeLevel"));
		reading.socPercent = level ?? null;
	}
	return { reading };
}

/** The generation of an overview answer. */
export function solaredgeOverview(answer: unknown): { reading: SourceReading } | { error: string } {
	const power = numberFrom(valueAt(answer, "overview.currentPower.power"));
	if (power === undefined) return { error: "overview: the answer has no overview.currentPower.power" };
	const reading = emptyReading();
	reading.generationW = power;
	return { reading };
}

/** The cloud source; `r` has the section (apiKey and siteID are read here). */
export function createSolarEdgeCloud(r: SectionReader, section: Readonly<Record<string, unknown>>, context: SourceContext): AskingSource | string {
	const apiKey = r.string("apiKey");
	const siteID = r.string("siteID");
	const base = section.serverIP !== undefined && section.serverIP !== "" ? deviceBase(r, NAME, false, 80) : CLOUD;
	if (r.error !== undefined) return r.error;
	const site = `${base}/site/${encodeURIComponent(siteID)}`;
	const query = `?api_key=${encodeURIComponent(apiKey)}`;
	const hide = (text: string) => text.split(query).join("?api_key=<apiKey>");
	let overviewOnly = false;
	return new AskingSource(NAME, SOLAREDGE_CLOUD_INTERVAL_S, context, (ask, finish) => {
		const overview = (why: string | undefined) =>
			ask({ method: "GET", url: `${site}/overview${query}` }, (answer: Answer) => {
				if (answer.error !== undefined) return finish(hide(why !== undefined && answer.notServed ? `${why}; ${answer.error}` : answer.error), emptyReading());
				const parsed = solaredgeOverview(answer.json);
				if ("error" in parsed) return finish(parsed.error, emptyReading());
				overviewOnly = true;
				finish(undefined, parsed.reading);
			});
		if (overviewOnly) return overview(undefined);
		ask({ method: "GET", url: `${site}/currentPowerFlow${query}` }, (answer) => {
			if (answer.error !== undefined) return answer.notServed ? overview(answer.error) : finish(hide(answer.error), emptyReading());
			const parsed = solaredgePowerFlow(answer.json);
			if (!("error" in parsed)) return finish(undefined, parsed.reading);
			return parsed.noFlow ? overview(parsed.error) : finish(parsed.error, emptyReading());
		});
	});
}
