/**
 * A simulated RS485 half-duplex bus at 9600 baud 8N1 (reference twcmanager-core.md §1.1, §3.4).
 *
 * Per frame, not per byte: a write occupies the wire for bytes × BYTE_TIME_MS and is delivered whole
 * to every other port when its last byte has gone (one clock timer per frame). Two transmissions
 * from different ports that overlap in time garble each other's overlapped bytes and count as a
 * collision. Only the Clock and Random interfaces are used, so it runs in virtual or real time.
 */
import type { BytePort, BytePortListener } from "../../src/platform/byte-port.js";
import type { Clock } from "../../src/platform/clock.js";
import { seededRandom, type Random } from "../../src/platform/random.js";
import { BYTE_TIME_MS } from "../../src/twc/frame.js";

export type BusRole = "master" | "slave";

export interface BusNoiseOptions {
	/** Probability, per frame, that 1..maxBytes random bytes follow it on the wire (line noise). */
	byteProbability?: number;
	/** Most noise bytes after one frame (default 2). */
	maxBytes?: number;
	/** Probability, per frame, that one random bit of it is flipped in transit. */
	bitFlipProbability?: number;
}

export interface SimulatedBusOptions {
	/** Drives the noise; default a fixed seed so runs repeat. */
	random?: Random;
	/** Every port also hears its own frames, like RS485 adapters that echo (default false). */
	echoToSender?: boolean;
	noise?: BusNoiseOptions;
}

export interface BusStats {
	/** Frames put on the wire, by sender role. */
	frames: { master: number; slave: number };
	/** Bytes put on the wire, by sender role. */
	bytes: { master: number; slave: number };
	/** Overlapping pairs of transmissions, by class. masterVsSlave is the one a good master avoids. */
	collisions: { masterVsSlave: number; slaveVsSlave: number; masterVsMaster: number };
	/** Frames delivered with at least one byte garbled by a collision. */
	garbledFrames: number;
	/** Bytes handed to listeners (each receiver counted). */
	bytesDelivered: number;
	/** Noise bytes injected between frames, and bits flipped inside frames. */
	noiseBytes: number;
	bitFlips: number;
}

/** One frame as it went over the wire, for logs and the benchmark. */
export interface BusTransmission {
	sender: string;
	role: BusRole;
	/** The bytes as receivers got them (garbled if it collided). */
	bytes: Uint8Array;
	/** The bytes as the sender wrote them. */
	sent: Uint8Array;
	startMs: number;
	endMs: number;
	collided: boolean;
}

export type BusMonitor = (transmission: BusTransmission) => void;

interface InFlight {
	port: SimulatedBusPort;
	original: Uint8Array;
	/** What receivers get; starts as a copy of `original`, overlapped bytes are garbled. */
	wire: Uint8Array;
	start: number;
	end: number;
	collided: boolean;
}

/** Floating-point slack: a frame that starts exactly when another ends does not overlap it. */
const EPSILON_MS = 1e-6;

