/**
 * TWCManager's sectioned config.json (reference twcmanager-core.md §8), read into a typed Config.
 * Keys keep TWCManager's names and meanings. Every problem is reported with the key's full name
 * ("config.wiringMaxAmpsAllTWCs: …"); sections and keys this build does not use yet are listed as
 * ignored, never silently dropped.
 */
import { parseTimeZone, type TimeZone } from "../charge/local-time.js";
import type { GreenConfig } from "../charge/green.js";
import { compilePolicies, type CompiledPolicies } from "../charge/policy.js";
import { createSources } from "../energy/registry.js";
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
	/** TWCManager's Dummy interface: simulated units instead of a bus (it comes first when both are enabled). */
	dummy: { enabled: boolean };
	rs485: { enabled: boolean; port: string | undefined; baud: number };
	http: { enabled: boolean; listenPort: number };
	/** TWCManager's control.MQTT and status.MQTT (src/mqtt). */
	mqtt: { control: MqttControlConfig; status: MqttStatusConfig };
	/** The parsed document, kept for sections later code reads (policy, sources...). */
	document: Readonly<Record<string, unknown>>;
}

/** One MQTT connection as TWCManager's sections give it. */
export interface MqttBrokerConfig {
	enabled: boolean;
	host: string;
	port: number;
	/** Sent only when not empty. */
	username: string;
	password: string;
	/** Without a trailing "/": "TWC". */
	topicPrefix: string;
}

export type MqttControlConfig = MqttBrokerConfig;

export interface MqttStatusConfig extends MqttBrokerConfig {
	/** Seconds between two publishes of one topic; 0 = none. */
	ratelimit: number;
	homeassistantDiscovery: boolean;
	discoveryPrefix: string;
	deviceNamePrefix: string;
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
const SUPPORTED_SECTIONS = new Set(["config", "interface", "control", "policy", "sources", "status"]);
/** Sections checked by their own reader (policy.ts, energy/registry.ts), not by the key table. */
const OWN_READER_SECTIONS = new Set(["policy", "sources"]);

/**
 * Reads the text of a config file as TWCManager does (§8): `#` comments (whole lines, or after a
 * value on the same line), whole-line `//` comments, trailing commas and a UTF-8 BOM are allowed.
 * Unlike TWCManager, a `#` inside a string (a URL fragment, a password) is kept. A key given twice
 * in one object is reported (JSON.parse would silently keep the last): an error for a key that
 * limits current, a warning otherwise. A syntax error names the line and column.
 */
export function parseConfigText(text: string, options: ParseOptions = {}): ConfigResult {
	const parsed = parseLenientJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
	if (parsed.error !== undefined) return { errors: [`config file is not valid JSON: ${parsed.error}`], warnings: [] };
	const duplicateErrors: string[] = [];
	const duplicateWarnings: string[] = [];
	const limits = currentLimitKeys();
	for (const duplicate of parsed.duplicates) {
		const problem = judgeDuplicate(duplicate, limits);
		(problem.error ? duplicateErrors : duplicateWarnings).push(problem.text);
	}
	const result = parseConfig(parsed.value, options);
	const errors = [...duplicateErrors, ...result.errors];
	const warnings = [...duplicateWarnings, ...result.warnings];
	return errors.length > 0 ? { errors, warnings } : { config: result.config, errors, warnings };
}

interface Duplicate {
	/** Full key name, e.g. "config.wiringMaxAmpsPerTWC". */
	path: string;
	first: unknown;
	second: unknown;
}

/** Keys that limit current, with the reason a duplicate is an error; built per call (XS: no module-level mutable objects). */
function currentLimitKeys(): Map<string, string> {
	const limits = new Map<string, string>();
	for (const spec of KEY_SPECS) {
		if (spec.limitsCurrent === "wiring") limits.set(spec.path, "a wiring limit must be given once");
		else if (spec.limitsCurrent) limits.set(spec.path, "a current limit must be given once");
	}
	// TWCManager's grid limit: not used by this build yet, but a duplicate of it is as dangerous.
	limits.set("config.maxAmpsAllowedFromGrid", "a current limit must be given once");
	return limits;
}

function judgeDuplicate(duplicate: Duplicate, limits: Map<string, string>): { error: boolean; text: string } {
	const { path, first, second } = duplicate;
	const shown = `(${showValue(path, first)}, then ${showValue(path, second)})`;
	const reason = limits.get(path);
	if (reason) return { error: true, text: `${path} is given twice ${shown}: ${reason}` };
	// A whole section given twice: the second replaces the first, with every limit the first sets.
	const lost: string[] = [];
	for (const limit of limits.keys()) {
		if (limit.startsWith(path + ".") && lookupIn(first, limit.slice(path.length + 1)) !== undefined) lost.push(limit);
	}
	if (lost.length > 0) {
		return { error: true, text: `${path} is given twice: the second replaces the first, which sets ${lost.join(", ")}; merge them into one (a wiring or current limit must be given once)` };
	}
	return { error: false, text: `${path} is given twice ${shown}: the last is used` };
}

/** A value for a message; secrets are not repeated into the log. */
function showValue(path: string, value: unknown): string {
	if (/(password|secret|apikey|token)$/i.test(path)) return "…";
	if (Array.isArray(value)) return "[…]";
	if (typeof value === "object" && value !== null) return "{…}";
	return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function lookupIn(node: unknown, dotted: string): unknown {
	for (const part of dotted.split(".")) {
		if (!isObject(node)) return undefined;
		node = node[part];
	}
	return node;
}

/**
 * JSON with `#` and `//` comments outside strings and trailing commas, keeping every duplicated
 * key (JSON.parse cannot). Returns the value (the last of duplicates wins, as JSON.parse and
 * TWCManager's YAML reader do) or an error naming the line and column.
 */
function parseLenientJson(text: string): { value?: unknown; error?: string; duplicates: Duplicate[] } {
	const duplicates: Duplicate[] = [];
	let pos = 0;

	const where = (at: number): string => {
		const before = text.slice(0, at);
		const line = before.split("\n").length;
		return `line ${line}, column ${at - before.lastIndexOf("\n")}`;
	};
	const found = (): string => (pos >= text.length ? "the end of the file" : JSON.stringify(text[pos]));
	const fail = (what: string, at = pos): never => {
		throw new SyntaxError(`${what} at ${where(at)}`);
	};
	const skipBlank = (): void => {
		while (pos < text.length) {
			const c = text[pos];
			if (c === " " || c === "\t" || c === "\n" || c === "\r") pos++;
			else if (c === "#" || (c === "/" && text[pos + 1] === "/")) {
				const end = text.indexOf("\n", pos);
				pos = end < 0 ? text.length : end;
			} else return;
		}
	};
	const name = (path: string) => (path === "" ? "the document" : path);

	const parseString = (): string => {
		const start = pos;
		pos++; // the opening quote
		let out = "";
		for (;;) {
			if (pos >= text.length) fail("a string that is never closed", start);
			const c = text[pos];
			if (c === "\"") {
				pos++;
				return out;
			}
			if (c === "\n" || c === "\r") fail("a string that does not end on its line", start);
			if (c === "\\") {
				const e = text[pos + 1];
				const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
				if (e !== undefined && e in simple) {
					out += simple[e];
					pos += 2;
				} else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
					out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
					pos += 6;
				} else fail(`a bad escape ${JSON.stringify(text.slice(pos, pos + 2))} in a string`);
				continue;
			}
			out += c;
			pos++;
		}
	};

	const parseValue = (path: string): unknown => {
		skipBlank();
		const c = text[pos];
		if (c === "{") return parseObject(path);
		if (c === "[") return parseArray(path);
		if (c === "\"") return parseString();
		const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
		number.lastIndex = pos;
		const n = number.exec(text);
		if (n) {
			pos += n[0].length;
			return Number(n[0]);
		}
		for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
			if (text.startsWith(word, pos)) {
				pos += word.length;
				return value;
			}
		}
		return fail(`expected a value for ${name(path)}, found ${found()}`);
	};

