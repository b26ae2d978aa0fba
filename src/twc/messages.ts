/**
 * Typed encode and decode of every TWC gen2 message we know (reference twcmanager-core.md §2).
 * Offsets are into the frame body (opcode first, checksum last); integers are big-endian;
 * amps on the wire are centiamps. Encoders return the message without checksum: `encodeFrame`
 * (frame.ts) adds the checksum, the escapes and the delimiters.
 *
 * The commands that can disable a unit — heartbeat command 02, FC 19, FC 1A, FB E8 (§2.2) — have no
 * encoder, and `isSafeMasterMessage` refuses them on the one path to the wire (master.ts).
 */

/** Two-byte opcodes. FB = master request/data, FC = master command/broadcast, FD = slave reply. */
export const Opcode = Object.freeze({
	MasterLinkReady1: 0xfce1,
	MasterLinkReady2: 0xfbe2,
	SlaveLinkReady: 0xfde2,
	MasterHeartbeat: 0xfbe0,
	SlaveHeartbeat: 0xfde0,
	StartCharging: 0xfcb1,
	StopCharging: 0xfcb2,
	StartAck: 0xfdb1,
	StopAck: 0xfdb2,
	MeterQuery: 0xfbeb,
	MeterReply: 0xfdeb,
	Vin1Query: 0xfbee,
	Vin2Query: 0xfbef,
	Vin3Query: 0xfbf1,
	Vin1Reply: 0xfdee,
	Vin2Reply: 0xfdef,
	Vin3Reply: 0xfdf1,
	FirmwareQueryOld: 0xfb1b,
	FirmwareReplyOld: 0xfd1b,
	FirmwareQuery: 0xfbec,
	FirmwareReply: 0xfdec,
	SerialQueryOld: 0xfb19,
	SerialReplyOld: 0xfd19,
	SerialQuery: 0xfbed,
	SerialReply: 0xfded,
	PlugStateQuery: 0xfbb4,
	PlugStateReply: 0xfdb4,
	MasterIdle: 0xfc1d,
} as const);

/** Queries the master may send; each gets a reply with the same second byte and FD first. */
export const QUERY_OPCODES: readonly number[] = Object.freeze([
	Opcode.MeterQuery,
	Opcode.Vin1Query,
	Opcode.Vin2Query,
	Opcode.Vin3Query,
	Opcode.FirmwareQueryOld,
	Opcode.FirmwareQuery,
	Opcode.SerialQueryOld,
	Opcode.SerialQuery,
	Opcode.PlugStateQuery,
]);

/** Master heartbeat commands we send (§2.3). 06/07/08 are never needed; 02 is never allowed. */
export const HeartbeatCommand = Object.freeze({
	NoChange: 0x00,
	/** Limit for protocol-1 slaves (protocol 2 honours it only before charging). */
	LimitV1: 0x05,
	/** Limit for protocol-2 slaves. */
	LimitV2: 0x09,
} as const);
export type HeartbeatCommandCode = 0x00 | 0x05 | 0x09;

/** Slave heartbeat states (§2.3). */
export const SlaveState = Object.freeze({
	Ready: 0x00,
	Charging: 0x01,
	Error: 0x02,
	PluggedDoNotCharge: 0x03,
	PluggedReady: 0x04,
	Busy: 0x05,
	RaiseAmpsEcho: 0x06,
	LowerAmpsEcho: 0x07,
	Starting: 0x08,
	LimitEcho: 0x09,
	AdjustmentDone: 0x0a,
} as const);

const STATE_NAMES: Record<number, string> = {
	0x00: "ready",
	0x01: "charging",
	0x02: "error",
	0x03: "plugged in, not charging",
	0x04: "plugged in, ready",
	0x05: "busy",
	0x06: "raising amps",
	0x07: "lowering amps",
	0x08: "starting to charge",
	0x09: "limit received",
	0x0a: "amps adjusted",
};

