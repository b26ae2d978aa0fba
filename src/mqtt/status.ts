/**
 * TWCManager's MQTT status topics (reference integrations §C.1, §C.2): `<prefix>/<TWCID>/<key>`
 * per wall connector, `<prefix>/all/<key>` for the site and `<prefix>/config/<key>`, each payload the
 * bare value as text, retained. A few topics are ours (marked `extra`): what Home Assistant's
 * entities read (state in words, session energy, the site's power, the control settings).
 */

/** One wall connector as the status shows it. */
export interface UnitStatus {
	/** Four upper-case hex digits: "1A2B". */
	twcId: string;
	/** The limit the unit reports in its heartbeat (TWCManager's ampsMax). */
	ampsMax: number;
	ampsInUse: number;
	state: number;
	stateName: string;
	chargerLoadW: number;
	/** What the master commands now; undefined before the first heartbeat. */
	ampsOffered: number | undefined;
	/** What the charging logic wants for it. */
	ampsDesired: number;
	lifetimekWh: number | undefined;
	volts: readonly [number, number, number];
	charging: boolean;
	currentVin: string;
	lastVin: string;
	/** Energy of the charge session on this unit so far (0 without one). */
	sessionkWh: number;
}

/** The whole site. */
export interface SiteStatus {
	totalAmpsInUse: number;
	maxAmpsForSlaves: number;
	currentPolicy: string;
	minAmpsPerTWC: number;
	generationW: number;
	consumptionW: number;
	chargerLoadW: number;
	/** 0 when Charge Now is not active. */
	chargeNowAmps: number;
	nonScheduledAction: number;
	nonScheduledAmpsMax: number;
}

export interface MqttStatusSource {
	units(): readonly UnitStatus[];
	site(): SiteStatus;
}

export type HaKind = "current" | "power" | "energy" | "voltage" | "text";

/** A status key: TWCManager's two spellings, its unit, and what Home Assistant should call it. */
export interface StatusKey {
	/** The topic leaf (TWCManager's key_camelcase). */
	camel: string;
	/** TWCManager's key_underscore (discovery object ids and unique ids). */
	underscore: string;
	kind: HaKind;
	/** Entity name in Home Assistant; no entity when undefined. */
	entity?: string;
	/** Not published by TWCManager. */
	extra?: boolean;
}

/** The unit a kind is published in (Home Assistant's unit for its device class). */
export function unitOf(kind: HaKind): string | undefined {
	return kind === "current" ? "A" : kind === "power" ? "W" : kind === "energy" ? "kWh" : kind === "voltage" ? "V" : undefined;
}

/** Per-unit keys, in TWCManager's order, then ours. Built per call: XS freezes module-level objects. */
export function unitKeys(threePhase: boolean): StatusKey[] {
	return [
		{ camel: "ampsMax", underscore: "amps_max", kind: "current" },
		{ camel: "ampsInUse", underscore: "amps_in_use", kind: "current", entity: "Amps in use" },
		{ camel: "state", underscore: "state", kind: "text" },
		{ camel: "chargerLoadInW", underscore: "charger_load_w", kind: "power", entity: "Charger load" },
		{ camel: "ampsOffered", underscore: "amps_offered", kind: "current", entity: "Amps offered" },
		{ camel: "ampsDesired", underscore: "amps_desired", kind: "current" },
		{ camel: "lifetimekWh", underscore: "lifetime_kwh", kind: "energy", entity: "Lifetime energy" },
		{ camel: "voltagePhaseA", underscore: "voltage_phase_a", kind: "voltage", entity: threePhase ? "Voltage phase A" : "Voltage" },
		{ camel: "voltagePhaseB", underscore: "voltage_phase_b", kind: "voltage", entity: threePhase ? "Voltage phase B" : undefined },
		{ camel: "voltagePhaseC", underscore: "voltage_phase_c", kind: "voltage", entity: threePhase ? "Voltage phase C" : undefined },
		{ camel: "carsCharging", underscore: "cars_charging", kind: "text" },
		{ camel: "currentVehicleVIN", underscore: "current_vehicle_vin", kind: "text", entity: "Vehicle VIN" },
		{ camel: "lastVehicleVIN", underscore: "last_vehicle_vin", kind: "text" },
		{ camel: "stateName", underscore: "state_name", kind: "text", entity: "State", extra: true },
		{ camel: "sessionkWh", underscore: "session_kwh", kind: "energy", entity: "Session energy", extra: true },
	];
}

