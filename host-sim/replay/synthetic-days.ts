/**
 * Synthetic days for the replay benchmark and its tests: 24 h of PV generation and house
 * consumption (without the car), seeded and deterministic.
 *
 * Each day is modelled second by second and written as one row per 10 s (t = 0, 10, …, 86 390),
 * each row the mean of its 10 seconds, as a meter logging every 10 s would report it (10 s is
 * also the EMS cache of TWCManager's modules, reference §5.6). Edges inside a window come out
 * as one intermediate row. Powers are whole watts. traceDuration() of a day is 86 400 s.
 *
 * - `clear`: a summer clear day. PV follows a smooth bell (sin^1.7 of the time between sunrise
 *   06:00 and sunset 20:00) peaking at 5.7–6.3 kW (about 44 kWh) with a ±1.5 % haze ripple.
 *   House: a base of about 300–500 W (lower at night, higher in the evening) that wanders, a
 *   fridge cycling 90 W, noise of ±15 W, and 4–7 appliance runs of 1–2 kW lasting 2–20 min
 *   between 07:00 and 22:00.
 * - `broken-cloud`: the same sun and house, with cumulus passing: after clear gaps of 1–20 min,
 *   clouds of 30 s–10 min cut the PV to 20–40 % (15 s shadow edges), about six an hour; half of
 *   them end with 10–60 s of cloud-edge enhancement (+5–15 %).
 * - `winter`: PV peaks at 1.8–2.1 kW between 08:30 and 16:30 with a ±5 % haze ripple; the house
 *   draws about 600 W by day (a 500 W base wandering ±100 W, the fridge, 5–8 appliance runs), so
 *   around noon the surplus hovers about the 1440 W a car needs at 6 A × 240 V: above it for a
 *   few minutes to an hour and a quarter in all, depending on the seed, and below it otherwise.
 * - `high-house-load`: the clear day's sun; from 07:00 to 22:00 the house draws 1.5–3 kW (a
 *   base of about 1.5 kW, a 1 kW heat pump cycling, appliances).
 * - `sudden-load`: the clear day plus 7 kW (oven and kettle and hob) from 12:00 for 20 min.
 *
 * For one seed `clear`, `broken-cloud` and `sudden-load` share the same sun and house, so they
 * differ only by the clouds or the 7 kW. Different seeds give different days.
 */
import { seededRandom, type Random } from "../../src/platform/random.js";
import type { TraceRow } from "./trace.js";

export const SYNTHETIC_DAYS: readonly string[] = ["clear", "broken-cloud", "winter", "high-house-load", "sudden-load"];

/** Seconds between rows. */
export const SYNTHETIC_STEP_S = 10;
const DAY_S = 86_400;
const H = 3600;

/** The sudden load of `sudden-load`: watts, start and length (s). */
export const SUDDEN_LOAD = { watts: 7000, startS: 12 * H, durationS: 20 * 60 } as const;

