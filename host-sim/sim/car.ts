/**
 * A simulated electric car on a wall connector's cable. It is evaluated lazily: every call says what
 * time it is, the car works out what happened since the last call (ramps, a delayed start, a
 * wake-up, the 6 A lock-up ending, the battery filling) piecewise and analytically. Nothing ticks,
 * so a simulated day costs only the calls the wall connector makes (about one per heartbeat).
 *
 * Behaviour from reference twcmanager-core.md §3.5 and §3.8: ramps to the offered amps in a few
 * seconds, stops below ~5 A, a sleeping car notices a raised offer only at its next wake-up, the
 * Oct-2017 firmware "6 A lock-up", a battery that fills.
 */
import { seededRandom, type Random } from "../../src/platform/random.js";
import { isValidVin } from "../../src/twc/vin.js";

/** A valid Tesla VIN (the check digit passes, src/twc/vin.ts). */
export const DEFAULT_VIN = "5YJ3E1EA6KF123456";

/**
 * The VIN of the simulated world's n-th car (0-based): DEFAULT_VIN's pattern with serial 123456 + n
 * and its own check digit, so each car can be told apart (and denied) on its own. simulatedVin(0) is
 * DEFAULT_VIN.
 */
export function simulatedVin(n: number): string {
	if (!Number.isInteger(n) || n < 0 || n > 876543) throw new RangeError(`simulated car number out of range: ${n}`);
	const serial = String(123456 + n);
	for (const check of "0123456789X") {
		const vin = `5YJ3E1EA${check}KF${serial}`;
		if (isValidVin(vin)) return vin;
	}
	throw new Error(`no check digit for simulated car ${n}`); // unreachable: one of the 11 always fits
}

/** unplugged; idle (plugged, nothing offered); waiting (offered, about to start or asleep); charging (drawing, ramps included); stopped (was charging, offer fell or fault); complete (battery at its limit). */
export type CarStatus = "unplugged" | "idle" | "waiting" | "charging" | "stopped" | "complete";

/** §3.8: after an offer increase the car may sit at ~5.2 A until offered ≥ spikeAmps for ≥ holdMs. */
export interface LockUp6AOptions {
	/** Chance that one offer increase while charging locks the car up (default 1). */
	probability?: number;
	/** 16 A, or 21 A on 80 A units (default 16). 0.01 A less is not enough. */
	spikeAmps?: number;
	/** Where a locked car settles (default 5.2 A; observed 5.14–5.23). */
	lockedAmps?: number;
	/** How long the spike must last (default 5 s; 3 s is not enough). */
	holdMs?: number;
}

export interface SimulatedCarOptions {
	/** 17 characters; null for a car that reports none (non-Tesla, or CAN disabled). */
	vin?: string | null;
	/** Onboard charger limit (default 32 A) and the lowest offer it charges at (default 5 A). */
	maxAmps?: number;
	minAmps?: number;
	/** Ramp towards a higher offer (default 3 A/s) and down to a lower one (default 10 A/s). */
	rampAmpsPerSecond?: number;
	rampDownAmpsPerSecond?: number;
	/** From a usable offer (or a wake-up) to the relay closing and current starting (default 3 s). */
	startDelayMs?: number;
	/** Starts asleep: a usable offer is noticed only at the next wake-up (§3.8). */
	asleep?: boolean;
	/** Falls asleep whenever it stops drawing (energy-saver mode; default false). */
	sleepsWhenIdle?: boolean;
	/** Time between wake-ups of a sleeping car (default 15 min), counted from when it fell asleep. */
	wakeIntervalMs?: number;
	/** The 6 A lock-up quirk; true for the defaults (off by default). */
	lockUp6A?: boolean | LockUp6AOptions;
	/**
	 * Keeps drawing at its last usable offer when offered less than its minimum (0 A): a car that
	 * does not stop on the pilot alone (default false). A fault or unplugging still stops it.
	 */
	ignoresLowOffer?: boolean;
	batteryKWh?: number;
	socPercent?: number;
	/** Stops charging at this state of charge (default 100). */
	chargeLimitPercent?: number;
	/** The battery never fills (long benchmarks). */
	neverFills?: boolean;
	random?: Random;
}