export function slaveStateName(state: number): string {
	return STATE_NAMES[state] ?? `unknown (0x${state.toString(16).padStart(2, "0")})`;
}

/** Protocol 1 units send 14-byte bodies and take 5 A at least; protocol 2 sends 16 and takes 6 A (§1.4). */
export type ProtocolVersion = 1 | 2;

export type Message =
	| { kind: "masterLinkReady"; which: 1 | 2; sender: number; sign: number }
	| { kind: "slaveLinkReady"; sender: number; sign: number; maxCentiamps: number; protocol: ProtocolVersion }
	| { kind: "masterHeartbeat"; sender: number; receiver: number; command: number; centiamps: number; masterPluggedIn: boolean }
	| {
			kind: "slaveHeartbeat";
			sender: number;
			receiver: number;
			state: number;
			/** The limit the slave holds (mirrors the master's); 0 = asks for one. */
			limitCentiamps: number;
			actualCentiamps: number;
			protocol: ProtocolVersion;
	  }
	| { kind: "startCharging" | "stopCharging"; sender: number; receiver: number }
	| { kind: "startAck" | "stopAck"; sender: number }
	| { kind: "query"; opcode: number; sender: number; receiver: number }
	| {
			kind: "meter";
			sender: number;
			/** Lifetime energy counter as sent: kWh per the reference, Wh on some firmware (unverified). */
			lifetimeCounter: number;
			volts: [number, number, number];
			/** Per-phase amps from 20-byte replies (0.5 A steps, CP/JN layout), else undefined. */
			amps: [number, number, number] | undefined;
	  }
	| { kind: "vin"; sender: number; part: 0 | 1 | 2; text: string; allZero: boolean }
	| { kind: "firmware"; sender: number | undefined; version: string }
	| { kind: "serial"; sender: number | undefined; serial: string }
	| { kind: "plugState"; sender: number; state: number }
	| { kind: "masterIdle" }
	| { kind: "unknown"; opcode: number };

const u16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];

/** Printable ASCII of b[from..to), stopping at the first 00. */
function ascii(b: Uint8Array, from: number, to: number): string {
	let s = "";
	for (let i = from; i < to && i < b.length; i++) {
		const c = b[i];
		if (c === 0) break;
		s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
	}
	return s;
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
	for (let i = from; i < to; i++) if (b[i] !== 0) return false;
	return true;
}

/** The opcode of a body or message. */
export function opcodeOf(body: Uint8Array): number {
	return u16(body, 0);
}

/** Names an opcode for logs, e.g. "FD E2". */
export function opcodeName(opcode: number): string {
	const hex = opcode.toString(16).toUpperCase().padStart(4, "0");
	return `${hex.slice(0, 2)} ${hex.slice(2)}`;
}

/**
 * Decodes a checksum-valid body (13 to 20 bytes, checksum last). Never throws: anything it cannot
 * place is `unknown`. The body's length decides the protocol version of link-ready and heartbeat.
 */
