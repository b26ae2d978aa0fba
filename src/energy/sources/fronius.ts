/**
 * Fronius Solar API (reference §A.4): one or several inverters (`serverIP` may be a list; their
 * values are summed, as TWCManager sums them). Per inverter two requests:
 *  - `/solar_api/v1/GetPowerFlowRealtimeData.fcgi` → Site.P_PV (generation; null at night = 0 W),
 *    P_Load (Fronius gives the house load negative; reported here as a positive consumption),
 *    P_Grid (+ import), P_Akku (+ discharge);
 *  - `/solar_api/v1/GetInverterRealtimeData.cgi?...CommonInverterData` → UAC (voltage).
 * A Datamanager without the power-flow service (API v0, or an inverter-only answer) still gives the
 * inverter's AC power (PAC) as generation and its voltage; the v0 path is tried when v1 is not served.
 */
import type { SourceDefinition, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { addOrNull, AskingSource, type Answer, type Ask } from "./asking-source.js";

const NAME = "Fronius";

export const FRONIUS_POWER_FLOW_PATH = "/solar_api/v1/GetPowerFlowRealtimeData.fcgi?Scope=System";
export const FRONIUS_INVERTER_PATH = "/solar_api/v1/GetInverterRealtimeData.cgi?Scope=Device&DeviceId=1&DataCollection=CommonInverterData";
/** API v0 (old Datamanager firmware): no power flow, DeviceIndex instead of DeviceId. */
export const FRONIUS_INVERTER_V0_PATH = "/solar_api/GetInverterRealtimeData.cgi?Scope=Device&DeviceIndex=1&DataCollection=CommonInverterData";

/** The Head.Status of a Solar API answer, as an error text when it is not 0 (OK). */
function statusError(answer: unknown): string | undefined {
	const code = valueAt(answer, "Head.Status.Code");
	if (code === undefined || code === 0) return undefined;
	const reason = valueAt(answer, "Head.Status.Reason");
	return `the device answers status ${JSON.stringify(code)}${typeof reason === "string" && reason !== "" ? ` (${reason})` : ""}`;
}

/** Generation, consumption, grid and battery power from a GetPowerFlowRealtimeData answer. */
export function froniusPowerFlow(answer: unknown): { reading: SourceReading } | { error: string } {
	const status = statusError(answer);
	if (status !== undefined) return { error: `GetPowerFlowRealtimeData: ${status}` };
	const site = valueAt(answer, "Body.Data.Site");
	if (site === null || typeof site !== "object") return { error: "GetPowerFlowRealtimeData: the answer has no Body.Data.Site (is this a Fronius power-flow answer?)" };
	const reading = emptyReading();
	const pv = valueAt(site, "P_PV");
	// The inverters sleep at night and report P_PV null: nothing is generated.
	if (pv === null || pv === undefined) reading.generationW = 0;
	else {
		const value = numberFrom(pv);
		if (value === undefined) return { error: `GetPowerFlowRealtimeData: P_PV ${JSON.stringify(pv)} is not a number` };
		reading.generationW = value;
	}
	const load = numberFrom(valueAt(site, "P_Load"));
	// Fronius reports the house load negative; a few installations report it positive (TWCManager
	// issue #190): the load is its size either way.
	reading.consumptionW = load === undefined ? null : Math.abs(load);
	reading.gridW = numberFrom(valueAt(site, "P_Grid")) ?? null;
	reading.batteryW = numberFrom(valueAt(site, "P_Akku")) ?? null;
	return { reading };
}

/** Voltage (UAC) and AC power (PAC) from a GetInverterRealtimeData CommonInverterData answer. */
export function froniusInverter(answer: unknown): { voltageV: number | null; acPowerW: number | null } | { error: string } {
	const status = statusError(answer);
	if (status !== undefined) return { error: `GetInverterRealtimeData: ${status}` };
	const data = valueAt(answer, "Body.Data");
	if (data === null || typeof data !== "object") return { error: "GetInverterRealtimeData: the answer has no Body.Data (is this a Fronius inverter answer?)" };
	return { voltageV: numberFrom(valueAt(data, "UAC.Value")) ?? null, acPowerW: numberFrom(valueAt(data, "PAC.Value")) ?? null };
}

/** Asks one inverter; `done` gets its reading or an error. */
function askInverter(ask: Ask, base: string, done: (error: string | undefined, reading: SourceReading) => void): void {
	ask({ method: "GET", url: base + FRONIUS_POWER_FLOW_PATH }, (flow: Answer) => {
		if (flow.error !== undefined && !flow.notServed) return done(flow.error, emptyReading());
		let reading = emptyReading();
		if (flow.error === undefined) {
			const parsed = froniusPowerFlow(flow.json);
			if ("error" in parsed) return done(`${flow.url}: ${parsed.error}`, reading);
			reading = parsed.reading;
		}
		const withInverter = (inverter: Answer, flowServed: boolean, onNotServed?: () => void) => {
			if (inverter.error !== undefined) {
				if (!inverter.notServed) return done(inverter.error, reading);
				if (onNotServed) return onNotServed();
				if (!flowServed) return done(`neither ${flow.url} nor the inverter data is served (${inverter.error}): is this a Fronius inverter or Datamanager?`, reading);
				return done(undefined, reading);
			}
			const parsed = froniusInverter(inverter.json);
			if ("error" in parsed) {
				if (flowServed) return done(undefined, reading); // the voltage is an extra
				return done(`${inverter.url}: ${parsed.error}`, reading);
			}
			reading.voltageV = parsed.voltageV;
			// Without the power-flow service the inverter's own AC power is the generation.
			if (!flowServed) reading.generationW = parsed.acPowerW;
			done(undefined, reading);
		};
		const flowServed = flow.error === undefined;
		ask({ method: "GET", url: base + FRONIUS_INVERTER_PATH }, (inverter) =>
			withInverter(inverter, flowServed, flowServed ? undefined : () => ask({ method: "GET", url: base + FRONIUS_INVERTER_V0_PATH }, (v0) => withInverter(v0, false))),
		);
	});
}

export const froniusSource: SourceDefinition = {
	name: NAME,
	summary: "Fronius inverters over the Solar API (GetPowerFlowRealtimeData, GetInverterRealtimeData), one or several",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const ips = r.strings("serverIP");
		const port = r.port("serverPort", 80);
		if (r.error !== undefined) return r.error;
		if (ips.length === 0 || ips.some((ip) => ip === "")) return `sources.${NAME}.serverIP: required (the inverter's address, or a list of them)`;
		for (const ip of ips) if (/^[a-z]+:\/\//i.test(ip) || ip.includes("/")) return `sources.${NAME}.serverIP: give the inverter's address only (e.g. "192.168.1.20"), not a URL (got ${JSON.stringify(ip)})`;
		const bases = ips.map((ip) => (ip.includes(":") ? `http://${ip}` : `http://${ip}:${port}`));
		return new AskingSource(NAME, 10, context, (ask, finish) => {
			const total = emptyReading();
			const next = (i: number): void => {
				if (i >= bases.length) return finish(undefined, total);
				askInverter(ask, bases[i], (error, reading) => {
					if (error !== undefined) return finish(bases.length > 1 ? `inverter ${ips[i]}: ${error}` : error, total);
					total.generationW = addOrNull(total.generationW, reading.generationW);
					total.consumptionW = addOrNull(total.consumptionW, reading.consumptionW);
					total.gridW = addOrNull(total.gridW, reading.gridW);
					total.batteryW = addOrNull(total.batteryW, reading.batteryW);
					total.voltageV ??= reading.voltageV;
					next(i + 1);
				});
			};
			next(0);
		});
	},
};