export class SimulatedBus {
	readonly #clock: Clock;
	readonly #random: Random;
	readonly #echo: boolean;
	readonly #noise: Required<BusNoiseOptions>;
	readonly #ports: SimulatedBusPort[] = [];
	readonly #inFlight: InFlight[] = [];
	readonly #monitors: BusMonitor[] = [];
	readonly #stats: BusStats = {
		frames: { master: 0, slave: 0 },
		bytes: { master: 0, slave: 0 },
		collisions: { masterVsSlave: 0, slaveVsSlave: 0, masterVsMaster: 0 },
		garbledFrames: 0,
		bytesDelivered: 0,
		noiseBytes: 0,
		bitFlips: 0,
	};
	#busyUntil = -Infinity;

	constructor(clock: Clock, options: SimulatedBusOptions = {}) {
		this.#clock = clock;
		this.#random = options.random ?? seededRandom(0x7c0);
		this.#echo = options.echoToSender ?? false;
		this.#noise = {
			byteProbability: options.noise?.byteProbability ?? 0,
			maxBytes: Math.max(1, options.noise?.maxBytes ?? 2),
			bitFlipProbability: options.noise?.bitFlipProbability ?? 0,
		};
	}

	/** Connects a device. `echo` overrides the bus-wide echoToSender for this port. */
	attach(name: string, role: BusRole, options: { echo?: boolean } = {}): SimulatedBusPort {
		const port = new SimulatedBusPort(this, name, role, options.echo ?? this.#echo);
		this.#ports.push(port);
		return port;
	}

	/** Live counters (read-only view). */
	get stats(): Readonly<BusStats> {
		return this.#stats;
	}

	/** When the last frame now on (or queued for) the wire ends; in the past when the bus is idle. */
	get busyUntil(): number {
		return this.#busyUntil;
	}

	/** Calls `monitor` with every frame when it is delivered. Returns a function that removes it. */
	monitor(monitor: BusMonitor): () => void {
		this.#monitors.push(monitor);
		return () => {
			const i = this.#monitors.indexOf(monitor);
			if (i >= 0) this.#monitors.splice(i, 1);
		};
	}

	/** @internal Called by SimulatedBusPort.write. */
	transmit(port: SimulatedBusPort, bytes: Uint8Array, notBefore: number): number {
		const start = Math.max(this.#clock.now(), notBefore);
		const end = start + bytes.length * BYTE_TIME_MS;
		const frame: InFlight = { port, original: bytes.slice(), wire: bytes.slice(), start, end, collided: false };
		for (const other of this.#inFlight) {
			if (other.port === port || other.start >= end - EPSILON_MS || start >= other.end - EPSILON_MS) continue;
			this.#collide(frame, other);
		}
		this.#inFlight.push(frame);
		this.#stats.frames[port.role]++;
		this.#stats.bytes[port.role] += bytes.length;
		if (end > this.#busyUntil) this.#busyUntil = end;
		this.#clock.setTimer(end - this.#clock.now(), () => this.#deliver(frame));
		return end;
	}

	/** @internal The port is open from the start: say so, on the next turn (as a serial binding would). */
	announce(port: SimulatedBusPort): void {
		this.#clock.setTimer(0, () => port.opened());
	}

	/** @internal */
	detach(port: SimulatedBusPort): void {
		const i = this.#ports.indexOf(port);
		if (i >= 0) this.#ports.splice(i, 1);
	}

	#collide(a: InFlight, b: InFlight): void {
		const roles = a.port.role + b.port.role;
		const c = this.#stats.collisions;
		if (roles === "masterslave" || roles === "slavemaster") c.masterVsSlave++;
		else if (roles === "slaveslave") c.slaveVsSlave++;
		else c.masterVsMaster++;
		garble(a, b);
		garble(b, a);
	}

	#deliver(frame: InFlight): void {
		const i = this.#inFlight.indexOf(frame);
		if (i >= 0) this.#inFlight.splice(i, 1);
		const bytes = this.#withNoise(frame.wire);
		if (frame.collided) this.#stats.garbledFrames++;
		// Copy the list: a listener may attach or close ports while we deliver.
		for (const port of this.#ports.slice()) {
			if (port === frame.port && !port.echo) continue;
			this.#stats.bytesDelivered += bytes.length;
			port.receive(bytes);
		}
		if (this.#monitors.length > 0) {
			const t: BusTransmission = {
				sender: frame.port.name,
				role: frame.port.role,
				bytes: frame.wire,
				sent: frame.original,
				startMs: frame.start,
				endMs: frame.end,
				collided: frame.collided,
			};
			for (const monitor of this.#monitors.slice()) monitor(t);
		}
	}

	/** Line noise: maybe flip one bit, maybe append random bytes (which may well contain C0). */
	#withNoise(wire: Uint8Array): Uint8Array {
		const n = this.#noise;
		if (n.bitFlipProbability > 0 && this.#random.next() < n.bitFlipProbability) {
			const at = Math.floor(this.#random.next() * wire.length);
			wire[at] ^= 1 << Math.floor(this.#random.next() * 8);
			this.#stats.bitFlips++;
		}
		if (n.byteProbability > 0 && this.#random.next() < n.byteProbability) {
			const count = 1 + Math.floor(this.#random.next() * n.maxBytes);
			const out = new Uint8Array(wire.length + count);
			out.set(wire);
			for (let k = 0; k < count; k++) out[wire.length + k] = Math.floor(this.#random.next() * 256);
			this.#stats.noiseBytes += count;
			return out;
		}
		return wire;
	}
}

/**
 * Garbles the bytes of `a` that were on the wire while `b` was: two drivers fighting give neither
 * byte. XOR with the other byte (FF if that one is 00) always changes the byte, so the frame fails
 * its checksum or loses a delimiter.
 */
function garble(a: InFlight, b: InFlight): void {
	a.collided = true;
	const from = Math.max(a.start, b.start);
	const to = Math.min(a.end, b.end);
	const first = Math.max(0, Math.floor((from - a.start) / BYTE_TIME_MS + EPSILON_MS));
	const last = Math.min(a.wire.length - 1, Math.ceil((to - a.start) / BYTE_TIME_MS - EPSILON_MS) - 1);
	for (let i = first; i <= last; i++) {
		const at = Math.max(a.start + i * BYTE_TIME_MS, b.start);
		const j = Math.min(b.original.length - 1, Math.floor((at - b.start) / BYTE_TIME_MS + EPSILON_MS));
		a.wire[i] ^= b.original[j] || 0xff;
	}
}

/** One device's connection to the bus. Implements the core's BytePort. */
export class SimulatedBusPort implements BytePort {
	readonly #bus: SimulatedBus;
	readonly name: string;
	readonly role: BusRole;
	readonly echo: boolean;
	#listener: BytePortListener | undefined;
	#open = true;
	/** When this port's UART finishes its current transmission: the next one starts after it. */
	#txEnd = -Infinity;

	/** @internal Use SimulatedBus.attach. */
	constructor(bus: SimulatedBus, name: string, role: BusRole, echo: boolean) {
		this.#bus = bus;
		this.name = name;
		this.role = role;
		this.echo = echo;
	}

	get isOpen(): boolean {
		return this.#open;
	}

	/** When this port's last queued frame leaves the wire. */
	get transmittingUntil(): number {
		return this.#txEnd;
	}

	listen(listener: BytePortListener): void {
		this.#listener = listener;
		if (this.#open) this.#bus.announce(this);
	}

	write(bytes: Uint8Array): boolean {
		if (!this.#open) return false;
		if (bytes.length === 0) return true;
		this.#txEnd = this.#bus.transmit(this, bytes, this.#txEnd);
		return true;
	}

	close(): void {
		if (!this.#open) return;
		this.#open = false;
		this.#listener = undefined;
		this.#bus.detach(this);
	}

	/** @internal */
	opened(): void {
		if (this.#open) this.#listener?.onStatus?.(true, `simulated bus (${this.name})`);
	}

	/** @internal Called by the bus when a frame has fully arrived. */
	receive(bytes: Uint8Array): void {
		this.#listener?.onBytes(bytes);
	}
}
