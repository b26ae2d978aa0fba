/**
 * The routes that change what the controller does, with TWCManager's names, bodies and answers
 * (reference §9), plus native /api/v1 settings routes. Every change goes through the settings
 * (validated, stored, logged) and Charge Now: nothing here sets amps directly, and the arbiter
 * keeps every offer within the caps whatever a request says.
 */
import type { ChargeController } from "../charge/charge-controller.js";
import type { PatchResult, SettingsStore } from "../charge/settings.js";
import { manageGroup } from "../charge/vehicle-access.js";
import type { HttpRequest, HttpResponse } from "../platform/http-server.js";
import { json, parseJsonObject, type Router } from "./router.js";

/** Charge Now lasts a week at most: a longer one is a typo or an attack, not a plan. */
export const MAX_CHARGE_NOW_SECONDS = 7 * 24 * 3600;
/** The least a protocol 2 unit offers a car (SlaveRecord.minAmps, §1.4); the arbiter uses max(minAmpsPerTWC, this). */
const UNIT_FLOOR_AMPS = 6;

export interface ControlSource {
	controller: ChargeController;
	settings: SettingsStore;
	/** Charge Now above it is accepted and capped to it (TWCManager's master caps it too). */
	wiringMaxAmpsAllTWCs?: number;
}

