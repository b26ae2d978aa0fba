/**
 * Efergy Engage cloud (reference §A.2): `GET https://engage.efergy.com/mobile_proxy/getCurrentValuesSummary?token=<token>`,
 * a list of sensors; the first sensor's first value is the house consumption in W (TWCManager reads
 * only that one). When the summary is not served, `getInstant` (`reading`) is asked instead.
 * Efergy gives no generation. `serverIP`/`serverPort` (not TWCManager keys) point it at a local
 * proxy or a test server instead of the cloud.
 */
import type { SourceDefinition, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { AskingSource } from "./asking-source.js";
import { deviceBase } from "./http-values.js";

const NAME = "Efergy";
const CLOUD = "https://engage.efergy.com";

/** Efergy's error answers: `{"error": {"desc", "more"}}` or `{"status": "error", "description"}`. */
function efergyError(answer: unknown): string | undefined {
	if (valueAt(answer, "status") === "error") return `Efergy says: ${String(valueAt(answer, "description") ?? "error")}`;
	const error = valueAt(answer, "error");
	if (error !== undefined && error !== null) {
		const more = valueAt(error, "more") ?? valueAt(error, "desc") ?? JSON.stringify(error);
		return `Efergy says: ${String(more)}`;
	}
	return undefined;
}

/** The consumption of a getCurrentValuesSummary answer. */
export function efergySummary(answer: unknown): { reading: SourceReading } | { error: string } {
	const refused = efergyError(answer);
	if (refused !== undefined) return { error: refused };
	if (!Array.isArray(answer)) return { error: "getCurrentValuesSummary: the answer is not a list of sensors" };
	if (answer.length === 0) return { error: "getCurrentValuesSummary: no sensor in the answer (is the sensor paired with the hub?)" };
	const data = valueAt(answer[0], "data[0]");
	if (data === null || typeof data !== "object") return { error: "getCurrentValuesSummary: the first sensor has no data" };
	const values = Object.values(data as Record<string, unknown>);
	const watts = values.length > 0 ? numberFrom(values[0]) : undefined;
	if (watts === undefined) return { error: `getCurrentValuesSummary: the first sensor's value ${JSON.stringify(values[0])} is not a number` };
	const reading = emptyReading();
	reading.consumptionW = watts;
	return { reading };
}

/** The consumption of a getInstant answer. */
export function efergyInstant(answer: unknown): { reading: SourceReading } | { error: string } {
	const refused = efergyError(answer);
	if (refused !== undefined) return { error: refused };
	const watts = numberFrom(valueAt(answer, "reading"));
	if (watts === undefined) return { error: "getInstant: the answer has no reading" };
	const reading = emptyReading();
	reading.consumptionW = watts;
	return { reading };
}

export const efergySource: SourceDefinition = {
	name: NAME,
	summary: "Efergy Engage cloud (getCurrentValuesSummary with the account token): house consumption",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const token = r.string("token");
		const base = section.serverIP !== undefined && section.serverIP !== "" ? deviceBase(r, NAME, false, 80) : CLOUD;
		if (r.error !== undefined) return r.error;
		const query = `?token=${encodeURIComponent(token)}`;
		const hide = (text: string) => text.split(query).join("?token=<token>");
		return new AskingSource(NAME, 10, context, (ask, finish) =>
			ask({ method: "GET", url: `${base}/mobile_proxy/getCurrentValuesSummary${query}` }, (summary) => {
				if (summary.error === undefined) {
					const parsed = efergySummary(summary.json);
					return "error" in parsed ? finish(hide(parsed.error), emptyReading()) : finish(undefined, parsed.reading);
				}
				if (!summary.notServed) return finish(hide(summary.error), emptyReading());
				ask({ method: "GET", url: `${base}/mobile_proxy/getInstant${query}` }, (instant) => {
					if (instant.error !== undefined) return finish(hide(`${summary.error}; ${instant.error}`), emptyReading());
					const parsed = efergyInstant(instant.json);
					return "error" in parsed ? finish(hide(parsed.error), emptyReading()) : finish(undefined, parsed.reading);
				});
			}),
		);
	},
};
