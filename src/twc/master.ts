/**
 * The master side of the TWC gen2 load-sharing protocol (reference twcmanager-core.md §3).
 * It links the slaves, heartbeats each of them once per second with the limit the charging logic
 * wants (through the safety gate), and asks for meter, VIN, firmware and serial data in the gaps.
 * It decides no amps itself: `offers.offerFor(slave)` does.
 *
 * The bus is half-duplex: after a frame that expects a reply the master waits for the reply or
 * 100 ms before it talks again, and a query is only started if its worst case ends before the next
 * heartbeat is due, so heartbeats keep their one-second rhythm (±0.1 s) with 1 to 3 slaves.
 */
import type { BytePort } from "../platform/byte-port.js";
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { Log } from "../platform/log.js";
import type { Random } from "../platform/random.js";
import { BYTE_TIME_MS, encodeFrame, FrameDecoder, toHex, type FrameStats } from "./frame.js";
import { badFrames, BusHealth, SAMPLE_MS, type BusHealthStatus, type UnitHealth } from "./bus-health.js";
import { gateLimit } from "./limit-gate.js";
import {
	decodeMessage,
	encodeMasterHeartbeat,
	encodeMasterLinkReady,
	encodeQuery,
	encodeStartStop,
	formatTwcId,
	HeartbeatCommand,
	isSafeMasterMessage,
	Opcode,
	opcodeName,
	type Message,
} from "./messages.js";
import { CommandedLimits, OTHER_MASTER_HOLD_MS, OtherMasterWatch, type OtherMaster } from "./other-master.js";
import { SlaveRecord } from "./slave.js";
import { assembleVin } from "./vin.js";

/** Where the master asks how many amps a slave should be offered (the charging logic). */
export interface OfferSource {
	/** Whole amps wanted for this slave now; the master's gate still applies the wiring limits. */
	offerFor(slave: SlaveRecord): number;
}

export type MasterEvent =
	| { type: "linked"; slave: SlaveRecord }
	| { type: "dropped"; slave: SlaveRecord; reason: string }
	| { type: "heartbeat"; slave: SlaveRecord; chargingChange: "started" | "stopped" | undefined }
	| { type: "meter"; slave: SlaveRecord }
	| { type: "vin"; slave: SlaveRecord; vin: string }
	| { type: "startStopAck"; slave: SlaveRecord; start: boolean }
	| { type: "rivalMaster"; id: number; message: string }
	| { type: "tooManySlaves"; id: number; message: string }
	| { type: "port"; open: boolean; reason: string };

export interface MasterOptions {
	clock: Clock;
	log: Log;
	port: BytePort;
	offers: OfferSource;
	/** Jitters the heartbeat rhythm (see HEARTBEAT_JITTER_MS). */
	random: Random;
	wiringMaxAmpsAllTWCs: number;
	wiringMaxAmpsPerTWC: number;
	/** Our ID and sign on the bus (TWCManager: 7777 / 77). */
	masterId?: number;
	sign?: number;
	/** Silence after which a slave is dropped (26 s, §3.5). */
	slaveTimeoutMs?: number;
	onEvent?(event: MasterEvent): void;
}

/** Timing constants (§3.1–§3.4). */
export const HEARTBEAT_INTERVAL_MS = 1000;
export const REPLY_TIMEOUT_MS = 100;
export const LINK_READY_SPACING_MS = 100;
export const LINK_READY_COUNT = 5;
export const METER_INTERVAL_MS = 60_000;
export const MAX_SLAVES = 3;
/**
 * Before its first link-ready the master listens this long: a master already running on the bus
 * heartbeats each of its units once a second, so it is heard (other-master.ts) before we link a
 * unit and command it anything.
 */
export const LISTEN_BEFORE_LINK_MS = 1500;
/** Quiet time after the end of any frame before we talk (a unit's trailing byte follows its C0). */
export const GUARD_MS = 5;
/** A dropped slave's last limit stays reserved this long: it may still be drawing it. */
export const DROPPED_RESERVE_MS = 60_000;
/** VIN: at most this many tries per charging session, a minute apart (§3.3). */
const VIN_MAX_ATTEMPTS = 6;
const VIN_RETRY_MS = 60_000;
/** Longest frame we send, for the gap check: 16-byte body, worst-case escapes, delimiters. */
const WORST_FRAME_MS = 34 * BYTE_TIME_MS;
/** Heartbeats of different slaves are kept at least this far apart (up to 1 s / number of slaves). */
const HEARTBEAT_SPACING_MS = 300;
const HEARTBEAT_NUDGE_MS = 30;
/**
 * Each heartbeat goes out up to this much before or after its slot. Units repeat link-ready every
 * 10 s exactly; an exact 1 s heartbeat can lock onto that phase so that a unit's link-ready hits the
 * same heartbeat every time and it never links (seen in the bus benchmark). Jitter breaks the lock.
 */
export const HEARTBEAT_JITTER_MS = 40;
/** Our own timer coming due later than this means the clock stepped forward (see #followClock). */
const CLOCK_STEP_MS = 1000;
/** Repeated identical warnings are logged at most this often. */
const WARN_INTERVAL_MS = 60_000;

interface Awaiting {
	slaveId: number;
	/** Reply opcode expected. */
	reply: number;
	deadline: number;
	/** What to do if it never comes. */
	onTimeout(): void;
}

interface QueuedQuery {
	opcode: number;
	/** Earliest time it may go out. */
	notBefore: number;
}

