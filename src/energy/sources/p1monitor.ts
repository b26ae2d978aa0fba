/**
 * P1 Monitor (ztatz.nl, reference §A.12), a reader of the grid meter's P1 port. TWCManager asks
 * `GET /api/v1/phase?limit=<samples>&json=object&round=on` and averages the last `samples` rows
 * (10 %-trimmed mean, as scipy's trim_mean). Where that path is not served, the same figures are
 * read from `/api/v1/smartmeter?limit=1&json=object` (CONSUMPTION_W / PRODUCTION_W) or
 * `/api/v1/status?json=object` (kW per phase). The meter sits at the grid connection: what it
 * delivers back counts as generation and what it draws as consumption (TWCManager's reading), and
 * their difference is the grid power (+ import). TWCManager takes the worst phase × the number of
 * phases as consumption; here the phases are added (the physical total).
 */
import type { SourceDefinition, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { AskingSource, type Answer } from "./asking-source.js";
import { deviceBase } from "./http-values.js";

const NAME = "P1Monitor";

/** scipy.stats.trim_mean(values, 0.1): the mean after cutting int(10 %) of the values at each end. */
export function trimmedMean(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const cut = Math.floor(sorted.length * 0.1);
	const kept = sorted.slice(cut, sorted.length - cut);
	return kept.reduce((a, b) => a + b, 0) / kept.length;
}

function noRows(what: string): { error: string } {
	return { error: `${what}: no rows in the answer (P1 Monitor has no meter data yet)` };
}

function reading(consumption: number, production: number, voltages: number[]): SourceReading {
	const r = emptyReading();
	r.consumptionW = consumption;
	r.generationW = production;
	r.gridW = consumption - production;
	const live = voltages.filter((v) => v > 0);
	r.voltageV = live.length > 0 ? live.reduce((a, b) => a + b, 0) / live.length : null;
	return r;
}

/** /api/v1/phase rows (json=object): trimmed means of each column over the rows. */
export function p1monitorPhase(answer: unknown): { reading: SourceReading } | { error: string } {
	const what = "/api/v1/phase";
	if (!Array.isArray(answer)) return { error: `${what}: the answer is not a list of rows` };
	if (answer.length === 0) return noRows(what);
	const column = (key: string): number | { error: string } => {
		const values: number[] = [];
		for (const row of answer) {
			const v = numberFrom(valueAt(row, key));
			if (v === undefined) return { error: `${what}: a row has no ${key}` };
			values.push(v);
		}
		return trimmedMean(values);
	};
	let consumption = 0;
	let production = 0;
	for (const phase of ["L1", "L2", "L3"]) {
		const c = column(`CONSUMPTION_${phase}_W`);
		const p = column(`PRODUCTION_${phase}_W`);
		if (typeof c !== "number") return c;
		if (typeof p !== "number") return p;
		consumption += c;
		production += p;
	}
	const voltages = ["L1_V", "L2_V", "L3_V"].map((k) => numberFrom(valueAt(answer[0], k)) ?? 0);
	return { reading: reading(consumption, production, voltages) };
}

/** /api/v1/smartmeter rows: the newest row's CONSUMPTION_W and PRODUCTION_W. */
export function p1monitorSmartmeter(answer: unknown): { reading: SourceReading } | { error: string } {
	const what = "/api/v1/smartmeter";
	if (!Array.isArray(answer)) return { error: `${what}: the answer is not a list of rows` };
	if (answer.length === 0) return noRows(what);
	const consumption = numberFrom(valueAt(answer[0], "CONSUMPTION_W"));
	const production = numberFrom(valueAt(answer[0], "PRODUCTION_W"));
	if (consumption === undefined || production === undefined) return { error: `${what}: the row has no CONSUMPTION_W and PRODUCTION_W` };
	return { reading: reading(consumption, production, []) };
}

/** /api/v1/status: status ids 74–76 draw per phase, 77–79 delivery, in kW as text; 103–105 volts. */
export function p1monitorStatus(answer: unknown): { reading: SourceReading } | { error: string } {
	const what = "/api/v1/status";
	if (!Array.isArray(answer)) return { error: `${what}: the answer is not a list of status values` };
	if (answer.length === 0) return noRows(what);
	const status = (id: number): number | undefined => {
		for (const row of answer) if (numberFrom(valueAt(row, "STATUS_ID")) === id) return numberFrom(valueAt(row, "STATUS"));
		return undefined;
	};
	const sum = (ids: number[]): number | undefined => {
		let total = 0;
		for (const id of ids) {
			const v = status(id);
			if (v === undefined) return undefined;
			total += v;
		}
		return total;
	};
	const consumptionKW = sum([74, 75, 76]);
	const productionKW = sum([77, 78, 79]);
	if (consumptionKW === undefined || productionKW === undefined) return { error: `${what}: the phase powers (status 74 to 79) are missing` };
	const voltages = [103, 104, 105].map((id) => status(id) ?? 0);
	return { reading: reading(consumptionKW * 1000, productionKW * 1000, voltages) };
}

export const p1monitorSource: SourceDefinition = {
	name: NAME,
	summary: "P1 Monitor (ztatz.nl) grid meter reader: /api/v1/phase averaged over samples",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		// TWCManager has no port key here; serverPort is read when given.
		const base = deviceBase(r, NAME, false, undefined);
		const samples = r.number("samples", 1, 1, 10);
		if (r.error !== undefined) return r.error;
		if (!Number.isInteger(samples)) return `sources.${NAME}.samples: must be a whole number from 1 to 10 (got ${samples})`;
		const paths = [`/api/v1/phase?limit=${samples}&json=object&round=on`, "/api/v1/smartmeter?limit=1&json=object", "/api/v1/status?json=object"];
		const readers = [p1monitorPhase, p1monitorSmartmeter, p1monitorStatus];
		/** The path that answered last (the next poll starts there). */
		let served = 0;
		return new AskingSource(NAME, 10, context, (ask, finish) => {
			const errors: string[] = [];
			const tryPath = (i: number, tried: number): void => {
				ask({ method: "GET", url: base + paths[i] }, (answer: Answer) => {
					if (answer.error !== undefined) {
						errors.push(answer.error);
						if (answer.notServed && tried + 1 < paths.length) return tryPath((i + 1) % paths.length, tried + 1);
						return finish(errors.join("; "), emptyReading());
					}
					served = i;
					const parsed = readers[i](answer.json);
					return "error" in parsed ? finish(parsed.error, emptyReading()) : finish(undefined, parsed.reading);
				});
			};
			tryPath(served, 0);
		});
	},
};
