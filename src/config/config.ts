/**
 * TWCManager's sectioned config.json (reference twcmanager-core.md §8), read into a typed Config.
 * Keys keep TWCManager's names and meanings. Every problem is reported with the key's full name
 * ("config.wiringMaxAmpsAllTWCs: …"); sections and keys this build does not use yet are listed as
 * ignored, never silently dropped.
 */
import { parseTimeZone, type TimeZone } from "../charge/local-time.js";
import type { GreenConfig } from "../charge/green.js";
import { compilePolicies, type CompiledPolicies } from "../charge/policy.js";
import { KEY_SPECS, type KeySpec } from "./keys.js";

/** The settings the core uses, with defaults applied. Amps are whole amps. */
export interface Config {
	/** Total the circuit feeding all wall connectors may carry (80 % of the breaker). */
	wiringMaxAmpsAllTWCs: number;
	/** What the wiring to each single wall connector may carry. */
	wiringMaxAmpsPerTWC: number;
	minAmpsPerTWC: number;
	startStopDelay: number;
	defaultVoltage: number;
	numberOfPhases: number;
	/** Our ID on the bus (TWCManager: fixed 7777). */
	masterId: number;
	/** Seconds without a word from a slave before it is dropped (TWCManager: 26, §3.5). */
	slaveTimeout: number;
	/** Where settings.json lives (host); "" = the default. */
	settingsPath: string;
	/** Local time (config.timeZone, a POSIX TZ rule) and its text. */
	timeZone: TimeZone;
	timeZoneRule: string;
	/** Home location for sunrise and sunset; undefined = unknown (TWCManager's fixed 6 to 20 h). */
	latitude: number | undefined;
	longitude: number | undefined;
	minOnTime: number;
	minOffTime: number;
	rotationMinutes: number;
	useFlexAmpsToStartCharge: boolean;
	webhookMethod: "POST" | "GET";
	/** Track Green Energy (green.ts) and the readings' stale time. */
	green: GreenConfig & { staleSeconds: number };
	/** The policy list from the `policy` section (broken custom policies left out, reported in warnings). */
	policies: CompiledPolicies;
	rs485: { enabled: boolean; port: string | undefined; baud: number };
	http: { enabled: boolean; listenPort: number };
	/** The parsed document, kept for sections later code reads (policy, sources...). */
	document: Readonly<Record<string, unknown>>;
}

export interface ConfigResult {
	/** Undefined when there are errors. */
	config?: Config;
	errors: string[];
	/** Ignored sections and keys, values that were adjusted. */
	warnings: string[];
}

export interface ParseOptions {
	/** Refuse to start without explicit wiring limits (a real bus: §8 samples are not safe defaults). */
	requireWiringLimits?: boolean;
}

/** Sections the core reads now; anything else in the document is reported as ignored. */
const SUPPORTED_SECTIONS = new Set(["config", "interface", "control", "policy"]);
/** Sections checked by their own reader (policy.ts), not by the key table. */
const OWN_READER_SECTIONS = new Set(["policy"]);

/**
 * Reads the text of a config file: whole-line `#` and `//` comments and trailing commas are allowed
 * (TWCManager strips comments before parsing, §8). A syntax error names the line.
 */