	const parseObject = (path: string): Record<string, unknown> => {
		const object: Record<string, unknown> = {};
		pos++; // {
		for (;;) {
			skipBlank();
			if (text[pos] === "}") {
				pos++;
				return object;
			}
			if (text[pos] !== "\"") fail(`expected a key in quotes or "}" in ${name(path)}, found ${found()}`);
			const key = parseString();
			const child = path === "" ? key : `${path}.${key}`;
			skipBlank();
			if (text[pos] !== ":") fail(`expected ":" after the key ${child}, found ${found()}`);
			pos++;
			const value = parseValue(child);
			if (Object.prototype.hasOwnProperty.call(object, key)) duplicates.push({ path: child, first: object[key], second: value });
			// defineProperty: a key "__proto__" is a plain key, not the prototype.
			Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
			skipBlank();
			if (text[pos] === ",") pos++;
			else if (text[pos] !== "}") fail(`expected "," or "}" after the value of ${child}, found ${found()}`);
		}
	};

	const parseArray = (path: string): unknown[] => {
		const array: unknown[] = [];
		pos++; // [
		for (;;) {
			skipBlank();
			if (text[pos] === "]") {
				pos++;
				return array;
			}
			array.push(parseValue(`${path}[${array.length}]`));
			skipBlank();
			if (text[pos] === ",") pos++;
			else if (text[pos] !== "]") fail(`expected "," or "]" after item ${array.length} of ${name(path)}, found ${found()}`);
		}
	};

