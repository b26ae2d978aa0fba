/**
 * Track Green Energy: surplus → amps (issue 4 §2, issue 10; reference §5.6, anchors.md §1.2 evcc's
 * enable / disable timers, §2.1 OpenEVSE's solar divert).
 *
 * Surplus (W) = generation − consumption − offsets, where consumption excludes the car
 * (`subtractChargerLoad` removes the chargers' draw when the meter sees the car; a grid meter
 * always sees it), `treatGenerationAsGridDelivery` lets consumption go negative, offsets are
 * `greenEnergyAmpsOffset` and `settings.consumptionOffset` (W or A).
 *
 * Tuned on seven real recorded days and checked on perturbed ones (README "Green energy", npm run bench):
 * - Start, steady: the surplus covers the minimum power now, and over the last 6 start delays
 *   (6 minutes by default) it fell short of the minimum by at most 3 % and was not falling; so a
 *   small array whose surplus sits just above the minimum for hours starts. After a dull half hour
 *   (a mean under 90 % of the minimum) the spell must also average 110 % of the minimum: a burst
 *   between clouds would meet a dip within minutes and cost a start and grid energy. Start, ample:
 *   the minimum covered all along and on average the start threshold (160 % of the minimum) for
 *   one start delay. Each stop in the last hour makes both slower, unless the surplus is back at
 *   twice the minimum (the sun is out again on a big array: each minute waited is lost).
 * - Run: the offer is the surplus in whole amps, never below the minimum. Drops are followed at
 *   once, rises smoothed with `greenRiseSeconds`.
 * - Dips: below the minimum the car is held at it while the dip's grid energy stays within
 *   `greenDeficitWh`; a shallow dip earns back a share of the surplus the car still uses, and the
 *   budget refills while the minimum is covered again. In a run's first 10 minutes a dip may cost
 *   only `youngDipWh`, outside the day's share (a start that meets a cloud at once must not spend
 *   what the long runs need). All dips of a day (until a night without surplus) may cost `dayWh`;
 *   beyond it a dip may cost only `spentDipWh`.
 * Readings older than the stale time count as no surplus, and say so.
 */
import type { EnergyReadings } from "../energy/readings.js";
import type { GreenView } from "./arbiter.js";
import type { ConsumptionOffset } from "./settings.js";
import { secondsLeft, type ActiveTimer } from "./timers.js";