export function parseConfigText(text: string, options: ParseOptions = {}): ConfigResult {
	const lines = text.split(/\r?\n/);
	const kept = lines.map((line) => (/^\s*(#|\/\/)/.test(line) ? "" : line));
	const json = kept.join("\n").replace(/,(\s*[}\]])/g, "$1");
	let document: unknown;
	try {
		document = JSON.parse(json);
	} catch (error) {
		return { errors: [`config file is not valid JSON: ${describeJsonError(error, json)}`], warnings: [] };
	}
	return parseConfig(document, options);
}

function describeJsonError(error: unknown, json: string): string {
	const message = error instanceof Error ? error.message : String(error);
	const match = /position (\d+)/.exec(message);
	if (!match) return message;
	const position = Number(match[1]);
	const before = json.slice(0, position);
	const line = before.split("\n").length;
	const column = position - before.lastIndexOf("\n");
	return `${message.replace(/ in JSON at position \d+.*$/, "")} at line ${line}, column ${column}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one value against its spec; returns the value to use or an error text. */
function checkValue(spec: KeySpec, value: unknown): { value?: unknown; error?: string } {
	const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
	switch (spec.type) {
		case "boolean":
			if (typeof value === "boolean") return { value };
			if (value === 0 || value === 1) return { value: value === 1 };
			return { error: `${spec.path}: must be true or false (got ${shown})` };
		case "string":
			if (typeof value === "string") return { value };
			return { error: `${spec.path}: must be a string (got ${shown})` };
		case "number":
		case "integer": {
			// TWCManager reads numbers from YAML and settings as strings too: accept numeric strings.
			const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
			const kind = spec.type === "integer" ? "a whole number" : "a number";
			const range = `from ${spec.min} to ${spec.max}`;
			if (typeof n !== "number" || !Number.isFinite(n)) return { error: `${spec.path}: must be ${kind} ${range} (got ${shown})` };
			if (spec.type === "integer" && !Number.isInteger(n)) return { error: `${spec.path}: must be ${kind} ${range} (got ${shown})` };
			if (n < spec.min! || n > spec.max!) return { error: `${spec.path}: must be ${kind} ${range} (got ${shown})` };
			return { value: n };
		}
	}
}

/** Validates a parsed config document and applies defaults. */
export function parseConfig(document: unknown, options: ParseOptions = {}): ConfigResult {
	const errors: string[] = [];
	const warnings: string[] = [];
	if (!isObject(document)) return { errors: ["config must be a JSON object with sections such as \"config\""], warnings };

	for (const section of Object.keys(document)) {
		if (!SUPPORTED_SECTIONS.has(section)) warnings.push(`${section}: section not supported yet, ignored`);
		else if (!isObject(document[section])) errors.push(`${section}: must be an object`);
	}

	const values = new Map<string, unknown>();
	const known = new Set<string>();
	for (const spec of KEY_SPECS) {
		known.add(spec.path);
		const raw = lookup(document, spec.path);
		if (raw === undefined || raw === null) {
			if (spec.required === "always" || (spec.required === "realBus" && options.requireWiringLimits)) {
				errors.push(`${spec.path}: required${spec.required === "realBus" ? " on a real bus (the wiring limit of your installation)" : ""}`);
			}
			values.set(spec.path, spec.default);
			continue;
		}
		const checked = checkValue(spec, raw);
		if (checked.error) errors.push(checked.error);
		else values.set(spec.path, checked.value);
	}
	reportUnknownKeys(document, known, warnings);

	const num = (path: string) => values.get(path) as number;
	const wiringAll = Math.floor(num("config.wiringMaxAmpsAllTWCs"));
	let wiringPer = Math.floor(num("config.wiringMaxAmpsPerTWC"));
	if (errors.length === 0 && wiringPer > wiringAll) {
		warnings.push(`config.wiringMaxAmpsPerTWC (${wiringPer}) is above config.wiringMaxAmpsAllTWCs (${wiringAll}): each wall connector is held to ${wiringAll}`);
		wiringPer = wiringAll;
	}
	for (const path of ["config.wiringMaxAmpsAllTWCs", "config.wiringMaxAmpsPerTWC"]) {
		const v = num(path);
		if (Number.isFinite(v) && !Number.isInteger(v)) warnings.push(`${path}: ${v} A rounded down to ${Math.floor(v)} A (whole amps only)`);
	}
	const zoneRule = values.get("config.timeZone") as string;
	const zone = parseTimeZone(zoneRule);
	if (!zone.zone) errors.push(`config.timeZone: ${zone.error} (e.g. "CET-1CEST,M3.5.0,M10.5.0/3"; default "UTC0")`);
	const latitude = values.get("config.latitude") as number | null;
	const longitude = values.get("config.longitude") as number | null;
	if ((latitude === null) !== (longitude === null)) warnings.push(`config.latitude and config.longitude: give both or neither; the location is ignored`);
	const method = String(values.get("config.webhookMethod")).toUpperCase();
	if (method !== "POST" && method !== "GET") errors.push(`config.webhookMethod: must be "POST" or "GET" (got "${values.get("config.webhookMethod")}")`);
	const startW = values.get("config.greenStartSurplusW") as number | null;
	const stopW = values.get("config.greenStopSurplusW") as number | null;
	if (startW !== null && stopW !== null && stopW > startW) errors.push(`config.greenStopSurplusW (${stopW} W) is above config.greenStartSurplusW (${startW} W): a car would start and stop at once`);
	const policies = compilePolicies(document.policy, document.config);
	for (const text of policies.errors) warnings.push(`policy error: ${text}`);
	for (const text of policies.warnings) warnings.push(text);
	if (errors.length > 0) return { errors, warnings };

	const portValue = values.get("interface.RS485.port") as string | undefined;
	const config: Config = {
		wiringMaxAmpsAllTWCs: wiringAll,
		wiringMaxAmpsPerTWC: wiringPer,
		minAmpsPerTWC: num("config.minAmpsPerTWC"),
		startStopDelay: num("config.startStopDelay"),
		defaultVoltage: num("config.defaultVoltage"),
		numberOfPhases: num("config.numberOfPhases"),
		masterId: num("config.masterId"),
		slaveTimeout: num("interface.RS485.slaveTimeout"),
		settingsPath: values.get("config.settingsPath") as string,
		timeZone: zone.zone!,
		timeZoneRule: zoneRule,
		latitude: latitude === null || longitude === null ? undefined : latitude,
		longitude: latitude === null || longitude === null ? undefined : longitude,
		minOnTime: num("config.minOnTime"),
		minOffTime: num("config.minOffTime"),
		rotationMinutes: num("config.rotationMinutes"),
		useFlexAmpsToStartCharge: values.get("config.useFlexAmpsToStartCharge") as boolean,
		webhookMethod: method as "POST" | "GET",
		green: {
			startSurplusW: (values.get("config.greenStartSurplusW") as number | null) ?? undefined,
			stopSurplusW: (values.get("config.greenStopSurplusW") as number | null) ?? undefined,
			startDelaySeconds: num("config.greenStartDelay"),
			stopDelaySeconds: num("config.greenStopDelay"),
			riseSeconds: num("config.greenRiseSeconds"),
			deficitWh: num("config.greenDeficitWh"),
			subtractChargerLoad: values.get("config.subtractChargerLoad") as boolean,
			treatGenerationAsGridDelivery: values.get("config.treatGenerationAsGridDelivery") as boolean,
			ampsOffset: num("config.greenEnergyAmpsOffset"),
			staleSeconds: num("config.greenStaleSeconds"),
		},
		policies,
		rs485: {
			enabled: values.get("interface.RS485.enabled") as boolean,
			port: portValue === "" ? undefined : portValue,
			baud: num("interface.RS485.baud"),
		},
		http: {
			enabled: values.get("control.HTTP.enabled") as boolean,
			listenPort: num("control.HTTP.listenPort"),
		},
		document,
	};
	if (config.rs485.baud !== 9600) warnings.push(`interface.RS485.baud: the wall connectors talk at 9600 baud; ${config.rs485.baud} will not link`);
	return { config, errors, warnings };
}

function lookup(document: Record<string, unknown>, path: string): unknown {
	let node: unknown = document;
	for (const part of path.split(".")) {
		if (!isObject(node)) return undefined;
		node = node[part];
	}
	return node;
}

/** Keys inside supported sections that no spec reads are reported, so a typo does not pass unnoticed. */
function reportUnknownKeys(document: Record<string, unknown>, known: Set<string>, warnings: string[]): void {
	const prefixes = new Set<string>();
	for (const path of known) {
		const parts = path.split(".");
		for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join("."));
	}
	const walk = (node: Record<string, unknown>, prefix: string) => {
		for (const key of Object.keys(node)) {
			const path = `${prefix}.${key}`;
			if (known.has(path)) continue;
			const child = node[key];
			if (prefixes.has(path) && isObject(child)) walk(child, path);
			else warnings.push(`${path}: not supported yet, ignored`);
		}
	};
	for (const section of SUPPORTED_SECTIONS) {
		if (OWN_READER_SECTIONS.has(section)) continue;
		const node = document[section];
		if (isObject(node)) walk(node, section);
	}
}