	try {
		const value = parseValue("");
		skipBlank();
		if (pos < text.length) fail(`unexpected ${found()} after the end of the document`);
		return { value, duplicates };
	} catch (error) {
		if (error instanceof SyntaxError) return { error: error.message, duplicates };
		throw error;
	}
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
	// Energy sources: known systems and their shape here; each system checks its keys when it is built.
	if (isObject(document.sources)) {
		const sources = createSources(document.sources, undefined);
		errors.push(...sources.errors);
		warnings.push(...sources.warnings);
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
	const minAmps = num("config.minAmpsPerTWC");
	if (errors.length === 0 && minAmps > wiringPer) {
		// wiringPer is already held to the total: name the key that is the lower limit.
		const key = Math.floor(num("config.wiringMaxAmpsPerTWC")) <= wiringAll ? "config.wiringMaxAmpsPerTWC" : "config.wiringMaxAmpsAllTWCs";
		errors.push(`config.minAmpsPerTWC (${minAmps}) is above ${key} (${wiringPer}): no car could ever charge`);
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
	const mqtt = readMqtt(values, errors);
	const policies = compilePolicies(document.policy, document.config);
	for (const text of policies.errors) warnings.push(`policy error: ${text}`);
	for (const text of policies.warnings) warnings.push(text);
	if (errors.length > 0) return { errors, warnings };

	const portValue = values.get("interface.RS485.port") as string | undefined;
	const config: Config = {
		wiringMaxAmpsAllTWCs: wiringAll,
		wiringMaxAmpsPerTWC: wiringPer,
		minAmpsPerTWC: minAmps,
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
		dummy: { enabled: values.get("interface.Dummy.enabled") as boolean },
		rs485: {
			enabled: values.get("interface.RS485.enabled") as boolean,
			port: portValue === "" ? undefined : portValue,
			baud: num("interface.RS485.baud"),
		},
		http: {
			enabled: values.get("control.HTTP.enabled") as boolean,
			listenPort: num("control.HTTP.listenPort"),
		},
		mqtt,
		document,
	};
	if (values.get("interface.Dummy.scenario") !== "") warnings.push(`interface.Dummy.scenario: TWCManager's test scenarios are not supported; the simulated wall connectors are used`);
	if (config.rs485.baud !== 9600) warnings.push(`interface.RS485.baud: the wall connectors talk at 9600 baud; ${config.rs485.baud} will not link`);
	return { config, errors, warnings };
}

/**
 * control.MQTT and status.MQTT: a broker is required when a section is enabled; TLS is refused
 * rather than silently dropped (the password would travel in clear); a prefix must be a topic a
 * client may publish to (no "+" or "#", no empty level).
 */
function readMqtt(values: Map<string, unknown>, errors: string[]): { control: MqttControlConfig; status: MqttStatusConfig } {
	const broker = (section: string): MqttBrokerConfig => {
		const get = (key: string) => values.get(`${section}.${key}`);
		const enabled = get("enabled") as boolean;
		const host = (get("brokerIP") as string).trim();
		const topicPrefix = get("topicPrefix") as string;
		if (enabled) {
			if (host === "") errors.push(`${section}.brokerIP: required when ${section}.enabled is true (the MQTT broker's host name or address)`);
			if (get("brokerTLS") === true) errors.push(`${section}.brokerTLS: TLS to the broker is not supported by this build; use the broker's plain listener (e.g. port 1883 on the local network) and set brokerTLS to false`);
			const prefixError = topicLevelsError(topicPrefix);
			if (prefixError) errors.push(`${section}.topicPrefix: ${prefixError}`);
		}
		return { enabled, host, port: get("brokerPort") as number, username: get("username") as string, password: get("password") as string, topicPrefix };
	};
	const control = broker("control.MQTT");
	const status = broker("status.MQTT");
	const discoveryPrefix = values.get("status.MQTT.discoveryPrefix") as string;
	const homeassistantDiscovery = values.get("status.MQTT.homeassistantDiscovery") as boolean;
	if (status.enabled && homeassistantDiscovery) {
		const prefixError = topicLevelsError(discoveryPrefix);
		if (prefixError) errors.push(`status.MQTT.discoveryPrefix: ${prefixError}`);
	}
	return {
		control,
		status: {
			...status,
			ratelimit: values.get("status.MQTT.ratelimit") as number,
			homeassistantDiscovery,
			discoveryPrefix,
			deviceNamePrefix: values.get("status.MQTT.deviceNamePrefix") as string,
		},
	};
}

/** Why `prefix` cannot start a topic we publish to, or undefined when it can. */
function topicLevelsError(prefix: string): string | undefined {
	if (prefix === "") return "must not be empty (e.g. \"TWC\")";
	if (/[+#]/.test(prefix)) return `"${prefix}" contains an MQTT wildcard ("+" or "#"), which no published topic may contain`;
	if (prefix.split("/").some((level) => level === "")) return `"${prefix}" has an empty topic level (a leading, trailing or double "/")`;
	if (/[\u0000-\u001f]/.test(prefix)) return `"${prefix}" contains a control character`;
	return undefined;
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
