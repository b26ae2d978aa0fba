/**
 * Modbus TCP in the portable core (Kostal, SolarEdge SunSpec, SMA, any register map): the MBAP
 * framing, read holding / input registers (function 3 / 4), exception answers by name, one request
 * at a time on one connection with a transaction id and a timeout each, over the platform's
 * `TcpClient`. Never throws: every failure is an error text naming the device and what went wrong.
 */
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { TcpClient, TcpSocket } from "../platform/tcp.js";

export type ReadFunction = 3 | 4;

/** Modbus exception codes (Modbus Application Protocol v1.1b3 §7) by name. */
export function exceptionName(code: number): string {
	switch (code) {
		case 1: return "illegal function";
		case 2: return "illegal data address";
		case 3: return "illegal data value";
		case 4: return "server device failure";
		case 5: return "acknowledge (busy with a long command)";
		case 6: return "server device busy";
		case 8: return "memory parity error";
		case 10: return "gateway path unavailable";
		case 11: return "gateway target device failed to respond";
		default: return `exception ${code}`;
	}
}

/** The 12-byte request frame: MBAP header (transaction id, protocol 0, length 6, unit) + PDU. */
export function readRequestFrame(transactionId: number, unit: number, fn: ReadFunction, address: number, count: number): Uint8Array {
	const frame = new Uint8Array(12);
	frame[0] = (transactionId >> 8) & 0xff;
	frame[1] = transactionId & 0xff;
	frame[2] = 0;
	frame[3] = 0;
	frame[4] = 0;
	frame[5] = 6;
	frame[6] = unit & 0xff;
	frame[7] = fn;
	frame[8] = (address >> 8) & 0xff;
	frame[9] = address & 0xff;
	frame[10] = (count >> 8) & 0xff;
	frame[11] = count & 0xff;
	return frame;
}

/** One whole answer frame, as split off the byte stream. */
export interface ModbusFrame {
	transactionId: number;
	unit: number;
	/** The PDU: function code, then data. */
	pdu: Uint8Array;
}

/** The longest legal MBAP length field: unit id + a 253-byte PDU. */
const MAX_MBAP_LENGTH = 254;

/**
 * Splits a TCP byte stream into MBAP frames (answers may arrive in pieces or several at once).
 * Bytes that cannot be Modbus TCP (protocol id not 0, impossible length) are an error: the peer is
 * not a Modbus TCP server, or the stream is out of step and the connection must be dropped.
 */
export class MbapReader {
	#buffer = new Uint8Array(0);