export function decodeMessage(body: Uint8Array): Message {
	const opcode = u16(body, 0);
	const n = body.length - 1; // bytes before the checksum
	const protocol: ProtocolVersion = body.length === 14 ? 1 : 2;
	switch (opcode) {
		case Opcode.MasterLinkReady1:
		case Opcode.MasterLinkReady2:
			return { kind: "masterLinkReady", which: opcode === Opcode.MasterLinkReady1 ? 1 : 2, sender: u16(body, 2), sign: body[4] };
		case Opcode.SlaveLinkReady:
			return { kind: "slaveLinkReady", sender: u16(body, 2), sign: body[4], maxCentiamps: u16(body, 5), protocol };
		case Opcode.MasterHeartbeat:
			return {
				kind: "masterHeartbeat",
				sender: u16(body, 2),
				receiver: u16(body, 4),
				command: body[6],
				centiamps: u16(body, 7),
				masterPluggedIn: body[9] === 1,
			};
		case Opcode.SlaveHeartbeat:
			return {
				kind: "slaveHeartbeat",
				sender: u16(body, 2),
				receiver: u16(body, 4),
				state: body[6],
				limitCentiamps: u16(body, 7),
				actualCentiamps: u16(body, 9),
				protocol,
			};
		case Opcode.StartCharging:
		case Opcode.StopCharging:
			return { kind: opcode === Opcode.StartCharging ? "startCharging" : "stopCharging", sender: u16(body, 2), receiver: u16(body, 4) };
		case Opcode.StartAck:
		case Opcode.StopAck:
			return { kind: opcode === Opcode.StartAck ? "startAck" : "stopAck", sender: u16(body, 2) };
		case Opcode.MeterReply: {
			const amps: [number, number, number] | undefined =
				body.length >= 20 ? [body[14] / 2, body[15] / 2, body[16] / 2] : undefined;
			return {
				kind: "meter",
				sender: u16(body, 2),
				lifetimeCounter: u32(body, 4),
				volts: [u16(body, 8), u16(body, 10), n > 13 ? u16(body, 12) : 0],
				amps,
			};
		}
		case Opcode.Vin1Reply:
		case Opcode.Vin2Reply:
		case Opcode.Vin3Reply: {
			const part = opcode === Opcode.Vin1Reply ? 0 : opcode === Opcode.Vin2Reply ? 1 : 2;
			const length = part === 2 ? 3 : 7;
			return { kind: "vin", sender: u16(body, 2), part, text: ascii(body, 4, 4 + length), allZero: allZero(body, 4, n) };
		}
		case Opcode.FirmwareReply:
			// JN layout, confirmed by a real capture (fixture N298-1): ID, major, minor, revision, extended.
			return { kind: "firmware", sender: u16(body, 2), version: `${body[4]}.${body[5]}.${body[6]}.${body[7]}` };
		case Opcode.FirmwareReplyOld:
			// CP layout: no sender ID, then major, minor, revision (§2.3, §12.5).
			return { kind: "firmware", sender: undefined, version: `${body[2]}.${body[3]}.${body[4]}` };
		case Opcode.SerialReply:
			return { kind: "serial", sender: u16(body, 2), serial: ascii(body, 4, 15) };
		case Opcode.SerialReplyOld:
			return { kind: "serial", sender: undefined, serial: ascii(body, 2, 13) };
		case Opcode.PlugStateReply:
			return { kind: "plugState", sender: u16(body, 2), state: body[4] };
		case Opcode.MasterIdle:
			return { kind: "masterIdle" };
		default:
			if (QUERY_OPCODES.includes(opcode)) return { kind: "query", opcode, sender: u16(body, 2), receiver: u16(body, 4) };
			return { kind: "unknown", opcode };
	}
}

// ---------------------------------------------------------------------------------------------
// Encoders. Each returns opcode + fields + zero padding, without the checksum.

function message(opcode: number, dataLength: number): Uint8Array {
	const m = new Uint8Array(2 + dataLength);
	m[0] = opcode >> 8;
	m[1] = opcode & 0xff;
	return m;
}

function put16(m: Uint8Array, i: number, v: number): void {
	m[i] = (v >> 8) & 0xff;
	m[i + 1] = v & 0xff;
}

function checkId(id: number): void {
	if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new RangeError(`TWC ID out of range: ${id}`);
}

/** FC E1 / FB E2, 14 bytes with checksum: master ID, sign, 8 × 00 (as TWCManager sends them). */
export function encodeMasterLinkReady(which: 1 | 2, masterId: number, sign: number): Uint8Array {
	checkId(masterId);
	const m = message(which === 1 ? Opcode.MasterLinkReady1 : Opcode.MasterLinkReady2, 11);
	put16(m, 2, masterId);
	m[4] = sign & 0xff;
	return m;
}

