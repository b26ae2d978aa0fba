/**
 * `sources.SolarEdge` (reference §A.15): local Modbus TCP when `inverterHost` is set (as TWCManager
 * decides), else the monitoring cloud with `apiKey` and `siteID`.
 */
import type { SourceDefinition } from "../source.js";
import { SectionReader } from "../source-values.js";
import { createSolarEdgeCloud } from "./solaredge-cloud.js";
import { createSolarEdgeModbus } from "./solaredge-modbus.js";

const NAME = "SolarEdge";

export const solaredgeSource: SourceDefinition = {
	name: NAME,
	summary: "SolarEdge: local Modbus TCP (inverterHost) or the monitoring cloud (apiKey, siteID; 300 requests a day)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const host = r.string("inverterHost", "");
		if (host !== "") return createSolarEdgeModbus(section, context);
		if (section.apiKey === undefined && section.siteID === undefined) return `sources.${NAME}: set apiKey and siteID (monitoring cloud) or inverterHost (local Modbus TCP)`;
		return createSolarEdgeCloud(r, section, context);
	},
};
