/**
 * Home Assistant as a source (reference §A.6): the state of one or two sensor entities over HA's
 * REST API, `GET /api/states/<entity_id>` with a long-lived access token. A state of "unavailable"
 * or "unknown" (the sensor's device is offline) is refused with that reason; a sensor in kW is
 * read as kW. TWCManager takes the numbers as they are and its core turns a negative generation
 * positive and clamps a negative consumption away; here both are reported by their size.
 */
import { HttpSource, type HttpStep } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { deviceBase, powerUnitFactor } from "./http-values.js";

const NAME = "HASS";

/** Watts from an HA state object, or the reason it holds none. */
export function hassPower(answer: unknown, entity: string): { watts: number } | { error: string } {
	const state = valueAt(answer, "state");
	if (state === undefined) return { error: `${entity}: the answer has no "state" (is this a Home Assistant state object?)` };
	if (state === "unavailable" || state === "unknown") return { error: `${entity} is ${state} in Home Assistant (its device is offline or has not reported yet)` };
	const value = numberFrom(state);
	if (value === undefined) return { error: `${entity}: state ${JSON.stringify(state)} is not a number` };
	const unit = valueAt(answer, "attributes.unit_of_measurement");
	const factor = powerUnitFactor(typeof unit === "string" ? unit : "");
	if (factor === undefined) return { error: `${entity} is in ${JSON.stringify(unit)}; a power sensor in W or kW is needed` };
	return { watts: Math.abs(value * factor) };
}

export const hassSource: SourceDefinition = {
	name: NAME,
	summary: "Home Assistant sensors over its REST API (/api/states/<entity>, long-lived token)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const https = r.boolean("useHttps", false);
		const base = deviceBase(r, NAME, https, 8123);
		const apiKey = r.string("apiKey", "");
		const consumption = r.string("hassEntityConsumption", "");
		const generation = r.string("hassEntityGeneration", "");
		if (consumption === "" && generation === "") r.error ??= `sources.${NAME}.hassEntityGeneration: required (set it, hassEntityConsumption, or both)`;
		if (r.error !== undefined) return r.error;
		const headers: Record<string, string> = { "content-type": "application/json" };
		if (apiKey !== "") headers.Authorization = `Bearer ${apiKey}`;
		const entities: { entity: string; key: "consumptionW" | "generationW" }[] = [];
		if (consumption !== "") entities.push({ entity: consumption, key: "consumptionW" });
		if (generation !== "") entities.push({ entity: generation, key: "generationW" });
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: (): HttpStep[] => entities.map((e) => ({ request: { method: "GET", url: `${base}/api/states/${e.entity}`, headers } })),
			read(answers, reading) {
				for (let i = 0; i < entities.length; i++) {
					const power = hassPower(answers[i], entities[i].entity);
					if ("error" in power) return power.error;
					reading[entities[i].key] = power.watts;
				}
				return undefined;
			},
		});
	},
};