interface PerSlave {
	queries: QueuedQuery[];
	nextMeterAt: number;
	nextVinAt: number;
	startStop: boolean | undefined;
	/** The highest cap it has had since it linked (its FD E2 maximum can change at a relink). */
	highestCap: number;
	/** What we commanded it lately, to tell its reports of another master's limits. */
	limits: CommandedLimits;
}

/** The bus as the user sees it: GET /api/v1/state `bus`. */
export interface BusStatus extends BusHealthStatus {
	units: UnitHealth[];
	/** Another master heard in the last minute (its limits are then restricted), else null. */
	otherMaster: (OtherMaster & { shareAmps: number; unitsSeen: number }) | null;
}

export interface MasterStats {
	decoder: FrameStats;
	heartbeatsSent: number;
	repliesMissed: number;
	queriesSent: number;
	linkReadySent: number;
	echoes: number;
	fromUnknownSlaves: number;
	unknownMessages: number;
	refusedFrames: number;
	writeFailures: number;
}

export class Master {
	readonly masterId: number;
	readonly sign: number;
	readonly stats: MasterStats;
	#clock: Clock;
	#log: Log;
	#port: BytePort;
	#offers: OfferSource;
	#random: Random;
	#wiringAll: number;
	#wiringPer: number;
	#slaveTimeoutMs: number;
	#onEvent: (event: MasterEvent) => void;
	#decoder: FrameDecoder;

	#slaves: SlaveRecord[] = [];
	#perSlave = new Map<number, PerSlave>();
	#reserved: { amps: number; until: number }[] = [];
	#linkReadyLeft = 0;
	#nextLinkReadyAt = 0;
	#busyUntil = 0;
	#awaiting: Awaiting | undefined;
	#timer: TimerHandle | undefined;
	#timerAt = Infinity;
	#running = false;
	#inPump = false;
	#pumpAgain = false;
	#lastWarn = new Map<string, number>();
	#watch: OtherMasterWatch;
	#health: BusHealth;
	#nextSampleAt = -Infinity;
	#startedAt = -Infinity;
	/** The clock at the last step or frame, to see it step back (see #followClock). */
	#lastNow = -Infinity;
	/** When the timer that just fired was due, until #followClock has looked at it. */
	#firedDueAt = Infinity;

	constructor(options: MasterOptions) {
		this.#clock = options.clock;
		this.#log = options.log;
		this.#port = options.port;
		this.#offers = options.offers;
		this.#random = options.random;
		this.#wiringAll = Math.floor(options.wiringMaxAmpsAllTWCs);
		this.#wiringPer = Math.floor(options.wiringMaxAmpsPerTWC);
		this.masterId = options.masterId ?? 0x7777;
		this.sign = options.sign ?? 0x77;
		this.#slaveTimeoutMs = options.slaveTimeoutMs ?? 26_000;
		this.#onEvent = options.onEvent ?? (() => {});
		this.#decoder = new FrameDecoder((body) => this.#onFrame(body));
		this.#watch = new OtherMasterWatch(this.masterId);
		this.#health = new BusHealth(this.#clock.now());
		this.stats = {
			decoder: this.#decoder.stats,
			heartbeatsSent: 0,
			repliesMissed: 0,
			queriesSent: 0,
			linkReadySent: 0,
			echoes: 0,
			fromUnknownSlaves: 0,
			unknownMessages: 0,
			refusedFrames: 0,
			writeFailures: 0,
		};
	}

	/** Linked slaves, in link order. */
	get slaves(): readonly SlaveRecord[] {
		return this.#slaves;
	}

	/**
	 * Another master heard on the bus in the last minute: a unit whose rotary switch is not on F, or
	 * a second controller (with our ID or another). See other-master.ts.
	 */
	get rivalMaster(): OtherMaster | undefined {
		return this.#watch.current(this.#clock.now());
	}

	get wiringMaxAmpsAllTWCs(): number {
		return this.#wiringAll;
	}

	get wiringMaxAmpsPerTWC(): number {
		return this.#wiringPer;
	}

	/** Amps still reserved for slaves dropped in the last minute. */
	get reservedAmps(): number {
		const now = this.#clock.now();
		this.#reserved = this.#reserved.filter((r) => r.until > now);
		let sum = 0;
		for (const r of this.#reserved) sum += r.amps;
		return sum;
	}

	/** Opens the port and announces the master (the link-ready burst). */
	start(): void {
		if (this.#running) return;
		this.#running = true;
		this.#startedAt = this.#clock.now();
		this.#port.listen({
			onBytes: (bytes) => {
				this.#decoder.push(bytes, this.#clock.now());
			},
			onStatus: (open, reason) => {
				const change = this.#health.portStatus(open, reason, this.#clock.now());
				if (change) this.#onEvent({ type: "port", open, reason });
				if (open && change) {
					this.#decoder.reset();
					this.#armLinkReady(LISTEN_BEFORE_LINK_MS);
					this.#pump();
				}
			},
		});
		this.#armLinkReady(LISTEN_BEFORE_LINK_MS);
		this.#pump();
	}

	stop(): void {
		this.#running = false;
		if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
		this.#timer = undefined;
		this.#port.close();
	}

	/**
	 * Asks a slave to close (start) or open (stop) its relay with FC B1 / FC B2 (firmware 4.5.3+;
	 * a Tesla may not resume after a stop until re-plugged). Queued for the next gap.
	 */
	requestStartStop(slaveId: number, start: boolean): boolean {
		const per = this.#perSlave.get(slaveId);
		if (!per) return false;
		per.startStop = start;
		this.#pump();
		return true;
	}