/** The day `name` for `seed` (an integer). Unknown name → throws with the list. */
export function syntheticDay(name: string, seed = 1): TraceRow[] {
	if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer (got ${seed})`);
	switch (name) {
		case "clear":
			return rows(seed, summerSun(seed), summerHouse(seed));
		case "broken-cloud": {
			const gen = summerSun(seed);
			const clouds = cloudFactors(stream(seed, 3), 6 * H, 20 * H);
			for (let t = 0; t < DAY_S; t++) gen[t] *= clouds[t];
			return rows(seed, gen, summerHouse(seed));
		}
		case "winter":
			return rows(
				seed,
				sun(stream(seed, 4), { rise: 8.5 * H, set: 16.5 * H, peak: [1800, 2100], haze: 0.05 }),
				house(stream(seed, 5), {
					baseAt: (t) => (t < 6.5 * H ? 450 : t < 9 * H ? 700 : t < 17 * H ? 500 : t < 23 * H ? 800 : 500),
					wander: 100,
					spikes: [5, 8],
				}),
			);
		case "high-house-load":
			return rows(
				seed,
				summerSun(seed),
				house(stream(seed, 6), {
					baseAt: (t) => (t >= 7 * H && t < 22 * H ? 1450 : 400),
					wander: 150,
					spikes: [3, 6],
					heatPumpW: 1000,
				}),
			);
		case "sudden-load": {
			const cons = summerHouse(seed);
			const { watts, startS, durationS } = SUDDEN_LOAD;
			for (let t = startS; t < startS + durationS; t++) cons[t] += watts;
			return rows(seed, summerSun(seed), cons);
		}
		default:
			throw new RangeError(`unknown synthetic day "${name}": one of ${SYNTHETIC_DAYS.join(", ")}`);
	}
}

// ---- building blocks (per-second arrays over the day) ---------------------------------------

/** An independent random stream per seed and purpose. */
function stream(seed: number, purpose: number): Random {
	return seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(purpose, 0x85ebca6b)) >>> 0);
}

const uniform = (r: Random, a: number, b: number) => a + (b - a) * r.next();
const logUniform = (r: Random, a: number, b: number) => a * Math.exp(Math.log(b / a) * r.next());
const integer = (r: Random, a: number, b: number) => a + Math.floor(r.next() * (b - a + 1));

function fill(w: Float64Array, from: number, to: number, watts: number): void {
	for (let t = Math.max(0, Math.floor(from)); t < Math.min(DAY_S, to); t++) w[t] += watts;
}

const summerSun = (seed: number) => sun(stream(seed, 1), { rise: 6 * H, set: 20 * H, peak: [5700, 6300], haze: 0.015 });

interface SunProfile {
	rise: number;
	set: number;
	/** The day's peak is drawn from this range (W). */
	peak: [number, number];
	/** Amplitude of the slow haze ripple (fraction). */
	haze: number;
}

/** A clear-sky PV curve: peak · sin(π·x)^1.7 with x from 0 at sunrise to 1 at sunset, times the haze. */
function sun(r: Random, p: SunProfile): Float64Array {
	const w = new Float64Array(DAY_S);
	const peak = uniform(r, p.peak[0], p.peak[1]);
	let haze = 0;
	for (let t = 0; t < DAY_S; t++) {
		if (t % 10 === 0) haze = Math.max(-p.haze, Math.min(p.haze, 0.97 * haze + (r.next() - 0.5) * p.haze * 0.3));
		if (t <= p.rise || t >= p.set) continue;
		const x = (t - p.rise) / (p.set - p.rise);
		w[t] = peak * Math.sin(Math.PI * x) ** 1.7 * (1 + haze);
	}
	return w;
}

/** Transmission of passing cumulus (1 = clear) between `from` and `to`. */
function cloudFactors(r: Random, from: number, to: number): Float64Array {
	const f = new Float64Array(DAY_S).fill(1);
	const edge = 15;
	let t = from + logUniform(r, 60, 1200);
	while (t < to) {
		const length = logUniform(r, 30, 600);
		const depth = uniform(r, 0.2, 0.4);
		const start = Math.floor(t);
		const end = Math.min(DAY_S, Math.floor(t + length));
		for (let s = start; s < end; s++) {
			const into = Math.min(s - start + 1, end - s) / edge; // the shadow's edge sweeps over the array
			f[s] = into >= 1 ? depth : 1 - (1 - depth) * into;
		}
		let gapStart = end;
		if (r.next() < 0.5) {
			// Cloud-edge enhancement: light scattered by the cloud's side adds to the direct sun.
			const boost = uniform(r, 1.05, 1.15);
			const boostEnd = Math.min(DAY_S, end + Math.floor(uniform(r, 10, 60)));
			for (let s = end; s < boostEnd; s++) f[s] = boost;
			gapStart = boostEnd;
		}
		t = gapStart + logUniform(r, 60, 1200);
	}
	return f;
}

interface HouseProfile {
	/** Mean base load at second t of the day (W). */
	baseAt: (t: number) => number;
	/** The base wanders within ± this (W). */
	wander: number;
	/** How many appliance runs (1–2 kW, 2–20 min, 07:00–22:00). */
	spikes: [number, number];
	/** A heat pump cycling this much (15–30 min on, 10–25 min off), 07:00–22:00. */
	heatPumpW?: number;
}

const summerHouse = (seed: number) =>
	house(stream(seed, 2), {
		baseAt: (t) => (t < 6 * H ? 280 : t < 9 * H ? 380 : t < 18 * H ? 330 : t < 23 * H ? 420 : 300),
		wander: 60,
		spikes: [4, 7],
	});

function house(r: Random, p: HouseProfile): Float64Array {
	const w = new Float64Array(DAY_S);
	let dev = 0;
	for (let t = 0; t < DAY_S; t++) {
		if (t % 10 === 0) dev = Math.max(-p.wander, Math.min(p.wander, 0.98 * dev + (r.next() - 0.5) * p.wander * 0.2));
		w[t] = p.baseAt(t) + dev;
	}
	// Fridge: about 10–20 min on, 20–35 min off.
	for (let t = uniform(r, 0, 1800); t < DAY_S; ) {
		const on = uniform(r, 600, 1200);
		fill(w, t, t + on, 90);
		t += on + uniform(r, 1200, 2100);
	}
	if (p.heatPumpW !== undefined) {
		for (let t = 7 * H + uniform(r, 0, 1200); t < 22 * H; ) {
			const on = uniform(r, 15, 30) * 60;
			fill(w, t, Math.min(t + on, 22 * H), p.heatPumpW);
			t += on + uniform(r, 10, 25) * 60;
		}
	}
	const n = integer(r, p.spikes[0], p.spikes[1]);
	for (let i = 0; i < n; i++) {
		const start = uniform(r, 7 * H, 22 * H);
		fill(w, start, start + logUniform(r, 2, 20) * 60, uniform(r, 1000, 2000));
	}
	return w;
}

/** Rows every SYNTHETIC_STEP_S of the per-second arrays (window means), the house with ±15 W noise. */
function rows(seed: number, gen: Float64Array, cons: Float64Array): TraceRow[] {
	const noise = stream(seed, 7);
	const out: TraceRow[] = [];
	for (let t = 0; t < DAY_S; t += SYNTHETIC_STEP_S) {
		let g = 0;
		let c = 0;
		for (let s = t; s < t + SYNTHETIC_STEP_S; s++) {
			g += gen[s];
			c += cons[s];
		}
		out.push({
			t_s: t,
			gen_w: Math.round(g / SYNTHETIC_STEP_S),
			cons_w: Math.max(0, Math.round(c / SYNTHETIC_STEP_S + (noise.next() - 0.5) * 30)),
		});
	}
	return out;
}
