/**
 * Solar-Log (reference §A.16): `POST http://<serverIP>/getjp` with `{"801":{"170":null,"175":null}}`;
 * `801.170.101` is the generation (Pac) and `801.170.110` the consumption, in W. Devices listed in
 * `excludeConsumptionInverters` (e.g. a heater running on surplus) are subtracted from consumption
 * while active, from a second request `{"782":null}` (each device's power). As in TWCManager, the
 * device at list position i is inactive when its index is > 0 and `801.175.<i>.101` is 0.
 */
import { HttpSource, type HttpStep } from "../http-source.js";
import type { SourceDefinition, SourceReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { deviceBase } from "./http-values.js";

const NAME = "SolarLog";

/** Fills the reading from the 801 answer (and the 782 answer when devices are excluded). */
export function solarlogReading(basic: unknown, devices: unknown, exclude: readonly number[], reading: SourceReading): string | undefined {
	const consumption = numberFrom(valueAt(basic, "801.170.110"));
	const generation = numberFrom(valueAt(basic, "801.170.101"));
	if (consumption === undefined || generation === undefined) return `the answer has no 801.170.110 (consumption) or 801.170.101 (generation): is this a Solar-Log, and its JSON interface open?`;
	let excluded = 0;
	for (let i = 0; i < exclude.length; i++) {
		const index = exclude[i];
		const state = numberFrom(valueAt(basic, `801.175.${i}.101`));
		if (index > 0 && state !== undefined && Math.trunc(state) === 0) continue; // switched off
		const power = numberFrom(valueAt(devices, `782.${index}`));
		if (power === undefined) return `device ${index} of excludeConsumptionInverters has no power in the answer (782.${index})`;
		excluded += power;
	}
	reading.generationW = Math.abs(generation);
	reading.consumptionW = Math.max(Math.abs(consumption) - excluded, 0);
	return undefined;
}

export const solarlogSource: SourceDefinition = {
	name: NAME,
	summary: "Solar-Log over its JSON interface (POST /getjp)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const base = deviceBase(r, NAME, false, undefined);
		const exclude: number[] = [];
		for (const text of r.strings("excludeConsumptionInverters")) {
			const n = Number(text);
			if (!Number.isInteger(n) || n < 0) r.error ??= `sources.${NAME}.excludeConsumptionInverters: ${JSON.stringify(text)} is not a device index (0, 1, 2...)`;
			else exclude.push(n);
		}
		if (r.error !== undefined) return r.error;
		const headers = { "content-type": "application/json" };
		const steps: HttpStep[] = [{ request: { method: "POST", url: `${base}/getjp`, headers, body: '{"801":{"170":null,"175":null}}' } }];
		if (exclude.length > 0) steps.push({ request: { method: "POST", url: `${base}/getjp`, headers, body: '{"782":null}' } });
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => steps,
			read: ([basic, devices], reading) => solarlogReading(basic, devices, exclude, reading),
		});
	},
};
