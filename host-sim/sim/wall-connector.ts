/**
 * A simulated Tesla Wall Connector gen2 set as a slave (reference twcmanager-core.md §2–§3).
 * It talks through any BytePort (normally a SimulatedBus port) and keeps time with a Clock, so it
 * runs in virtual time for tests and benchmarks and in real time for the demo. Work happens per
 * frame received and per reply sent; the car behind it is evaluated lazily (car.ts).
 */
import type { BytePort } from "../../src/platform/byte-port.js";
import type { Clock, TimerHandle } from "../../src/platform/clock.js";
import { seededRandom, type Random } from "../../src/platform/random.js";
import { encodeFrame, FrameDecoder, type FrameStats } from "../../src/twc/frame.js";
import {
	decodeMessage,
	encodeFirmwareReply,
	encodeMeterReply,
	encodePlugStateReply,
	encodeSerialReply,
	encodeSlaveHeartbeat,
	encodeSlaveLinkReady,
	encodeStartStopAck,
	encodeVinReply,
	formatTwcId,
	Opcode,
	opcodeOf,
	SlaveState,
	type Message,
	type ProtocolVersion,
} from "../../src/twc/messages.js";
import type { SimulatedCar } from "./car.js";

export interface LinkReadyBurstOptions {
	/** Link-readies sent in answer to a master's link-ready2 burst (default 5, §3.1). */
	count?: number;
	/** After the second FB E2 (default 200 ms). */
	delayMs?: number;
	/** Between them (default 100 ms). */
	spacingMs?: number;
	/** Random extra delay on each, 0..jitterMs (default 40 ms): slaves answering together may collide. */
	jitterMs?: number;
}

export interface WallConnectorOptions {
	/** The unit's 2-byte TWC ID. */
	id: number;
	/** Sent after the ID in link-ready (default: random). */
	sign?: number;
	maxAmps?: number;
	protocol?: ProtocolVersion;
	/** Volts per phase: one value for every used phase, or one per phase (default 240). */
	volts?: number | readonly number[];
	phases?: 1 | 3;
	/** Four numbers, e.g. [4, 5, 3, 2]; FD 1B reports the first three. */
	firmware?: readonly number[];
	/** 11 ASCII characters (default derived from the ID). */
	serial?: string;
	/** Answers FC B1 / FC B2 with FD B1 / FD B2 and obeys them (firmware 4.5.3+; default true). */
	supportsStartStop?: boolean;
	/** Turnaround before any reply (default 15 ms) plus 0..replyJitterMs (default 0). */
	replyDelayMs?: number;
	replyJitterMs?: number;
	/** First unsolicited link-ready (default random 0–10 s), then every linkReadyIntervalMs (10 s). */
	firstLinkReadyMs?: number;
	linkReadyIntervalMs?: number;
	linkReadyBurst?: LinkReadyBurstOptions;
	/** Without heartbeats for this long the car stops with a fault (default 26 s, §3.5). */
	carFaultAfterMs?: number;
	/** Without heartbeats for this long the unit errs (state 02) and link-readies again (default 30 s). */
	masterTimeoutMs?: number;
	/** How long a fresh charge reports 08 "starting" before 01 (default 2 s). */
	startingStateMs?: number;
	/** Lifetime counter unit in FD EB: kWh per the reference, Wh as some firmware seems to send. */
	meterUnit?: "kWh" | "Wh";
	lifetimeKWh?: number;
	/** Byte sent after the closing C0, like real units (FE, FF, F8…); null for none. Default FE (§1.2). */
	trailingByte?: number | null;
	car?: SimulatedCar;
	random?: Random;
	/** What its heartbeats report as amps drawn, from the true amps (a faulty meter; default: the truth). */
	reportAmps?: (actualAmps: number) => number;
}

/** What the unit heard and said; tests and the benchmark assert on these. */
export interface WallConnectorCounts {
	/** FB E0 addressed to us. */
	heartbeatsReceived: number;
	heartbeatsSent: number;
	/** 05 / 09 that set the limit. */
	limitCommands: number;
	/** 05 ignored by a charging protocol-2 unit, 09 sent to a protocol-1 unit. */
	ignoredLimitCommands: number;
	/** 06 / 07 / 08: understood but not used by TWCManager. */
	otherCommands: number;
	/** Heartbeat command bytes nobody knows. */
	badCommands: number;
	/** FB E0 command 02, FC 19, FC 1A or FB E8 heard on the bus (to anyone): the master must never send them. */
	forbiddenReceived: number;
	queriesAnswered: number;
	startCommands: number;
	stopCommands: number;
	linkReady2Received: number;
	linkReadySent: number;
	/** A heartbeat came from a different master than the one we followed. */
	masterChanges: number;
}