	/**
	 * Stops answering a slave until `untilMs`: no heartbeats, no queries (TWCManager's chargeStopMode
	 * 2, §4.5). The slave stops its car; it is dropped after the slave timeout and relinks later.
	 * Its last limit stays counted in the wiring total throughout.
	 */
	silence(slaveId: number, untilMs: number): boolean {
		this.#followClock(this.#clock.now()); // `untilMs` is on the clock as it is now
		const slave = this.#slaves.find((s) => s.id === slaveId);
		if (!slave) return false;
		slave.silencedUntil = untilMs;
		return true;
	}

	/** Re-evaluates offers now rather than at the next heartbeat (e.g. after a settings change). */
	poke(): void {
		this.#pump();
	}

	// ------------------------------------------------------------------------------------------
	// Scheduling: one decision at a time; a single timer wakes us for the next one.

	/**
	 * Takes the next step, and more while steps are ready. Safe to call from anywhere, even from a
	 * port that delivers bytes while we write (an echoing adapter): a nested call only asks the
	 * running loop for one more turn.
	 */
	#pump(): void {
		if (this.#inPump) {
			this.#pumpAgain = true;
			return;
		}
		this.#inPump = true;
		try {
			do {
				this.#pumpAgain = false;
				this.#step();
			} while (this.#pumpAgain && this.#running);
		} finally {
			this.#inPump = false;
		}
	}

