/**
 * The device's configuration: a document on flash (`config.json`), read at boot and changed
 * through the API (GET/POST /api/v1/config, src/api/config-routes.ts). The manifest's `config`
 * block only gives the first boot's document; after that the document on flash rules.
 *
 * The document has config.json's shape (the host's file, TWCManager's sections) plus a `device`
 * section for what only the device has:
 *   { "config": { "wiringMaxAmpsAllTWCs": 32, "wiringMaxAmpsPerTWC": 32, "minAmpsPerTWC": 6, … },
 *     "interface": { "RS485": { "enabled": true } },
 *     "device": { "uart": 2, "txPin": 17, "rxPin": 16, "dePin": -1, "logLevel": "info",
 *                 "ssid": "", "password": "", "adminPassword": "", "httpPort": 80, "hostname": "" } }
 * (hostname "": twc-xxxx from the MAC address, modules/mdns-name.ts).
 * Everything but `device` is judged by the host's checks (parseConfig, as for a real bus: the
 * wiring limits are required); the `device` keys by DEVICE_KEYS below.
 *
 * Each write keeps the previous good document as the backup; a document on flash that is not JSON
 * (it cannot be: writes are atomic, but flash wears) is replaced by the backup at boot.
 *
 * Portable on purpose and without imports (parseConfig and the storage are handed in, the core's
 * types are matched by shape: Storage, ConfigStore, the Config that parseConfig gives), so that
 * Node tests load it as it is (tests/host/device/device-config.test.ts). Nothing at module load.
 */

/** The core's Storage (src/platform/storage.ts), by shape. */
export interface DocumentStorage {
	read(name: string): string | undefined;
	write(name: string, text: string): void;
	readBackup(name: string): string | undefined;
	writeBackup(name: string, text: string): void;
}

type LogLevel = "error" | "warn" | "info" | "debug";

/** The document's name in the storage. */
export const CONFIG_NAME = "config.json";

/** The device's own settings, checked. */
export interface DeviceSettings {
	uart: number;
	txPin: number;
	rxPin: number;
	/** -1: an automatic-direction transceiver. */
	dePin: number;
	logLevel: LogLevel;
	ssid: string;
	password: string;
	/** The setup page's password (set there on the first boot); "" until then. */
	adminPassword: string;
	httpPort: number;
	hostname: string;
	/** lin (the desktop simulator) only: the serial device. */
	serialDevice: string;
}

interface DeviceKey {
	key: keyof DeviceSettings;
	type: "integer" | "string" | "level";
	min?: number;
	max?: number;
	/** Longest string. */
	maxLength?: number;
	pattern?: RegExp;
	patternText?: string;
	default: number | string;
}

/** The `device` section's keys (built per call: the preloaded heap is read-only). */
function deviceKeys(): DeviceKey[] {
	return [
		{ key: "uart", type: "integer", min: 1, max: 2, default: 2 },
		{ key: "txPin", type: "integer", min: 0, max: 48, default: 17 },
		{ key: "rxPin", type: "integer", min: 0, max: 48, default: 16 },
		{ key: "dePin", type: "integer", min: -1, max: 48, default: -1 },
		{ key: "logLevel", type: "level", default: "info" },
		{ key: "ssid", type: "string", maxLength: 32, default: "" },
		{ key: "password", type: "string", maxLength: 63, default: "" },
		{ key: "adminPassword", type: "string", maxLength: 64, default: "" },
		{ key: "httpPort", type: "integer", min: 1, max: 65535, default: 80 },
		{
			key: "hostname",
			type: "string",
			maxLength: 63,
			pattern: /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)?$/,
			patternText: "letters, digits and inner hyphens (empty: twc-xxxx from the MAC address)",
			default: "",
		},
		{ key: "serialDevice", type: "string", maxLength: 200, default: "" },
	];
}

