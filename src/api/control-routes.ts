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

export interface ControlSource {
	controller: ChargeController;
	settings: SettingsStore;
}

export function addControlRoutes(router: Router, source: ControlSource): void {
	const { controller, settings } = source;
	const body = (handler: (data: Record<string, unknown>) => HttpResponse) => (request: HttpRequest) => {
		const data = parseJsonObject(request);
		return typeof data === "string" ? json(400, { error: data }) : handler(data);
	};

	// §7, §9: chargeNowRate and chargeNowDuration as int(); ≤ 0 → 400.
	router.post(
		"/api/chargeNow",
		body((data) => {
			const rate = toInt(data.chargeNowRate);
			const duration = toInt(data.chargeNowDuration);
			if (rate === undefined || rate <= 0) return json(400, { error: `chargeNowRate must be a whole number of amps > 0 (got ${show(data.chargeNowRate)})` });
			if (duration === undefined || duration <= 0) return json(400, { error: `chargeNowDuration must be a whole number of seconds > 0 (got ${show(data.chargeNowDuration)})` });
			const result = controller.chargeNow(rate, duration, "api");
			if (!result.ok) return json(400, { error: result.errors.join("; ") });
			return json(200, { status: "success", rate, duration });
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
				const start = toNumber(data.startingMinute);
				const end = toNumber(data.endingMinute);
				const amps = toNumber(data.amps ?? data.chargingAmps);
				const errors: string[] = [];
				if (start === undefined || start < 0 || start >= 1440) errors.push(`startingMinute must be 0 … 1439 (got ${show(data.startingMinute)})`);
				if (end === undefined || end < 0 || end >= 1440) errors.push(`endingMinute must be 0 … 1439 (got ${show(data.endingMinute)})`);
				if (amps === undefined) errors.push(`amps must be a number (got ${show(data.amps)})`);
				if (errors.length > 0) return json(400, { error: errors.join("; ") });
				let bitmap = 0;
				days.forEach((day, i) => {
					if (data[day] === true || data[day] === 1 || data[day] === "true") bitmap |= 1 << i;
				});
				patch = { scheduledAmpsMax: amps, scheduledAmpsStartHour: start! / 60, scheduledAmpsEndHour: end! / 60, scheduledAmpsDaysBitmap: bitmap };
				if (data.flexStartEnabled !== undefined) patch.scheduledAmpsFlexStart = data.flexStartEnabled;
				if (data.flexBatterySize !== undefined) patch.scheduledAmpsBatterySize = data.flexBatterySize;
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
			return json(200, { offsetName: data.offsetName, offsetValue: toNumber(data.offsetValue), offsetUnit: data.offsetUnit });
		}),
	);
	router.post(
		"/api/deleteConsumptionOffset",
		body((data) => {
			const name = data.offsetName;
			if (typeof name !== "string") return json(400, { error: `offsetName must be a string (got ${show(name)})` });
			if (!(name in settings.current.consumptionOffset)) return json(404, { error: `no consumption offset named ${show(name)}` });
			const offsets = { ...settings.current.consumptionOffset };
			delete offsets[name];
			const result = settings.update({ consumptionOffset: offsets }, "api");
			return result.ok ? json(200, { status: "success" }) : json(400, { error: result.errors.join("; ") });
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
	router.post("/vehicle/groupMgmt", (request) => groupMgmt(request.body.trim().startsWith("{") ? (parseJsonObject(request) as Record<string, unknown>) : parseForm(request.body)));
	router.post("/api/v1/vehicleGroups", body(groupMgmt));

	// Native: every setting at once, validated as a whole.
	router.get("/api/v1/settings", () => json(200, settings.current));
	router.post(
		"/api/v1/settings",
		body((data) => {
			const result = settings.update(data, "api");
			if (!result.ok) return json(400, { errors: result.errors, warnings: result.warnings });
			controller.applyNow();
			return json(200, { changed: result.changed, warnings: result.warnings, settings: settings.current });
		}),
	);
}

function answer(result: PatchResult, okStatus: number, controller: ChargeController): HttpResponse {
	if (!result.ok) return json(400, { error: result.errors.join("; "), errors: result.errors });
	controller.applyNow();
	return okStatus === 204 ? { status: 204 } : json(okStatus, { status: "success", warnings: result.warnings });
}

/** Python's int(): whole numbers and numeric strings; fractions are cut. */
function toInt(value: unknown): number | undefined {
	const n = toNumber(value);
	return n === undefined ? undefined : Math.trunc(n);
}

function toNumber(value: unknown): number | undefined {
	const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
	return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

function show(value: unknown): string {
	return JSON.stringify(value) ?? String(value);
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
