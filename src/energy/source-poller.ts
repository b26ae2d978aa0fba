/**
 * Polls every energy source at its interval, feeds what they read into EnergyReadings (which sums
 * them as TWCManager does and ages out stale values), and keeps each one's status for the state
 * and the `sources` command: the last reading, the last error, since when it fails. A slow or
 * failing source never delays the bus: polls are asynchronous and one at a time per source.
 */
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { Log } from "../platform/log.js";
import type { EnergyReadings } from "./readings.js";
import type { EnergySource, PollResult, SourceReading } from "./source.js";

export interface SourceState {
	name: string;
	ok: boolean;
	reading: SourceReading | null;
	error: string | null;
	/** When the last poll ended (UTC ms), and when the source last answered well. */
	lastPollAt: number | null;
	lastGoodAt: number | null;
	failures: number;
}

/** A poll that has not answered after this is counted as failed (the HTTP timeout is shorter). */
const POLL_GIVE_UP_MS = 30_000;

export class SourcePoller {
	readonly #sources: readonly EnergySource[];
	readonly #clock: Clock;
	readonly #log: Log;
	readonly #readings: EnergyReadings | undefined;
	readonly #states: SourceState[];
	readonly #timers: (TimerHandle | undefined)[];
	#running = false;

	readonly #onResult: ((state: SourceState) => void) | undefined;

	constructor(options: { sources: readonly EnergySource[]; clock: Clock; log: Log; readings?: EnergyReadings; onResult?(state: SourceState): void }) {
		this.#onResult = options.onResult;
		this.#sources = options.sources;
		this.#clock = options.clock;
		this.#log = options.log;
		this.#readings = options.readings;
		this.#states = options.sources.map((s) => ({ name: s.name, ok: false, reading: null, error: "not asked yet", lastPollAt: null, lastGoodAt: null, failures: 0 }));
		this.#timers = options.sources.map(() => undefined);
	}

	get states(): readonly SourceState[] {
		return this.#states;
	}

	start(): void {
		if (this.#running) return;
		this.#running = true;
		this.#sources.forEach((_, i) => this.#pollOne(i));
	}

	stop(): void {
		this.#running = false;
		this.#timers.forEach((t) => t !== undefined && this.#clock.clearTimer(t));
		for (const source of this.#sources) source.close();
	}

	/**
	 * Asks every source once; `done` gets the states when all have answered (or given up). A source
	 * that is told its values (`told`) is asked again every second until it has one or `waitToldMs`
	 * has passed: right after the start it has heard nothing yet.
	 */
	pollAll(done: (states: readonly SourceState[]) => void, waitToldMs = 0): void {
		let left = this.#sources.length;
		if (left === 0) return done(this.#states);
		const until = this.#clock.now() + waitToldMs;
		const one = (i: number) =>
			this.#ask(i, () => {
				if (!this.#states[i].ok && this.#sources[i].told && this.#clock.now() + 1000 <= until) {
					this.#clock.setTimer(1000, () => one(i));
					return;
				}
				if (--left === 0) done(this.#states);
			});
		this.#sources.forEach((_, i) => one(i));
	}

	#pollOne(i: number): void {
		this.#ask(i, () => {
			if (!this.#running) return;
			this.#timers[i] = this.#clock.setTimer(this.#sources[i].intervalS * 1000, () => this.#pollOne(i));
		});
	}

	#ask(i: number, after: () => void): void {
		const source = this.#sources[i];
		let answered = false;
		const giveUp = this.#clock.setTimer(POLL_GIVE_UP_MS, () => finish({ ok: false, error: `${source.name}: no answer within ${POLL_GIVE_UP_MS / 1000} s` }));
		const finish = (result: PollResult) => {
			if (answered) return;
			answered = true;
			this.#clock.clearTimer(giveUp);
			this.#record(i, result);
			this.#onResult?.(this.#states[i]);
			after();
		};
		try {
			source.poll(finish);
		} catch (error) {
			finish({ ok: false, error: `${source.name}: ${error instanceof Error ? error.message : String(error)}` });
		}
	}

	#record(i: number, result: PollResult): void {
		const state = this.#states[i];
		const now = this.#clock.now();
		state.lastPollAt = now;
		if (result.ok) {
			if (!state.ok && state.failures > 0) this.#log.write("info", "energy", `${state.name}: answering again`);
			state.ok = true;
			state.reading = result.reading;
			state.error = null;
			state.lastGoodAt = now;
			state.failures = 0;
			const r = result.reading;
			this.#readings?.report(
				state.name,
				{
					atMs: now,
					generationW: r.generationW ?? undefined,
					consumptionW: r.consumptionW ?? undefined,
					gridW: r.gridW ?? undefined,
					voltage: r.voltageV ?? undefined,
				},
				now,
			);
			return;
		}
		// The last good value stays in EnergyReadings until it goes stale there.
		if (state.ok || state.failures === 0 || state.error !== result.error) this.#log.write("warn", "energy", result.error);
		state.ok = false;
		state.error = result.error;
		state.failures++;
	}
}

/** Sums what the sources read, as TWCManager does (§0.2): null when no source gives the value. */
export function sumReadings(states: readonly SourceState[]): { generationW: number | null; consumptionW: number | null } {
	let generation: number | null = null;
	let consumption: number | null = null;
	for (const s of states) {
		if (!s.ok || s.reading === null) continue;
		// TWCManager negates a negative generation (#442); here a source reports it physically already.
		if (s.reading.generationW !== null) generation = (generation ?? 0) + Math.abs(s.reading.generationW);
		if (s.reading.consumptionW !== null) consumption = (consumption ?? 0) + s.reading.consumptionW;
	}
	return { generationW: generation, consumptionW: consumption };
}
