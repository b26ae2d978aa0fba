/**
 * The rest of TWCManager's HTTP API (reference §9, HTTPControl.py), same methods, status codes and
 * formats: getConfig (every secret removed), getLastTWCResponse, getUUID; setPolicy,
 * setConsumptionOffset, sendStartCommand / sendStopCommand (our master's FC B1 / FC B2),
 * saveSettings, sendDebugCommand (only what the bus safety guard allows), checkArrival /
 * checkDeparture (202: no vehicle integration yet) and sendTeslaAPICommand (501: none).
 */
import { startStopAll } from "../twc/start-stop-all.js";
import type { PolicyEngine } from "../charge/policy.js";
import type { SettingsStore } from "../charge/settings.js";
import type { BytePort } from "../platform/byte-port.js";
import type { Log } from "../platform/log.js";
import type { Random } from "../platform/random.js";
import type { Storage } from "../platform/storage.js";
import { FrameDecoder } from "../twc/frame.js";
import { formatTwcId, HeartbeatCommand, isSafeMasterMessage, Opcode, QUERY_OPCODES } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import { json, parseJsonObject, type Router } from "./router.js";

/** What the start / stop and debug commands need of the bus master. */
export interface CommandBus {
	readonly masterId: number;
	readonly slaves: readonly SlaveRecord[];
	requestStartStop(slaveId: number, start: boolean): boolean;
	/** Queues one query for a slave in the next gap (not every master has it: then 501). */
	requestQuery?(slaveId: number, opcode: number): boolean;
}

export interface TwcManagerExtraSource {
	bus: CommandBus;
	settings: SettingsStore;
	engine: PolicyEngine;
	/** Policies changed: decide again now (ChargeController.applyNow). */
	applyNow(): void;
	log: Log;
	random: Random;
	storage?: Storage;
	/** The configuration document the controller runs with. */
	configDocument(): Readonly<Record<string, unknown>>;
	/** The effective limits, shown in getConfig's `config` when the document leaves them to defaults. */
	limits: { wiringMaxAmpsAllTWCs: number; wiringMaxAmpsPerTWC: number; minAmpsPerTWC: number };
	replies: TwcResponseRecorder;
}

/** The consumption offset that setConsumptionOffset sets (TWCManager's greenEnergyAmpsOffset, in amps). */
export const SET_OFFSET_NAME = "greenEnergyAmpsOffset";
export const UUID_DOCUMENT = "uuid.json";

/** TWCManager's sendDebugCommand names, and ours, with the message each sends. */
const DEBUG_COMMANDS: Readonly<Record<string, number>> = Object.freeze({
	GetFirmwareVersion: Opcode.FirmwareQueryOld,
	GetFirmwareVersionNew: Opcode.FirmwareQuery,
	GetSerial: Opcode.SerialQuery,
	GetVIN1: Opcode.Vin1Query,
	GetVIN2: Opcode.Vin2Query,
	GetVIN3: Opcode.Vin3Query,
	GetMeter: Opcode.MeterQuery,
	GetPlugState: Opcode.PlugStateQuery,
	StartCharging: Opcode.StartCharging,
	StopCharging: Opcode.StopCharging,
});

