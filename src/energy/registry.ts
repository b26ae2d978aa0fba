/**
 * Every energy source this controller reads, by its TWCManager config section name (reference
 * §0.1: `EMS.X` → `sources.X`), like evcc's driver registry: one file per system under sources/,
 * one line here. `createSources` builds the enabled ones from a config document's `sources`.
 */
import type { EnergySource, SourceContext, SourceDefinition } from "./source.js";
import { dsmrSource } from "./sources/dsmr.js";
import { dsmrReaderSource } from "./sources/dsmr-reader.js";
import { efergySource } from "./sources/efergy.js";
import { emoncmsSource } from "./sources/emoncms.js";
import { enphaseSource } from "./sources/enphase.js";
import { froniusSource } from "./sources/fronius.js";
import { growattSource } from "./sources/growatt.js";
import { hassSource } from "./sources/hass.js";
import { httpJsonSource } from "./sources/http-json.js";
import { iotawattSource } from "./sources/iotawatt.js";
import { kostalSource } from "./sources/kostal.js";
import { modbusTcpSource } from "./sources/modbus-tcp.js";
import { mqttSource } from "./sources/mqtt.js";
import { openhabSource } from "./sources/openhab.js";
import { openweathermapSource } from "./sources/openweathermap.js";
import { p1monitorSource } from "./sources/p1monitor.js";
import { powerwall2Source } from "./sources/powerwall2.js";
import { smartmeSource } from "./sources/smartme.js";
import { smartpiSource } from "./sources/smartpi.js";
import { solaredgeSource } from "./sources/solaredge.js";
import { solarlogSource } from "./sources/solarlog.js";
import { tedSource } from "./sources/ted.js";
import { urlSource } from "./sources/url.js";
import { volkszahlerSource } from "./sources/volkszahler.js";

/** Sorted by name; each entry is a module of sources/. */
const DEFINITIONS: readonly SourceDefinition[] = [
	dsmrSource,
	dsmrReaderSource,
	efergySource,
	emoncmsSource,
	enphaseSource,
	froniusSource,
	growattSource,
	hassSource,
	httpJsonSource,
	iotawattSource,
	kostalSource,
	modbusTcpSource,
	mqttSource,
	openhabSource,
	openweathermapSource,
	p1monitorSource,
	powerwall2Source,
	smartmeSource,
	smartpiSource,
	solaredgeSource,
	solarlogSource,
	tedSource,
	urlSource,
	volkszahlerSource,
];

/** The definition for a section name (exact, as TWCManager matches it), if there is one. */
export function sourceDefinition(name: string, definitions: readonly SourceDefinition[] = DEFINITIONS): SourceDefinition | undefined {
	for (const definition of definitions) if (definition.name === name) return definition;
	return undefined;
}

/** Every known section name. */
export function sourceNames(definitions: readonly SourceDefinition[] = DEFINITIONS): string[] {
	return definitions.map((d) => d.name);
}

export interface CreatedSources {
	sources: EnergySource[];
	/** Config errors, each naming the key (`sources.Fronius.serverIP: required`). */
	errors: string[];
	/** Sections not known, disabled ones skipped. */
	warnings: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The enabled sources of a `sources` section. TWCManager skips a section whose `enabled` is false
 * and loads the others; here a section must say `"enabled": true` (a sample config lists every
 * system disabled), as TWCManager's modules check it themselves.
 */
export function createSources(section: unknown, context: SourceContext | undefined, definitions: readonly SourceDefinition[] = DEFINITIONS): CreatedSources {
	const result: CreatedSources = { sources: [], errors: [], warnings: [] };
	if (section === undefined || section === null) return result;
	if (!isObject(section)) {
		result.errors.push("sources: must be an object with one section per energy system");
		return result;
	}
	for (const name of Object.keys(section)) {
		const body = section[name];
		const definition = sourceDefinition(name, definitions);
		if (!definition) {
			result.warnings.push(`sources.${name}: unknown energy system (known: ${sourceNames(definitions).join(", ") || "none"}), ignored`);
			continue;
		}
		if (!isObject(body)) {
			result.errors.push(`sources.${name}: must be an object`);
			continue;
		}
		const enabled = body.enabled;
		if (enabled !== true && enabled !== "true") continue;
		if (context === undefined) continue; // checking the config only
		const created = definition.create(body, context);
		if (typeof created === "string") result.errors.push(created);
		else result.sources.push(created);
	}
	return result;
}