interface Segment {
	/** A·ms drawn over the segment. */
	area: number;
	/** Amps at its end. */
	current: number;
}

/** Current moving linearly from `c` towards `g` at `rate` A/ms, then holding `g`, over `x` ms. */
function ramp(c: number, g: number, rate: number, x: number): Segment {
	if (c === g || x <= 0) return { area: c * Math.max(0, x), current: c };
	const reach = Math.abs(g - c) / rate;
	if (x <= reach) {
		const current = c + Math.sign(g - c) * rate * x;
		return { area: ((c + current) / 2) * x, current };
	}
	return { area: ((c + g) / 2) * reach + g * (x - reach), current: g };
}

const MS_PER_HOUR = 3_600_000;

export class SimulatedCar {
	readonly vin: string | null;
	readonly maxAmps: number;
	readonly minAmps: number;
	readonly #rampUp: number;
	readonly #rampDown: number;
	readonly #startDelayMs: number;
	readonly #sleepsWhenIdle: boolean;
	readonly #wakeIntervalMs: number;
	readonly #lock: Required<LockUp6AOptions> | undefined;
	readonly #ignoresLowOffer: boolean;
	readonly #random: Random;
	readonly #capacityWh: number;
	readonly #limitWh: number;
	readonly #neverFills: boolean;

	/** Time the state below describes; undefined before the first call. */
	#t: number | undefined;
	#plugged = false;
	#offer = 0;
	#current = 0;
	#drawing = false;
	#drawingSince: number | undefined;
	#startAt: number | undefined;
	#asleep: boolean;
	#sleepSince = 0;
	#locked = false;
	#spikeSince: number | undefined;
	#stoppedLatch = false;
	#complete = false;
	#fault: string | undefined;
	#energyWh = 0;
	#storedWh: number;
	#wattsPerAmp = 240;
	#chargeStarts = 0;
	#chargeStops = 0;
	#lockUps = 0;

	constructor(options: SimulatedCarOptions = {}) {
		this.vin = options.vin === undefined ? DEFAULT_VIN : options.vin;
		if (this.vin !== null && this.vin.length !== 17) throw new RangeError(`VIN must have 17 characters: ${this.vin}`);
		this.maxAmps = options.maxAmps ?? 32;
		this.minAmps = options.minAmps ?? 5;
		this.#rampUp = (options.rampAmpsPerSecond ?? 3) / 1000;
		this.#rampDown = (options.rampDownAmpsPerSecond ?? 10) / 1000;
		this.#startDelayMs = options.startDelayMs ?? 3000;
		this.#asleep = options.asleep ?? false;
		this.#sleepsWhenIdle = options.sleepsWhenIdle ?? false;
		this.#wakeIntervalMs = options.wakeIntervalMs ?? 15 * 60_000;
		const lock = options.lockUp6A;
		this.#lock = lock
			? {
					probability: 1,
					spikeAmps: 16,
					lockedAmps: 5.2,
					holdMs: 5000,
					...(typeof lock === "object" ? lock : {}),
				}
			: undefined;
		this.#ignoresLowOffer = options.ignoresLowOffer ?? false;
		this.#random = options.random ?? seededRandom(0xca7);
		this.#capacityWh = (options.batteryKWh ?? 75) * 1000;
		this.#storedWh = (this.#capacityWh * (options.socPercent ?? 50)) / 100;
		this.#limitWh = (this.#capacityWh * (options.chargeLimitPercent ?? 100)) / 100;
		this.#neverFills = options.neverFills ?? !Number.isFinite(this.#capacityWh);
	}

	/** Volts per phase and phases in use: set by the wall connector the car hangs on. */
	setSupply(volts: number, phases: number): void {
		this.#wattsPerAmp = volts * phases;
	}

	get isPluggedIn(): boolean {
		return this.#plugged;
	}

	/** What the car shows on its screen after a link loss (§3.5), until it charges again. */
	get fault(): string | undefined {
		return this.#fault;
	}