export function addControlRoutes(router: Router, source: ControlSource): void {
	const { controller, settings } = source;
	const body = (handler: (data: Record<string, unknown>) => HttpResponse) => (request: HttpRequest) => {
		const data = parseJsonObject(request);
		return typeof data === "string" ? json(400, { error: data }) : handler(data);
	};

	// §7, §9: chargeNowRate and chargeNowDuration as int(); ≤ 0 → 400; a week at most.
	router.post(
		"/api/chargeNow",
		body((data) => {
			const rate = intField(data, "chargeNowRate", "amps", 1, Infinity);
			if (typeof rate === "string") return json(400, { error: rate });
			const duration = intField(data, "chargeNowDuration", "seconds", 1, MAX_CHARGE_NOW_SECONDS, " (a week)");
			if (typeof duration === "string") return json(400, { error: duration });
			// Clients send the car's maximum: accepted, capped to the wiring limit, and said so.
			const limit = source.wiringMaxAmpsAllTWCs;
			const amps = limit !== undefined && rate > limit ? Math.floor(limit) : rate;
			const result = controller.chargeNow(amps, duration, "api");
			if (!result.ok) return json(400, { error: `chargeNowRate ${rate} A for ${duration} s refused: ${result.errors.join("; ")}`, errors: result.errors });
			// Success keeps TWCManager's shape; a rate no car takes is said, not silently accepted.
			const warnings = [...result.warnings];
			if (amps !== rate) warnings.unshift(`chargeNowRate: ${rate} A is above the wiring limit (wiringMaxAmpsAllTWCs ${amps} A): capped to ${amps} A`);
			if (amps < UNIT_FLOOR_AMPS && !warnings.some((w) => w.startsWith("chargeNowAmps:"))) {
				warnings.push(`chargeNowRate: ${rate} A is below the ${UNIT_FLOOR_AMPS} A a wall connector offers at least: a car gets 0 A, so nothing charges at this rate`);
			}
			const answer: Record<string, unknown> = { status: "success", rate: amps, duration };
			if (amps !== rate) answer.requestedRate = rate;
			if (warnings.length > 0) answer.warnings = warnings;
			return json(200, answer);
		}),
	);
	router.post("/api/cancelChargeNow", () => {
		const result = controller.cancelChargeNow("api");
		return result.ok ? json(200, { status: "success" }) : json(500, { error: result.errors.join("; ") });
	});

	// §7: minutes from midnight, weekday booleans; disabled → amps 0, hours −1, bitmap 0.
	router.post(
		"/api/setScheduledChargingSettings",
		body((data) => {
			const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
			let patch: Record<string, unknown>;
			if (data.enabled === false || data.enabled === 0 || data.enabled === "false") {
				patch = { scheduledAmpsMax: 0, scheduledAmpsStartHour: -1, scheduledAmpsEndHour: -1, scheduledAmpsDaysBitmap: 0 };
			} else {
				// TWCManager reads these with int() (§7).
				const start = intField(data, "startingMinute", "minutes", 0, 1439);
				const end = intField(data, "endingMinute", "minutes", 0, 1439);
				const amps = intField(data, data.amps === undefined && data.chargingAmps !== undefined ? "chargingAmps" : "amps", "amps", -Infinity, Infinity);
				const battery = data.flexBatterySize === undefined ? undefined : intField(data, "flexBatterySize", "kWh", -Infinity, Infinity);
				const errors = [start, end, amps, battery].filter((v): v is string => typeof v === "string");
				if (errors.length > 0) return json(400, { error: errors.join("; "), errors });
				let bitmap = 0;
				days.forEach((day, i) => {
					if (data[day] === true || data[day] === 1 || data[day] === "true") bitmap |= 1 << i;
				});
				patch = { scheduledAmpsMax: amps, scheduledAmpsStartHour: (start as number) / 60, scheduledAmpsEndHour: (end as number) / 60, scheduledAmpsDaysBitmap: bitmap };
				if (data.flexStartEnabled !== undefined) patch.scheduledAmpsFlexStart = data.flexStartEnabled;
				if (battery !== undefined) patch.scheduledAmpsBatterySize = battery;
			}
			return answer(settings.update(patch, "api"), 202, controller);
		}),
	);

	// §9 setSetting {setting, value} → 204.
	router.post(
		"/api/setSetting",
		body((data) => {
			if (typeof data.setting !== "string" || data.setting === "") return json(400, { error: `setting must name a setting (got ${show(data.setting)})` });
			return answer(settings.update({ [data.setting]: data.value }, "api"), 204, controller);
		}),
	);

	router.post(
		"/api/setLatLon",
		body((data) => answer(settings.update({ homeLat: data.lat, homeLon: data.lon }, "api"), 204, controller)),
	);

	// Consumption offsets (§5.6, §9): name → {value, unit "W"|"A"}.
	router.get("/api/getConsumptionOffsets", () => json(200, settings.current.consumptionOffset));
	router.post(
		"/api/addConsumptionOffset",
		body((data) => {
			if (typeof data.offsetName !== "string") return json(400, { error: `offsetName must be a string (got ${show(data.offsetName)})` });
			const offsets = { ...settings.current.consumptionOffset, [data.offsetName]: { value: toNumber(data.offsetValue) ?? data.offsetValue, unit: data.offsetUnit } };
			const result = settings.update({ consumptionOffset: offsets }, "api");
			if (!result.ok) return json(400, { error: result.errors.join("; ") });
			controller.applyNow();
			return json(200, { status: "success", offsetName: data.offsetName, offsetValue: toNumber(data.offsetValue), offsetUnit: data.offsetUnit });
		}),
	);
	router.post(
		"/api/deleteConsumptionOffset",
		body((data) => {
			const name = data.offsetName;
			if (typeof name !== "string") return json(400, { error: `offsetName must be a string (got ${show(name)})` });
			if (name === "") return json(400, { error: "offsetName is required: give the name of the offset to delete" });
			// Own names only: `in` would find "toString" or "__proto__" on every object.
			if (!Object.prototype.hasOwnProperty.call(settings.current.consumptionOffset, name)) return json(404, { error: `no consumption offset named ${show(name)}` });
			const offsets = { ...settings.current.consumptionOffset };
			delete offsets[name];
			const result = settings.update({ consumptionOffset: offsets }, "api");
			return result.ok ? json(200, { status: "success", offsetName: name }) : json(400, { error: result.errors.join("; ") });
		}),
	);

	// VIN groups (§6): TWCManager's form route and a JSON twin.
	const groupMgmt = (fields: Record<string, unknown>): HttpResponse => {
		const change = manageGroup(settings.current.VehicleGroups, String(fields.group ?? ""), String(fields.operation ?? ""), String(fields.vin ?? ""));
		if (change.error) return json(400, { error: change.error });
		const result = settings.update({ VehicleGroups: change.groups }, "api");
		if (!result.ok) return json(400, { error: result.errors.join("; ") });
		controller.applyNow();
		return json(200, { status: "success", VehicleGroups: settings.current.VehicleGroups });
	};
	// TWCManager's form; a body that looks like JSON is read as JSON, and malformed JSON says so.
	router.post("/vehicle/groupMgmt", (request) => {
		const text = request.body.trim();
		if (!text.startsWith("{") && !text.startsWith("[")) return groupMgmt(parseForm(request.body));
		const data = parseJsonObject(request);
		return typeof data === "string" ? json(400, { error: data }) : groupMgmt(data);
	});
	router.post("/api/v1/vehicleGroups", body(groupMgmt));

	// Native: every setting at once, validated as a whole.
	router.get("/api/v1/settings", () => json(200, settings.current));
	router.post(
		"/api/v1/settings",
		body((data) => {
			const result = settings.update(data, "api");
			if (!result.ok) return json(400, { error: result.errors.join("; "), errors: result.errors, warnings: result.warnings });
			controller.applyNow();
			return json(200, { changed: result.changed, warnings: result.warnings, settings: settings.current });
		}),
	);
}