export interface GreenConfig {
	/** Surplus (W) that starts at once (after one start delay); undefined = the minimum current's power + 60 %. */
	startSurplusW: number | undefined;
	/** Surplus (W) below which a dip costs grid energy; undefined = the minimum current's power. */
	stopSurplusW: number | undefined;
	startDelaySeconds: number;
	/** Not used by the green logic since issue 10 (the dip budget decides); kept for the config key. */
	stopDelaySeconds: number;
	/** Time constant of the smoothing of rises (s); drops are followed at once. */
	riseSeconds: number;
	/** Grid energy (Wh) one dip below the minimum may cost before charging stops. */
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

/** Tuning (issue 10); a plain object so that tests and the bench can try others. */
export interface GreenTuning {
	/** The ample-surplus start threshold over the minimum power (when startSurplusW is not set). */
	startFactor: number;
	/** Start delays of history looked at for a steady start. */
	windowDelays: number;
	/** A steady start: over the window the surplus fell short of the minimum by at most this share. */
	maxShortShare: number;
	/** Each stop within the last `recentStopsS` widens the window by this many delays. */
	stopPenaltyDelays: number;
	recentStopsS: number;
	/** The dip budget refills with this time constant (s) while the surplus covers the minimum. */
	refillSeconds: number;
	/** Each recent stop lengthens the ample start's delay by this many delays. */
	ampleStopDelays: number;
	/** Share of the surplus the car uses during a dip that is credited to the dip's budget (a shallow dip is ridden longer). */
	creditRatio: number;
	/** Grid energy (Wh) all dips of a day may cost; beyond it a dip may cost only `spentDipWh`. */
	dayWh: number;
	spentDipWh: number;
	/** A night (no surplus for this long) starts a new day. */
	nightS: number;
	/** An ample restart needs the minimum covered and this share of the ample surplus on average. */
	ampleMeanShare: number;
	/** A steady start needs the surplus not falling: the last window's mean ≥ this share of the one before. */
	trendShare: number;
	/** The ample start's stop penalty is waived when its mean surplus is at least this many times the minimum. */
	fastRestartFactor: number;
	/** A steady start also needs the mean surplus over the last `contextS` ≥ `contextShare` × the minimum. */
	contextS: number;
	contextShare: number;
	/** ...unless the window's mean surplus is at least this many times the minimum. */
	strongShare: number;
	/** For the first `youngS` of a run a dip may cost only `youngDipWh`, not charged to the day's dips. */
	youngS: number;
	youngDipWh: number;
}

export const DEFAULT_GREEN_TUNING: Readonly<GreenTuning> = Object.freeze({
	startFactor: 1.6,
	windowDelays: 6,
	maxShortShare: 0.03,
	stopPenaltyDelays: 3,
	recentStopsS: 3600,
	refillSeconds: 600,
	ampleStopDelays: 2,
	creditRatio: 0.35,
	dayWh: 25,
	spentDipWh: 1,
	nightS: 2 * 3600,
	ampleMeanShare: 1,
	trendShare: 1,
	fastRestartFactor: 2,
	contextS: 1800,
	contextShare: 0.9,
	strongShare: 1.1,
	youngS: 600,
	youngDipWh: 2,
});

const BUCKET_MS = 10_000;
/** Buckets of history kept (30 min). */
const BUCKETS = 180;
const URGENT_MS = 5000;

export const GREEN_TIMER_START = "green start delay";
export const GREEN_TIMER_STOP = "green stop delay";

export class GreenTracker {
	readonly #readings: EnergyReadings;
	readonly #config: GreenConfig;
	readonly #context: () => GreenContext;
	readonly #tuning: GreenTuning;
	#smoothed: number | undefined;
	#lastAt: number | undefined;
	#lastSurplus: number | undefined;
	#on = false;
	/** When the current run started. */
	#onSince = 0;
	/** Grid energy of the current dip (W·s), refilled while the surplus covers the minimum. */
	#dipWs = 0;
	/** Grid energy the dips of this day cost (W·s), and since when there has been no surplus. */
	#dayWs = 0;
	#noSurplusSince: number | undefined;
	/** Ample start: since when the minimum has been covered, and the surplus integrated since (W·ms). */
	#ampleSum = 0;
	#ampleSince: number | undefined;
	/** When the recent stops were. */
	#stops: number[] = [];
	/** After a stop for the budget, the wish says so for a few seconds (urgentStop). */
	#urgentUntil = -Infinity;
	/** History: per 10 s bucket, ms covered and how far the surplus fell short of the minimum (W·s). */
	readonly #bucketIndex: number[] = [];
	readonly #bucketCovered: number[] = [];
	readonly #bucketShortWs: number[] = [];
	readonly #bucketSurplusWs: number[] = [];

	constructor(readings: EnergyReadings, config: GreenConfig, context: () => GreenContext, tuning: Partial<GreenTuning> = {}) {
		this.#readings = readings;
		this.#config = config;
		this.#context = context;
		this.#tuning = { ...DEFAULT_GREEN_TUNING, ...tuning };
	}

	get charging(): boolean {
		return this.#on;
	}