	#step(): void {
		if (!this.#running) return;
		const now = this.#clock.now();
		this.#followClock(now);
		if (now >= this.#nextSampleAt) this.#sampleHealth(now);
		if (this.#awaiting) {
			if (now < this.#awaiting.deadline) return this.#wakeAt(this.#awaiting.deadline);
			const missed = this.#awaiting;
			this.#awaiting = undefined;
			missed.onTimeout();
		}
		this.#dropSilentSlaves(now);
		if (now < this.#busyUntil) return this.#wakeAt(this.#busyUntil);

		const due = this.#nextHeartbeatSlave();
		if (due && due.nextHeartbeatAt <= now) {
			this.#sendHeartbeat(due, now);
			this.#pumpAgain = true;
			return;
		}
		if (this.#linkReadyLeft > 0 && this.#nextLinkReadyAt <= now) {
			this.#sendLinkReady(now);
			this.#pumpAgain = true;
			return;
		}
		// Anything else must be over, reply included, before the next heartbeat or link-ready.
		let nextFixed = due ? due.nextHeartbeatAt : Infinity;
		if (this.#linkReadyLeft > 0) nextFixed = Math.min(nextFixed, this.#nextLinkReadyAt);
		const worstEnd = now + WORST_FRAME_MS + REPLY_TIMEOUT_MS + GUARD_MS;
		if (worstEnd <= nextFixed) {
			const next = this.#nextQuery(now);
			if (next) {
				this.#sendQuery(next.slave, next.opcode, now);
				this.#pumpAgain = true;
				return;
			}
		}
		// A reserve's end too: while one runs, our timer is what shows a clock step (#followClock).
		let wake = Math.min(nextFixed, this.#nextQueryTime(now), this.#nextSampleAt);
		for (const r of this.#reserved) if (r.until > now) wake = Math.min(wake, r.until);
		if (wake < Infinity) this.#wakeAt(Math.max(wake, now + 1));
	}

	/**
	 * The clock may step, back or forward (a time sync: src/platform/clock.ts; on the ESP32 the
	 * first SNTP sync jumps from 1970). Every deadline here is absolute. A step back of an hour used
	 * to hold the reply deadline, the bus guard and every heartbeat slot for an hour (no heartbeats:
	 * the wall connectors stopped); a step forward ended at once the reserve of a slave dropped less
	 * than a minute before, while it may still draw, and let another slave take those amps (both
	 * found by tests/core/charge/safety.property.test.ts). So the master's times move with the
	 * clock: a step back is seen as the clock going backwards, a step forward as our own timer
	 * (which runs on the platform's monotonic time) coming due more than CLOCK_STEP_MS late. A
	 * stalled event loop looks the same and is treated the same, which is the safe side: reserves,
	 * silences and timeouts then last longer, never shorter.
	 */
	#followClock(now: number): void {
		let delta = 0;
		if (now < this.#lastNow) delta = now - this.#lastNow;
		else {
			const due = Math.min(this.#timerAt, this.#firedDueAt);
			if (now - due > CLOCK_STEP_MS) delta = now - due;
		}
		this.#lastNow = now;
		this.#firedDueAt = Infinity;
		if (delta === 0) return;
		this.#busyUntil += delta;
		this.#nextLinkReadyAt += delta;
		if (this.#awaiting) this.#awaiting.deadline += delta;
		if (this.#timer !== undefined) this.#timerAt += delta;
		for (const r of this.#reserved) r.until += delta;
		this.#startedAt += delta;
		this.#watch.shift(delta);
		this.#health.shift(delta);
		this.#nextSampleAt += delta;
		for (const [key, at] of this.#lastWarn) this.#lastWarn.set(key, at + delta);
		for (const slave of this.#slaves) {
			slave.linkedAt += delta;
			slave.lastRxAt += delta;
			slave.heartbeatSlot += delta;
			slave.nextHeartbeatAt += delta;
			slave.lastHeartbeatAt += delta;
			slave.lastCommandChangeAt += delta;
			slave.chargingSince += delta;
			slave.lastMeterAt += delta;
			if (slave.silencedUntil > 0) slave.silencedUntil += delta;
			const per = this.#perSlave.get(slave.id)!;
			per.nextMeterAt += delta;
			per.nextVinAt += delta;
			for (const q of per.queries) q.notBefore += delta;
			per.limits.shift(delta);
		}
	}

	#wakeAt(at: number): void {
		if (this.#timer !== undefined) {
			if (this.#timerAt === at) return;
			this.#clock.clearTimer(this.#timer);
		}
		this.#timerAt = at;
		this.#timer = this.#clock.setTimer(Math.max(0, at - this.#clock.now()), () => {
			this.#timer = undefined;
			this.#firedDueAt = this.#timerAt; // `at`, moved with any clock step seen since
			this.#timerAt = Infinity;
			this.#pump();
		});
	}

	#nextHeartbeatSlave(): SlaveRecord | undefined {
		let best: SlaveRecord | undefined;
		for (const s of this.#slaves) if (!best || s.nextHeartbeatAt < best.nextHeartbeatAt) best = s;
		return best;
	}

	/** Puts a frame on the wire through the safety guard; `awaiting` describes the reply, if any. */
	#transmit(message: Uint8Array, now: number, awaiting?: Omit<Awaiting, "deadline">): boolean {
		if (!isSafeMasterMessage(message)) {
			// Unreachable by construction; kept so no future code path can send a disabling command.
			this.stats.refusedFrames++;
			this.#log.write("error", "master", `refused to send ${toHex(message)}: not a safe master message`);
			return false;
		}
		const frame = encodeFrame(message);
		const endsAt = now + frame.length * BYTE_TIME_MS;
		this.#watch.noteSent(message, now); // before the write: an adapter may echo it during the call
		if (!this.#port.write(frame)) {
			this.stats.writeFailures++;
			this.#busyUntil = now + REPLY_TIMEOUT_MS;
			return false;
		}
		if (awaiting) {
			this.#awaiting = { ...awaiting, deadline: endsAt + REPLY_TIMEOUT_MS };
			this.#busyUntil = endsAt + GUARD_MS;
		} else {
			this.#busyUntil = endsAt + GUARD_MS;
		}
		return true;
	}

	// ------------------------------------------------------------------------------------------
	// Link-ready (§3.1)

	#armLinkReady(afterMs = 0): void {
		// A running burst is restarted from the top: slaves answer after the second FB E2.
		this.#linkReadyLeft = 2 * LINK_READY_COUNT;
		this.#nextLinkReadyAt = this.#clock.now() + afterMs;
	}

	#sendLinkReady(now: number): void {
		const which = this.#linkReadyLeft > LINK_READY_COUNT ? 1 : 2;
		this.#linkReadyLeft--;
		this.#nextLinkReadyAt = now + LINK_READY_SPACING_MS;
		if (this.#transmit(encodeMasterLinkReady(which, this.masterId, this.sign), now)) this.stats.linkReadySent++;
	}

	// ------------------------------------------------------------------------------------------
	// Heartbeats and the limit they carry (§3.2, §4.4)

	#sendHeartbeat(slave: SlaveRecord, now: number): void {
		if (now < slave.silencedUntil) {
			this.#scheduleNextHeartbeat(slave, now);
			return;
		}
		const amps = this.#limitFor(slave);
		// 0 A is always a limit command, never "no change" (§3.8 relay chatter). Otherwise "no change"
		// only when the limit is the one we last commanded and the slave confirms it holds it (§4.4);
		// a stale report that happens to match a new limit must not stand in for the command.
		const holds = amps === slave.commandedAmps && slave.reportedLimitAmps === amps;
		const command =
			amps === 0 || !holds ? (slave.protocol === 1 ? HeartbeatCommand.LimitV1 : HeartbeatCommand.LimitV2) : HeartbeatCommand.NoChange;
		const message = encodeMasterHeartbeat(this.masterId, slave.id, command, amps * 100);
		this.#perSlave.get(slave.id)!.limits.noteCommanded(amps * 100);
		this.#scheduleNextHeartbeat(slave, now);
		const sent = this.#transmit(message, now, {
			slaveId: slave.id,
			reply: Opcode.SlaveHeartbeat,
			onTimeout: () => {
				slave.repliesMissed++;
				this.stats.repliesMissed++;
			},
		});
		if (!sent) return;
		if (slave.commandedAmps !== amps) slave.lastCommandChangeAt = now;
		slave.commandedAmps = amps;
		slave.lastHeartbeatAt = now;
		slave.heartbeatsSent++;
		this.stats.heartbeatsSent++;
	}

	/** The charging logic's wish for this slave, through the wiring caps and the sum gate. */
	#limitFor(slave: SlaveRecord): number {
		let wish: number;
		try {
			wish = this.#offers.offerFor(slave);
		} catch (error) {
			this.#warn("offer", `charging logic failed, offering 0 A: ${String(error)}`);
			wish = 0;
		}
		let othersInUse = this.reservedAmps;
		for (const other of this.#slaves) if (other !== slave) othersInUse += this.#inUse(other);
		const limit = gateLimit({
			target: wish,
			cap: this.#capOf(slave),
			current: slave.commandedAmps ?? 0,
			othersInUse,
			total: this.#wiringAll,
			minAmps: slave.minAmps,
		});
		const now = this.#clock.now();
		if (!this.#watch.active(now)) return limit;
		// Another master is heard: no raise, and at most an equal share among every unit on the bus.
		const held = Math.min(limit, slave.commandedAmps ?? 0, this.#watch.shareAmps(this.#wiringAll, now, this.#slaveIds()));
		return held < slave.minAmps ? 0 : held;
	}

	#slaveIds(): number[] {
		return this.#slaves.map((s) => s.id);
	}

	/** The lowest of the slave's own caps: its FDE2 maximum and the per-unit wiring. */
	#capOf(slave: SlaveRecord): number {
		return Math.max(0, Math.min(Math.floor(slave.maxAmps), this.#wiringPer));
	}

	/**
	 * Amps a slave may be using: the most of what it was last commanded, what it says it holds (a
	 * decrease counts only once the slave confirms it) and what it draws (a car still ramping down).
	 * Before its first heartbeat a slave may hold any limit from before, so it counts at its cap.
	 * A report beyond the highest cap it has had is nonsense and counts at that cap.
	 * What we commanded counts in full even if its cap has since dropped (a link-ready with a lower
	 * maximum): it may hold that limit until it hears a lower one. Capping it at the new cap let
	 * the others' limits add up past the total (found by tests/core/charge/safety.property.test.ts).
	 */
	#inUse(slave: SlaveRecord): number {
		const ceiling = Math.max(this.#capOf(slave), this.#perSlave.get(slave.id)?.highestCap ?? 0);
		if (slave.commandedAmps === undefined) return ceiling;
		return Math.max(slave.commandedAmps, Math.min(ceiling, Math.max(Math.floor(slave.actualAmps), Math.floor(slave.reportedLimitAmps))));
	}

	/**
	 * Each slave has a slot every second; the heartbeat goes out at the slot plus a little jitter.
	 * Slots drift slowly apart (at most HEARTBEAT_NUDGE_MS a second) so two slaves never queue
	 * behind each other.
	 */
	#scheduleNextHeartbeat(slave: SlaveRecord, now: number): void {
		let slot = slave.heartbeatSlot + HEARTBEAT_INTERVAL_MS;
		if (slot < now) slot = now + HEARTBEAT_INTERVAL_MS; // fell behind (port was down): restart the rhythm
		const spacing = Math.min(HEARTBEAT_SPACING_MS, HEARTBEAT_INTERVAL_MS / Math.max(1, this.#slaves.length));
		for (const other of this.#slaves) {
			if (other === slave) continue;
			const gap = slot - other.heartbeatSlot;
			if (Math.abs(gap) < spacing) slot += (gap >= 0 ? 1 : -1) * Math.min(HEARTBEAT_NUDGE_MS, spacing - Math.abs(gap));
		}
		// The slot itself wanders (a random walk, not jitter around a fixed phase): see HEARTBEAT_JITTER_MS.
		slot += (this.#random.next() * 2 - 1) * HEARTBEAT_JITTER_MS;
		slave.heartbeatSlot = slot;
		slave.nextHeartbeatAt = slot;
	}

	// ------------------------------------------------------------------------------------------
	// Queries in the gaps (§3.3)

	#nextQuery(now: number): { slave: SlaveRecord; opcode: number } | undefined {
		for (const slave of this.#slaves) {
			if (now < slave.silencedUntil) continue;
			const per = this.#perSlave.get(slave.id)!;
			if (per.startStop !== undefined) return { slave, opcode: per.startStop ? Opcode.StartCharging : Opcode.StopCharging };
			this.#planQueries(slave, per, now);
			const i = per.queries.findIndex((q) => q.notBefore <= now);
			if (i >= 0) return { slave, opcode: per.queries[i].opcode };
		}
		return undefined;
	}

	#nextQueryTime(now: number): number {
		let at = Infinity;
		for (const slave of this.#slaves) {
			if (now < slave.silencedUntil) continue;
			const per = this.#perSlave.get(slave.id)!;
			if (per.startStop !== undefined) return now;
			for (const q of per.queries) at = Math.min(at, q.notBefore);
			at = Math.min(at, per.nextMeterAt);
		}
		return at;
	}

	/** Adds the periodic queries that have fallen due. */
	#planQueries(slave: SlaveRecord, per: PerSlave, now: number): void {
		if (now >= per.nextMeterAt) {
			per.nextMeterAt = now + METER_INTERVAL_MS;
			this.#queue(per, Opcode.MeterQuery, now);
		}
		if (slave.charging && !slave.currentVin && !slave.vinUnavailable && slave.vinAttempts < VIN_MAX_ATTEMPTS && now >= per.nextVinAt) {
			per.nextVinAt = now + VIN_RETRY_MS;
			slave.vinAttempts++;
			slave.vinParts = ["", "", ""];
			this.#queue(per, Opcode.Vin1Query, now);
		}
	}

	#queue(per: PerSlave, opcode: number, notBefore: number): void {
		if (!per.queries.some((q) => q.opcode === opcode)) per.queries.push({ opcode, notBefore });
	}

	#sendQuery(slave: SlaveRecord, opcode: number, now: number): void {
		const per = this.#perSlave.get(slave.id)!;
		if (opcode === Opcode.StartCharging || opcode === Opcode.StopCharging) {
			const start = opcode === Opcode.StartCharging;
			per.startStop = undefined;
			this.#transmit(encodeStartStop(start, this.masterId, slave.id), now, {
				slaveId: slave.id,
				reply: start ? Opcode.StartAck : Opcode.StopAck,
				onTimeout: () => {
					// Not acknowledged: this unit's firmware does not take FC B1/B2 (learned, §2.3).
					if (slave.acksStartStop === undefined) slave.acksStartStop = false;
				},
			});
			return;
		}
		per.queries = per.queries.filter((q) => q.opcode !== opcode);
		const sent = this.#transmit(encodeQuery(opcode, this.masterId, slave.id), now, {
			slaveId: slave.id,
			reply: 0xfd00 | (opcode & 0xff),
			onTimeout: () => this.#queryTimedOut(slave, per, opcode),
		});
		if (sent) this.stats.queriesSent++;
	}

	/** Firmware and serial have an older form: ask that when the newer gets no answer. */
	#queryTimedOut(slave: SlaveRecord, per: PerSlave, opcode: number): void {
		const now = this.#clock.now();
		if (opcode === Opcode.FirmwareQuery && !slave.firmware) this.#queue(per, Opcode.FirmwareQueryOld, now + 2000);
		if (opcode === Opcode.SerialQuery && !slave.serial) this.#queue(per, Opcode.SerialQueryOld, now + 2000);
		if ((opcode === Opcode.Vin1Query || opcode === Opcode.Vin2Query || opcode === Opcode.Vin3Query) && slave.charging) {
			per.nextVinAt = Math.min(per.nextVinAt, now + 5000); // ask again soon, within the attempt budget
		}
	}

	// ------------------------------------------------------------------------------------------
	// Receiving

	#onFrame(body: Uint8Array): void {
		const now = this.#clock.now();
		this.#followClock(now);
		// Let the unit's trailing byte pass before we talk (§1.2).
		this.#busyUntil = Math.max(this.#busyUntil, now + GUARD_MS);
		const message = decodeMessage(body);
		this.#handle(message, body, now);
		this.#pump();
	}

	#completeAwaiting(sender: number | undefined, opcode: number): void {
		const a = this.#awaiting;
		if (!a || a.reply !== opcode) return;
		if (sender !== undefined && sender !== a.slaveId) return;
		this.#awaiting = undefined;
	}

	#handle(message: Message, body: Uint8Array, now: number): void {
		switch (message.kind) {
			case "masterLinkReady":
			case "masterHeartbeat":
			case "startCharging":
			case "stopCharging":
			case "query": {
				if (message.sender === this.masterId && this.#watch.isEcho(body, now)) {
					this.stats.echoes++; // our own frame, echoed by a half-duplex adapter
					return;
				}
				if (message.kind !== "masterLinkReady") this.#watch.noteUnit(message.receiver, now);
				if (message.sender === this.masterId) {
					this.#otherMaster(this.masterId, `${describeMasterFrame(message)} with our ID that we did not send`, now);
				} else if ((message.kind === "masterLinkReady" || message.kind === "masterHeartbeat") && !this.#find(message.sender)) {
					this.#otherMaster(message.sender, describeMasterFrame(message), now);
				}
				return;
			}
			case "slaveLinkReady":
				this.#watch.noteUnit(message.sender, now);
				return this.#onSlaveLinkReady(message.sender, message.sign, message.maxCentiamps / 100, message.protocol, now);
			case "slaveHeartbeat": {
				this.#watch.noteUnit(message.sender, now);
				if (message.receiver !== this.masterId) return; // talking to another master
				const slave = this.#find(message.sender);
				if (!slave) {
					// Units answer heartbeats only: someone else heartbeats it with our ID. Except just
					// after our start: a reply to the heartbeat of the instance we replace may still arrive.
					this.stats.fromUnknownSlaves++;
					if (now - this.#startedAt < REPLY_TIMEOUT_MS * 3) return;
					this.#otherMaster(this.masterId, `wall connector ${formatTwcId(message.sender)}, which we never linked, answers a heartbeat with our ID`, now);
					return;
				}
				if (this.#perSlave.get(slave.id)!.limits.isStrange(message.limitCentiamps, Math.round(slave.maxAmps * 100), now)) {
					this.#otherMaster(this.masterId, `wall connector ${formatTwcId(slave.id)} reports a limit of ${message.limitCentiamps / 100} A, which we never commanded`, now);
				}
				this.#completeAwaiting(slave.id, Opcode.SlaveHeartbeat);
				const change = slave.updateFromHeartbeat(message.state, message.limitCentiamps / 100, message.actualCentiamps / 100, now);
				if (slave.actualAmps > slave.maxAmps + 1) {
					this.#warn(`amps-${slave.id}`, `wall connector ${formatTwcId(slave.id)} reports ${slave.actualAmps} A, above its ${slave.maxAmps} A maximum: the report is implausible and counted as ${this.#capOf(slave)} A`);
				}
				if (change === "started") {
					slave.vinAttempts = 0;
					slave.vinUnavailable = false;
					this.#perSlave.get(slave.id)!.nextVinAt = now;
				} else if (change === "stopped") {
					if (slave.currentVin) slave.lastVin = slave.currentVin;
					slave.currentVin = "";
				}
				this.#onEvent({ type: "heartbeat", slave, chargingChange: change });
				return;
			}
			case "startAck":
			case "stopAck": {
				const slave = this.#find(message.sender);
				if (!slave) return;
				this.#completeAwaiting(slave.id, message.kind === "startAck" ? Opcode.StartAck : Opcode.StopAck);
				slave.acksStartStop = true;
				slave.lastRxAt = now;
				this.#onEvent({ type: "startStopAck", slave, start: message.kind === "startAck" });
				return;
			}
			case "meter":
				return this.#onMeter(message, now);
			case "vin":
				return this.#onVin(message.sender, message.part, message.text, message.allZero, now);
			case "firmware":
			case "serial": {
				// The old forms carry no ID: they belong to the slave we are waiting for, if any.
				const id = message.sender ?? this.#awaiting?.slaveId;
				const slave = id === undefined ? undefined : this.#find(id);
				if (!slave) return;
				this.#completeAwaiting(slave.id, (body[0] << 8) | body[1]);
				slave.lastRxAt = now;
				if (message.kind === "firmware") slave.firmware = message.version;
				else slave.serial = message.serial;
				return;
			}
			case "plugState": {
				const slave = this.#find(message.sender);
				if (slave) {
					this.#completeAwaiting(slave.id, Opcode.PlugStateReply);
					slave.lastRxAt = now;
				}
				return;
			}
			case "masterIdle":
				return;
			case "unknown":
				this.stats.unknownMessages++;
				this.#warn(`unknown-${message.opcode}`, `unknown message ${opcodeName(message.opcode)}: ${toHex(body)}`, "debug");
				return;
		}
	}

	#find(id: number): SlaveRecord | undefined {
		for (const s of this.#slaves) if (s.id === id) return s;
		return undefined;
	}

	#onSlaveLinkReady(id: number, sign: number, maxAmps: number, protocol: 1 | 2, now: number): void {
		if (id === this.masterId) {
			// A slave with our ID: a new link-ready burst makes it pick another (§3.6).
			this.#log.write("warn", "master", `a wall connector uses our ID ${formatTwcId(id)}; asking it to choose another`);
			this.#armLinkReady();
			return;
		}
		const known = this.#find(id);
		if (known) {
			// It restarted or lost us: take its figures again; its heartbeats keep their rhythm.
			// A lower maximum does not lower what it may still hold (see #inUse).
			const per = this.#perSlave.get(id)!;
			per.highestCap = Math.max(per.highestCap, this.#capOf(known));
			known.sign = sign;
			known.maxAmps = maxAmps;
			known.protocol = protocol;
			known.lastRxAt = now;
			return;
		}
		if (this.#slaves.length >= MAX_SLAVES) {
			const message = `wall connector ${formatTwcId(id)} wants to link, but at most ${MAX_SLAVES} slaves are supported: it is ignored`;
			if (this.#warn(`fourth-${id}`, message)) this.#onEvent({ type: "tooManySlaves", id, message });
			return;
		}
		const slave = new SlaveRecord(id, sign, maxAmps, protocol, now);
		this.#slaves.push(slave);
		this.#perSlave.set(id, {
			queries: [],
			nextMeterAt: now + 2000,
			nextVinAt: Infinity,
			startStop: undefined,
			highestCap: 0,
			limits: new CommandedLimits(),
		});
		const per = this.#perSlave.get(id)!;
		this.#queue(per, Opcode.FirmwareQuery, now + 3000);
		this.#queue(per, Opcode.SerialQuery, now + 4000);
		if (maxAmps < this.#wiringPer) {
			this.#log.write("info", "master", `wall connector ${formatTwcId(id)} reports ${maxAmps} A maximum, below wiringMaxAmpsPerTWC: it is held to ${Math.floor(maxAmps)} A`);
		}
		this.#log.write("info", "master", `linked wall connector ${formatTwcId(id)}: protocol ${protocol}, ${maxAmps} A maximum`);
		this.#onEvent({ type: "linked", slave });
	}

	#onMeter(message: Extract<Message, { kind: "meter" }>, now: number): void {
		const slave = this.#find(message.sender);
		if (!slave) return;
		this.#completeAwaiting(slave.id, Opcode.MeterReply);
		slave.lastRxAt = now;
		slave.meterWarning = judgeLifetimeCounter(slave, message.lifetimeCounter, now);
		if (slave.meterWarning) this.#warn(`meter-${slave.id}`, `wall connector ${formatTwcId(slave.id)}: ${slave.meterWarning}`);
		slave.lifetimeCounter = message.lifetimeCounter;
		slave.volts = message.volts;
		slave.phaseAmps = message.amps;
		slave.lastMeterAt = now;
		this.#onEvent({ type: "meter", slave });
	}

	#onVin(id: number, part: 0 | 1 | 2, text: string, allZero: boolean, now: number): void {
		const slave = this.#find(id);
		if (!slave) return;
		this.#completeAwaiting(slave.id, part === 0 ? Opcode.Vin1Reply : part === 1 ? Opcode.Vin2Reply : Opcode.Vin3Reply);
		slave.lastRxAt = now;
		const per = this.#perSlave.get(id)!;
		if (part === 0 && allZero) {
			// No VIN: not a Tesla, or CAN comms off. Do not keep asking (anchors §4.1, TWCManager #296).
			slave.vinUnavailable = true;
			return;
		}
		slave.vinParts[part] = text;
		if (part < 2) {
			this.#queue(per, part === 0 ? Opcode.Vin2Query : Opcode.Vin3Query, now);
			return;
		}
		const outcome = assembleVin(slave.vinParts);
		if (outcome.kind === "vin") {
			slave.currentVin = outcome.vin;
			slave.lastVin = outcome.vin;
			this.#onEvent({ type: "vin", slave, vin: outcome.vin });
		} else if (outcome.kind === "none") {
			slave.vinUnavailable = true;
		} else {
			this.#log.write("warn", "master", `wall connector ${formatTwcId(id)}: ${outcome.reason}; will ask again`);
		}
	}

	/** A sign of another master (other-master.ts): restrict the limits, tell the user once per episode. */
	#otherMaster(id: number, evidence: string, now: number): void {
		if (!this.#watch.heard(id, evidence, now)) return;
		const message = this.#otherMasterText(now)!;
		this.#log.write("error", "master", message);
		this.#onEvent({ type: "rivalMaster", id, message });
		this.#pump(); // lower what is above the share now, not at the next heartbeat
	}

	#otherMasterText(now: number): string | undefined {
		const other = this.#watch.current(now);
		if (!other) return undefined;
		const units = this.#watch.unitsSeen(now, this.#slaveIds());
		const share = Math.floor(this.#wiringAll / units);
		const who = other.sameId
			? `another master is using our ID ${formatTwcId(other.id)} on this bus (${other.evidence}): a second instance of this ` +
				`controller, or another TWCManager, drives the same wall connectors. Run only one master per bus: a different ` +
				`masterId does not make two masters safe, the wall connectors follow whichever heartbeat came last`
			: `another wall connector (ID ${formatTwcId(other.id)}) is acting as master on the bus (${other.evidence}): ` +
				`set its rotary switch to F so that it follows this controller`;
		return (
			`${who}. Until it is gone, and for ${OTHER_MASTER_HOLD_MS / 1000} s after, no limit is raised and each wall connector ` +
			`gets at most an equal share of wiringMaxAmpsAllTWCs: ${share} A (${units} units seen on the bus)`
		);
	}

	// ------------------------------------------------------------------------------------------
	// Bus health (bus-health.ts)

	#counters(): { badFrames: number; noiseBytes: number; repliesMissed: number; frames: number } {
		const d = this.stats.decoder;
		return { badFrames: badFrames(d), noiseBytes: d.noiseBytes, repliesMissed: this.stats.repliesMissed, frames: d.frames };
	}

	#sampleHealth(now: number): void {
		this.#nextSampleAt = now + SAMPLE_MS;
		const perUnit = new Map<number, number>();
		for (const slave of this.#slaves) perUnit.set(slave.id, slave.repliesMissed);
		const summary = this.#health.sample(now, this.#counters(), perUnit);
		if (summary) this.#log.write(summary.serious ? "warn" : "info", "bus", summary.line);
	}

	/** The bus now: port state, damaged frames and missed replies in the last minute, another master. */
	busStatus(): BusStatus {
		const now = this.#clock.now();
		const other = this.#watch.current(now);
		const unitsSeen = this.#watch.unitsSeen(now, this.#slaveIds());
		return {
			...this.#health.status(now, this.#counters()),
			units: this.#slaves.map((slave) => ({
				twcId: formatTwcId(slave.id),
				repliesMissed: slave.repliesMissed,
				repliesMissedLastMinute: this.#health.unitMissedLastMinute(now, slave.id, slave.repliesMissed),
			})),
			otherMaster: other ? { ...other, unitsSeen, shareAmps: Math.floor(this.#wiringAll / unitsSeen) } : null,
		};
	}

	/** What the user must act on now about the bus (another master, down, noisy); empty when healthy. */
	busProblems(): string[] {
		const now = this.#clock.now();
		const problems = this.#health.problems(now, this.#counters());
		const other = this.#otherMasterText(now);
		if (other) problems.unshift(other);
		return problems;
	}

	#dropSilentSlaves(now: number): void {
		for (const slave of this.#slaves) {
			if (now - slave.lastRxAt < this.#slaveTimeoutMs) continue;
			const reason = `no answer for ${Math.round((now - slave.lastRxAt) / 1000)} s`;
			// Until it is surely off, what it was allowed stays counted against the total.
			const amps = this.#inUse(slave);
			this.#slaves = this.#slaves.filter((s) => s !== slave);
			this.#perSlave.delete(slave.id);
			if (this.#awaiting?.slaveId === slave.id) this.#awaiting = undefined;
			if (amps > 0) this.#reserved.push({ amps, until: now + DROPPED_RESERVE_MS });
			this.#log.write("warn", "master", `dropped wall connector ${formatTwcId(slave.id)}: ${reason}; it will relink with its next link-ready`);
			this.#onEvent({ type: "dropped", slave, reason });
		}
	}

	/** Logs a message at most once a minute per key; true when it was logged. */
	#warn(key: string, message: string, level: "warn" | "error" | "debug" = "warn"): boolean {
		const now = this.#clock.now();
		const last = this.#lastWarn.get(key);
		if (last !== undefined && now - last < WARN_INTERVAL_MS) return false;
		if (this.#lastWarn.size > 32) this.#lastWarn.clear();
		this.#lastWarn.set(key, now);
		this.#log.write(level, "master", message);
		return true;
	}
}