/** Centiamps for whole amps, refusing anything that is not a whole amp in 0..655. */
export function wholeAmpsToCentiamps(amps: number): number {
	if (!Number.isInteger(amps) || amps < 0 || amps > 655) throw new RangeError(`amps must be whole, 0..655: ${amps}`);
	return amps * 100;
}

/**
 * FB E0, always the 16-byte form TWCManager sends (protocol-1 slaves answer it too, §1.4):
 * master ID, slave ID, command, centiamps, master-plugged-in flag, zero padding.
 */
export function encodeMasterHeartbeat(
	masterId: number,
	slaveId: number,
	command: HeartbeatCommandCode,
	centiamps: number,
): Uint8Array {
	checkId(masterId);
	checkId(slaveId);
	if (command !== HeartbeatCommand.NoChange && command !== HeartbeatCommand.LimitV1 && command !== HeartbeatCommand.LimitV2) {
		throw new RangeError(`heartbeat command ${command} is not one we send`);
	}
	const m = message(Opcode.MasterHeartbeat, 13);
	put16(m, 2, masterId);
	put16(m, 4, slaveId);
	m[6] = command;
	if (command !== HeartbeatCommand.NoChange) put16(m, 7, centiamps);
	return m;
}

/** FC B1 / FC B2, 16 bytes: master ID, slave ID, 9 × 00. */
export function encodeStartStop(start: boolean, masterId: number, slaveId: number): Uint8Array {
	checkId(masterId);
	checkId(slaveId);
	const m = message(start ? Opcode.StartCharging : Opcode.StopCharging, 13);
	put16(m, 2, masterId);
	put16(m, 4, slaveId);
	return m;
}

/** A query (meter, VIN parts, firmware, serial, plug state), 15 bytes as TWCManager sends them. */
export function encodeQuery(opcode: number, masterId: number, slaveId: number): Uint8Array {
	if (!QUERY_OPCODES.includes(opcode)) throw new RangeError(`not a query: ${opcode.toString(16)}`);
	checkId(masterId);
	checkId(slaveId);
	const m = message(opcode, 12);
	put16(m, 2, masterId);
	put16(m, 4, slaveId);
	return m;
}

/**
 * The guard on the master's path to the wire: only link-ready, heartbeats with command 00 / 05 / 09,
 * start / stop and the known queries pass. FC 19, FC 1A, FB E8, heartbeat command 02 (and every
 * other opcode) are refused, whatever produced them.
 */
export function isSafeMasterMessage(m: Uint8Array): boolean {
	if (m.length < 2) return false;
	const opcode = u16(m, 0);
	switch (opcode) {
		case Opcode.MasterLinkReady1:
		case Opcode.MasterLinkReady2:
		case Opcode.StartCharging:
		case Opcode.StopCharging:
			return true;
		case Opcode.MasterHeartbeat:
			return m.length > 6 && (m[6] === HeartbeatCommand.NoChange || m[6] === HeartbeatCommand.LimitV1 || m[6] === HeartbeatCommand.LimitV2);
		default:
			return QUERY_OPCODES.includes(opcode);
	}
}

// Slave-side encoders: what a wall connector sends. Used by the simulator and the tests.

/** FD E2: 14 bytes (protocol 1) or 16 (protocol 2): ID, sign, max centiamps, zero padding. */
export function encodeSlaveLinkReady(slaveId: number, sign: number, maxCentiamps: number, protocol: ProtocolVersion): Uint8Array {
	checkId(slaveId);
	const m = message(Opcode.SlaveLinkReady, protocol === 1 ? 11 : 13);
	put16(m, 2, slaveId);
	m[4] = sign & 0xff;
	put16(m, 5, maxCentiamps);
	return m;
}