export function addTwcManagerExtraRoutes(router: Router, source: TwcManagerExtraSource): void {
	router.get("/api/getConfig", () => json(200, publicConfig(source.configDocument(), source.limits)));
	router.get("/api/getLastTWCResponse", () => ({ status: 200, contentType: "text/plain", body: source.replies.text() }));
	let uuid: string | undefined;
	router.get("/api/getUUID", () => {
		uuid ??= stableUuid(source);
		return { status: 200, contentType: "text/plain", body: uuid };
	});

	router.post("/api/setPolicy", (request) => {
		const data = parseJsonObject(request);
		if (typeof data === "string") return json(400, { error: data });
		const name = data.policy;
		if (name === undefined || name === null) return json(400, { error: "policy field is required" });
		if (typeof name !== "string") return json(400, { error: `policy must be a string (got ${typeof name === "object" ? (Array.isArray(name) ? "an array" : "an object") : `a ${typeof name}`})` });
		if (name.trim() === "") return json(400, { error: "policy cannot be empty" });
		const known = source.engine.policies.map((p) => p.name);
		if (!known.includes(name)) return json(400, { error: `Policy '${name.length > 64 ? `${name.slice(0, 64)}…` : name}' not found (policies: ${known.join(", ")})` });
		// As in TWCManager, the policies are evaluated again at once: their conditions decide which one runs.
		source.applyNow();
		const active = source.engine.activePolicyName;
		const answer: Record<string, unknown> = { status: "success", policy: name };
		if (active !== "None" && active !== name) {
			answer.activePolicy = active;
			answer.warnings = [`"${active}" is active: policies are chosen by their conditions at each evaluation, so "${name}" applies only while its conditions match`];
		}
		return json(200, answer);
	});

	router.post("/api/setConsumptionOffset", (request) => {
		const data = parseJsonObject(request);
		if (typeof data === "string") return json(400, { error: data });
		if (data.offset === undefined || data.offset === null) return json(400, { error: "offset is required" });
		const raw = data.offset;
		const offset = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
		if (!Number.isFinite(offset)) return json(400, { error: `offset must be a number of amps (got ${JSON.stringify(raw)?.slice(0, 40)})` });
		const offsets = { ...source.settings.current.consumptionOffset };
		if (offset === 0) delete offsets[SET_OFFSET_NAME];
		else offsets[SET_OFFSET_NAME] = { value: offset, unit: "A" };
		const result = source.settings.update({ consumptionOffset: offsets }, "api");
		if (!result.ok) return json(400, { error: result.errors.join("; "), errors: result.errors });
		source.applyNow();
		return result.saveError === undefined ? { status: 204 } : json(200, { status: "success", saved: false, warnings: result.warnings });
	});

	const startStop = (start: boolean) => () => {
		const { sent, skipped } = startStopAll(source.bus, start);
		const what = start ? "start (FC B1)" : "stop (FC B2)";
		source.log.write("info", "api", `${what} requested by the API: sent to ${sent.join(", ") || "no unit"}${skipped.length ? `; skipped ${skipped.join("; ")}` : ""}`);
		const answer: Record<string, unknown> = { status: "success", sent, skipped };
		if (sent.length === 0) answer.warnings = [source.bus.slaves.length === 0 ? "no wall connector is linked: nothing was sent" : "no linked unit takes FC B1/FC B2"];
		return json(200, answer);
	};
	router.post("/api/sendStartCommand", startStop(true));
	router.post("/api/sendStopCommand", startStop(false));

	router.post("/api/saveSettings", () => {
		const failure = source.settings.save();
		return failure === undefined ? { status: 204 } : json(500, { error: `settings not saved: ${failure}` });
	});

	router.post("/api/sendDebugCommand", (request) => {
		const data = parseJsonObject(request);
		if (typeof data === "string") return json(400, { error: data });
		const built = debugMessage(data, source.bus);
		if (typeof built === "string") return json(400, { error: built });
		if ("conflict" in built) return json(409, { error: built.conflict });
		const { message, slave } = built;
		const opcode = (message[0] << 8) | message[1];
		const id = formatTwcId(slave.id);
		let queued: boolean;
		if (opcode === Opcode.StartCharging || opcode === Opcode.StopCharging) {
			source.replies.arm();
			queued = source.bus.requestStartStop(slave.id, opcode === Opcode.StartCharging);
		} else {
			if (!source.bus.requestQuery) return json(501, { error: `this master cannot send query ${hex(message.subarray(0, 2))} on demand (it asks each unit for its meter, VIN, firmware and serial itself)` });
			source.replies.arm();
			queued = source.bus.requestQuery(slave.id, opcode);
		}
		if (!queued) return json(409, { error: `wall connector ${id} is not linked any more` });
		source.log.write("info", "api", `debug command ${hex(message)} to ${id} queued`);
		return { status: 204 };
	});

	router.post("/api/checkArrival", () => json(202, { status: "accepted", note: "no vehicle integration is configured: there is no car to ask" }));
	router.post("/api/checkDeparture", () => json(202, { status: "accepted", note: "no vehicle integration is configured: there is no car to ask" }));
	router.post("/api/sendTeslaAPICommand", () =>
		json(501, { error: "no Tesla API integration: this controller works without the cloud; use sendStartCommand / sendStopCommand (FC B1 / FC B2 on the bus)" }),
	);
}

// ---- getConfig ---------------------------------------------------------------------------------

/** A key whose value is never served: passwords, tokens, keys, secrets, credentials. */
export function isSecretName(name: string): boolean {
	return /(pass(word|wd|phrase)?|secret|token|key|credentials?|cookie|pin)$/i.test(name) || /^(pass|pwd|psk)$/i.test(name);
}