	/** Adds bytes; returns the whole frames now complete, or an error text. */
	push(bytes: Uint8Array): ModbusFrame[] | string {
		const joined = new Uint8Array(this.#buffer.length + bytes.length);
		joined.set(this.#buffer, 0);
		joined.set(bytes, this.#buffer.length);
		const frames: ModbusFrame[] = [];
		let at = 0;
		while (joined.length - at >= 7) {
			const protocol = (joined[at + 2] << 8) | joined[at + 3];
			const length = (joined[at + 4] << 8) | joined[at + 5];
			if (protocol !== 0 || length < 2 || length > MAX_MBAP_LENGTH) {
				this.#buffer = new Uint8Array(0);
				return `not a Modbus TCP answer (protocol id ${protocol}, length ${length}; first bytes ${hex(joined.subarray(at, at + 8))}): is this the Modbus TCP port?`;
			}
			if (joined.length - at < 6 + length) break;
			frames.push({
				transactionId: (joined[at] << 8) | joined[at + 1],
				unit: joined[at + 6],
				pdu: joined.slice(at + 7, at + 6 + length),
			});
			at += 6 + length;
		}
		this.#buffer = joined.slice(at);
		return frames;
	}

	reset(): void {
		this.#buffer = new Uint8Array(0);
	}
}

/**
 * The registers of a read answer's PDU, or an error text: an exception by name, a different
 * function, or a byte count that does not match the registers asked for.
 */
export function readAnswerRegisters(pdu: Uint8Array, fn: ReadFunction, count: number): number[] | string {
	if (pdu.length < 2) return `answer too short (${pdu.length} bytes)`;
	if (pdu[0] === (fn | 0x80)) return `the device answered exception ${pdu[1]}: ${exceptionName(pdu[1])}`;
	if (pdu[0] !== fn) return `answer to function ${pdu[0]}, asked function ${fn}`;
	const byteCount = pdu[1];
	if (byteCount !== count * 2 || pdu.length < 2 + byteCount) return `answer holds ${Math.min(byteCount, pdu.length - 2)} bytes, asked for ${count} registers (${count * 2} bytes)`;
	const registers: number[] = [];
	for (let i = 0; i < count; i++) registers.push((pdu[2 + 2 * i] << 8) | pdu[3 + 2 * i]);
	return registers;
}

export type RegisterType = "int16" | "uint16" | "int32" | "uint32" | "float32";
/** "big": high word first (ABCD, SunSpec, SMA); "little": low word first (CDAB). */
export type WordOrder = "big" | "little";

/** Registers a value of this type occupies. */
export function registerCount(type: RegisterType): number {
	return type === "int16" || type === "uint16" ? 1 : 2;
}

/** The "not implemented / not available" values of SunSpec and SMA for each type. */
export function isNotAvailable(registers: readonly number[], type: RegisterType, order: WordOrder = "big"): boolean {
	if (type === "int16") return registers[0] === 0x8000;
	if (type === "uint16") return registers[0] === 0xffff;
	const [hi, lo] = order === "big" ? [registers[0], registers[1]] : [registers[1], registers[0]];
	if (type === "int32") return hi === 0x8000 && lo === 0;
	if (type === "uint32") return hi === 0xffff && lo === 0xffff;
	return false;
}

/** Decodes a value from registers (each 0..65535) at `offset`. */
export function decodeRegisters(registers: readonly number[], type: RegisterType, order: WordOrder = "big", offset = 0): number {
	const a = registers[offset] & 0xffff;
	if (type === "uint16") return a;
	if (type === "int16") return a >= 0x8000 ? a - 0x10000 : a;
	const b = registers[offset + 1] & 0xffff;
	const [hi, lo] = order === "big" ? [a, b] : [b, a];
	const u32 = hi * 0x10000 + lo;
	if (type === "uint32") return u32;
	if (type === "int32") return u32 >= 0x80000000 ? u32 - 0x100000000 : u32;
	// IEEE-754 single precision, decoded by hand (no DataView on a module-level buffer on XS needed).
	const sign = hi & 0x8000 ? -1 : 1;
	const exponent = (hi >> 7) & 0xff;
	const mantissa = (hi & 0x7f) * 0x10000 + lo;
	if (exponent === 0xff) return mantissa === 0 ? sign * Infinity : NaN;
	if (exponent === 0) return sign * mantissa * 2 ** -149;
	return sign * (1 + mantissa / 0x800000) * 2 ** (exponent - 127);
}

function hex(bytes: Uint8Array): string {
	let text = "";
	for (const b of bytes) text += (text ? " " : "") + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
	return text;
}

export interface ModbusTcpClientOptions {
	tcp: TcpClient;
	clock: Clock;
	host: string;
	port: number;
	/** Default unit id of the requests. */
	unit: number;
	/** How long one request may wait for its answer (default 3000 ms). */
	timeoutMs?: number;
}

export type RegistersResult = { ok: true; registers: number[] } | { ok: false; error: string };

interface PendingRead {
	fn: ReadFunction;
	address: number;
	count: number;
	unit: number;
	done: (result: RegistersResult) => void;
}

/** The most registers one read may ask for (Modbus limit). */
export const MAX_READ_REGISTERS = 125;

/**
 * A Modbus TCP client for one device: connects when a read is asked for, keeps the connection for
 * the next ones, sends one request at a time (many inverters serve only one), and fails a request
 * after `timeoutMs`. After a timeout or garbage the connection is dropped, so a late answer can
 * never be taken for the next request's; the next read connects again.
 */
export class ModbusTcpClient {
	readonly #options: ModbusTcpClientOptions;
	readonly #timeoutMs: number;
	readonly #reader = new MbapReader();
	readonly #queue: PendingRead[] = [];
	#socket: TcpSocket | undefined;
	#connected = false;
	#current: PendingRead | undefined;
	#currentId = 0;
	#transactionId = 0;
	#timer: TimerHandle | undefined;
	#closed = false;

	constructor(options: ModbusTcpClientOptions) {
		this.#options = options;
		this.#timeoutMs = options.timeoutMs ?? 3000;
	}

	/** "host:port unit N", for errors. */
	get where(): string {
		return `${this.#options.host}:${this.#options.port} unit ${this.#options.unit}`;
	}

	/** Reads `count` registers at `address`; `done` is called exactly once. */
	read(fn: ReadFunction, address: number, count: number, done: (result: RegistersResult) => void, unit = this.#options.unit): void {
		if (this.#closed) return done({ ok: false, error: "closed" });
		if (!Number.isInteger(address) || address < 0 || address > 0xffff || !Number.isInteger(count) || count < 1 || count > MAX_READ_REGISTERS || address + count > 0x10000) {
			return done({ ok: false, error: `cannot read ${count} registers at ${address} (1 to ${MAX_READ_REGISTERS} registers within 0..65535)` });
		}
		this.#queue.push({ fn, address, count, unit, done });
		this.#next();
	}

	/** Reads registers and decodes them as one value. */
	readValue(fn: ReadFunction, address: number, type: RegisterType, order: WordOrder, done: (value: number | string) => void): void {
		this.read(fn, address, registerCount(type), (result) => done(result.ok ? decodeRegisters(result.registers, type, order) : result.error));
	}

	close(): void {
		this.#closed = true;
		this.#drop("closed");
	}

	#next(): void {
		if (this.#current !== undefined || this.#queue.length === 0 || this.#closed) return;
		if (this.#socket === undefined) return this.#connect();
		if (!this.#connected) return; // the connect in progress sends it
		const request = this.#queue.shift()!;
		this.#current = request;
		this.#transactionId = (this.#transactionId + 1) & 0xffff;
		this.#currentId = this.#transactionId;
		this.#timer = this.#options.clock.setTimer(this.#timeoutMs, () => {
			this.#timer = undefined;
			this.#failCurrent(`no answer within ${this.#timeoutMs} ms`);
			this.#drop(undefined);
			this.#next();
		});
		const sent = this.#socket.write(readRequestFrame(this.#currentId, request.unit, request.fn, request.address, request.count));
		if (!sent) {
			this.#failCurrent("the connection is not open");
			this.#drop(undefined);
			this.#next();
		}
	}

	#connect(): void {
		const { host, port } = this.#options;
		this.#reader.reset();
		this.#connected = false;
		let socket: TcpSocket | undefined;
		// A connect that hangs is covered by a timer of its own (the platform may wait much longer).
		this.#timer = this.#options.clock.setTimer(this.#timeoutMs, () => {
			this.#timer = undefined;
			if (socket !== this.#socket) return;
			this.#drop(`could not connect within ${this.#timeoutMs} ms`);
		});
		socket = this.#options.tcp.connect({
			host,
			port,
			onConnect: () => {
				if (socket !== this.#socket) return;
				this.#clearTimer();
				this.#connected = true;
				this.#next();
			},
			onBytes: (bytes) => {
				if (socket === this.#socket) this.#onBytes(bytes);
			},
			onClose: (reason) => {
				if (socket !== this.#socket) return;
				this.#socket = undefined;
				this.#drop(this.#connected ? `connection lost (${reason})` : `cannot connect (${reason})`);
			},
		});
		this.#socket = socket;
	}

	#onBytes(bytes: Uint8Array): void {
		const frames = this.#reader.push(bytes);
		if (typeof frames === "string") {
			this.#failCurrent(frames);
			this.#drop(undefined);
			this.#next();
			return;
		}
		for (const frame of frames) {
			const request = this.#current;
			// A stray or late answer (another transaction) is not ours: skip it.
			if (request === undefined || frame.transactionId !== this.#currentId) continue;
			this.#clearTimer();
			this.#current = undefined;
			const registers = readAnswerRegisters(frame.pdu, request.fn, request.count);
			request.done(typeof registers === "string" ? { ok: false, error: registers } : { ok: true, registers });
		}
		this.#next();
	}

	#failCurrent(error: string): void {
		const request = this.#current;
		this.#current = undefined;
		this.#clearTimer();
		request?.done({ ok: false, error });
	}

	/** Drops the connection; with a reason, fails every request waiting (the device is unreachable). */
	#drop(reason: string | undefined): void {
		this.#clearTimer();
		const socket = this.#socket;
		this.#socket = undefined;
		this.#connected = false;
		this.#reader.reset();
		socket?.close();
		if (reason === undefined) return;
		this.#failCurrent(reason);
		const waiting = this.#queue.splice(0, this.#queue.length);
		for (const request of waiting) request.done({ ok: false, error: reason });
	}

	#clearTimer(): void {
		if (this.#timer !== undefined) this.#options.clock.clearTimer(this.#timer);
		this.#timer = undefined;
	}
}

export interface RegisterRead {
	fn: ReadFunction;
	address: number;
	count: number;
}

/**
 * Reads several blocks one after the other; the registers of each, or the first error prefixed
 * with the block that failed ("holding register 100: ...").
 */
export function readBlocks(client: ModbusTcpClient, reads: readonly RegisterRead[], done: (result: number[][] | string) => void): void {
	const results: number[][] = [];
	const next = (i: number): void => {
		if (i >= reads.length) return done(results);
		const { fn, address, count } = reads[i];
		client.read(fn, address, count, (result) => {
			if (!result.ok) return done(`${fn === 3 ? "holding" : "input"} register ${address}${count > 1 ? `..${address + count - 1}` : ""}: ${result.error}`);
			results.push(result.registers);
			next(i + 1);
		});
	};
	next(0);
}
