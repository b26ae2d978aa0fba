/**
 * Energy readings through one interface (issue 4 §1): every source (a meter, an inverter, the
 * replay's simulated meter) reports samples of generation, consumption and, where it has them,
 * grid power and voltage, each with the time it was measured. Sources are summed as TWCManager
 * sums its EMS modules (reference §5.6).
 *
 * Bad input is refused with a reason and never replaces a good value: NaN, megawatts, generation
 * more negative than an inverter's standby draw (TWCManager flips the sign, §5.6; a meter that
 * suddenly reports −5 kW is broken, not exporting), a sample older than the last one (out of order), the same
 * sample twice, a time from the future. A source with nothing fresh within the stale time drops
 * out, and with no fresh source at all there is no reading (the green logic then sees no surplus).
 */
import type { Log } from "../platform/log.js";

export interface EnergySample {
	/** When it was measured, UTC epoch ms. */
	atMs: number;
	generationW?: number;
	consumptionW?: number;
	/** Grid power: import positive, export negative. */
	gridW?: number;
	voltage?: number;
}

/** The sum of the fresh sources. */
export interface EnergyReading {
	generationW: number | undefined;
	consumptionW: number | undefined;
	gridW: number | undefined;
	voltage: number | undefined;
	/** Time of the oldest sample used. */
	atMs: number;
	sources: string[];
}

export interface SourceStatus {
	source: string;
	lastAtMs: number | undefined;
	ageSeconds: number | undefined;
	fresh: boolean;
	accepted: number;
	refused: number;
	lastProblem: string | undefined;
}

/** Inverters draw a little at night and some report it as negative generation. */
export const STANDBY_W = 100;
/** Anything beyond this is not a house (1 MW). */
export const ABSURD_W = 1_000_000;
/** Meter clocks run a little ahead of ours; beyond this a sample is "from the future". */
const FUTURE_TOLERANCE_MS = 5000;

interface Source {
	last: EnergySample | undefined;
	accepted: number;
	refused: number;
	lastProblem: string | undefined;
	lastLoggedAt: number;
}

export class EnergyReadings {
	readonly #log: Log;
	readonly #staleMs: number;
	readonly #sources = new Map<string, Source>();

	constructor(options: { log: Log; staleSeconds: number }) {
		this.#log = options.log;
		this.#staleMs = options.staleSeconds * 1000;
	}

	get staleSeconds(): number {
		return this.#staleMs / 1000;
	}

	/** Takes a sample from `source` at local time `nowMs`; returns why it was refused, if it was. */
	report(source: string, sample: EnergySample, nowMs: number): string | undefined {
		let s = this.#sources.get(source);
		if (!s) {
			s = { last: undefined, accepted: 0, refused: 0, lastProblem: undefined, lastLoggedAt: -Infinity };
			this.#sources.set(source, s);
		}
		const problem = this.#check(s, sample, nowMs);
		if (problem === "duplicate") return undefined;
		if (problem) {
			s.refused++;
			s.lastProblem = problem;
			if (nowMs - s.lastLoggedAt >= 60_000 || nowMs < s.lastLoggedAt) {
				s.lastLoggedAt = nowMs;
				this.#log.write("warn", "energy", `${source}: reading refused: ${problem}`);
			}
			return problem;
		}
		s.last = { ...sample };
		s.accepted++;
		return undefined;
	}

	/** The sum of the sources with a sample younger than the stale time, or undefined. */
	latest(nowMs: number): EnergyReading | undefined {
		let reading: EnergyReading | undefined;
		const add = (a: number | undefined, b: number | undefined) => (b === undefined ? a : (a ?? 0) + b);
		for (const [name, s] of this.#sources) {
			const last = s.last;
			if (!last || nowMs - last.atMs > this.#staleMs) continue;
			reading ??= { generationW: undefined, consumptionW: undefined, gridW: undefined, voltage: undefined, atMs: last.atMs, sources: [] };
			// A standby draw (small negative generation) counts as no generation.
			reading.generationW = add(reading.generationW, last.generationW === undefined ? undefined : Math.max(0, last.generationW));
			reading.consumptionW = add(reading.consumptionW, last.consumptionW === undefined ? undefined : Math.max(0, last.consumptionW));
			reading.gridW = add(reading.gridW, last.gridW);
			if (last.voltage !== undefined) reading.voltage = last.voltage;
			reading.atMs = Math.min(reading.atMs, last.atMs);
			reading.sources.push(name);
		}
		return reading;
	}

	/** Age in seconds of the newest sample of any source, or undefined when none ever came. */
	newestAgeSeconds(nowMs: number): number | undefined {
		let newest: number | undefined;
		for (const s of this.#sources.values()) if (s.last && (newest === undefined || s.last.atMs > newest)) newest = s.last.atMs;
		return newest === undefined ? undefined : Math.max(0, (nowMs - newest) / 1000);
	}

	status(nowMs: number): SourceStatus[] {
		return [...this.#sources].map(([source, s]) => ({
			source,
			lastAtMs: s.last?.atMs,
			ageSeconds: s.last ? Math.round((nowMs - s.last.atMs) / 100) / 10 : undefined,
			fresh: s.last !== undefined && nowMs - s.last.atMs <= this.#staleMs,
			accepted: s.accepted,
			refused: s.refused,
			lastProblem: s.lastProblem,
		}));
	}

	#check(s: Source, sample: EnergySample, nowMs: number): string | undefined {
		if (typeof sample !== "object" || sample === null) return "not a sample";
		if (typeof sample.atMs !== "number" || !Number.isFinite(sample.atMs)) return `no valid time (${String(sample.atMs)})`;
		if (sample.atMs > nowMs + FUTURE_TOLERANCE_MS) return `measured ${Math.round((sample.atMs - nowMs) / 1000)} s in the future (clock mismatch)`;
		const values: [string, unknown][] = [
			["generationW", sample.generationW],
			["consumptionW", sample.consumptionW],
			["gridW", sample.gridW],
			["voltage", sample.voltage],
		];
		let any = false;
		for (const [key, value] of values) {
			if (value === undefined) continue;
			if (typeof value !== "number" || !Number.isFinite(value)) return `${key} ${String(value)} is not a number`;
			if (Math.abs(value) > ABSURD_W) return `${key} ${Math.round(value)} W is absurd (over 1 MW)`;
			if (key !== "voltage") any = true;
		}
		if (!any) return "no generation, consumption or grid value";
		if (sample.generationW !== undefined && sample.generationW < -STANDBY_W) {
			return `generationW ${Math.round(sample.generationW)} W is negative beyond an inverter's standby draw (−${STANDBY_W} W)`;
		}
		if (sample.consumptionW !== undefined && sample.consumptionW < -STANDBY_W) return `consumptionW ${Math.round(sample.consumptionW)} W is negative`;
		if (sample.voltage !== undefined && (sample.voltage < 80 || sample.voltage > 500)) return `voltage ${sample.voltage} V is out of range (80–500 V)`;
		const last = s.last;
		if (last && sample.atMs < last.atMs) return `out of order: measured ${Math.round((last.atMs - sample.atMs) / 1000)} s before the last one`;
		if (last && sample.atMs === last.atMs) {
			const same = last.generationW === sample.generationW && last.consumptionW === sample.consumptionW && last.gridW === sample.gridW;
			return same ? "duplicate" : "two different samples with the same time";
		}
		return undefined;
	}
}
