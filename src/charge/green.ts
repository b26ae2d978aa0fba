/**
 * Track Green Energy: surplus → amps (issue 4 §2; reference §5.6, anchors.md §1.2 evcc's enable /
 * disable timers, §2.1 OpenEVSE's asymmetric filter).
 *
 * Surplus (W) = generation − consumption − offsets, where consumption excludes the car
 * (`subtractChargerLoad` removes the chargers' draw when the meter sees the car; a grid meter
 * always sees it), `treatGenerationAsGridDelivery` lets consumption go negative, offsets are
 * `greenEnergyAmpsOffset` and `settings.consumptionOffset` (W or A).
 *
 * The surplus is smoothed asymmetrically: a drop is followed at once (no grid import while a
 * filter catches up), a rise only with the time constant `greenRiseSeconds` (a passing gap in
 * the clouds does not start or raise the car). Charging starts when the smoothed surplus has been
 * at least the start threshold for the start delay, and stops when it has been below the stop
 * threshold for the stop delay, or at once when the deficit below the car's minimum has cost more
 * than `greenDeficitWh` of grid energy. While charging the offer is the surplus in whole amps,
 * never below the minimum. Readings older than the stale time count as no surplus, and say so.
 */
import type { EnergyReadings } from "../energy/readings.js";
import type { GreenView } from "./arbiter.js";
import type { ConsumptionOffset } from "./settings.js";
import { secondsLeft, type ActiveTimer } from "./timers.js";

export interface GreenConfig {
	/** Surplus (W) needed to start; undefined = the minimum current's power + 40 %. */
	startSurplusW: number | undefined;
	/** Surplus (W) below which charging stops; undefined = the minimum current's power. */
	stopSurplusW: number | undefined;
	startDelaySeconds: number;
	stopDelaySeconds: number;
	/** Time constant of the smoothing of rises (s); drops are followed at once. */
	riseSeconds: number;
	/** Grid energy (Wh) a deficit below the minimum may cost before charging stops regardless of the stop delay. */
	deficitWh: number;
	subtractChargerLoad: boolean;
	treatGenerationAsGridDelivery: boolean;
	/** config.greenEnergyAmpsOffset: amps reserved for the house (§5.6). */
	ampsOffset: number;
}

/** What the green logic needs from the rest of the controller at each call. */
export interface GreenContext {
	/** Σ of what the wall connectors draw now, W. */
	chargerLoadW: number;
	volts: number;
	phases: number;
	/** The least current one car is offered (max of minAmpsPerTWC and the unit floor). */
	minAmps: number;
	offsets: Readonly<Record<string, ConsumptionOffset>>;
}

const RECENT_MS = 30 * 60_000;
const MAX_RIDE_FACTOR = 3;
const URGENT_MS = 5000;
/**
 * Default start threshold: 140 % of the minimum power (2016 W at 6 A × 240 V). A start with less
 * margin is stopped by the next ordinary house load (a kettle, a washing machine) and costs a
 * start and grid energy; tuned on the replayed synthetic days (README, npm run bench).
 */
const START_FACTOR = 1.4;

export const GREEN_TIMER_START = "green start delay";
export const GREEN_TIMER_STOP = "green stop delay";

export class GreenTracker {
	readonly #readings: EnergyReadings;
	readonly #config: GreenConfig;
	readonly #context: () => GreenContext;
	#smoothed: number | undefined;
	#lastAt: number | undefined;
	#on = false;
	#startSince: number | undefined;
	#stopSince: number | undefined;
	#deficitWs = 0;
	/** When the recent shortages began (for the ride budget on changeable days). */
	#shortages: number[] = [];
	#inShortage = false;
	/** After a stop because the house alone imports, the wish says so for a few seconds (urgentStop). */
	#urgentUntil = -Infinity;

	constructor(readings: EnergyReadings, config: GreenConfig, context: () => GreenContext) {
		this.#readings = readings;
		this.#config = config;
		this.#context = context;
	}

	get charging(): boolean {
		return this.#on;
	}

