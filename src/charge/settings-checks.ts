/**
 * The checks of every setting (type, range, contradictions): a patch is checked all or nothing
 * (checkSettingsPatch), a stored document key by key with the bad entries dropped
 * (checkSettingsDocument).
 */
import { isValidVin } from "../twc/vin.js";
import { parseTimeZone } from "./local-time.js";
import { CHECKSUM_KEY } from "./settings-document.js";
import { copyData, hasOwn, isObject, isReservedName, show } from "./settings-data.js";
import {
	ALLOW_GROUP,
	builtInGroupDescription,
	DENY_GROUP,
	defaultSettings,
	MAX_CHARGE_NOW_AHEAD_S,
	MAX_CHARGE_NOW_TIME_END,
	MAX_CONSUMPTION_OFFSETS,
	MAX_OFFSET_AMPS,
	MAX_OFFSET_WATTS,
	SETTINGS_KEYS,
	UNKNOWN_POSITION,
	type ConsumptionOffset,
	type Settings,
	type SettingsLimits,
	type VehicleGroup,
	type VehicleRecord,
} from "./settings-schema.js";
import { latitudeError, longitudeError } from "./sun.js";

const KNOWN_KEYS: ReadonlySet<string> = new Set(SETTINGS_KEYS);

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
	/** Epoch seconds now, when the clock is known to be set (a week-ahead check on load). */
	nowSeconds?: number;
}

type Checker = (key: string, raw: unknown, ctx: CheckContext) => KeyCheck;

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

const ok = (value: unknown, warnings: string[] = []): KeyCheck => ({ value, errors: [], warnings, ignored: [] });
const bad = (error: string): KeyCheck => ({ errors: [error], warnings: [], ignored: [] });

/**
 * Amps: 0 … wiringMaxAmpsAllTWCs. A patch above the limit is refused with a reason (TWCManager
 * ignores more for chargeNow, §7). A stored document above it (a TWCManager file written for a
 * bigger circuit) is clamped to the limit with a warning: the nearest safe value, not 0 A.
 */
const amps: Checker = (key, raw, { limits, lenient }) => {
	const max = limits.wiringMaxAmpsAllTWCs;
	const n = toNumber(raw);
	if (n === undefined) return bad(`${key}: ${show(raw)} is not a number (allowed: 0 to ${max} A)`);
	if (n < 0) return bad(`${key}: ${n} is below 0 (allowed: 0 to ${max} A)`);
	if (n > max) {
		if (!lenient) return bad(`${key}: ${n} is above wiringMaxAmpsAllTWCs (${max})`);
		return ok(max, [`${key}: ${n} A is above wiringMaxAmpsAllTWCs (${max}); ${max} A is used`]);
	}
	const warnings: string[] = [];
	if (n > 0 && n < limits.minAmpsPerTWC) {
		// A car is never offered less than the minimum: below it the offer is 0 A (§4.2).
		warnings.push(`${key}: ${n} A is below minAmpsPerTWC (${limits.minAmpsPerTWC}): a car gets 0 A below the minimum, so it will not charge at this setting`);
	}
	return ok(n, warnings);
};

/**
 * chargeNowTimeEnd: 0 = none, else epoch seconds up to 2100 (a huge value would be "forever").
 * On load, an end more than a week after now is dropped: the API sets at most a week ahead.
 */
const chargeNowTimeEnd: Checker = (key, raw, { lenient, nowSeconds }) => {
	const n = toNumber(raw);
	if (n === undefined || n < 0) return bad(`${key}: ${show(raw)} is not a time (allowed: 0 for none, or epoch seconds)`);
	if (n > MAX_CHARGE_NOW_TIME_END) return bad(`${key}: ${show(raw)} is beyond the year 2100 (allowed: 0 for none, or epoch seconds up to ${MAX_CHARGE_NOW_TIME_END})`);
	if (lenient && nowSeconds !== undefined && n > nowSeconds + MAX_CHARGE_NOW_AHEAD_S) {
		return bad(`${key}: ${n} ends ${Math.round((n - nowSeconds) / 86400)} days from now (allowed: at most 7 days ahead)`);
	}
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
		if (n === undefined || !hasOwn(meanings, String(n))) return bad(`${key}: ${show(raw)} is not allowed (allowed: ${allowed})`);
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
		if (isReservedName(name)) {
			entries.problem(`${key}: name ${show(name)} is not allowed (reserved: every JavaScript object has it)`);
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
		const limit = entry.unit === "W" ? MAX_OFFSET_WATTS : MAX_OFFSET_AMPS;
		if (Math.abs(n) > limit) {
			entries.problem(`${path}.value: ${n} ${entry.unit} is not allowed (allowed: -${limit} to ${limit} ${entry.unit}, not 0)`);
			continue;
		}
		if (Object.keys(value).length >= MAX_CONSUMPTION_OFFSETS) {
			entries.problem(`${key}: ${show(name)} would be offset number ${Object.keys(value).length + 1} (allowed: at most ${MAX_CONSUMPTION_OFFSETS} offsets)`);
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
		if (isReservedName(name)) {
			entries.problem(`${key}: group name ${show(name)} is not allowed (reserved: every JavaScript object has it)`);
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
			group.Description = builtInGroupDescription(name);
		}
		for (const field of Object.keys(entry)) if (!GROUP_FIELDS.has(field)) entries.unknownField(path, field);
		value[name] = group;
	}
	// The built-in groups cannot be removed (§6: created on load): re-added with their members.
	for (const name of [ALLOW_GROUP, DENY_GROUP]) {
		if (hasOwn(value, name)) continue;
		const kept: VehicleGroup = hasOwn(current.VehicleGroups, name)
			? current.VehicleGroups[name]
			: { Members: [], "Built-in": 1, Description: builtInGroupDescription(name) };
		value[name] = copyData(kept);
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
	chargeNowTimeEnd,
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
export interface DocumentReading {
	settings: Settings;
	problems: string[];
	ignored: string[];
}

/**
 * Checks a whole stored document key by key: a bad key gets its default, a bad entry of an
 * object setting is dropped, amps above the wiring limit are clamped; each with a problem line.
 * `nowSeconds` (epoch seconds, only when the clock is set) bounds chargeNowTimeEnd to a week ahead.
 */
export function checkSettingsDocument(document: Readonly<Record<string, unknown>>, limits: SettingsLimits, nowSeconds?: number): DocumentReading {
	const settings = defaultSettings() as unknown as Record<string, unknown>;
	const problems: string[] = [];
	const ignored: string[] = [];
	const ctx: CheckContext = { limits, lenient: true, current: defaultSettings(), nowSeconds };
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

