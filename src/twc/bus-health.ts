/**
 * How the bus is doing, for the user: is the port up (or down since when, after how many reconnect
 * attempts), how many damaged frames and missed replies in the last minute, and whether that is
 * more than a healthy bus shows. A sick bus used to be invisible: 246,000 bad frames in 20 s
 * logged nothing, and a converter that refused connections showed nothing in /api/v1/state.
 */
import type { FrameStats } from "./frame.js";

/** The bus counts as down (a problem) after this long without an open port. */
export const BUS_DOWN_PROBLEM_MS = 10_000;
/**
 * Damaged frames in a minute above which the bus is called noisy. A healthy bus shows a few an hour
 * (a collision now and then: npm run bench); a wiring fault shows thousands a second.
 */
export const NOISY_BAD_FRAMES_PER_MINUTE = 20;
/** Counters are sampled this often; a minute is the last six samples. */
export const SAMPLE_MS = 10_000;
const SAMPLES_KEPT = 7;
/** The summary goes to the log at most this often. */
export const SUMMARY_INTERVAL_MS = 60_000;

export interface BusCounters {
	badFrames: number;
	noiseBytes: number;
	repliesMissed: number;
	frames: number;
}

export interface UnitHealth {
	twcId: string;
	repliesMissed: number;
	repliesMissedLastMinute: number;
}

export interface BusHealthStatus {
	/** "up", "down", or "unknown" before the port said anything (a simulated bus never does). */
	state: "up" | "down" | "unknown";
	since: number | null;
	reason: string;
	/** Failed attempts to reopen since the port went down. */
	reconnectAttempts: number;
	badFramesLastMinute: number;
	noiseBytesLastMinute: number;
	repliesMissedLastMinute: number;
	framesLastMinute: number;
	noisy: boolean;
}

export function badFrames(stats: FrameStats): number {
	return stats.badChecksum + stats.badLength + stats.badEscape + stats.badType + stats.abandoned;
}

export class BusHealth {
	#open: boolean | undefined = undefined;
	#since: number;
	#reason = "";
	#attempts = 0;
	#samples: { at: number; counters: BusCounters; perUnit: Map<number, number> }[] = [];
	#lastSummaryAt = -Infinity;
	#summarized: BusCounters | undefined;

	constructor(now: number) {
		this.#since = now;
	}

	/**
	 * The port opened or failed (bindings report every failed reopen attempt). Returns "opened" or
	 * "lost" on a change of state, undefined for one more failed attempt.
	 */
	portStatus(open: boolean, reason: string, now: number): "opened" | "lost" | undefined {
		const was = this.#open;
		this.#reason = reason;
		if (open) {
			this.#open = true;
			this.#attempts = 0;
			if (was === true) return undefined;
			this.#since = now;
			return "opened";
		}
		if (was === false) {
			this.#attempts++;
			return undefined;
		}
		this.#open = false;
		this.#since = now;
		this.#attempts = 0;
		return "lost";
	}

	/** True when the port is known to be down. */
	get down(): boolean {
		return this.#open === false;
	}

	/** Takes a sample when one is due; returns a summary line to log when one is due and there is news. */
	sample(now: number, counters: BusCounters, perUnit: ReadonlyMap<number, number>): { line: string; serious: boolean } | undefined {
		const last = this.#samples[this.#samples.length - 1];
		if (!last || now - last.at >= SAMPLE_MS || now < last.at) {
			this.#samples.push({ at: now, counters: { ...counters }, perUnit: new Map(perUnit) });
			if (this.#samples.length > SAMPLES_KEPT) this.#samples.shift();
		}
		if (now - this.#lastSummaryAt < SUMMARY_INTERVAL_MS && now >= this.#lastSummaryAt) return undefined;
		const before = this.#summarized;
		this.#summarized = { ...counters };
		const minutes = before ? Math.max(1, Math.round((now - this.#lastSummaryAt) / 60_000)) : 1;
		const bad = counters.badFrames - (before?.badFrames ?? counters.badFrames);
		const missed = counters.repliesMissed - (before?.repliesMissed ?? counters.repliesMissed);
		const downFor = this.down ? now - this.#since : 0;
		if (!before) {
			this.#lastSummaryAt = now;
			return undefined;
		}
		if (bad === 0 && missed === 0 && downFor < BUS_DOWN_PROBLEM_MS) return undefined;
		this.#lastSummaryAt = now;
		const parts: string[] = [];
		if (downFor >= BUS_DOWN_PROBLEM_MS) parts.push(`down for ${Math.round(downFor / 1000)} s (${this.#attempts} reconnect attempts; ${this.#reason})`);
		if (bad > 0) parts.push(`${bad} damaged frames`);
		if (missed > 0) parts.push(`${missed} replies missed`);
		const serious = downFor >= BUS_DOWN_PROBLEM_MS || bad / minutes > NOISY_BAD_FRAMES_PER_MINUTE;
		return { line: `bus in the last ${minutes === 1 ? "minute" : `${minutes} minutes`}: ${parts.join(", ")}`, serious };
	}

	/** Counts over the last minute: now against the oldest sample within it. */
	#lastMinute(now: number, counters: BusCounters): { base: BusCounters; perUnit: ReadonlyMap<number, number> } {
		let base = this.#samples.find((s) => now - s.at <= 60_000 && s.at <= now);
		if (!base) base = this.#samples[this.#samples.length - 1];
		return base ? { base: base.counters, perUnit: base.perUnit } : { base: counters, perUnit: new Map() };
	}

	status(now: number, counters: BusCounters): BusHealthStatus {
		const { base } = this.#lastMinute(now, counters);
		const badLastMinute = counters.badFrames - base.badFrames;
		return {
			state: this.#open === undefined ? "unknown" : this.#open ? "up" : "down",
			since: this.#open === undefined ? null : this.#since,
			reason: this.#reason,
			reconnectAttempts: this.#attempts,
			badFramesLastMinute: badLastMinute,
			noiseBytesLastMinute: counters.noiseBytes - base.noiseBytes,
			repliesMissedLastMinute: counters.repliesMissed - base.repliesMissed,
			framesLastMinute: counters.frames - base.frames,
			noisy: badLastMinute > NOISY_BAD_FRAMES_PER_MINUTE,
		};
	}

	/** Replies a unit missed in the last minute, from its running count. */
	unitMissedLastMinute(now: number, id: number, missed: number): number {
		const { perUnit } = this.#lastMinute(now, { badFrames: 0, noiseBytes: 0, repliesMissed: 0, frames: 0 });
		return missed - (perUnit.get(id) ?? 0);
	}

	/** What the user must act on, in words. */
	problems(now: number, counters: BusCounters): string[] {
		const problems: string[] = [];
		if (this.down && now - this.#since >= BUS_DOWN_PROBLEM_MS) {
			problems.push(
				`the bus has been down for ${Math.round((now - this.#since) / 1000)} s (${this.#attempts} reconnect attempts): ${this.#reason}; ` +
					`no wall connector can be heard or told its limit until it is back`,
			);
		}
		const status = this.status(now, counters);
		if (status.noisy) {
			problems.push(
				`the bus is noisy: ${status.badFramesLastMinute} damaged frames in the last minute (a healthy bus shows a few an hour): ` +
					`check the A/B wiring, the termination, the ground and the baud rate (9600)`,
			);
		}
		return problems;
	}

	shift(delta: number): void {
		this.#since += delta;
		this.#lastSummaryAt += delta;
		for (const s of this.#samples) s.at += delta;
	}
}