function answer(result: PatchResult, okStatus: number, controller: ChargeController): HttpResponse {
	if (!result.ok) return json(400, { error: result.errors.join("; "), errors: result.errors });
	controller.applyNow();
	// Applied but not on disk (a full disk, a broken flash): a bare 204 would hide it.
	if (result.saveError !== undefined) return json(200, { status: "success", saved: false, warnings: result.warnings });
	return okStatus === 204 ? { status: 204 } : json(okStatus, { status: "success", warnings: result.warnings });
}

/**
 * Python's int() on a JSON value: a finite number (a fraction is cut: int(3.9) == 3) or a string of
 * decimal digits with an optional sign, surrounding blanks and single underscores between digits.
 * "0x20", "1e3", "3.5", "", "12abc", booleans and null are not whole numbers.
 */
export function pythonInt(value: unknown): number | undefined {
	if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) + 0 : undefined;
	if (typeof value !== "string" || !/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(value)) return undefined;
	// Too many digits for a double gives ±Infinity: a whole number, just out of every range.
	return Number(value.replace(/_/g, "").trim()) + 0;
}

/** data[key] read with int() and bounded; a sentence naming the field when it is not. */
function intField(data: Record<string, unknown>, key: string, unit: string, min: number, max: number, note = ""): number | string {
	const raw = data[key];
	const n = pythonInt(raw);
	if (n === undefined) return `${key} must be a whole decimal number of ${unit} (got ${show(raw)})`;
	if (!Number.isFinite(n)) return `${key} is too large a number of ${unit} (got ${show(raw)})`;
	if (n < min || n > max) {
		const range = max === Infinity ? `≥ ${min}` : min === -Infinity ? `≤ ${max}` : `from ${min} to ${max}`;
		return `${key} must be a whole number of ${unit} ${range}${note} (got ${show(raw)})`;
	}
	return n;
}

function toNumber(value: unknown): number | undefined {
	const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
	return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** A value as the request gave it, cut short: an error must not echo a 60 KB body. */
function show(value: unknown): string {
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}
	return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** application/x-www-form-urlencoded → fields. */
function parseForm(text: string): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const pair of text.split("&")) {
		if (!pair) continue;
		const [key, value = ""] = pair.split("=");
		try {
			fields[decodeURIComponent(key.replace(/\+/g, " "))] = decodeURIComponent(value.replace(/\+/g, " "));
		} catch {
			fields[key] = value;
		}
	}
	return fields;
}
