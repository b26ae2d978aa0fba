/**
 * The runtime settings: TWCManager's settings.json (reference twcmanager-core.md §5.7, §6, §7),
 * with TWCManager's key names, so the policy engine reads them as `settings.<key>` (§5.3) and a
 * TWCManager settings.json can be read. Every value is checked (type, range, contradictions)
 * before it is used; a patch is applied all or nothing.
 *
 * Stored document: a JSON object with the keys of `Settings` (in `SETTINGS_KEYS` order, tab
 * indented) plus `"_checksum"`, the CRC-32 (IEEE 802.3, as zlib's crc32) in 8 lowercase hex
 * digits of the UTF-8 bytes of the document's canonical text: the document without `_checksum`,
 * every object's keys sorted (UTF-16 code-unit order), serialised by JSON.stringify without
 * spaces. The checksum so covers the values, not the layout, and can be checked with any
 * CRC-32 tool. A document without `_checksum` (a TWCManager file) is accepted.
 */
import type { Log } from "../platform/log.js";
import type { Storage } from "../platform/storage.js";
import { isValidVin } from "../twc/vin.js";
import { parseTimeZone } from "./local-time.js";
import { latitudeError, longitudeError } from "./sun.js";

/** One named consumption offset (§5.6, §9 addConsumptionOffset): watts, or amps via A2W. */
export interface ConsumptionOffset {
	value: number;
	unit: "W" | "A";
}

/** A group of vehicles by VIN (§6). The two built-in groups carry `"Built-in": 1`. */
export interface VehicleGroup {
	Members: string[];
	"Built-in"?: number;
	Description?: string;
}

/** What is kept per VIN (§6 `settings.Vehicles`): sessions and energy delivered. */
export interface VehicleRecord {
	chargeSessions: number;
	/** The wall connector's lifetime meter (kWh) when the last session began. */
	startkWh: number;
	totalkWh: number;
	/** Epoch seconds of the last session start or end. */
	lastSeen?: number;
}

/** settings.json as this controller keeps it (§5.7); keys are TWCManager's. */
export interface Settings {
	/** Charge Now amps (§7); 0 = none. */
	chargeNowAmps: number;
	/** Charge Now end, epoch seconds; 0 = none. */
	chargeNowTimeEnd: number;
	scheduledAmpsMax: number;
	/** Float hours (07:30 = 7.5); −1 = unset (§7). */
	scheduledAmpsStartHour: number;
	scheduledAmpsEndHour: number;
	/** Bit 0 = Monday … bit 6 = Sunday, 0 … 127 (§7). */
	scheduledAmpsDaysBitmap: number;
	scheduledAmpsFlexStart: boolean;
	/** kWh; only > 40 accepted (§5.7). */
	scheduledAmpsBatterySize: number;
	/** −1 = unset, else the hour 0 … 23 (§7). */
	hourResumeTrackGreenEnergy: number;
	/** 1 charge at nonScheduledAmpsMax, 2 do not charge, 3 track green energy (§5.2). */
	nonScheduledAction: 1 | 2 | 3;
	nonScheduledAmpsMax: number;
	/** 1 allowed unless denied, 2 denied unless allowed (§6). */
	chargeAuthorizationMode: 1 | 2;
	/** How charging is stopped (§4.5). */
	chargeStopMode: 1 | 2 | 3;
	/** §3.8. */
	spikeAmpsProactively: boolean;
	spikeAmpsReactively: boolean;
	consumptionOffset: Record<string, ConsumptionOffset>;
	/** Always has "Allow Charging" and "Deny Charging" (§6). */
	VehicleGroups: Record<string, VehicleGroup>;
	Vehicles: Record<string, VehicleRecord>;
	/** Degrees; 10000 = unknown (TWCManager). */
	homeLat: number;
	homeLon: number;
	/** POSIX TZ rule; "" = use config.timeZone. */
	timeZone: string;
}

/** The built-in group of vehicles that may charge (§6, chargeAuthorizationMode 2). */
export const ALLOW_GROUP = "Allow Charging";
/** The built-in group of vehicles that may not charge (§6, chargeAuthorizationMode 1). */
export const DENY_GROUP = "Deny Charging";
/** Latitude/longitude meaning "unknown" (TWCManager, §5.7). */
export const UNKNOWN_POSITION = 10000;

/** The keys of Settings, in the order the stored document lists them. */
export const SETTINGS_KEYS = Object.freeze([
	"chargeNowAmps",
	"chargeNowTimeEnd",
	"scheduledAmpsMax",
	"scheduledAmpsStartHour",
	"scheduledAmpsEndHour",
	"scheduledAmpsDaysBitmap",
	"scheduledAmpsFlexStart",
	"scheduledAmpsBatterySize",
	"hourResumeTrackGreenEnergy",
	"nonScheduledAction",
	"nonScheduledAmpsMax",
	"chargeAuthorizationMode",
	"chargeStopMode",
	"spikeAmpsProactively",
	"spikeAmpsReactively",
	"consumptionOffset",
	"VehicleGroups",
	"Vehicles",
	"homeLat",
	"homeLon",
	"timeZone",
] as const) satisfies readonly (keyof Settings)[];

