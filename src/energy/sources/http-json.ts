/**
 * HTTPJSON (not a TWCManager system): any device or service that answers one HTTP GET with JSON.
 * Each value has a path into the answer ("Body.Data.Site.P_PV", "meters[0].power"), a scale to
 * watts (0.001 for mW, 1000 for kW) and an invert flag for a device that reports a value with the
 * other sign (e.g. a house load as negative). An optional header carries a token.
 *
 *   "HTTPJSON": { "enabled": true, "url": "http://192.168.1.30/api/now",
 *                 "headerName": "Authorization", "headerValue": "Bearer abc",
 *                 "generationPath": "pv.power", "generationScale": 1000,
 *                 "gridPath": "grid.power", "gridInvert": true }
 *
 * Physical signs after scale and invert: generation and consumption positive, grid + import,
 * battery + discharge; voltage in V, state of charge in %.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition, SourceReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";

const NAME = "HTTPJSON";

/** The values, their config key prefix and unit. */
const VALUES: readonly (readonly [prefix: string, key: keyof SourceReading, unit: string])[] = [
	["generation", "generationW", "W"],
	["consumption", "consumptionW", "W"],
	["grid", "gridW", "W"],
	["voltage", "voltageV", "V"],
	["battery", "batteryW", "W"],
	["soc", "socPercent", "%"],
];

export interface JsonValueSpec {
	prefix: string;
	key: keyof SourceReading;
	unit: string;
	path: string;
	scale: number;
	invert: boolean;
}

/** Reads the configured values out of an answer, naming the path of any value missing. */
export function readJsonValues(answer: unknown, specs: readonly JsonValueSpec[], reading: SourceReading): string | undefined {
	for (const spec of specs) {
		const raw = valueAt(answer, spec.path);
		const n = numberFrom(raw);
		if (n === undefined) return `${spec.prefix}Path "${spec.path}": ${raw === undefined ? "not in the answer" : `${JSON.stringify(raw)} is not a number`}`;
		const value = n * spec.scale * (spec.invert ? -1 : 1);
		if ((spec.key === "consumptionW" || spec.key === "generationW") && value < 0) {
			const hint = spec.key === "consumptionW" ? "a house load is positive" : "generation is positive";
			return `${spec.prefix} is ${value} ${spec.unit} at "${spec.path}": ${hint}; set ${spec.prefix}Invert to ${!spec.invert} if the device reports it with the other sign`;
		}
		reading[spec.key] = value;
	}
	return undefined;
}

export const httpJsonSource: SourceDefinition = {
	name: NAME,
	summary: "any JSON over HTTP: a path, scale and sign per value (generic)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const url = r.string("url");
		const headerName = r.string("headerName", "");
		const headerValue = r.string("headerValue", "");
		const intervalS = r.number("interval", 10, 1, 3600);
		const acceptSelfSigned = r.boolean("acceptSelfSigned", false);
		if (url !== "" && !/^https?:\/\/[^/]/i.test(url)) r.error ??= `sources.${NAME}.url: must start with http:// or https:// (got ${JSON.stringify(url)})`;
		if (headerValue !== "" && headerName === "") r.error ??= `sources.${NAME}.headerName: required when headerValue is set (e.g. "Authorization")`;
		if (headerName !== "" && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(headerName)) r.error ??= `sources.${NAME}.headerName: ${JSON.stringify(headerName)} is not a header name`;
		const specs: JsonValueSpec[] = [];
		for (const [prefix, key, unit] of VALUES) {
			const path = r.string(`${prefix}Path`, "");
			const scale = r.number(`${prefix}Scale`, 1);
			const invert = r.boolean(`${prefix}Invert`, false);
			if (scale === 0) r.error ??= `sources.${NAME}.${prefix}Scale: must not be 0`;
			if (path !== "") specs.push({ prefix, key, unit, path, scale, invert });
		}
		if (specs.length === 0) r.error ??= `sources.${NAME}.generationPath: required (set at least one of ${VALUES.map((v) => `${v[0]}Path`).join(", ")})`;
		if (r.error !== undefined) return r.error;
		const headers: Record<string, string> = { accept: "application/json" };
		if (headerName !== "") headers[headerName] = headerValue;
		return new HttpSource({
			name: NAME,
			intervalS,
			context,
			steps: () => [{ request: { method: "GET", url, headers, acceptSelfSigned } }],
			read: ([answer], reading) => readJsonValues(answer, specs, reading),
		});
	},
};