/** FD E0: ID, master ID, state, limit held, actual amps; 14 bytes (protocol 1) or 16 (protocol 2). */
export function encodeSlaveHeartbeat(
	slaveId: number,
	masterId: number,
	state: number,
	limitCentiamps: number,
	actualCentiamps: number,
	protocol: ProtocolVersion,
): Uint8Array {
	const m = message(Opcode.SlaveHeartbeat, protocol === 1 ? 11 : 13);
	put16(m, 2, slaveId);
	put16(m, 4, masterId);
	m[6] = state;
	put16(m, 7, limitCentiamps);
	put16(m, 9, actualCentiamps);
	return m;
}

/** FD B1 / FD B2 acknowledgement: ID then zeros (16 bytes). */
export function encodeStartStopAck(start: boolean, slaveId: number): Uint8Array {
	const m = message(start ? Opcode.StartAck : Opcode.StopAck, 13);
	put16(m, 2, slaveId);
	return m;
}

/** FD EB, the 20-byte form of firmware 4.5.3+: ID, counter, volts ×3, amps×2 ×3, 2 × 00. */
export function encodeMeterReply(slaveId: number, lifetimeCounter: number, volts: readonly number[], amps: readonly number[]): Uint8Array {
	const m = message(Opcode.MeterReply, 17);
	put16(m, 2, slaveId);
	m[4] = (lifetimeCounter >>> 24) & 0xff;
	m[5] = (lifetimeCounter >>> 16) & 0xff;
	m[6] = (lifetimeCounter >>> 8) & 0xff;
	m[7] = lifetimeCounter & 0xff;
	for (let p = 0; p < 3; p++) {
		put16(m, 8 + 2 * p, Math.round(volts[p] ?? 0));
		m[14 + p] = Math.min(255, Math.round((amps[p] ?? 0) * 2));
	}
	return m;
}

/** FD EE / FD EF / FD F1, 20 bytes: ID, up to 7 ASCII characters, zero padding. */
export function encodeVinReply(slaveId: number, part: 0 | 1 | 2, text: string): Uint8Array {
	const opcode = part === 0 ? Opcode.Vin1Reply : part === 1 ? Opcode.Vin2Reply : Opcode.Vin3Reply;
	const m = message(opcode, 17);
	put16(m, 2, slaveId);
	for (let i = 0; i < text.length && i < 7; i++) m[4 + i] = text.charCodeAt(i) & 0x7f;
	return m;
}

/** FD EC (16 bytes: ID, four version numbers) or the old FD 1B (no ID, three numbers). */
export function encodeFirmwareReply(slaveId: number, version: readonly number[], old: boolean): Uint8Array {
	if (old) {
		const m = message(Opcode.FirmwareReplyOld, 13);
		for (let i = 0; i < 3; i++) m[2 + i] = version[i] ?? 0;
		return m;
	}
	const m = message(Opcode.FirmwareReply, 13);
	put16(m, 2, slaveId);
	for (let i = 0; i < 4; i++) m[4 + i] = version[i] ?? 0;
	return m;
}

/** FD ED (20 bytes: ID, 11 ASCII, 4 × 00) or the old FD 19 (no ID, 11 ASCII). */
export function encodeSerialReply(slaveId: number, serial: string, old: boolean): Uint8Array {
	const m = message(old ? Opcode.SerialReplyOld : Opcode.SerialReply, old ? 13 : 17);
	let at = 2;
	if (!old) {
		put16(m, 2, slaveId);
		at = 4;
	}
	for (let i = 0; i < serial.length && i < 11; i++) m[at + i] = serial.charCodeAt(i) & 0x7f;
	return m;
}

/** FD B4: ID, plug state (00 unplugged, 01 charging, 02 unknown, 03 plugged in), padding. */
export function encodePlugStateReply(slaveId: number, state: number): Uint8Array {
	const m = message(Opcode.PlugStateReply, 13);
	put16(m, 2, slaveId);
	m[4] = state;
	return m;
}

/** Formats a TWC ID as TWCManager shows it: "%02X%02X". */
export function formatTwcId(id: number): string {
	return id.toString(16).toUpperCase().padStart(4, "0");
}