const KNOWN_KEYS: ReadonlySet<string> = new Set(SETTINGS_KEYS);

function builtInGroups(): Record<string, VehicleGroup> {
	// Created on load with "Built-in": 1 (§6, TWCMaster.loadSettings).
	return {
		[ALLOW_GROUP]: { Members: [], "Built-in": 1, Description: "Built-in Group: vehicles in this group can charge on managed TWCs (chargeAuthorizationMode 2)" },
		[DENY_GROUP]: { Members: [], "Built-in": 1, Description: "Built-in Group: vehicles in this group cannot charge on managed TWCs (chargeAuthorizationMode 1)" },
	};
}

/**
 * TWCManager's defaults (§5.7, `TWCMaster.__init__`/`loadSettings`). nonScheduledAction is unset
 * there (the `settings.x` macro reads 0, §5.2); 1 with nonScheduledAmpsMax 0 selects the same
 * policies: "Non Scheduled Charging" at 0 A, i.e. no charging outside green hours.
 */
export const SETTINGS_DEFAULTS: Readonly<Settings> = deepFreeze({
	chargeNowAmps: 0,
	chargeNowTimeEnd: 0,
	scheduledAmpsMax: 0,
	scheduledAmpsStartHour: -1,
	scheduledAmpsEndHour: -1,
	scheduledAmpsDaysBitmap: 0x7f,
	scheduledAmpsFlexStart: false,
	scheduledAmpsBatterySize: 100,
	hourResumeTrackGreenEnergy: -1,
	nonScheduledAction: 1,
	nonScheduledAmpsMax: 0,
	chargeAuthorizationMode: 1,
	chargeStopMode: 1,
	spikeAmpsProactively: true,
	spikeAmpsReactively: true,
	consumptionOffset: {},
	VehicleGroups: builtInGroups(),
	Vehicles: {},
	homeLat: UNKNOWN_POSITION,
	homeLon: UNKNOWN_POSITION,
	timeZone: "",
});

/** A fresh, mutable deep copy of the defaults. */
export function defaultSettings(): Settings {
	return copy(SETTINGS_DEFAULTS) as Settings;
}

/** What the amps settings are checked against (config.json, §8). */
export interface SettingsLimits {
	wiringMaxAmpsAllTWCs: number;
	minAmpsPerTWC: number;
}

/** The outcome of SettingsStore.update. `changed` lists the keys whose value differs now. */
export interface PatchResult {
	ok: boolean;
	errors: string[];
	warnings: string[];
	changed: string[];
}

// ---- value checks -------------------------------------------------------------------------

/**
 * One key's check. Scalars give `value` or one error. Objects (offsets, groups, vehicles) give
 * the value with the bad entries left out, and an error per entry: a patch is refused on any
 * error, a stored document uses the cleaned value (`lenient`).
 */
interface KeyCheck {
	value?: unknown;
	errors: string[];
	warnings: string[];
	/** Names of unknown fields left out on load (lenient only). */
	ignored: string[];
}

interface CheckContext {
	limits: SettingsLimits;
	/** Reading a stored document: unknown fields are ignored, bad entries dropped. */
	lenient: boolean;
	/** The settings the value replaces (built-in groups are kept from here). */
	current: Readonly<Settings>;
}

type Checker = (key: string, raw: unknown, ctx: CheckContext) => KeyCheck;

