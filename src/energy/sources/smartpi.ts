/**
 * SmartPi (reference §A.14): `GET http://<serverIP>:<serverPort>/api/all/power/now`, the power of
 * each phase at the grid connection (datasets[0].phases[].values[0].data). Phases feeding the grid
 * (negative) add up to generation, phases drawing from it (positive) to consumption, as TWCManager
 * adds them (phases are not netted against each other); the grid power is their net sum (+ import).
 * `showConsumption: false` leaves the consumption out (TWCManager's reason: this meter also sees
 * the charger, and the car's own draw fed back makes the charge rate swing, its issue #253).
 */
import type { SourceDefinition, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { AskingSource } from "./asking-source.js";
import { deviceBase, powerUnitFactor } from "./http-values.js";

const NAME = "SmartPi";
export const SMARTPI_PATH = "/api/all/power/now";

export function smartpiPower(answer: unknown, showConsumption: boolean): { reading: SourceReading } | { error: string } {
	const phases = valueAt(answer, "datasets[0].phases");
	if (!Array.isArray(phases) || phases.length === 0) return { error: `${SMARTPI_PATH}: the answer has no datasets[0].phases (is this a SmartPi?)` };
	let generation = 0;
	let consumption = 0;
	for (const phase of phases) {
		const value = numberFrom(valueAt(phase, "values[0].data"));
		const unit = valueAt(phase, "values[0].unity");
		const factor = powerUnitFactor(typeof unit === "string" ? unit : "");
		if (value === undefined) return { error: `${SMARTPI_PATH}: ${String(valueAt(phase, "name") ?? "a phase")} has no power value` };
		if (factor === undefined) return { error: `${SMARTPI_PATH}: ${String(valueAt(phase, "name") ?? "a phase")} is in ${JSON.stringify(unit)}, not W` };
		const watts = value * factor;
		if (watts < 0) generation -= watts;
		else consumption += watts;
	}
	const reading = emptyReading();
	reading.generationW = generation;
	reading.consumptionW = showConsumption ? consumption : null;
	reading.gridW = consumption - generation;
	return { reading };
}

export const smartpiSource: SourceDefinition = {
	name: NAME,
	summary: "SmartPi grid meter (/api/all/power/now): export per phase as generation, import as consumption",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const base = deviceBase(r, NAME, false, 80);
		const showConsumption = r.boolean("showConsumption", true);
		if (r.error !== undefined) return r.error;
		return new AskingSource(NAME, 10, context, (ask, finish) =>
			ask({ method: "GET", url: base + SMARTPI_PATH, headers: { "content-type": "application/json" } }, (answer) => {
				if (answer.error !== undefined) return finish(answer.error, emptyReading());
				const parsed = smartpiPower(answer.json, showConsumption);
				return "error" in parsed ? finish(parsed.error, emptyReading()) : finish(undefined, parsed.reading);
			}),
		);
	},
};