/** `all` keys (TWCManager's three, then ours). */
export function siteKeys(): StatusKey[] {
	return [
		{ camel: "totalAmpsInUse", underscore: "total_amps_in_use", kind: "current", entity: "Total amps in use" },
		{ camel: "maxAmpsForSlaves", underscore: "max_amps_for_slaves", kind: "current", entity: "Amps to share" },
		{ camel: "currentPolicy", underscore: "current_policy", kind: "text", entity: "Policy" },
		{ camel: "generationW", underscore: "generation_w", kind: "power", entity: "Generation", extra: true },
		{ camel: "consumptionW", underscore: "consumption_w", kind: "power", entity: "Consumption", extra: true },
		{ camel: "chargerLoadInW", underscore: "charger_load_w", kind: "power", entity: "Charging power", extra: true },
		{ camel: "chargeNowAmps", underscore: "charge_now_amps", kind: "current", extra: true },
		{ camel: "nonScheduledAction", underscore: "non_scheduled_action", kind: "text", extra: true },
		{ camel: "nonScheduledActionName", underscore: "non_scheduled_action_name", kind: "text", extra: true },
		{ camel: "nonScheduledAmpsMax", underscore: "non_scheduled_amps_max", kind: "current", extra: true },
	];
}

/** The select's options, index + 1 = nonScheduledAction (1 fixed rate, 2 do not charge, 3 green). */
export function nonScheduledActionNames(): string[] {
	return ["Charge at a fixed rate", "Do not charge", "Track green energy"];
}

/** Where Home Assistant and scripts learn whether we are connected ("online"/"offline", retained). */
export function availabilityTopic(prefix: string): string {
	return `${prefix}/availability`;
}

/** A number as TWCManager's str() would show it, to 2 decimals at most; undefined for none. */
export function formatNumber(value: number | undefined): string | undefined {
	if (value === undefined || !Number.isFinite(value)) return undefined;
	return String(Math.round(value * 100) / 100 + 0);
}

/**
 * "None" for no VIN: Python's str(None), and Home Assistant's payload for "unknown" (an empty
 * retained payload would delete the topic, and HA ignores an empty state).
 */
function vinText(vin: string): string {
	return vin === "" ? "None" : vin;
}

/**
 * Every status topic and its payload now, in publishing order (units, then all, then config).
 * A value that is not known yet (no meter reading) is left out rather than published as 0.
 */
export function statusMessages(prefix: string, source: MqttStatusSource): Map<string, string> {
	const out = new Map<string, string>();
	const put = (topic: string, value: string | undefined) => {
		if (value !== undefined) out.set(`${prefix}/${topic}`, value);
	};
	for (const u of source.units()) {
		const at = (key: string) => `${u.twcId}/${key}`;
		put(at("ampsMax"), formatNumber(u.ampsMax));
		put(at("ampsInUse"), formatNumber(u.ampsInUse));
		put(at("state"), String(u.state));
		put(at("chargerLoadInW"), formatNumber(Math.round(u.chargerLoadW)));
		put(at("ampsOffered"), formatNumber(u.ampsOffered));
		put(at("ampsDesired"), formatNumber(u.ampsDesired));
		put(at("lifetimekWh"), formatNumber(u.lifetimekWh));
		put(at("voltagePhaseA"), formatNumber(u.volts[0]));
		put(at("voltagePhaseB"), formatNumber(u.volts[1]));
		put(at("voltagePhaseC"), formatNumber(u.volts[2]));
		put(at("carsCharging"), u.charging ? "1" : "0");
		put(at("currentVehicleVIN"), vinText(u.currentVin));
		put(at("lastVehicleVIN"), vinText(u.lastVin));
		put(at("stateName"), u.stateName);
		put(at("sessionkWh"), formatNumber(u.sessionkWh));
	}
	const s = source.site();
	const names = nonScheduledActionNames();
	put("all/totalAmpsInUse", formatNumber(s.totalAmpsInUse));
	put("all/maxAmpsForSlaves", formatNumber(s.maxAmpsForSlaves));
	put("all/currentPolicy", s.currentPolicy);
	put("all/generationW", formatNumber(Math.round(s.generationW)));
	put("all/consumptionW", formatNumber(Math.round(s.consumptionW)));
	put("all/chargerLoadInW", formatNumber(Math.round(s.chargerLoadW)));
	put("all/chargeNowAmps", formatNumber(s.chargeNowAmps));
	put("all/nonScheduledAction", String(s.nonScheduledAction));
	put("all/nonScheduledActionName", names[s.nonScheduledAction - 1] ?? `unknown (${s.nonScheduledAction})`);
	put("all/nonScheduledAmpsMax", formatNumber(s.nonScheduledAmpsMax));
	put("config/minAmpsPerTWC", formatNumber(s.minAmpsPerTWC));
	return out;
}