	wish(now: number): GreenView {
		const cfg = this.#config;
		const ctx = this.#context();
		const va = Math.max(1, ctx.volts * ctx.phases);
		const minW = ctx.minAmps * va;
		const startW = cfg.startSurplusW ?? Math.round(minW * START_FACTOR);
		const stopW = cfg.stopSurplusW ?? Math.round(minW);
		const reading = this.#readings.latest(now);
		const dt = this.#lastAt === undefined || now < this.#lastAt ? 0 : (now - this.#lastAt) / 1000;
		this.#lastAt = now;
		const base = { startSurplusW: startW, stopSurplusW: stopW, volts: ctx.volts, phases: ctx.phases, chargerLoadW: round(ctx.chargerLoadW) };

		if (!reading) {
			this.#off();
			this.#smoothed = undefined;
			const age = this.#readings.newestAgeSeconds(now);
			const note = age === undefined ? "no energy readings yet" : `readings stale: the newest is ${Math.round(age)} s old (limit ${this.#readings.staleSeconds} s); no surplus assumed`;
			return { amps: 0, note, timers: [], hysteresis: true, details: { ...base, stale: true, surplusW: 0, smoothedSurplusW: 0, generationW: 0, consumptionW: 0 } };
		}

		const offsetW = ctx.offsets ? offsetWatts(ctx.offsets, va) + cfg.ampsOffset * va : cfg.ampsOffset * va;
		let surplus: number;
		let consumptionW = reading.consumptionW ?? 0;
		const generationW = reading.generationW ?? 0;
		if (reading.generationW !== undefined && reading.consumptionW !== undefined) {
			let house = reading.consumptionW - (cfg.subtractChargerLoad ? ctx.chargerLoadW : 0);
			if (!cfg.treatGenerationAsGridDelivery) house = Math.max(0, house);
			consumptionW = house;
			surplus = reading.generationW - house - offsetW;
		} else if (reading.gridW !== undefined) {
			// A grid meter sees the car: what it exports plus what the car draws.
			surplus = -reading.gridW + ctx.chargerLoadW - offsetW;
			consumptionW = Math.max(0, generationW + reading.gridW - ctx.chargerLoadW);
		} else surplus = generationW - (cfg.treatGenerationAsGridDelivery ? -ctx.chargerLoadW : 0) - offsetW;

		// Asymmetric smoothing: down at once, up with the rise time constant.
		if (this.#smoothed === undefined || surplus <= this.#smoothed || cfg.riseSeconds <= 0) this.#smoothed = surplus;
		else this.#smoothed += (surplus - this.#smoothed) * (1 - Math.exp(-dt / cfg.riseSeconds));
		const smoothed = this.#smoothed;

		const timers: ActiveTimer[] = [];
		let note: string;
		if (!this.#on) {
			if (smoothed >= startW) {
				this.#startSince ??= now;
				const left = this.#startSince + cfg.startDelaySeconds * 1000 - now;
				if (left <= 0 || now < this.#startSince) {
					this.#on = true;
					this.#startSince = undefined;
					this.#deficitWs = 0;
					note = `start: surplus ${round(smoothed)} W ≥ ${startW} W for ${cfg.startDelaySeconds} s`;
				} else {
					timers.push({ name: GREEN_TIMER_START, secondsLeft: secondsLeft(this.#startSince + cfg.startDelaySeconds * 1000, now) });
					note = `surplus ${round(smoothed)} W ≥ ${startW} W: starting in ${timers[0].secondsLeft} s`;
				}
			} else {
				this.#startSince = undefined;
				note = `surplus ${round(smoothed)} W is below the start threshold of ${startW} W`;
			}
		} else note = "";

		if (this.#on) {
			this.#deficitWs = surplus < minW ? this.#deficitWs + (minW - surplus) * dt : 0;
			// On a changeable day (shortages within the last half hour) a dip is more likely to pass:
			// each recent shortage adds one more budget and delay, up to four (issue 4 goals: fewer starts).
			if (surplus < minW && !this.#inShortage) this.#shortages.push(now);
			this.#inShortage = surplus < minW;
			this.#shortages = this.#shortages.filter((t) => now - t < RECENT_MS && t <= now);
			const factor = Math.min(MAX_RIDE_FACTOR, this.#shortages.length);
			// Stops look at the surplus itself: the smoothing of rises must not keep a recovered dip "below".
			if (surplus < stopW) this.#stopSince ??= now;
			else this.#stopSince = undefined;
			const overDeficit = this.#deficitWs > cfg.deficitWh * 3600 * factor || surplus < 0;
			const stopDue = this.#stopSince !== undefined && (now - this.#stopSince >= cfg.stopDelaySeconds * 1000 * factor || now < this.#stopSince);
			if (overDeficit || stopDue) {
				// The house alone importing means a large load came on: waiting only adds the car's draw to it.
				const why =
					surplus < 0
						? `the house alone draws ${round(-surplus)} W more than the generation`
						: overDeficit
							? `the deficit below the minimum cost ${(this.#deficitWs / 3600).toFixed(1)} Wh of grid energy`
							: `surplus below ${stopW} W for ${cfg.stopDelaySeconds} s`;
				this.#off();
				if (overDeficit) this.#urgentUntil = now + URGENT_MS;
				return { amps: 0, note: `stop: ${why}`, timers, hysteresis: true, urgentStop: overDeficit, details: { ...base, surplusW: round(surplus), smoothedSurplusW: round(smoothed), generationW: round(generationW), consumptionW: round(consumptionW) } };
			}
			if (this.#stopSince !== undefined) timers.push({ name: GREEN_TIMER_STOP, secondsLeft: secondsLeft(this.#stopSince + cfg.stopDelaySeconds * 1000 * factor, now) });
		}

		const amps = this.#on ? Math.max(ctx.minAmps, Math.floor(Math.max(0, smoothed) / va)) : 0;
		const urgentStop = !this.#on && now < this.#urgentUntil && now >= this.#urgentUntil - URGENT_MS;
		if (this.#on && !note) {
			note = smoothed >= minW ? `surplus ${round(smoothed)} W = ${amps} A` : `surplus ${round(smoothed)} W is below the minimum: holding ${ctx.minAmps} A`;
			if (timers.length) note += ` (stopping in ${timers[timers.length - 1].secondsLeft} s unless it recovers)`;
		}
		return {
			amps,
			note,
			timers,
			hysteresis: true,
			urgentStop,
			details: { ...base, surplusW: round(surplus), smoothedSurplusW: round(smoothed), generationW: round(generationW), consumptionW: round(consumptionW), deficitWh: round(this.#deficitWs / 36) / 100 },
		};
	}

	#off(): void {
		this.#on = false;
		this.#stopSince = undefined;
		this.#startSince = undefined;
		this.#deficitWs = 0;
	}
}

/** settings.consumptionOffset in W (§5.6: "A" entries converted with the supply). */
export function offsetWatts(offsets: Readonly<Record<string, ConsumptionOffset>>, va: number): number {
	let w = 0;
	for (const o of Object.values(offsets)) w += o.unit === "A" ? o.value * va : o.value;
	return w;
}

function round(n: number): number {
	return Math.round(n);
}