const LEVEL_NAMES = "error, warn, info, debug";

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A number from the manifest block: `mcconfig … key=value` overrides arrive as strings. */
function manifestValue(spec: DeviceKey, value: unknown): unknown {
	if (spec.type === "integer" && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
	return value;
}

/**
 * The first boot's document from the manifest's `config` block (mc/config). A wiring limit of 0
 * (the manifest ships 0: the user must set it) is left out, so the checks ask for it by name.
 */
export function firstBootDocument(manifest: Readonly<Record<string, unknown>>): Record<string, unknown> {
	const core: Record<string, unknown> = {};
	for (const key of ["wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC", "minAmpsPerTWC"]) {
		const raw = manifest[key];
		if (raw === undefined || raw === null || raw === "") continue;
		const n = typeof raw === "string" ? Number(raw) : raw;
		if (n === 0 && key !== "minAmpsPerTWC") continue;
		core[key] = n;
	}
	const device: Record<string, unknown> = {};
	for (const spec of deviceKeys()) {
		// The first boot's network comes from wifiSsid/wifiPassword: the SDK's own network setup
		// (esp32 manifest_net.json) joins mc/config.ssid before main() runs and holds the start until
		// it has an address, and the bus must never wait for the network.
		const manifestKey = spec.key === "ssid" ? "wifiSsid" : spec.key === "password" ? "wifiPassword" : spec.key;
		const raw = manifest[manifestKey];
		device[spec.key] = raw === undefined || raw === null ? spec.default : manifestValue(spec, raw);
	}
	return { config: core, interface: { RS485: { enabled: true } }, device };
}

export interface CheckedDocument<C> {
	errors: string[];
	warnings: string[];
	/** The core's configuration, when the document has no errors. */
	config?: C;
	/** The device's settings, when the `device` section has no errors (even if the core's keys have). */
	device?: DeviceSettings;
}

/** src/config/config.ts parseConfig, by shape. */
export type ParseConfig<C> = (document: unknown, options?: { requireWiringLimits?: boolean }) => { config?: C; errors: string[]; warnings: string[] };

/** Judges a whole document: the host's checks for the core's sections, DEVICE_KEYS for `device`. */
export function checkDocument<C>(document: Record<string, unknown>, parseConfig: ParseConfig<C>): CheckedDocument<C> {
	const errors: string[] = [];
	const warnings: string[] = [];
	const core: Record<string, unknown> = {};
	for (const key of Object.keys(document)) if (key !== "device") core[key] = document[key];
	const parsed = parseConfig(core, { requireWiringLimits: true });
	errors.push(...parsed.errors);
	warnings.push(...parsed.warnings);

	const section = document.device ?? {};
	const device: Record<string, unknown> = {};
	const before = errors.length;
	if (!isObject(section)) errors.push("device: must be an object");
	else {
		const known = new Set<string>();
		for (const spec of deviceKeys()) {
			known.add(spec.key);
			const value = section[spec.key];
			if (value === undefined || value === null) {
				device[spec.key] = spec.default;
				continue;
			}
			const problem = checkKey(spec, value);
			if (problem !== undefined) errors.push(problem);
			else device[spec.key] = spec.type === "integer" ? Number(value) : value;
		}
		for (const key of Object.keys(section)) if (!known.has(key)) warnings.push(`device.${key}: not supported, ignored`);
	}
	if (errors.length === before) {
		if (device.txPin === device.rxPin) errors.push(`device.rxPin: the same GPIO as device.txPin (${String(device.txPin)})`);
		else if (device.dePin === device.txPin || device.dePin === device.rxPin) errors.push(`device.dePin: GPIO ${String(device.dePin)} is already device.txPin or device.rxPin`);
	}
	// The device's own keys stand on their own: with them good, the API can serve while the core's are fixed.
	const deviceGood = errors.length === before;
	// The device drives a real bus and its API is the only way to change this document.
	const iface = isObject(core.interface) ? core.interface : {};
	if (isObject(iface.Dummy) && (iface.Dummy.enabled === true || iface.Dummy.enabled === 1)) {
		errors.push("interface.Dummy.enabled: the device has no simulated wall connectors; it drives the RS485 bus");
	}
	if (isObject(iface.RS485) && (iface.RS485.enabled === false || iface.RS485.enabled === 0)) {
		errors.push("interface.RS485.enabled: the device's master needs its RS485 bus (true)");
	}
	const control = isObject(core.control) ? core.control : {};
	if (isObject(control.HTTP)) {
		if (control.HTTP.enabled === false || control.HTTP.enabled === 0) {
			errors.push("control.HTTP.enabled: the API is how the device's configuration is changed; it cannot be turned off");
		}
		if (control.HTTP.listenPort !== undefined) warnings.push("control.HTTP.listenPort: the device listens on device.httpPort; ignored");
	}
	if (isObject(iface.RS485) && iface.RS485.port !== undefined) warnings.push("interface.RS485.port: the device's bus is device.uart/txPin/rxPin; ignored");
	const checked: CheckedDocument<C> = { errors, warnings };
	if (deviceGood) checked.device = device as unknown as DeviceSettings;
	if (errors.length === 0) checked.config = parsed.config;
	return checked;
}

function checkKey(spec: DeviceKey, value: unknown): string | undefined {
	const path = `device.${spec.key}`;
	const shown = spec.key === "password" || spec.key === "adminPassword" ? "…" : JSON.stringify(value);
	switch (spec.type) {
		case "integer": {
			const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
			if (typeof n !== "number" || !Number.isInteger(n) || n < spec.min! || n > spec.max!) {
				return `${path}: must be a whole number from ${spec.min} to ${spec.max} (got ${shown})`;
			}
			return undefined;
		}
		case "level":
			if (typeof value !== "string" || !/^(error|warn|info|debug)$/.test(value)) return `${path}: must be one of ${LEVEL_NAMES} (got ${shown})`;
			return undefined;
		case "string":
			if (typeof value !== "string") return `${path}: must be a string (got ${shown})`;
			if (value.length > spec.maxLength!) return `${path}: at most ${spec.maxLength} characters (got ${value.length})`;
			if (spec.key === "password" && value !== "" && value.length < 8) return `${path}: a Wi-Fi (WPA2) password has 8 to 63 characters, or "" for an open network`;
			if (spec.key === "adminPassword" && value !== "" && value.length < 8) return `${path}: the admin password has 8 to 64 characters`;
			if (spec.pattern !== undefined && !spec.pattern.test(value)) return `${path}: ${spec.patternText} only (got ${shown})`;
			return undefined;
	}
}

export interface LoadedConfig<C> extends CheckedDocument<C> {
	/** Where the document came from. */
	source: "flash" | "backup" | "manifest";
	document: Record<string, unknown>;
	/** Problems reading or storing it (the master may still run on what was read). */
	notes: string[];
}

export interface DeviceConfigOptions<C> {
	storage: DocumentStorage;
	parseConfig: ParseConfig<C>;
	/** The manifest's `config` block (mc/config): the first boot's document. */
	manifest: Readonly<Record<string, unknown>>;
}

/** The document on flash: loaded at boot, changed through the API (a ConfigStore of src/api/config-routes.ts). */
export class DeviceConfig<C> {
	readonly #storage: DocumentStorage;
	readonly #parseConfig: ParseConfig<C>;
	readonly #manifest: Readonly<Record<string, unknown>>;

	constructor(options: DeviceConfigOptions<C>) {
		this.#storage = options.storage;
		this.#parseConfig = options.parseConfig;
		this.#manifest = options.manifest;
	}

	/** Reads (or on the first boot makes and stores) the document and checks it. Never throws. */
	load(): LoadedConfig<C> {
		const notes: string[] = [];
		let text: string | undefined;
		try {
			text = this.#storage.read(CONFIG_NAME);
		} catch (error) {
			notes.push(`cannot read ${CONFIG_NAME}: ${String(error)}`);
		}
		let document = parseObject(text);
		let source: LoadedConfig<C>["source"] = "flash";
		if (text !== undefined && document === undefined) {
			notes.push(`${CONFIG_NAME} on flash is not a JSON object; using its backup`);
			try {
				document = parseObject(this.#storage.readBackup(CONFIG_NAME));
			} catch (error) {
				notes.push(`cannot read the backup of ${CONFIG_NAME}: ${String(error)}`);
			}
			source = "backup";
		}
		if (document === undefined) {
			document = firstBootDocument(this.#manifest);
			source = "manifest";
			try {
				const made = JSON.stringify(document);
				this.#storage.write(CONFIG_NAME, made);
				this.#storage.writeBackup(CONFIG_NAME, made);
			} catch (error) {
				notes.push(`cannot store ${CONFIG_NAME}: ${String(error)} (the manifest's values are used until it can be)`);
			}
		}
		return { ...checkDocument(document, this.#parseConfig), source, document, notes };
	}

	read(): string | undefined {
		return this.#storage.read(CONFIG_NAME);
	}

	/** Keeps the current document as the backup, then stores the new one (each atomically). */
	write(text: string): void {
		let previous: string | undefined;
		try {
			previous = this.#storage.read(CONFIG_NAME);
		} catch {
			previous = undefined;
		}
		if (previous !== undefined && parseObject(previous) !== undefined) this.#storage.writeBackup(CONFIG_NAME, previous);
		this.#storage.write(CONFIG_NAME, text);
	}

	validate(document: Record<string, unknown>): { errors: readonly string[]; warnings: readonly string[] } {
		const checked = checkDocument(document, this.#parseConfig);
		return { errors: checked.errors, warnings: checked.warnings };
	}
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
	if (text === undefined) return undefined;
	try {
		const value: unknown = JSON.parse(text);
		return isObject(value) ? value : undefined;
	} catch {
		return undefined;
	}
}
