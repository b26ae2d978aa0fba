/**
 * Starting and stopping one car without the cloud (issue 3 §6, reference §3.8, §4.2 steps 10–13,
 * §4.5). A car is started by offering it at least its minimum and stopped by offering 0 A; that is
 * always the first method. Between the two:
 *  - a started car keeps its minimum for `minOnMs` (the start negotiation: §3.8 "keep a started car
 *    charging ≥60 s before cutting it"), unless the stop is forced (the policy or a denial);
 *  - a green shortage stops a drawing car only once it has lasted `stopDelayMs` (`startStopDelay`,
 *    TWCManager's dampening of §4.2 step 10/13);
 *  - a stopped car is not offered power again for `minOffMs`.
 * Stronger methods (FC B2, not answering the slave) are the arbiter's, on the transitions this
 * reports.
 */
import { secondsLeft, Since, type ActiveTimer } from "./timers.js";

export interface SwitchTiming {
	minOnMs: number;
	minOffMs: number;
	stopDelayMs: number;
}

export interface SwitchInput {
	now: number;
	/** What the allocation gives this slave. */
	share: number;
	/** The least current worth offering this slave. */
	min: number;
	/** The stop may not wait (the policy asks for less than the minimum, a VIN denial, a 0 A cap). */
	forced: boolean;
	/** A green shortage: the stop delay applies. */
	green: boolean;
	/** The car draws current now. */
	drawing: boolean;
	/** The share covers the minimum only because a timer of this switch holds it (not a recovery). */
	held?: boolean;
}

export interface SwitchResult {
	amps: number;
	timers: ActiveTimer[];
	/** This call turned the car on (offer from 0 to ≥ minimum) or off. */
	transition?: "start" | "stop";
}

export const TIMER_MIN_ON = "minimum on time";
export const TIMER_MIN_OFF = "minimum off time";
export const TIMER_STOP_DELAY = "stop delay (startStopDelay)";

export class ChargeSwitch {
	readonly #timing: SwitchTiming;
	/** We offer this slave at least its minimum. */
	#on = false;
	#since = new Since(-Infinity);
	/** When a green shortage began while on; undefined when there is none. */
	#shortSince: Since | undefined;

	constructor(timing: SwitchTiming) {
		this.#timing = timing;
	}

	get on(): boolean {
		return this.#on;
	}

	/** When it was last turned on, while it is on. */
	get onSince(): number | undefined {
		return this.#on ? this.#since.at : undefined;
	}

	/**
	 * The timer that requires this car to keep its minimum now, if any (asked before the budget is
	 * shared, so a held car is served first). `shortage` says the budget would not cover it.
	 */
	holdTimer(now: number, green: boolean, drawing: boolean): ActiveTimer | undefined {
		if (!this.#on) return undefined;
		const onFor = this.#since.elapsed(now);
		if (onFor < this.#timing.minOnMs) return { name: TIMER_MIN_ON, secondsLeft: secondsLeft(this.#since.at + this.#timing.minOnMs, now) };
		if (green && drawing && this.#shortSince) {
			const short = this.#shortSince.elapsed(now);
			if (short < this.#timing.stopDelayMs) return { name: TIMER_STOP_DELAY, secondsLeft: secondsLeft(this.#shortSince.at + this.#timing.stopDelayMs, now) };
		}
		return undefined;
	}

	/** Starts the green stop delay now if the car is on and drawing and none is running; true if it now holds. */
	beginShortage(now: number, drawing: boolean): boolean {
		if (!this.#on || !drawing || this.#timing.stopDelayMs <= 0) return false;
		if (!this.#shortSince) this.#shortSince = new Since(now);
		return this.#shortSince.elapsed(now) < this.#timing.stopDelayMs;
	}

	/** Decides the offer from the share and the timers. */
	decide(input: SwitchInput): SwitchResult {
		const { now, share, min } = input;
		if (share >= min && share > 0) {
			if (input.held && this.#on) {
				// The budget alone does not cover it: a running shortage keeps counting.
				const hold = this.holdTimer(now, input.green, input.drawing);
				if (hold) return { amps: share, timers: [hold] };
			}
			this.#shortSince = undefined;
			if (this.#on) return { amps: share, timers: [] };
			const offFor = this.#since.elapsed(now);
			if (offFor < this.#timing.minOffMs) {
				return { amps: 0, timers: [{ name: TIMER_MIN_OFF, secondsLeft: secondsLeft(this.#since.at + this.#timing.minOffMs, now) }] };
			}
			this.#on = true;
			this.#since.set(now);
			return { amps: share, timers: [], transition: "start" };
		}
		if (!this.#on) return { amps: 0, timers: [] };
		if (!input.forced) {
			const hold = this.holdTimer(now, input.green, input.drawing);
			if (hold) return { amps: Math.max(share, min), timers: [hold] };
		}
		this.#on = false;
		this.#shortSince = undefined;
		this.#since.set(now);
		return { amps: 0, timers: [], transition: "stop" };
	}

	/** The timers running now, for the explanation. */
	timers(now: number): ActiveTimer[] {
		if (!this.#on) {
			const offFor = this.#since.elapsed(now);
			return offFor < this.#timing.minOffMs ? [{ name: TIMER_MIN_OFF, secondsLeft: secondsLeft(this.#since.at + this.#timing.minOffMs, now) }] : [];
		}
		const hold = this.holdTimer(now, true, true);
		return hold ? [hold] : [];
	}
}