/** The document with every secret removed (at any depth) and credentials cut out of URLs. */
export function withoutSecrets(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withoutSecrets);
	if (typeof value === "string") return value.replace(/\/\/[^/@\s]*@/g, "//");
	if (typeof value !== "object" || value === null) return value;
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		if (isSecretName(key)) continue;
		Object.defineProperty(out, key, { value: withoutSecrets((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
	}
	return out;
}

function publicConfig(document: Readonly<Record<string, unknown>>, limits: TwcManagerExtraSource["limits"]): unknown {
	const out = withoutSecrets(document) as Record<string, unknown>;
	const section = typeof out.config === "object" && out.config !== null && !Array.isArray(out.config) ? (out.config as Record<string, unknown>) : {};
	// TWCManager's clients read these from `config`; the defaults the controller runs with fill the gaps.
	for (const key of ["wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC", "minAmpsPerTWC"] as const) if (section[key] === undefined) section[key] = limits[key];
	out.config = section;
	return out;
}

// ---- getUUID -----------------------------------------------------------------------------------

/**
 * TWCManager answers uuid.getnode(): the MAC as a 48-bit integer, or a random one with the
 * multicast bit set when there is none. Ours is random once, then kept in the storage.
 */
function stableUuid(source: TwcManagerExtraSource): string {
	const stored = readUuid(source.storage);
	if (stored !== undefined) return stored;
	const high = Math.floor(source.random.next() * 0x10000) | 0x0100; // multicast bit of the first octet
	const low = Math.floor(source.random.next() * 0x100000000);
	const value = String(high * 0x100000000 + low);
	try {
		source.storage?.write(UUID_DOCUMENT, value);
	} catch (error) {
		source.log.write("warn", "api", `the UUID could not be stored (${String(error)}): it changes at the next start`);
	}
	return value;
}

function readUuid(storage: Storage | undefined): string | undefined {
	try {
		const text = storage?.read(UUID_DOCUMENT)?.trim();
		return text !== undefined && /^\d{1,15}$/.test(text) ? text : undefined;
	} catch {
		return undefined;
	}
}

// ---- sendDebugCommand --------------------------------------------------------------------------

/** The message a debug request asks for, and the unit it goes to; or why not. */
function debugMessage(data: Record<string, unknown>, bus: CommandBus): { message: Uint8Array; slave: SlaveRecord } | { conflict: string } | string {
	const name = data.commandName;
	if (typeof name !== "string" || name === "") return "commandName is required and must be a string";
	let target: SlaveRecord | undefined;
	if (data.twcId !== undefined) {
		const id = typeof data.twcId === "string" && /^[0-9a-f]{4}$/i.test(data.twcId) ? parseInt(data.twcId, 16) : NaN;
		target = bus.slaves.find((s) => s.id === id);
		if (!target) return `twcId ${JSON.stringify(data.twcId)} is not a linked wall connector (linked: ${bus.slaves.map((s) => formatTwcId(s.id)).join(", ") || "none"})`;
	}
	let message: Uint8Array;
	if (name === "Custom") {
		const custom = data.customCommand;
		if (typeof custom !== "string" || custom.trim() === "") return "customCommand is required when Command is Custom";
		const text = custom.replace(/[\s:]/g, "");
		if (!/^([0-9a-f]{2})+$/i.test(text) || text.length < 4 || text.length > 36) return `customCommand must be hex bytes, 2 to 18 of them (got ${JSON.stringify(custom.slice(0, 40))})`;
		const bytes = new Uint8Array(text.length / 2);
		for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
		if (bytes.length === 2) {
			// TWCManager's form: the opcode; sender, receiver and padding are filled in.
			if (!target) target = bus.slaves[0];
			if (!target) return { conflict: "no wall connector is linked: nothing to send the command to" };
			message = new Uint8Array(15);
			message.set(bytes);
			put16(message, 2, bus.masterId);
			put16(message, 4, target.id);
		} else {
			message = bytes;
			if (bytes.length >= 6) {
				const receiver = (bytes[4] << 8) | bytes[5];
				target = bus.slaves.find((s) => s.id === receiver);
				if (!target && isSafeMasterMessage(bytes)) return `customCommand is addressed to ${formatTwcId(receiver)}, which is not a linked wall connector`;
			}
		}
	} else {
		const opcode = DEBUG_COMMANDS[name];
		if (opcode === undefined) return `unknown commandName ${JSON.stringify(name.slice(0, 40))} (known: ${Object.keys(DEBUG_COMMANDS).join(", ")}, Custom)`;
		if (!target) target = bus.slaves[0];
		if (!target) return { conflict: "no wall connector is linked: nothing to send the command to" };
		message = new Uint8Array(15);
		put16(message, 0, opcode);
		put16(message, 2, bus.masterId);
		put16(message, 4, target.id);
	}
	if (!isSafeMasterMessage(message)) {
		return `refused: ${hex(message.subarray(0, 2))} is not a message the bus safety guard allows (FC 19 and FC 1A can disable a wall connector for good, FB E8 can crash it; only start/stop and queries are sent)`;
	}
	const opcode = (message[0] << 8) | message[1];
	if (opcode === Opcode.MasterHeartbeat || opcode === Opcode.MasterLinkReady1 || opcode === Opcode.MasterLinkReady2) {
		const detail = opcode === Opcode.MasterHeartbeat && message.length > 6 && message[6] !== HeartbeatCommand.NoChange ? " and would bypass the wiring limits" : "";
		return `refused: the master sends heartbeats and link-ready itself; a debug ${hex(message.subarray(0, 2))} would disturb it${detail}`;
	}
	if (opcode !== Opcode.StartCharging && opcode !== Opcode.StopCharging && !QUERY_OPCODES.includes(opcode)) return `refused: ${hex(message.subarray(0, 2))} is not a command this master sends`;
	if (!target) return { conflict: "no wall connector is linked: nothing to send the command to" };
	return { message, slave: target };
}

function put16(m: Uint8Array, at: number, value: number): void {
	m[at] = (value >> 8) & 0xff;
	m[at + 1] = value & 0xff;
}

function hex(bytes: Uint8Array): string {
	let out = "";
	for (let i = 0; i < bytes.length; i++) out += (i ? " " : "") + bytes[i].toString(16).toUpperCase().padStart(2, "0");
	return out;
}

// ---- getLastTWCResponse ------------------------------------------------------------------------

/**
 * TWCManager's lastTWCResponseMsg: None until a debug command is sent; then empty, then the first
 * unusual reply from a unit (not a heartbeat, link-ready or meter report). Shown as Python's
 * str() of it: "None" or "bytearray(b'...')".
 */
export class TwcResponseRecorder {
	#armed = false;
	#last: Uint8Array | undefined;
	#decoder: FrameDecoder | undefined;
	#now: () => number;

	constructor(now: () => number) {
		this.#now = now;
	}

	/** The bus port with the recorder listening in (it decodes only while a reply is awaited). */
	wrap(port: BytePort): BytePort {
		return {
			listen: (listener) =>
				port.listen({
					onBytes: (bytes) => {
						if (this.#armed && this.#decoder && this.#last !== undefined && this.#last.length === 0) this.#decoder.push(bytes, this.#now());
						listener.onBytes(bytes);
					},
					onStatus: listener.onStatus ? (open, reason) => listener.onStatus!(open, reason) : undefined,
				}),
			write: (bytes) => port.write(bytes),
			close: () => port.close(),
		};
	}

	/** A debug command is being sent: the next unusual reply is kept. */
	arm(): void {
		this.#armed = true;
		this.#last = new Uint8Array(0);
		this.#decoder ??= new FrameDecoder((body) => this.#onFrame(body));
	}

	/** A decoded frame body (tests feed it directly). */
	onFrame(body: Uint8Array): void {
		this.#onFrame(body);
	}

	#onFrame(body: Uint8Array): void {
		if (!this.#armed || body.length < 2 || body[0] !== 0xfd) return;
		const opcode = (body[0] << 8) | body[1];
		if (opcode === Opcode.SlaveHeartbeat || opcode === Opcode.SlaveLinkReady || opcode === Opcode.MeterReply) return;
		this.#last = body.slice();
		this.#armed = false;
	}

	text(): string {
		return this.#last === undefined ? "None" : pythonBytearray(this.#last);
	}
}

/** Python's str(bytearray(...)). */
export function pythonBytearray(bytes: Uint8Array): string {
	let out = "bytearray(b'";
	for (let i = 0; i < bytes.length; i++) {
		const b = bytes[i];
		if (b === 0x5c) out += "\\\\";
		else if (b === 0x27) out += "\\'";
		else if (b === 0x09) out += "\\t";
		else if (b === 0x0a) out += "\\n";
		else if (b === 0x0d) out += "\\r";
		else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
		else out += `\\x${b.toString(16).padStart(2, "0")}`;
	}
	return `${out}')`;
}
