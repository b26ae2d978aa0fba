/**
 * TWCManager's HTTP API (reference §9): same routes, field names, shapes and value formats, quirks
 * included ("%.2f" strings, one-element arrays from a Python tuple), so existing clients work.
 */
import type { Supply } from "../charge/power.js";
import { ampsToWatts, wattsToAmps } from "../charge/power.js";
import { formatTwcId } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import { fixed2, hms, round2 } from "./twcmanager-format.js";
import { json, type Router } from "./router.js";

/** The schedule as TWCManager keeps it: hours as floats, −1 = unset; days bit 0 = Monday. */
export interface ScheduleSummary {
	amps: number;
	startHour: number;
	endHour: number;
	daysBitmap: number;
	flexStart: boolean;
	flexStartHour: number;
	flexBatterySize: number;
}

/** What the charging logic tells the status routes. */
export interface ChargingSummary {
	/** Name of the active policy; "None" before the first evaluation. */
	currentPolicy: string;
	isGreenPolicy: boolean;
	maxAmpsToDivideAmongSlaves: number;
	generationW: number;
	consumptionW: number;
	schedule: ScheduleSummary;
	chargeNowAmps: number;
	/** Epoch seconds; 0 = none. */
	chargeNowTimeEnd: number;
}

export interface TwcManagerApiSource {
	now(): number;
	slaves(): readonly SlaveRecord[];
	supply(): Supply;
	charging(): ChargingSummary;
}

export function addTwcManagerRoutes(router: Router, source: TwcManagerApiSource): void {
	router.get("/api/getSlaveTWCs", () => json(200, slaveTwcs(source)));
	router.get("/api/getStatus", () => json(200, status(source)));
}

function slaveTwcs(source: TwcManagerApiSource): Record<string, unknown> {
	const now = source.now();
	const supply = source.supply();
	const result: Record<string, unknown> = {};
	let cars = 0;
	let offered = 0;
	let kwh = 0;
	let actual = 0;
	let maxAmps = Infinity;
	for (const slave of source.slaves()) {
		const id = formatTwcId(slave.id);
		const entry = {
			TWCID: id,
			carsCharging: slave.charging ? 1 : 0,
			chargerLoadInW: Math.round(ampsToWatts(slave.actualAmps, supply)),
			currentVIN: slave.currentVin,
			lastAmpsOffered: round2(slave.commandedAmps ?? 0),
			lastHeartbeat: round2((now - slave.lastRxAt) / 1000),
			lastVIN: slave.lastVin,
			lifetimekWh: slave.lifetimeCounter ?? 0,
			maxAmps: slave.maxAmps,
			reportedAmpsActual: round2(slave.actualAmps),
			state: slave.state,
			version: slave.protocol,
			voltsPhaseA: slave.volts[0],
			voltsPhaseB: slave.volts[1],
			voltsPhaseC: slave.volts[2],
			chargeTime: slave.charging ? hms(now - slave.chargingSince) : hms(undefined),
		};
		result[id] = entry;
		cars += entry.carsCharging;
		offered += entry.lastAmpsOffered;
		kwh += entry.lifetimekWh;
		actual += slave.actualAmps;
		maxAmps = Math.min(maxAmps, slave.maxAmps);
	}
	result.total = {
		carsCharging: cars,
		lastAmpsOffered: round2(offered),
		lifetimekWh: kwh,
		maxAmps: Number.isFinite(maxAmps) ? maxAmps : 0,
		reportedAmpsActual: round2(actual),
		TWCID: "total",
	};
	return result;
}

/** Non-zero amps come as a one-element array, zero as a plain "0.00" (TWCManager's tuple quirk). */
function ampsQuirk(watts: number, supply: Supply): string | string[] {
	return watts ? [fixed2(wattsToAmps(watts, supply))] : fixed2(0);
}

function status(source: TwcManagerApiSource): Record<string, unknown> {
	const supply = source.supply();
	const charging = source.charging();
	let amps = 0;
	let cars = 0;
	for (const slave of source.slaves()) {
		amps += slave.actualAmps;
		if (slave.charging) cars++;
	}
	const loadW = ampsToWatts(amps, supply);
	const s = charging.schedule;
	const enabled = s.startHour >= 0 && s.endHour >= 0 && s.daysBitmap > 0 && s.amps > 0;
	const minute = (hour: number) => (hour >= 0 ? Math.round(hour * 60) : -1);
	const day = (bit: number) => (s.daysBitmap & bit) === bit;
	const data: Record<string, unknown> = {
		carsCharging: cars,
		chargerLoadWatts: fixed2(loadW),
		chargerLoadAmps: [fixed2(wattsToAmps(loadW, supply))],
		currentPolicy: charging.currentPolicy,
		maxAmpsToDivideAmongSlaves: fixed2(charging.maxAmpsToDivideAmongSlaves),
		consumptionAmps: ampsQuirk(charging.consumptionW, supply),
		consumptionWatts: fixed2(charging.consumptionW),
		generationAmps: ampsQuirk(charging.generationW, supply),
		generationWatts: fixed2(charging.generationW),
		isGreenPolicy: charging.isGreenPolicy ? "Yes" : "No",
		scheduledChargingStartHour: s.startHour,
		scheduledChargingFlexStart: s.flexStart ? s.flexStartHour : -1,
		scheduledChargingEndHour: s.endHour,
		ScheduledCharging: {
			enabled,
			amps: s.amps,
			startingMinute: minute(s.startHour),
			endingMinute: minute(s.endHour),
			monday: day(1),
			tuesday: day(2),
			wednesday: day(4),
			thursday: day(8),
			friday: day(16),
			saturday: day(32),
			sunday: day(64),
			flexStartEnabled: s.flexStart,
			flexStartingMinute: s.flexStart ? minute(s.flexStartHour) : -1,
			flexEndingMinute: s.flexStart ? minute(s.endHour) : -1,
			flexMonday: s.flexStart && day(1),
			flexTuesday: s.flexStart && day(2),
			flexWednesday: s.flexStart && day(4),
			flexThursday: s.flexStart && day(8),
			flexFriday: s.flexStart && day(16),
			flexSaturday: s.flexStart && day(32),
			flexSunday: s.flexStart && day(64),
			flexBatterySize: s.flexBatterySize,
		},
	};
	if (charging.chargeNowTimeEnd > source.now() / 1000) data.chargeNowTimeEnd = charging.chargeNowTimeEnd;
	if (charging.chargeNowAmps > 0) data.chargeNowAmps = charging.chargeNowAmps;
	return data;
}
