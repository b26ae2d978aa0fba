/**
 * URL (reference §A.19): generic plain-text values, e.g. from a Node-RED flow. Each configured item
 * is `GET <url>/<item>` and answers a number in watts as text ("1234.5", or "1234.5 W"; the first
 * word is the number, as TWCManager reads it; a "kW" unit is honoured).
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { SectionReader } from "../source-values.js";
import { powerFromText } from "./http-values.js";

const NAME = "URL";

export const urlSource: SourceDefinition = {
	name: NAME,
	summary: "plain-text values from <url>/<item> (e.g. Node-RED)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const url = r.string("url").replace(/\/+$/, "");
		const consumption = r.string("consumptionItem", "");
		const generation = r.string("generationItem", "");
		if (url !== "" && !/^https?:\/\/[^/]/i.test(url)) r.error ??= `sources.${NAME}.url: must start with http:// or https:// (got ${JSON.stringify(url)})`;
		if (consumption === "" && generation === "") r.error ??= `sources.${NAME}.generationItem: required (set it, consumptionItem, or both)`;
		if (r.error !== undefined) return r.error;
		const items: { item: string; key: "consumptionW" | "generationW" }[] = [];
		if (consumption !== "") items.push({ item: consumption.replace(/^\/+/, ""), key: "consumptionW" });
		if (generation !== "") items.push({ item: generation.replace(/^\/+/, ""), key: "generationW" });
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => items.map((i) => ({ request: { method: "GET", url: `${url}/${i.item}` }, format: "text" })),
			read(answers, reading) {
				for (let i = 0; i < items.length; i++) {
					const power = powerFromText(answers[i] as string, `${url}/${items[i].item}`);
					if ("error" in power) return power.error;
					reading[items[i].key] = Math.abs(power.watts);
				}
				return undefined;
			},
		});
	},
};