	/** Counters: relay closings (charge starts), stops, 6 A lock-ups. */
	get chargeStarts(): number {
		return this.#chargeStarts;
	}
	get chargeStops(): number {
		return this.#chargeStops;
	}
	get lockUps(): number {
		return this.#lockUps;
	}

	plugIn(nowMs: number): void {
		this.#advance(nowMs);
		if (this.#plugged) return;
		this.#plugged = true;
		this.#stoppedLatch = false;
		this.#fault = undefined;
		this.#complete = this.#atLimit();
		if (this.#asleep) this.#sleepSince = this.#t!;
		if (this.#offer >= this.minAmps) this.#scheduleStart();
	}

	unplug(nowMs: number): void {
		this.#advance(nowMs);
		if (!this.#plugged) return;
		if (this.#drawing) this.#chargeStops++;
		this.#plugged = false;
		this.#drawing = false;
		this.#drawingSince = undefined;
		this.#current = 0;
		this.#startAt = undefined;
		this.#locked = false;
		this.#spikeSince = undefined;
		this.#stoppedLatch = false;
		this.#complete = false;
		this.#fault = undefined;
	}

	/**
	 * Amps drawn at `nowMs`. With `offeredAmps`, the offer (pilot) changes at `nowMs` and holds until
	 * the next call that changes it. Calls must not go back in time (earlier times count as the last).
	 */
	currentAt(nowMs: number, offeredAmps?: number): number {
		this.#advance(nowMs);
		if (offeredAmps !== undefined) this.#setOffer(offeredAmps);
		return this.#current;
	}

	statusAt(nowMs: number): CarStatus {
		this.#advance(nowMs);
		if (!this.#plugged) return "unplugged";
		if (this.#drawing) return "charging";
		if (this.#complete) return "complete";
		if (this.#stoppedLatch) return "stopped";
		return this.#startAt !== undefined ? "waiting" : "idle";
	}

	/** When the current charge started drawing, or undefined when not drawing. */
	drawingSinceAt(nowMs: number): number | undefined {
		this.#advance(nowMs);
		return this.#drawing ? this.#drawingSince : undefined;
	}

	/** Energy the car has taken since it was made (Wh). */
	energyWhAt(nowMs: number): number {
		this.#advance(nowMs);
		return this.#energyWh;
	}

	socPercentAt(nowMs: number): number {
		this.#advance(nowMs);
		return Math.min(100, (this.#storedWh / this.#capacityWh) * 100);
	}

	isAsleepAt(nowMs: number): boolean {
		this.#advance(nowMs);
		return this.#asleep;
	}

	isLockedAt(nowMs: number): boolean {
		this.#advance(nowMs);
		return this.#locked;
	}

	/** Woken by its owner (app, unlock): a pending start happens after the usual start delay. */
	wake(nowMs: number): void {
		this.#advance(nowMs);
		if (!this.#asleep) return;
		this.#asleep = false;
		const soon = this.#t! + this.#startDelayMs;
		if (this.#startAt !== undefined && this.#startAt > soon) this.#startAt = soon;
	}

	/** The charger went away mid-charge (link loss, §3.5): stop, show `reason`, take nothing until offered again. */
	faultAt(nowMs: number, reason: string): void {
		this.#advance(nowMs);
		if (!this.#plugged) return;
		this.#fault = reason;
		this.#offer = 0;
		this.#startAt = undefined;
		if (this.#drawing) this.#stop();
	}

	// -------------------------------------------------------------------------------------------

	#advance(now: number): void {
		if (this.#t === undefined) {
			this.#t = now;
			return;
		}
		this.#fireDueEvents();
		while (this.#t < now) {
			const next = this.#nextEventAt();
			this.#integrateTo(next !== undefined && next < now ? next : now);
			this.#fireDueEvents();
		}
	}

	#nextEventAt(): number | undefined {
		let next = this.#startAt;
		if (this.#locked && this.#spikeSince !== undefined) {
			const unlock = this.#spikeSince + this.#lock!.holdMs;
			if (next === undefined || unlock < next) next = unlock;
		}
		return next;
	}

	#fireDueEvents(): void {
		const t = this.#t!;
		if (this.#startAt !== undefined && this.#startAt <= t) {
			this.#startAt = undefined;
			this.#start();
		}
		if (this.#locked && this.#spikeSince !== undefined && this.#spikeSince + this.#lock!.holdMs <= t) {
			this.#locked = false;
			this.#spikeSince = undefined;
		}
	}

	#target(): number {
		if (!this.#drawing) return 0;
		const limit = Math.min(this.#offer, this.maxAmps);
		return this.#locked ? Math.min(limit, this.#lock!.lockedAmps) : limit;
	}

	/** Moves the state to `end` (or to the moment the battery fills, if sooner). */
	#integrateTo(end: number): void {
		const t = this.#t!;
		const c = this.#current;
		const g = this.#target();
		const rate = g > c ? this.#rampUp : this.#rampDown;
		let x = end - t;
		let seg = ramp(c, g, rate, x);
		let full = false;
		if (this.#drawing && !this.#neverFills) {
			const roomWh = this.#limitWh - this.#storedWh;
			if (this.#wh(seg.area) >= roomWh) {
				// The battery fills inside this segment: find when (bisection on a monotone integral).
				let lo = 0;
				let hi = x;
				for (let k = 0; k < 40; k++) {
					const mid = (lo + hi) / 2;
					if (this.#wh(ramp(c, g, rate, mid).area) >= roomWh) hi = mid;
					else lo = mid;
				}
				x = hi;
				seg = ramp(c, g, rate, x);
				full = true;
			}
		}
		const wh = this.#wh(seg.area);
		this.#energyWh += wh;
		this.#storedWh += wh;
		this.#current = seg.current;
		this.#t = full ? t + x : end;
		if (full) {
			this.#storedWh = Math.max(this.#storedWh, this.#limitWh);
			this.#stop();
			this.#stoppedLatch = false;
			this.#complete = true;
		}
	}

	#wh(ampMs: number): number {
		return (ampMs * this.#wattsPerAmp) / MS_PER_HOUR;
	}

	#atLimit(): boolean {
		return !this.#neverFills && this.#storedWh >= this.#limitWh - 1e-9;
	}

	#setOffer(amps: number): void {
		if (amps < this.minAmps && this.#ignoresLowOffer && this.#drawing) return;
		const old = this.#offer;
		this.#offer = amps;
		if (!this.#plugged || amps === old) return;
		if (amps < this.minAmps) {
			// §3.8: below ~5 A the car stops drawing (and goes to state 03).
			this.#startAt = undefined;
			if (this.#drawing) this.#stop();
			return;
		}
		if (!this.#drawing) {
			this.#scheduleStart();
			return;
		}
		const lock = this.#lock;
		if (!lock) return;
		if (amps > old && !this.#locked && this.#random.next() < lock.probability) {
			this.#locked = true;
			this.#lockUps++;
		}
		if (!this.#locked) return;
		if (amps < lock.spikeAmps) this.#spikeSince = undefined;
		else if (old < lock.spikeAmps || this.#spikeSince === undefined) this.#spikeSince = this.#t;
	}

	#scheduleStart(): void {
		if (this.#complete || this.#drawing || this.#startAt !== undefined) return;
		const t = this.#t!;
		let at = t;
		if (this.#asleep) {
			const k = Math.floor((t - this.#sleepSince) / this.#wakeIntervalMs) + 1;
			at = this.#sleepSince + k * this.#wakeIntervalMs;
		}
		this.#startAt = at + this.#startDelayMs;
	}

	#start(): void {
		this.#drawing = true;
		this.#drawingSince = this.#t;
		this.#stoppedLatch = false;
		this.#fault = undefined;
		this.#asleep = false;
		this.#locked = false;
		this.#spikeSince = undefined;
		this.#chargeStarts++;
	}

	#stop(): void {
		this.#drawing = false;
		this.#drawingSince = undefined;
		this.#current = 0;
		this.#stoppedLatch = true;
		this.#locked = false;
		this.#spikeSince = undefined;
		this.#chargeStops++;
		if (this.#sleepsWhenIdle) {
			this.#asleep = true;
			this.#sleepSince = this.#t!;
		}
	}
}
