/**
 * IoTaWatt (reference §A.7): `GET http://<serverIP>/status?outputs` lists the configured outputs
 * as `{"outputs":[{"name","units","value"}]}`; the outputs named by `outputConsumption` and
 * `outputGeneration` are read, in watts. TWCManager fetches the list once per output; here once
 * per poll. Only outputs work (not inputs), and only outputs whose units are Watts.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { deviceBase } from "./http-values.js";

const NAME = "IotaWatt";

/** The value in W of the output named `name`, or why there is none. */
export function iotawattOutput(answer: unknown, name: string): { watts: number } | { error: string } {
	const outputs = valueAt(answer, "outputs");
	if (!Array.isArray(outputs)) return { error: `the answer has no "outputs" list (is this an IoTaWatt?)` };
	const names: string[] = [];
	for (const output of outputs) {
		const outputName = valueAt(output, "name");
		if (typeof outputName === "string") names.push(outputName);
		if (outputName !== name) continue;
		const units = valueAt(output, "units");
		if (units !== undefined && units !== "Watts") return { error: `output "${name}" is in ${JSON.stringify(units)}; an output in Watts is needed` };
		const value = numberFrom(valueAt(output, "value"));
		if (value === undefined) return { error: `output "${name}" has no numeric value` };
		return { watts: Math.abs(value) };
	}
	return { error: `no output named "${name}" (the IoTaWatt has: ${names.length ? names.map((n) => `"${n}"`).join(", ") : "none"}; inputs cannot be used, only outputs)` };
}

export const iotawattSource: SourceDefinition = {
	name: NAME,
	summary: "IoTaWatt outputs over HTTP (/status?outputs)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const base = deviceBase(r, NAME, false, undefined);
		const consumption = r.string("outputConsumption", "");
		const generation = r.string("outputGeneration", "");
		if (consumption === "" && generation === "") r.error ??= `sources.${NAME}.outputGeneration: required (set it, outputConsumption, or both)`;
		if (r.error !== undefined) return r.error;
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => [{ request: { method: "GET", url: `${base}/status?outputs`, headers: { "content-type": "application/json" } } }],
			read([answer], reading) {
				for (const [output, key] of [[consumption, "consumptionW"], [generation, "generationW"]] as const) {
					if (output === "") continue;
					const power = iotawattOutput(answer, output);
					if ("error" in power) return power.error;
					reading[key] = power.watts;
				}
				return undefined;
			},
		});
	},
};