/** A value for a message: strings quoted, long ones cut. */
function show(value: unknown): string {
	let text: string;
	if (typeof value === "string") text = JSON.stringify(value);
	else if (typeof value === "number" || value === undefined) text = String(value);
	else {
		try {
			text = JSON.stringify(value) ?? String(value);
		} catch {
			text = String(value);
		}
	}
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A finite number, or a numeric string (TWCManager stores some settings as text, §9 setSetting). */
function toNumber(value: unknown): number | undefined {
	if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
	if (typeof value === "string" && NUMERIC_TEXT.test(value)) {
		const n = Number(value);
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

/** true/false, 0/1, "0"/"1", and "true"/"false" in any case (Python writes "True"). */
function toBoolean(value: unknown): boolean | undefined {
	if (typeof value === "boolean") return value;
	if (value === 0 || value === 1) return value === 1;
	if (typeof value === "string") {
		const text = value.trim().toLowerCase();
		if (text === "1" || text === "true") return true;
		if (text === "0" || text === "false") return false;
	}
	return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ok = (value: unknown, warnings: string[] = []): KeyCheck => ({ value, errors: [], warnings, ignored: [] });
const bad = (error: string): KeyCheck => ({ errors: [error], warnings: [], ignored: [] });

/** Amps: 0 … wiringMaxAmpsAllTWCs (TWCManager ignores more for chargeNow, §7: we refuse with a reason). */
const amps: Checker = (key, raw, { limits }) => {
	const max = limits.wiringMaxAmpsAllTWCs;
	const n = toNumber(raw);
	if (n === undefined) return bad(`${key}: ${show(raw)} is not a number (allowed: 0 to ${max} A)`);
	if (n < 0) return bad(`${key}: ${n} is below 0 (allowed: 0 to ${max} A)`);
	if (n > max) return bad(`${key}: ${n} is above wiringMaxAmpsAllTWCs (${max})`);
	const warnings: string[] = [];
	if (n > 0 && n < limits.minAmpsPerTWC) {
		// A car is never offered less than the minimum: below it the offer is 0 A (§4.2).
		warnings.push(`${key}: ${n} A is below minAmpsPerTWC (${limits.minAmpsPerTWC}): a car gets 0 A below the minimum, so it will not charge at this setting`);
	}
	return ok(n, warnings);
};

const epochSeconds: Checker = (key, raw) => {
	const n = toNumber(raw);
	if (n === undefined || n < 0) return bad(`${key}: ${show(raw)} is not a time (allowed: 0 for none, or epoch seconds)`);
	return ok(n);
};

/** Float hours of the schedule (§7): −1 = unset, else 0 ≤ h < 24. */
const hour: Checker = (key, raw) => {
	const n = toNumber(raw);
	if (n === undefined || !(n === -1 || (n >= 0 && n < 24))) return bad(`${key}: ${show(raw)} is not an hour (allowed: -1 for unset, or 0 up to but not including 24)`);
	return ok(n);
};

const daysBitmap: Checker = (key, raw) => {
	const n = toNumber(raw);
	if (n === undefined || !Number.isInteger(n) || n < 0 || n > 127) {
		return bad(`${key}: ${show(raw)} is not a day bitmap (allowed: a whole number 0 to 127; bit 0 = Monday ... bit 6 = Sunday)`);
	}
	return ok(n);
};

const batterySize: Checker = (key, raw) => {
	const n = toNumber(raw);
	// TWCManager accepts only more than 40 kWh (§5.7); 300 catches a Wh or typo value.
	if (n === undefined || !(n > 40 && n <= 300)) return bad(`${key}: ${show(raw)} is not accepted (allowed: above 40 up to 300 kWh)`);
	return ok(n);
};

const resumeHour: Checker = (key, raw) => {
	const n = toNumber(raw);
	if (n === undefined || !(n === -1 || (Number.isInteger(n) && n >= 0 && n <= 23))) {
		return bad(`${key}: ${show(raw)} is not allowed (allowed: -1 for unset, or a whole hour 0 to 23)`);
	}
	return ok(n);
};

function choice(meanings: Readonly<Record<number, string>>): Checker {
	const allowed = Object.keys(meanings).map((k) => `${k} ${meanings[Number(k)]}`).join(", ");
	return (key, raw) => {
		const n = toNumber(raw);
		if (n === undefined || !(n in meanings)) return bad(`${key}: ${show(raw)} is not allowed (allowed: ${allowed})`);
		return ok(n);
	};
}

const boolean: Checker = (key, raw) => {
	const b = toBoolean(raw);
	if (b === undefined) return bad(`${key}: ${show(raw)} is not a boolean (allowed: true, false, 0, 1)`);
	return ok(b);
};

function position(check: (value: unknown) => string | undefined): Checker {
	return (key, raw) => {
		const n = toNumber(raw);
		if (n === UNKNOWN_POSITION) return ok(n);
		const error = check(n ?? raw);
		if (error) return bad(`${key}: ${show(raw)} is not allowed: ${error}; or ${UNKNOWN_POSITION} for unknown`);
		return ok(n);
	};
}

const timeZone: Checker = (key, raw) => {
	if (typeof raw !== "string") return bad(`${key}: ${show(raw)} is not text (allowed: "" to use config.timeZone, or a POSIX TZ rule such as "CET-1CEST,M3.5.0,M10.5.0/3")`);
	const text = raw.trim();
	if (text === "") return ok("");
	const { error } = parseTimeZone(text);
	if (error) return bad(`${key}: ${show(raw)} is not a POSIX TZ rule (${error})`);
	return ok(text);
};

/** Collects entry problems of an object setting: refused in a patch, dropped on load. */
class Entries {
	readonly errors: string[] = [];
	readonly warnings: string[] = [];
	readonly ignored: string[] = [];
	constructor(readonly lenient: boolean) {}
	/** An entry that cannot be used; `dropped` says what loading does instead. */
	problem(message: string, dropped = "entry dropped"): void {
		this.errors.push(this.lenient ? `${message}; ${dropped}` : message);
	}
	/** A field this controller does not know: an error in a patch, ignored on load. */
	unknownField(path: string, field: string): void {
		if (this.lenient) this.ignored.push(`${path}.${field}`);
		else this.errors.push(`${path}: unknown field ${show(field)}`);
	}
	result(value: unknown): KeyCheck {
		return { value, errors: this.errors, warnings: this.warnings, ignored: this.ignored };
	}
}

/** Characters addConsumptionOffset refuses in a name (§9). */
const OFFSET_NAME_FORBIDDEN = /[@#$%^&*"+<>;/]/;

const consumptionOffset: Checker = (key, raw, { lenient }) => {
	if (!isObject(raw)) return bad(`${key}: ${show(raw)} is not an object of name → {value, unit}`);
	const entries = new Entries(lenient);
	const value: Record<string, ConsumptionOffset> = {};
	for (const [name, entry] of Object.entries(raw)) {
		const path = `${key}.${name}`;
		if (name.trim() === "") {
			entries.problem(`${key}: an offset name is empty`);
			continue;
		}
		if (name.length >= 32) {
			entries.problem(`${key}: name ${show(name)} has ${name.length} characters (allowed: fewer than 32)`);
			continue;
		}
		if (OFFSET_NAME_FORBIDDEN.test(name)) {
			entries.problem(`${key}: name ${show(name)} contains a character that is not allowed (none of @#$%^&*"+<>;/)`);
			continue;
		}
		if (!isObject(entry)) {
			entries.problem(`${path}: ${show(entry)} is not an object {value, unit}`);
			continue;
		}
		const n = toNumber(entry.value);
		if (n === undefined || n === 0) {
			entries.problem(`${path}.value: ${show(entry.value)} is not allowed (allowed: a non-zero number)`);
			continue;
		}
		if (entry.unit !== "W" && entry.unit !== "A") {
			entries.problem(`${path}.unit: ${show(entry.unit)} is not allowed (allowed: "W" or "A")`);
			continue;
		}
		for (const field of Object.keys(entry)) if (field !== "value" && field !== "unit") entries.unknownField(path, field);
		value[name] = { value: n, unit: entry.unit };
	}
	return entries.result(value);
};

/** Upper-cased VIN, or undefined when it is not a valid one (§6 ISO 3779). */
function normalVin(value: unknown): string | undefined {
	if (typeof value !== "string") return undefined;
	const vin = value.trim().toUpperCase();
	return isValidVin(vin) ? vin : undefined;
}

const VIN_RULE = "17 characters with the ISO 3779 check digit";
const GROUP_FIELDS = new Set(["Members", "Built-in", "Description"]);

const vehicleGroups: Checker = (key, raw, { lenient, current }) => {
	if (!isObject(raw)) return bad(`${key}: ${show(raw)} is not an object of group name → {Members: [VIN, ...]}`);
	const entries = new Entries(lenient);
	const value: Record<string, VehicleGroup> = {};
	for (const [name, entry] of Object.entries(raw)) {
		const path = `${key}.${JSON.stringify(name)}`;
		const builtIn = name === ALLOW_GROUP || name === DENY_GROUP;
		if (name.trim() === "") {
			entries.problem(`${key}: a group name is empty`);
			continue;
		}
		if (!isObject(entry)) {
			entries.problem(`${path}: ${show(entry)} is not an object {Members: [VIN, ...]}`);
			continue;
		}
		const rawMembers = entry.Members ?? [];
		if (!Array.isArray(rawMembers)) {
			entries.problem(`${path}.Members: ${show(rawMembers)} is not a list of VINs`);
			continue;
		}
		const members: string[] = [];
		for (const member of rawMembers) {
			const vin = normalVin(member);
			if (vin === undefined) entries.problem(`${path}: ${show(member)} is not a valid VIN (${VIN_RULE})`, "VIN dropped");
			else if (!members.includes(vin)) members.push(vin);
		}
		const group: VehicleGroup = { Members: members };
		if (builtIn) group["Built-in"] = 1;
		else if (entry["Built-in"] !== undefined && entry["Built-in"] !== 0) {
			entries.problem(`${path}: "Built-in" is only for "${ALLOW_GROUP}" and "${DENY_GROUP}"`, "flag dropped");
		}
		if (entry.Description !== undefined) {
			if (typeof entry.Description === "string") group.Description = entry.Description;
			else entries.problem(`${path}.Description: ${show(entry.Description)} is not text`, "description dropped");
		} else if (builtIn) {
			group.Description = SETTINGS_DEFAULTS.VehicleGroups[name].Description;
		}
		for (const field of Object.keys(entry)) if (!GROUP_FIELDS.has(field)) entries.unknownField(path, field);
		value[name] = group;
	}
	// The built-in groups cannot be removed (§6: created on load): re-added with their members.
	for (const name of [ALLOW_GROUP, DENY_GROUP]) {
		if (value[name]) continue;
		const kept = current.VehicleGroups[name] ?? SETTINGS_DEFAULTS.VehicleGroups[name];
		value[name] = copy(kept) as VehicleGroup;
		if (!lenient) entries.warnings.push(`${key}: "${name}" is built in and cannot be removed; kept with its ${kept.Members.length} member(s)`);
	}
	// A VIN in both built-in groups would be allowed in mode 2 and denied in mode 1: refused.
	const denied = value[DENY_GROUP].Members;
	const both = value[ALLOW_GROUP].Members.filter((vin) => denied.includes(vin));
	for (const vin of both) entries.problem(`${key}: VIN ${vin} is in both "${ALLOW_GROUP}" and "${DENY_GROUP}"`, `kept in "${DENY_GROUP}" only`);
	if (both.length > 0) value[ALLOW_GROUP].Members = value[ALLOW_GROUP].Members.filter((vin) => !both.includes(vin));
	return entries.result(value);
};

const RECORD_FIELDS = ["chargeSessions", "startkWh", "totalkWh", "lastSeen"] as const;

const vehicles: Checker = (key, raw, { lenient }) => {
	if (!isObject(raw)) return bad(`${key}: ${show(raw)} is not an object of VIN → {chargeSessions, startkWh, totalkWh}`);
	const entries = new Entries(lenient);
	const value: Record<string, VehicleRecord> = {};
	for (const [name, entry] of Object.entries(raw)) {
		const vin = normalVin(name);
		const path = `${key}.${name}`;
		if (vin === undefined) {
			entries.problem(`${key}: ${show(name)} is not a valid VIN (${VIN_RULE})`);
			continue;
		}
		if (!isObject(entry)) {
			entries.problem(`${path}: ${show(entry)} is not an object {chargeSessions, startkWh, totalkWh}`);
			continue;
		}
		const record: VehicleRecord = { chargeSessions: 0, startkWh: 0, totalkWh: 0 };
		let good = true;
		for (const field of RECORD_FIELDS) {
			if (entry[field] === undefined) continue;
			const n = toNumber(entry[field]);
			const whole = field === "chargeSessions";
			if (n === undefined || n < 0 || (whole && !Number.isInteger(n))) {
				entries.problem(`${path}.${field}: ${show(entry[field])} is not allowed (allowed: ${whole ? "a whole number" : "a number"} 0 or more)`);
				good = false;
				break;
			}
			record[field] = n;
		}
		if (!good) continue;
		for (const field of Object.keys(entry)) if (!(RECORD_FIELDS as readonly string[]).includes(field)) entries.unknownField(path, field);
		value[vin] = record;
	}
	return entries.result(value);
};

const CHECKERS: Readonly<Record<keyof Settings, Checker>> = Object.freeze({
	chargeNowAmps: amps,
	chargeNowTimeEnd: epochSeconds,
	scheduledAmpsMax: amps,
	scheduledAmpsStartHour: hour,
	scheduledAmpsEndHour: hour,
	scheduledAmpsDaysBitmap: daysBitmap,
	scheduledAmpsFlexStart: boolean,
	scheduledAmpsBatterySize: batterySize,
	hourResumeTrackGreenEnergy: resumeHour,
	nonScheduledAction: choice({ 1: "charge at nonScheduledAmpsMax", 2: "do not charge", 3: "track green energy" }),
	nonScheduledAmpsMax: amps,
	chargeAuthorizationMode: choice({ 1: "allowed unless in \"Deny Charging\"", 2: "denied unless in \"Allow Charging\"" }),
	chargeStopMode: choice({ 1: "car API stop", 2: "stop responding to slaves", 3: "send stop command" }),
	spikeAmpsProactively: boolean,
	spikeAmpsReactively: boolean,
	consumptionOffset,
	VehicleGroups: vehicleGroups,
	Vehicles: vehicles,
	homeLat: position(latitudeError),
	homeLon: position(longitudeError),
	timeZone,
});

/**
 * Combinations that make a setting useless (warnings, §7 checkScheduledCharging), reported when
 * the patch touches one of the keys involved.
 */
function contradictions(s: Readonly<Settings>, touched: ReadonlySet<string>): string[] {
	const warnings: string[] = [];
	const any = (...keys: string[]) => keys.some((k) => touched.has(k));
	const start = s.scheduledAmpsStartHour;
	const end = s.scheduledAmpsEndHour;
	if (any("scheduledAmpsStartHour", "scheduledAmpsEndHour", "scheduledAmpsMax")) {
		if ((start === -1) !== (end === -1)) {
			warnings.push(`scheduledAmpsStartHour/scheduledAmpsEndHour: the schedule is incomplete (start ${start}, end ${end}; -1 = unset): inactive until both are set`);
		} else if (start !== -1 && start === end && s.scheduledAmpsMax > 0) {
			warnings.push(`scheduledAmpsStartHour/scheduledAmpsEndHour: start and end are both ${start}: the window is empty, scheduled charging is never active`);
		}
	}
	if (any("scheduledAmpsMax", "scheduledAmpsDaysBitmap") && s.scheduledAmpsMax > 0 && s.scheduledAmpsDaysBitmap === 0) {
		warnings.push(`scheduledAmpsDaysBitmap: 0 enables no day: scheduled charging at ${s.scheduledAmpsMax} A is never active`);
	}
	if (any("chargeNowAmps", "chargeNowTimeEnd") && s.chargeNowAmps > 0 && s.chargeNowTimeEnd === 0) {
		warnings.push(`chargeNowAmps: ${s.chargeNowAmps} A without chargeNowTimeEnd: Charge Now is not active`);
	}
	return warnings;
}

/**
 * Combinations that do the opposite of what they say: refused in a patch (the API answers 400),
 * reported as a warning when a stored document has them (a TWCManager file is loaded as it is).
 */
function conflicts(s: Readonly<Settings>, touched: ReadonlySet<string>): string[] {
	const errors: string[] = [];
	if ((touched.has("nonScheduledAction") || touched.has("nonScheduledAmpsMax")) && s.nonScheduledAction === 2 && s.nonScheduledAmpsMax > 0) {
		// Policy "Non Scheduled Charging" matches nonScheduledAction < 3 and offers nonScheduledAmpsMax
		// (§5.2): "do not charge" would charge. TWCManager's settings form zeroes the amps; its
		// setSetting stores the contradiction silently (204, no body), so a warning would go unseen.
		errors.push(
			`nonScheduledAmpsMax: ${s.nonScheduledAmpsMax} A with nonScheduledAction 2 (do not charge): the Non Scheduled Charging policy would still charge at ${s.nonScheduledAmpsMax} A; set nonScheduledAmpsMax to 0 first, or both in one request`,
		);
	}
	return errors;
}

/**
 * Validates a patch (all-or-nothing): unknown key, wrong type, out of range, contradictions.
 * `values` holds the checked values of every key of the patch, or nothing when there are errors.
 */
export function checkSettingsPatch(
	current: Readonly<Settings>,
	patch: Readonly<Record<string, unknown>>,
	limits: SettingsLimits,
): { values: Partial<Settings>; errors: string[]; warnings: string[] } {
	if (!isObject(patch)) return { values: {}, errors: [`settings: ${show(patch)} is not an object of setting → value`], warnings: [] };
	const errors: string[] = [];
	const warnings: string[] = [];
	const values: Record<string, unknown> = {};
	const ctx: CheckContext = { limits, lenient: false, current };
	for (const [key, raw] of Object.entries(patch)) {
		if (!KNOWN_KEYS.has(key)) {
			errors.push(`${key}: unknown setting (known: ${SETTINGS_KEYS.join(", ")})`);
			continue;
		}
		const checked = CHECKERS[key as keyof Settings](key, raw, ctx);
		errors.push(...checked.errors);
		warnings.push(...checked.warnings);
		if (checked.errors.length === 0) values[key] = checked.value;
	}
	if (errors.length > 0) return { values: {}, errors, warnings };
	const merged = { ...current, ...values } as Settings;
	const touched = new Set(Object.keys(values));
	const refused = conflicts(merged, touched);
	if (refused.length > 0) return { values: {}, errors: refused, warnings };
	warnings.push(...contradictions(merged, touched));
	return { values: values as Partial<Settings>, errors, warnings };
}

/** Reading a stored document: what was used, what was wrong (dropped), what was not ours. */
interface DocumentReading {
	settings: Settings;
	problems: string[];
	ignored: string[];
}

function readDocument(document: Readonly<Record<string, unknown>>, limits: SettingsLimits): DocumentReading {
	const settings = defaultSettings() as unknown as Record<string, unknown>;
	const problems: string[] = [];
	const ignored: string[] = [];
	const ctx: CheckContext = { limits, lenient: true, current: SETTINGS_DEFAULTS };
	for (const [key, raw] of Object.entries(document)) {
		if (key === CHECKSUM_KEY) continue;
		if (!KNOWN_KEYS.has(key)) {
			ignored.push(key);
			continue;
		}
		// JSON null is Python's None: unset, the default holds.
		if (raw === null) continue;
		const checked = CHECKERS[key as keyof Settings](key, raw, ctx);
		ignored.push(...checked.ignored);
		if (checked.value === undefined) {
			problems.push(...checked.errors.map((e) => `${e}; the default ${show(settings[key])} is used`));
			continue;
		}
		problems.push(...checked.errors, ...checked.warnings);
		settings[key] = checked.value;
	}
	problems.push(...conflicts(settings as unknown as Settings, KNOWN_KEYS), ...contradictions(settings as unknown as Settings, KNOWN_KEYS));
	return { settings: settings as unknown as Settings, problems, ignored };
}

// ---- the stored document ------------------------------------------------------------------

const CHECKSUM_KEY = "_checksum";

function makeCrcTable(): number[] {
	const table: number[] = [];
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table.push(c >>> 0);
	}
	return table;
}
const CRC_TABLE: readonly number[] = Object.freeze(makeCrcTable());

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32) of the UTF-8 bytes of
 * `text`, encoded here from the UTF-16 code units (a lone surrogate counts as U+FFFD).
 */
export function crc32(text: string): number {
	let crc = 0xffffffff;
	const add = (byte: number) => {
		crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
	};
	for (let i = 0; i < text.length; i++) {
		let cp = text.charCodeAt(i);
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
			const low = text.charCodeAt(i + 1);
			if (low >= 0xdc00 && low <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				i++;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
		if (cp < 0x80) add(cp);
		else if (cp < 0x800) {
			add(0xc0 | (cp >> 6));
			add(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			add(0xe0 | (cp >> 12));
			add(0x80 | ((cp >> 6) & 0x3f));
			add(0x80 | (cp & 0x3f));
		} else {
			add(0xf0 | (cp >> 18));
			add(0x80 | ((cp >> 12) & 0x3f));
			add(0x80 | ((cp >> 6) & 0x3f));
			add(0x80 | (cp & 0x3f));
		}
	}
	return (crc ^ 0xffffffff) >>> 0;
}

/** JSON text with every object's keys sorted: the same values give the same text. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonical(v))).join(",")}]`;
	if (isObject(value)) {
		const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
		return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
	}
	return JSON.stringify(value) ?? "null";
}

function checksumOf(document: Readonly<Record<string, unknown>>): string {
	const rest: Record<string, unknown> = {};
	for (const key of Object.keys(document)) if (key !== CHECKSUM_KEY) rest[key] = document[key];
	return crc32(canonical(rest)).toString(16).padStart(8, "0");
}

/** The stored text of `settings`: keys in SETTINGS_KEYS order, tab indented, `_checksum` last. */
export function settingsToText(settings: Readonly<Settings>): string {
	const document: Record<string, unknown> = {};
	for (const key of SETTINGS_KEYS) document[key] = settings[key];
	document[CHECKSUM_KEY] = checksumOf(document);
	return `${JSON.stringify(document, null, "\t")}\n`;
}

type Stored = { kind: "none" } | { kind: "bad"; reason: string } | { kind: "good"; document: Record<string, unknown> };

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Reads and judges one copy: missing, corrupt (with the reason), or a usable object. */
function readStored(read: () => string | undefined): Stored {
	let text: string | undefined;
	try {
		text = read();
	} catch (error) {
		return { kind: "bad", reason: `could not be read: ${message(error)}` };
	}
	if (text === undefined) return { kind: "none" };
	let document: unknown;
	try {
		document = JSON.parse(text);
	} catch (error) {
		return { kind: "bad", reason: `not valid JSON: ${message(error)}` };
	}
	if (!isObject(document)) return { kind: "bad", reason: `not a JSON object (${show(document)})` };
	const stored = document[CHECKSUM_KEY];
	if (stored !== undefined) {
		if (typeof stored !== "string" || !/^[0-9a-f]{8}$/.test(stored)) return { kind: "bad", reason: `${CHECKSUM_KEY} ${show(stored)} is not 8 lowercase hex digits` };
		const computed = checksumOf(document);
		if (stored !== computed) {
			return { kind: "bad", reason: `checksum mismatch: stored ${stored}, content gives ${computed}; after editing the file by hand, delete "${CHECKSUM_KEY}"` };
		}
	}
	return { kind: "good", document };
}

// ---- the store ----------------------------------------------------------------------------

/** Options of SettingsStore. */
export interface SettingsStoreOptions {
	/** Where the document lives; without one the settings are kept in memory only. */
	storage?: Storage;
	log: Log;
	limits: SettingsLimits;
	/** Document name, default "settings.json". */
	name?: string;
	/** Called after a patch changed something, with the changed keys. */
	onChange?(changed: readonly string[]): void;
}

const TOPIC = "settings";

/** The settings in memory and their document in Storage (§8: atomic write, previous copy kept). */
export class SettingsStore {
	readonly #storage: Storage | undefined;
	readonly #log: Log;
	readonly #limits: SettingsLimits;
	readonly #name: string;
	readonly #onChange: ((changed: readonly string[]) => void) | undefined;
	#current: Readonly<Settings> = SETTINGS_DEFAULTS;
	/** The text the document holds as far as we know; undefined when it must be (re)written. */
	#savedText: string | undefined;

	constructor(options: SettingsStoreOptions) {
		this.#storage = options.storage;
		this.#log = options.log;
		this.#limits = options.limits;
		this.#name = options.name ?? "settings.json";
		this.#onChange = options.onChange;
		this.#savedText = settingsToText(SETTINGS_DEFAULTS);
	}

	/** The settings now (deeply frozen: a patch replaces them). */
	get current(): Readonly<Settings> {
		return this.#current;
	}

	/** Reads the stored document (call once at start). Returns the problems found, each also logged. */
	load(): string[] {
		const name = this.#name;
		const storage = this.#storage;
		this.#current = SETTINGS_DEFAULTS;
		this.#savedText = settingsToText(SETTINGS_DEFAULTS);
		if (!storage) {
			this.#log.write("info", TOPIC, "no storage; settings are kept in memory only");
			return [];
		}
		const main = readStored(() => storage.read(name));
		if (main.kind === "none") {
			this.#log.write("info", TOPIC, "no saved settings; using defaults");
			return [];
		}
		const problems: string[] = [];
		let document: Record<string, unknown>;
		if (main.kind === "good") {
			document = main.document;
		} else {
			// §8: the previous copy is restored when the main file fails to parse.
			const backup = readStored(() => storage.readBackup(name));
			if (backup.kind !== "good") {
				const why = backup.kind === "none" ? "there is no previous copy" : `the previous copy is corrupt too (${backup.reason})`;
				const line = `${name} is corrupt (${main.reason}) and ${why}; using defaults`;
				this.#log.write("error", TOPIC, line);
				this.#savedText = undefined; // the next save replaces the corrupt file
				return [line];
			}
			const line = `${name} is corrupt (${main.reason}); using the previous copy`;
			this.#log.write("warn", TOPIC, line);
			problems.push(line);
			document = backup.document;
		}
		const reading = readDocument(document, this.#limits);
		for (const problem of reading.problems) {
			this.#log.write("warn", TOPIC, `${name}: ${problem}`);
			problems.push(`${name}: ${problem}`);
		}
		if (reading.ignored.length > 0) {
			this.#log.write("info", TOPIC, `${name}: ignored, not used by this controller (dropped at the next save): ${reading.ignored.join(", ")}`);
		}
		this.#current = deepFreeze(reading.settings);
		this.#savedText = main.kind === "good" ? settingsToText(this.#current) : undefined;
		return problems;
	}

	/** Validates and applies a patch, saves, calls onChange. `source` (e.g. "api", "mqtt") goes into the log line. */
	update(patch: Readonly<Record<string, unknown>>, source: string): PatchResult {
		const checked = checkSettingsPatch(this.#current, patch, this.#limits);
		if (checked.errors.length > 0) {
			this.#log.write("warn", TOPIC, `change from ${source} refused: ${checked.errors.join("; ")}`);
			return { ok: false, errors: checked.errors, warnings: checked.warnings, changed: [] };
		}
		const before = this.#current;
		const values = checked.values as Record<string, unknown>;
		const changed = SETTINGS_KEYS.filter((key) => key in values && canonical(values[key]) !== canonical(before[key]));
		const warnings = checked.warnings.slice();
		for (const warning of warnings) this.#log.write("warn", TOPIC, `from ${source}: ${warning}`);
		if (changed.length === 0) return { ok: true, errors: [], warnings, changed: [] };

		this.#current = deepFreeze({ ...copy(before), ...copy(values) } as Settings);
		const described = changed.map((key) => (isObject(before[key]) ? `${key} (updated)` : `${key} ${show(before[key])} → ${show(values[key])}`));
		this.#log.write("info", TOPIC, `changed by ${source}: ${described.join(", ")}`);
		const failure = this.#write();
		if (failure) warnings.push(failure);
		if (this.#onChange) {
			try {
				this.#onChange(changed);
			} catch (error) {
				this.#log.write("error", TOPIC, `onChange failed after a change by ${source}: ${message(error)}`);
			}
		}
		return { ok: true, errors: [], warnings, changed: [...changed] };
	}

	/** Saves now when the stored document differs (e.g. after Vehicles changed, or a failed write). */
	save(): void {
		this.#write();
	}

	/** Writes the document if it changed; a failure is logged and returned, never thrown. */
	#write(): string | undefined {
		if (!this.#storage) return undefined;
		const text = settingsToText(this.#current);
		if (text === this.#savedText) return undefined;
		try {
			this.#storage.write(this.#name, text);
		} catch (error) {
			const line = `could not save ${this.#name} (${message(error)}); the settings hold in memory until a restart`;
			this.#log.write("error", TOPIC, line);
			return line;
		}
		this.#savedText = text;
		return undefined;
	}
}

// ---- helpers ------------------------------------------------------------------------------

/** A deep copy of JSON data. */
function copy<T>(value: T): T {
	return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function deepFreeze<T>(value: T): T {
	if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
	}
	return value;
}