/**
 * The lifetime counter is kWh per the reference, but some firmware appears to send Wh (fixture
 * WSQ-1, TWCManager #644). Flags values no wall connector could have reached in kWh, counters that
 * go backwards, and jumps larger than the unit could deliver since the last reading.
 */
export function judgeLifetimeCounter(slave: SlaveRecord, counter: number, now: number): string | undefined {
	if (counter > 1_000_000) return `lifetime energy ${counter} is implausible as kWh (the unit may report Wh)`;
	const previous = slave.lifetimeCounter;
	if (previous === undefined) return undefined;
	if (counter < previous) return `lifetime energy went backwards (${previous} → ${counter})`;
	const hours = Math.max(0, now - slave.lastMeterAt) / 3_600_000;
	const possibleKWh = (slave.maxAmps * 3 * 250 * hours) / 1000 + 1;
	if (counter - previous > possibleKWh) return `lifetime energy jumped by ${counter - previous} in ${Math.round(hours * 60)} min, more than the unit can deliver`;
	return undefined;
}

/** A master frame in words, for the other-master report. */
function describeMasterFrame(message: Extract<Message, { kind: "masterLinkReady" | "masterHeartbeat" | "startCharging" | "stopCharging" | "query" }>): string {
	switch (message.kind) {
		case "masterLinkReady":
			return `a master link-ready (${message.which === 1 ? "FC E1" : "FB E2"}) from ${formatTwcId(message.sender)}`;
		case "masterHeartbeat":
			return `a master heartbeat from ${formatTwcId(message.sender)} to ${formatTwcId(message.receiver)}`;
		case "query":
			return `a query ${opcodeName(message.opcode)} from ${formatTwcId(message.sender)}`;
		default:
			return `a ${message.kind === "startCharging" ? "start" : "stop"} command from ${formatTwcId(message.sender)}`;
	}
}