/** Opcodes that can brick a unit (§2.2, §3.8). */
const FORBIDDEN_OPCODES = new Set([0xfc19, 0xfc1a, 0xfbe8]);
const HEARTBEAT_ERROR_COMMAND = 0x02;
/** FB E2 frames further apart than this start a new link-ready2 burst. */
const BURST_GAP_MS = 2000;

export class SimulatedWallConnector {
	readonly id: number;
	readonly sign: number;
	readonly maxAmps: number;
	readonly protocol: ProtocolVersion;
	readonly phases: 1 | 3;
	readonly #clock: Clock;
	readonly #port: BytePort;
	readonly #random: Random;
	readonly #decoder: FrameDecoder;
	readonly #volts: [number, number, number];
	readonly #firmware: readonly number[];
	readonly #serial: string;
	readonly #supportsStartStop: boolean;
	readonly #replyDelayMs: number;
	readonly #replyJitterMs: number;
	readonly #linkReadyIntervalMs: number;
	readonly #burst: Required<LinkReadyBurstOptions>;
	readonly #carFaultAfterMs: number;
	readonly #masterTimeoutMs: number;
	readonly #startingStateMs: number;
	readonly #meterUnit: "kWh" | "Wh";
	readonly #trailingByte: number | null;
	readonly #reportAmps: ((actualAmps: number) => number) | undefined;
	readonly #counts: WallConnectorCounts = {
		heartbeatsReceived: 0,
		heartbeatsSent: 0,
		limitCommands: 0,
		ignoredLimitCommands: 0,
		otherCommands: 0,
		badCommands: 0,
		forbiddenReceived: 0,
		queriesAnswered: 0,
		startCommands: 0,
		stopCommands: 0,
		linkReady2Received: 0,
		linkReadySent: 0,
		masterChanges: 0,
	};

	#car: SimulatedCar | undefined;
	#carEnergyAtAttachWh = 0;
	#meterBaseWh: number;
	/** Centiamps as the master last set them with 05/09 (00 00 = asking for a limit). */
	#limit = 0;
	#master: number | undefined;
	#lastHeartbeatAt: number | undefined;
	#firstHeartbeatAt: number | undefined;
	#firstLinkReadyAt: number | undefined;
	/** Heartbeats stopped long enough for the car to fault (§3.5); cleared by a fresh limit. */
	#carFaulted = false;
	/** Heartbeats stopped > carFaultAfterMs (the limit was dropped); cleared by the next heartbeat. */
	#silenced = false;
	/** Heartbeats stopped > masterTimeoutMs: state 02, link-ready again. */
	#errored = false;
	/** The next heartbeat reply reports 02 (the first one after an error). */
	#reportError = false;
	/** Told to stop by FC B2 (relay open) until FC B1. */
	#stoppedByMaster = false;
	/** Heard heartbeat command 02: answers 02 once, then stays silent until reset() (§2.3). */
	#halted = false;
	#lr2Count = 0;
	#lr2At = -Infinity;
	#linkReadyTimer: TimerHandle | undefined;
	#watchdogArmed = false;
	#burstTimers: TimerHandle[] = [];
	#replyTimers = new Set<TimerHandle>();
	#running = true;

	constructor(clock: Clock, port: BytePort, options: WallConnectorOptions) {
		if (!Number.isInteger(options.id) || options.id < 0 || options.id > 0xffff) throw new RangeError(`bad TWC ID ${options.id}`);
		this.#clock = clock;
		this.#port = port;
		this.#random = options.random ?? seededRandom(options.id + 1);
		this.id = options.id;
		this.sign = (options.sign ?? Math.floor(this.#random.next() * 256)) & 0xff;
		this.maxAmps = options.maxAmps ?? 32;
		this.protocol = options.protocol ?? 2;
		this.phases = options.phases ?? 1;
		const v = options.volts ?? 240;
		const perPhase = (p: number) => (p >= this.phases ? 0 : typeof v === "number" ? v : (v[p] ?? 0));
		this.#volts = [perPhase(0), perPhase(1), perPhase(2)];
		this.#firmware = options.firmware ?? [4, 5, 3, 2];
		this.#serial = options.serial ?? `SIM${formatTwcId(this.id)}0000`;
		this.#supportsStartStop = options.supportsStartStop ?? true;
		this.#replyDelayMs = options.replyDelayMs ?? 15;
		this.#replyJitterMs = options.replyJitterMs ?? 0;
		this.#linkReadyIntervalMs = options.linkReadyIntervalMs ?? 10_000;
		this.#burst = { count: 5, delayMs: 200, spacingMs: 100, jitterMs: 40, ...options.linkReadyBurst };
		this.#carFaultAfterMs = options.carFaultAfterMs ?? 26_000;
		this.#masterTimeoutMs = options.masterTimeoutMs ?? 30_000;
		this.#startingStateMs = options.startingStateMs ?? 2000;
		this.#meterUnit = options.meterUnit ?? "kWh";
		this.#meterBaseWh = (options.lifetimeKWh ?? 0) * 1000;
		this.#trailingByte = options.trailingByte === undefined ? 0xfe : options.trailingByte;
		this.#reportAmps = options.reportAmps;
		this.#decoder = new FrameDecoder((body) => this.#onFrame(body));
		if (options.car) this.attachCar(options.car);
		port.listen({ onBytes: (bytes) => this.#decoder.push(bytes, this.#clock.now()) });
		const first = options.firstLinkReadyMs ?? this.#random.next() * this.#linkReadyIntervalMs;
		this.#linkReadyTimer = clock.setTimer(first, () => this.#linkReadyTick());
	}

	// --- Read-only state for tests and the benchmark -------------------------------------------

	get counts(): Readonly<WallConnectorCounts> {
		return this.#counts;
	}
	/** The frame decoder's counters (bad checksums from collisions land here). */
	get decoderStats(): Readonly<FrameStats> {
		return this.#decoder.stats;
	}
	/** The limit it holds and echoes, in amps (0 before any 05/09). */
	get limitAmps(): number {
		return this.#limit / 100;
	}
	/** What the car draws now (per phase). */
	get actualAmps(): number {
		return this.#car ? this.#car.currentAt(this.#clock.now()) : 0;
	}
	/** The state byte it would report now. */
	get state(): number {
		return this.#stateNow();
	}
	/** The master whose heartbeats it last answered. */
	get linkedMaster(): number | undefined {
		return this.#master;
	}
	get firstLinkReadyAt(): number | undefined {
		return this.#firstLinkReadyAt;
	}
	get firstHeartbeatAt(): number | undefined {
		return this.#firstHeartbeatAt;
	}
	get lastHeartbeatAt(): number | undefined {
		return this.#lastHeartbeatAt;
	}
	/** Silent after heartbeat command 02, until reset(). */
	get isHalted(): boolean {
		return this.#halted;
	}
	get car(): SimulatedCar | undefined {
		return this.#car;
	}
	/** Lifetime energy through this unit (Wh), as FD EB reports it before rounding to its unit. */
	get lifetimeWh(): number {
		const car = this.#car;
		return this.#meterBaseWh + (car ? car.energyWhAt(this.#clock.now()) - this.#carEnergyAtAttachWh : 0);
	}

	// --- Controls -------------------------------------------------------------------------------

	/** Hangs a car on the cable (or none). Its plugged-in state stays the car's own. */
	attachCar(car: SimulatedCar | undefined): void {
		const now = this.#clock.now();
		if (this.#car) {
			this.#meterBaseWh += this.#car.energyWhAt(now) - this.#carEnergyAtAttachWh;
			this.#car.unplug(now);
		}
		this.#car = car;
		if (!car) return;
		car.setSupply(this.#volts[0], this.phases);
		this.#carEnergyAtAttachWh = car.energyWhAt(now);
		car.currentAt(now, this.#offeredAmps());
	}

	/** Plugs the attached car in / out now. */
	plugIn(): void {
		this.#car?.plugIn(this.#clock.now());
	}
	unplug(): void {
		this.#car?.unplug(this.#clock.now());
	}

	/** Holding the reset button: forgets master, limit, errors and halts; link-readies again. */
	reset(): void {
		this.#clearTimers();
		this.#running = true;
		this.#halted = false;
		this.#errored = false;
		this.#reportError = false;
		this.#carFaulted = false;
		this.#silenced = false;
		this.#stoppedByMaster = false;
		this.#master = undefined;
		this.#lastHeartbeatAt = undefined;
		this.#limit = 0;
		this.#pushOffer();
		this.#linkReadyTimer = this.#clock.setTimer(this.#random.next() * this.#linkReadyIntervalMs, () => this.#linkReadyTick());
	}

	/** Powers the unit off: no more timers or frames (the port stays the owner's to close). */
	stop(): void {
		this.#running = false;
		this.#clearTimers();
	}

	// --- Receiving ------------------------------------------------------------------------------

	#onFrame(body: Uint8Array): void {
		if (!this.#running) return;
		const opcode = opcodeOf(body);
		if (opcode === Opcode.MasterHeartbeat && body[6] === HEARTBEAT_ERROR_COMMAND) {
			this.#counts.forbiddenReceived++;
			if (((body[4] << 8) | body[5]) === this.id) this.#halt(body);
			return;
		}
		if (FORBIDDEN_OPCODES.has(opcode)) {
			this.#counts.forbiddenReceived++;
			return;
		}
		if (this.#halted) return;
		const m = decodeMessage(body);
		switch (m.kind) {
			case "masterLinkReady":
				if (m.which === 2) this.#onLinkReady2();
				return;
			case "masterHeartbeat":
				if (m.receiver === this.id) this.#onHeartbeat(m);
				return;
			case "startCharging":
			case "stopCharging":
				if (m.receiver === this.id) this.#onStartStop(m.kind === "startCharging");
				return;
			case "query":
				if (m.receiver === this.id) this.#onQuery(m.opcode);
				return;
			default:
				return;
		}
	}

	#onHeartbeat(m: Extract<Message, { kind: "masterHeartbeat" }>): void {
		const now = this.#clock.now();
		this.#counts.heartbeatsReceived++;
		if (this.#master !== undefined && this.#master !== m.sender) this.#counts.masterChanges++;
		this.#master = m.sender;
		this.#firstHeartbeatAt ??= now;
		this.#lastHeartbeatAt = now;
		this.#linked();
		this.#applyCommand(m.command, m.centiamps);
		const master = m.sender;
		this.#later(this.#replyDelay(), () => {
			this.#send(this.#heartbeatMessage(master));
			this.#counts.heartbeatsSent++;
		});
	}

	/** §2.3 heartbeat commands. NG uses only 00, 05 and 09. */
	#applyCommand(command: number, centiamps: number): void {
		switch (command) {
			case 0x00:
				return;
			case 0x05:
				// Protocol 2 honours 05 only before a car starts charging (§2.3).
				if (this.protocol === 2 && this.#carDrawing()) this.#counts.ignoredLimitCommands++;
				else this.#setLimit(centiamps);
				return;
			case 0x09:
				if (this.protocol === 1) this.#counts.ignoredLimitCommands++;
				else this.#setLimit(centiamps);
				return;
			case 0x06:
			case 0x07:
			case 0x08:
				this.#counts.otherCommands++;
				return;
			default:
				this.#counts.badCommands++;
		}
	}

	#setLimit(centiamps: number): void {
		this.#counts.limitCommands++;
		this.#limit = centiamps;
		this.#carFaulted = false; // a fresh limit resumes a car that faulted on link loss (§3.5)
		this.#pushOffer();
	}

	#onStartStop(start: boolean): void {
		if (!this.#supportsStartStop) {
			this.#counts.otherCommands++;
			return;
		}
		if (start) this.#counts.startCommands++;
		else this.#counts.stopCommands++;
		this.#stoppedByMaster = !start;
		this.#pushOffer();
		this.#later(this.#replyDelay(), () => this.#send(encodeStartStopAck(start, this.id)));
	}

	#onQuery(opcode: number): void {
		const reply = (build: () => Uint8Array) =>
			this.#later(this.#replyDelay(), () => {
				this.#send(build());
				this.#counts.queriesAnswered++;
			});
		switch (opcode) {
			case Opcode.MeterQuery:
				return reply(() => this.#meterMessage());
			case Opcode.Vin1Query:
				return reply(() => encodeVinReply(this.id, 0, this.#vinPart(0, 7)));
			case Opcode.Vin2Query:
				return reply(() => encodeVinReply(this.id, 1, this.#vinPart(7, 14)));
			case Opcode.Vin3Query:
				return reply(() => encodeVinReply(this.id, 2, this.#vinPart(14, 17)));
			case Opcode.FirmwareQuery:
				return reply(() => encodeFirmwareReply(this.id, this.#firmware, false));
			case Opcode.FirmwareQueryOld:
				return reply(() => encodeFirmwareReply(this.id, this.#firmware, true));
			case Opcode.SerialQuery:
				return reply(() => encodeSerialReply(this.id, this.#serial, false));
			case Opcode.SerialQueryOld:
				return reply(() => encodeSerialReply(this.id, this.#serial, true));
			case Opcode.PlugStateQuery:
				return reply(() => encodePlugStateReply(this.id, this.#plugState()));
		}
	}

	/** §3.1: slaves ignore the first FB E2 and answer ~0.2 s after the second with a few link-readies. */
	#onLinkReady2(): void {
		const now = this.#clock.now();
		this.#counts.linkReady2Received++;
		if (now - this.#lr2At > BURST_GAP_MS) this.#lr2Count = 0;
		this.#lr2At = now;
		if (++this.#lr2Count !== 2) return;
		const b = this.#burst;
		for (let i = 0; i < b.count; i++) {
			const delay = b.delayMs + i * b.spacingMs + this.#random.next() * b.jitterMs;
			const handle = this.#clock.setTimer(delay, () => {
				this.#burstTimers = this.#burstTimers.filter((h) => h !== handle);
				this.#sendLinkReady();
			});
			this.#burstTimers.push(handle);
		}
	}

	// --- Link-ready and link loss ---------------------------------------------------------------

	#linkReadyTick(): void {
		this.#linkReadyTimer = undefined;
		if (!this.#running || this.#halted || this.#isLinked()) return;
		this.#sendLinkReady();
		this.#linkReadyTimer = this.#clock.setTimer(this.#linkReadyIntervalMs, () => this.#linkReadyTick());
	}

	#sendLinkReady(): void {
		if (!this.#running || this.#halted) return;
		this.#firstLinkReadyAt ??= this.#clock.now();
		this.#counts.linkReadySent++;
		this.#send(encodeSlaveLinkReady(this.id, this.sign, this.maxAmps * 100, this.protocol));
	}

	#isLinked(): boolean {
		return this.#lastHeartbeatAt !== undefined && !this.#errored;
	}

	/** A heartbeat arrived: stop link-readies, clear an error, watch for the next silence. */
	#linked(): void {
		if (this.#linkReadyTimer !== undefined) {
			this.#clock.clearTimer(this.#linkReadyTimer);
			this.#linkReadyTimer = undefined;
		}
		for (const h of this.#burstTimers) this.#clock.clearTimer(h);
		this.#burstTimers = [];
		this.#silenced = false;
		if (this.#errored) {
			this.#errored = false;
			this.#reportError = true;
		}
		if (!this.#watchdogArmed) this.#armWatchdog(this.#lastHeartbeatAt! + this.#carFaultAfterMs);
	}

	/** One timer per silence, not per heartbeat: it re-arms itself from the latest heartbeat. */
	#armWatchdog(at: number): void {
		this.#watchdogArmed = true;
		this.#later(at - this.#clock.now(), () => {
			this.#watchdogArmed = false;
			const last = this.#lastHeartbeatAt;
			if (last === undefined || this.#errored) return;
			const silent = this.#clock.now() - last + 1e-6; // timers may fire an ulp early
			if (silent < this.#carFaultAfterMs) return this.#armWatchdog(last + this.#carFaultAfterMs);
			if (!this.#silenced) this.#faultCar();
			if (silent < this.#masterTimeoutMs) return this.#armWatchdog(last + this.#masterTimeoutMs);
			this.#errored = true;
			this.#linkReadyTick();
		});
	}

	/**
	 * §3.5: 20–30 s without a master a charging car stops with a fault and the unit reports 08 until
	 * a fresh limit arrives. The unit drops its limit (reports 00 00, asking for one) either way.
	 */
	#faultCar(): void {
		this.#silenced = true;
		if (this.#carDrawing()) {
			this.#carFaulted = true;
			this.#car!.faultAt(this.#clock.now(), "charge cable fault");
		}
		this.#limit = 0;
		this.#pushOffer();
	}

	#halt(body: Uint8Array): void {
		if (this.#halted) return;
		const master = (body[2] << 8) | body[3];
		this.#halted = true;
		this.#pushOffer();
		this.#later(this.#replyDelay(), () => {
			this.#send(encodeSlaveHeartbeat(this.id, master, SlaveState.Error, this.#limit, 0, this.protocol), true);
			this.#counts.heartbeatsSent++;
		});
	}

	// --- What it reports ------------------------------------------------------------------------

	/** Amps the unit lets the car take (the pilot). No safety net: it obeys any limit (§3.8). */
	#offeredAmps(): number {
		if (this.#halted || this.#errored || this.#carFaulted || this.#stoppedByMaster) return 0;
		return this.#limit / 100;
	}

	#pushOffer(): void {
		this.#car?.currentAt(this.#clock.now(), this.#offeredAmps());
	}

	#carDrawing(): boolean {
		return this.#car !== undefined && this.#car.statusAt(this.#clock.now()) === "charging";
	}

	/** §2.3 states. */
	#stateNow(): number {
		if (this.#halted || this.#errored || this.#reportError) return SlaveState.Error;
		const car = this.#car;
		const now = this.#clock.now();
		const status = car ? car.statusAt(now) : "unplugged";
		if (status === "unplugged") return SlaveState.Ready;
		if (this.#carFaulted) return SlaveState.Starting; // "also seen when the master vanished while charging"
		switch (status) {
			case "charging": {
				const since = car!.drawingSinceAt(now) ?? now;
				return now - since < this.#startingStateMs ? SlaveState.Starting : SlaveState.Charging;
			}
			case "stopped":
			case "complete":
				return SlaveState.PluggedDoNotCharge;
			default:
				return this.#stoppedByMaster ? SlaveState.PluggedDoNotCharge : SlaveState.PluggedReady;
		}
	}

	#heartbeatMessage(master: number): Uint8Array {
		const state = this.#stateNow();
		this.#reportError = false;
		const amps = this.#reportAmps ? this.#reportAmps(this.actualAmps) : this.actualAmps;
		const actual = Math.max(0, Math.min(0xffff, Math.round(amps * 100)));
		return encodeSlaveHeartbeat(this.id, master, state, this.#limit, actual, this.protocol);
	}

	#meterMessage(): Uint8Array {
		const wh = this.lifetimeWh;
		const counter = Math.floor(this.#meterUnit === "kWh" ? wh / 1000 : wh) >>> 0;
		const amps = this.actualAmps;
		const perPhase = [0, 1, 2].map((p) => (p < this.phases ? amps : 0));
		return encodeMeterReply(this.id, counter, this.#volts, perPhase);
	}

	/** VIN characters [from, to), or "" (all zeros) without a plugged-in Tesla (§2.3). */
	#vinPart(from: number, to: number): string {
		const car = this.#car;
		if (!car?.isPluggedIn || car.vin === null) return "";
		return car.vin.slice(from, to);
	}

	/** FD B4: 00 unplugged, 01 charging, 03 plugged in not charging (CP layout). */
	#plugState(): number {
		const car = this.#car;
		if (!car) return 0;
		const status = car.statusAt(this.#clock.now());
		return status === "unplugged" ? 0 : status === "charging" ? 1 : 3;
	}

	// --- Sending --------------------------------------------------------------------------------

	#replyDelay(): number {
		return this.#replyDelayMs + (this.#replyJitterMs > 0 ? this.#random.next() * this.#replyJitterMs : 0);
	}

	#send(message: Uint8Array, evenIfHalted = false): void {
		if (!this.#running || (this.#halted && !evenIfHalted)) return;
		const frame = encodeFrame(message);
		if (this.#trailingByte === null) {
			this.#port.write(frame);
			return;
		}
		const out = new Uint8Array(frame.length + 1);
		out.set(frame);
		out[frame.length] = this.#trailingByte;
		this.#port.write(out);
	}

	/** A timer that stop() and reset() can cancel. */
	#later(delayMs: number, callback: () => void): void {
		const handle = this.#clock.setTimer(delayMs, () => {
			this.#replyTimers.delete(handle);
			if (this.#running) callback();
		});
		this.#replyTimers.add(handle);
	}

	#clearTimers(): void {
		if (this.#linkReadyTimer !== undefined) this.#clock.clearTimer(this.#linkReadyTimer);
		this.#linkReadyTimer = undefined;
		for (const h of this.#burstTimers) this.#clock.clearTimer(h);
		this.#burstTimers = [];
		for (const h of this.#replyTimers) this.#clock.clearTimer(h);
		this.#replyTimers.clear();
		this.#watchdogArmed = false;
	}
}