	wish(now: number): GreenView {
		const cfg = this.#config;
		const tune = this.#tuning;
		const ctx = this.#context();
		const va = Math.max(1, ctx.volts * ctx.phases);
		const minW = ctx.minAmps * va;
		const ampleW = cfg.startSurplusW ?? Math.round(minW * tune.startFactor);
		const stopW = cfg.stopSurplusW ?? Math.round(minW);
		const reading = this.#readings.latest(now);
		const dt = this.#lastAt === undefined || now < this.#lastAt ? 0 : (now - this.#lastAt) / 1000;
		const previousSurplus = this.#lastSurplus;
		this.#lastAt = now;
		const base = { startSurplusW: ampleW, stopSurplusW: stopW, volts: ctx.volts, phases: ctx.phases, chargerLoadW: round(ctx.chargerLoadW) };

		if (!reading) {
			this.#off(now, false);
			this.#smoothed = undefined;
			this.#lastSurplus = undefined;
			this.#ampleSince = undefined;
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
		this.#lastSurplus = surplus;
		// A new day after a night without surplus: the dips' grid energy starts again from 0.
		if (surplus > 0) this.#noSurplusSince = undefined;
		else {
			this.#noSurplusSince ??= now;
			if (now - this.#noSurplusSince >= tune.nightS * 1000 || now < this.#noSurplusSince) this.#dayWs = 0;
		}

		// The history: the surplus held since the last call, against the minimum.
		if (previousSurplus !== undefined && dt > 0) this.#record(now, dt * 1000, Math.max(0, stopW - previousSurplus) * dt, previousSurplus * dt);

		// Asymmetric smoothing: down at once, up with the rise time constant.
		if (this.#smoothed === undefined || surplus <= this.#smoothed || cfg.riseSeconds <= 0) this.#smoothed = surplus;
		else this.#smoothed += (surplus - this.#smoothed) * (1 - Math.exp(-dt / cfg.riseSeconds));
		const smoothed = this.#smoothed;
		const dayLeftWh = Math.max(0, tune.dayWh - this.#dayWs / 3600);
		const figures = () => ({
			...base,
			surplusW: round(surplus),
			smoothedSurplusW: round(smoothed),
			generationW: round(generationW),
			consumptionW: round(consumptionW),
			dipWh: round2(this.#dipWs / 3600),
			dayDipsWh: round2(this.#dayWs / 3600),
		});

		const minutes = (ms: number) => (ms / 60_000).toFixed(ms < 600_000 ? 1 : 0);
		const timers: ActiveTimer[] = [];
		const delayMs = Math.max(1, cfg.startDelaySeconds) * 1000;
		let note = "";
		if (!this.#on) {
			this.#stops = this.#stops.filter((t) => t <= now && now - t < tune.recentStopsS * 1000);
			const stops = this.#stops.length;
			const windowMs = (tune.windowDelays + stops * tune.stopPenaltyDelays) * delayMs;
			const history = this.#history(now, windowMs);
			const shortShare = history.coveredMs > 0 ? history.shortWs / ((stopW * history.coveredMs) / 1000) : 1;
			// Ample: the minimum covered all along, and on average the ample surplus, for the ample delay.
			if (surplus >= stopW && this.#ampleSince !== undefined && now >= this.#ampleSince) this.#ampleSum += surplus * dt * 1000;
			else if (surplus >= stopW) {
				this.#ampleSince = now;
				this.#ampleSum = 0;
			} else this.#ampleSince = undefined;
			const ampleFor = this.#ampleSince === undefined ? 0 : now - this.#ampleSince;
			const ampleMean = ampleFor > 0 ? this.#ampleSum / ampleFor : surplus;
			// A big surplus back after a cloud is worth a start at once: stopping for it again is unlikely.
			const fastRestart = stops > 0 && ampleMean >= minW * tune.fastRestartFactor;
			const ampleDelayMs = fastRestart ? delayMs : delayMs * (1 + stops * tune.ampleStopDelays);
			const ampleDue = ampleFor >= ampleDelayMs && ampleMean >= ampleW * tune.ampleMeanShare;
			const before = this.#history(now - windowMs, windowMs);
			const falling = before.coveredMs >= windowMs * 0.9 && history.meanW < before.meanW * tune.trendShare;
			const steadySpell = surplus >= stopW && history.coveredMs >= windowMs * 0.9 && shortShare <= tune.maxShortShare && !falling;
			// After a dull half hour a spell that only scrapes the minimum is a burst between clouds (looked up only when it matters).
			const context = steadySpell && tune.contextS > 0 && history.meanW < stopW * tune.strongShare ? this.#history(now, tune.contextS * 1000) : undefined;
			const burst = context !== undefined && context.coveredMs > 0 && context.meanW < stopW * tune.contextShare;
			const steadyDue = steadySpell && !burst;
			if (ampleDue || steadyDue) {
				this.#on = true;
				this.#onSince = now;
				this.#dipWs = 0;
				this.#ampleSince = undefined;
				note = ampleDue
					? `start: surplus ${round(ampleMean)} W on average ≥ ${ampleW} W for ${Math.round(ampleFor / 1000)} s${fastRestart ? ` (at least ${tune.fastRestartFactor} × the minimum: no extra wait for the recent stops)` : ""}`
					: `start: surplus ${round(surplus)} W; over the last ${minutes(windowMs)} minutes it fell short of the ${stopW} W minimum by ${percent(shortShare)} (at most ${percent(tune.maxShortShare)})`;
			} else {
				const covers = surplus >= stopW ? `covers the ${stopW} W minimum` : `of the ${stopW} W minimum`;
				const over = history.coveredMs >= windowMs * 0.9 ? `over the last ${minutes(windowMs)} minutes` : `over the ${minutes(history.coveredMs)} minutes seen (${minutes(windowMs)} needed)`;
				note = `waiting: surplus ${round(surplus)} W ${covers}; ${over} it fell short by ${percent(shortShare)} (at most ${percent(tune.maxShortShare)} to start)`;
				if (this.#ampleSince !== undefined && surplus >= ampleW) {
					timers.push({ name: GREEN_TIMER_START, secondsLeft: secondsLeft(this.#ampleSince + ampleDelayMs, now) });
					note += `; or ${ampleW} W for ${Math.round(ampleDelayMs / 1000)} s: ${timers[0].secondsLeft} s to go`;
				}
				if (falling && shortShare <= tune.maxShortShare) note += `; the surplus is falling (${round(history.meanW)} W on average, ${round(before.meanW)} W before)`;
				if (burst && context)
					note += `; but over the last ${minutes(tune.contextS * 1000)} minutes the surplus averaged ${round(context.meanW)} W, under ${percent(tune.contextShare)} of the minimum: a burst between clouds starts only at ${round(stopW * tune.strongShare)} W on average (now ${round(history.meanW)} W)`;
				if (stops > 0) note += ` (${stops} stop${stops === 1 ? "" : "s"} in the last ${Math.round(tune.recentStopsS / 60)} minutes: slower to start)`;
			}
		}

		// The budget of this dip: its own, unless the day's dips have cost their share already.
		const young = this.#on && now - this.#onSince < tune.youngS * 1000;
		const budgetWh = young ? Math.min(cfg.deficitWh, tune.youngDipWh) : dayLeftWh > 0 ? cfg.deficitWh : Math.min(cfg.deficitWh, tune.spentDipWh);
		if (this.#on) {
			if (surplus < stopW) {
				// A shallow dip earns back part of its cost (the surplus the car still uses).
				const credit = Math.min(Math.max(0, surplus) * tune.creditRatio, stopW - surplus + this.#dipWs / Math.max(dt, 1e-9));
				this.#dipWs += (stopW - surplus - credit) * dt;
				if (!young) this.#dayWs += (stopW - surplus) * dt;
			} else if (tune.refillSeconds > 0) this.#dipWs *= Math.exp(-dt / tune.refillSeconds);
			else this.#dipWs = 0;
			if (this.#dipWs > budgetWh * 3600) {
				const cost = `this dip cost ${(this.#dipWs / 3600).toFixed(1)} Wh of grid energy (budget ${budgetWh.toFixed(1)} Wh${young ? `: the car started ${minutes(now - this.#onSince)} minutes ago` : dayLeftWh > 0 ? "" : `: today's dips have cost ${tune.dayWh} Wh already`})`;
				const why = surplus < 0 ? `the house alone draws ${round(-surplus)} W more than the generation; ${cost}` : `the surplus (${round(surplus)} W) is below the ${stopW} W minimum and ${cost}`;
				const details = { ...figures(), budgetWh: round2(budgetWh) };
				this.#off(now, true);
				this.#urgentUntil = now + URGENT_MS;
				return { amps: 0, note: `stop: ${why}`, timers, hysteresis: true, urgentStop: true, details };
			}
		}

		const amps = this.#on ? Math.max(ctx.minAmps, Math.floor(Math.max(0, smoothed) / va)) : 0;
		const urgentStop = !this.#on && now < this.#urgentUntil && now >= this.#urgentUntil - URGENT_MS;
		if (this.#on && !note) {
			if (surplus >= stopW) note = `surplus ${round(smoothed)} W = ${amps} A`;
			else {
				note = `surplus ${round(surplus)} W is below the ${stopW} W minimum: holding ${ctx.minAmps} A; this dip cost ${(this.#dipWs / 3600).toFixed(1)} of ${budgetWh.toFixed(1)} Wh of grid energy${young ? ` (the car started ${minutes(now - this.#onSince)} minutes ago: a new run may cost less)` : ""}`;
				const net = stopW - surplus - Math.max(0, surplus) * tune.creditRatio;
				if (net > 0) {
					timers.push({ name: GREEN_TIMER_STOP, secondsLeft: secondsLeft(now + ((budgetWh * 3600 - this.#dipWs) / net) * 1000, now) });
					note += ` (stopping in ${timers[0].secondsLeft} s unless it recovers)`;
				}
			}
		}
		return { amps, note, timers, hysteresis: true, urgentStop, details: { ...figures(), budgetWh: round2(budgetWh) } };
	}


	#off(now: number, stop: boolean): void {
		if (this.#on && stop) this.#stops.push(now);
		this.#on = false;
		this.#dipWs = 0;
	}

	/** Adds `ms` ending at `now` to the history, with `shortWs` W·s below the minimum. */
	#record(now: number, ms: number, shortWs: number, surplusWs: number): void {
		const index = Math.floor(now / BUCKET_MS);
		const n = this.#bucketIndex.length;
		if (n === 0 || this.#bucketIndex[n - 1] !== index) {
			this.#bucketIndex.push(index);
			this.#bucketCovered.push(0);
			this.#bucketShortWs.push(0);
			this.#bucketSurplusWs.push(0);
			if (this.#bucketIndex.length > BUCKETS) {
				this.#bucketIndex.shift();
				this.#bucketCovered.shift();
				this.#bucketShortWs.shift();
				this.#bucketSurplusWs.shift();
			}
		}
		const last = this.#bucketIndex.length - 1;
		this.#bucketCovered[last] += ms;
		this.#bucketShortWs[last] += shortWs;
		this.#bucketSurplusWs[last] += surplusWs;
	}

	/** The history within the last `windowMs`: ms covered, W·s short of the minimum. */
	#history(now: number, windowMs: number): { coveredMs: number; shortWs: number; meanW: number } {
		const from = Math.floor((now - windowMs) / BUCKET_MS);
		const newest = Math.floor(now / BUCKET_MS);
		let coveredMs = 0;
		let shortWs = 0;
		let surplusWs = 0;
		for (let i = this.#bucketIndex.length - 1; i >= 0; i--) {
			const index = this.#bucketIndex[i];
			if (index > newest) continue; // the clock stepped back
			if (index <= from) break;
			coveredMs += this.#bucketCovered[i];
			shortWs += this.#bucketShortWs[i];
			surplusWs += this.#bucketSurplusWs[i];
		}
		return { coveredMs, shortWs, meanW: coveredMs > 0 ? surplusWs / (coveredMs / 1000) : 0 };
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

function percent(share: number): string {
	return `${Math.round(share * 100)} %`;
}

function round2(n: number): number {
	return Math.round(n * 100) / 100;
}
