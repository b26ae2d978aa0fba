/**
 * openHAB (reference §A.10), config section `sources.openHAB`: the state of one or two items over
 * the REST API, `GET /rest/items/<item>/state`, answered in plain text ("1234.5" or, for a
 * `Number:Power` item, "1234.5 W" or "1.2 kW"). TWCManager takes the first word as watts; here a
 * kW unit is honoured and a non-power unit (kWh) or an uninitialised item (NULL, UNDEF) is refused.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { SectionReader } from "../source-values.js";
import { deviceBase, powerFromText } from "./http-values.js";

const NAME = "openHAB";

export const openhabSource: SourceDefinition = {
	name: NAME,
	summary: "openHAB items over its REST API (/rest/items/<item>/state, plain text)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const base = deviceBase(r, NAME, false, 8080);
		const consumption = r.string("consumptionItem", "");
		const generation = r.string("generationItem", "");
		if (consumption === "" && generation === "") r.error ??= `sources.${NAME}.generationItem: required (set it, consumptionItem, or both)`;
		if (r.error !== undefined) return r.error;
		const items: { item: string; key: "consumptionW" | "generationW" }[] = [];
		if (consumption !== "") items.push({ item: consumption, key: "consumptionW" });
		if (generation !== "") items.push({ item: generation, key: "generationW" });
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => items.map((i) => ({ request: { method: "GET", url: `${base}/rest/items/${encodeURIComponent(i.item)}/state` }, format: "text" })),
			read(answers, reading) {
				for (let i = 0; i < items.length; i++) {
					const power = powerFromText(answers[i] as string, `item ${items[i].item}`);
					if ("error" in power) return power.error;
					reading[items[i].key] = Math.abs(power.watts);
				}
				return undefined;
			},
		});
	},
};
