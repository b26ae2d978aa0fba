/**
 * Volkszähler (reference §A.20): two channels of the middleware, each
 * `GET /api/data.txt?from=now&uuid=<uuid>`, answered as text such as "-5520.8 W": the photovoltaic
 * channel (positive) and the grid channel (+ import, − export). Generation = max(PV, 0), house
 * consumption = max(PV + grid, 0), grid = the grid channel.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { SectionReader } from "../source-values.js";
import { deviceBase } from "./http-values.js";

const NAME = "Volkszahler";

/** Watts from a data.txt answer ("-5520.8 W"), or why there are none. */
export function volkszahlerWatts(text: string, channel: string): { watts: number } | { error: string } {
	const body = text.trim();
	if (body.startsWith("<") || body.startsWith("{")) return { error: `channel ${channel}: the answer is not data.txt's "<value> W" (wrong address or uuid?)` };
	const match = /^(.+) W$/.exec(body);
	if (match === null) return { error: `channel ${channel}: ${JSON.stringify(body.slice(0, 40))} is not "<value> W" (is it a power channel?)` };
	const watts = Number(match[1]);
	if (!Number.isFinite(watts)) return { error: `channel ${channel}: ${JSON.stringify(match[1])} is not a number` };
	return { watts };
}

export const volkszahlerSource: SourceDefinition = {
	name: NAME,
	summary: "Volkszähler middleware channels (/api/data.txt, PV and grid)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const base = deviceBase(r, NAME, false, 80);
		const pv = r.string("uuidPhotovoltaikW");
		const grid = r.string("uuidTotalGridW");
		if (r.error !== undefined) return r.error;
		const url = (uuid: string) => `${base}/api/data.txt?from=now&uuid=${encodeURIComponent(uuid)}`;
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => [pv, grid].map((uuid) => ({ request: { method: "GET", url: url(uuid), headers: { "content-type": "text/plain" } }, format: "text" })),
			read([pvText, gridText], reading) {
				const pvW = volkszahlerWatts(pvText as string, pv);
				if ("error" in pvW) return pvW.error;
				const gridW = volkszahlerWatts(gridText as string, grid);
				if ("error" in gridW) return gridW.error;
				reading.generationW = Math.max(pvW.watts, 0);
				reading.consumptionW = Math.max(pvW.watts + gridW.watts, 0);
				reading.gridW = gridW.watts;
				return undefined;
			},
		});
	},
};
