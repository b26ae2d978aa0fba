/**
 * What a replay measures, from per-second samples of generation, house consumption (without the
 * car) and the car's power. With surplus = max(0, gen − cons):
 *
 * - `surplus_kwh` = Σ surplus·dt: what the sun leaves over for the car;
 * - `car_kwh` = Σ car·dt;
 * - `car_from_surplus_kwh` = Σ min(car, surplus)·dt: the car's energy the surplus covered;
 * - `grid_import_by_car_kwh` = Σ max(0, car − surplus)·dt: the rest, which the grid supplied;
 * - `starts`: times the car went from not drawing (at most `startThresholdW`, 50 W) to drawing
 *   (above it), as the traces README counts them.
 *
 * car_kwh = car_from_surplus_kwh + grid_import_by_car_kwh before rounding.
 */

/** One second of a replay (the `--out` CSV row); amps and watts are totals over the slaves. */
export interface ReplayStep {
	t_s: number;
	gen_w: number;
	cons_w: number;
	car_w: number;
	offered_a: number;
}

export interface ReplayResult {
	surplus_kwh: number;
	car_kwh: number;
	car_from_surplus_kwh: number;
	grid_import_by_car_kwh: number;
	starts: number;
}

/** Default power at or below which the car counts as not drawing (the traces README: > 50 W is drawing). */
export const START_THRESHOLD_W = 50;

const WS_PER_KWH = 3_600_000;

export class ReplayMetrics {
	readonly startThresholdW: number;
	#surplusWs = 0;
	#carWs = 0;
	#fromSurplusWs = 0;
	#importWs = 0;
	#starts = 0;
	#drawing = false;
	#seconds = 0;

	constructor(options: { startThresholdW?: number } = {}) {
		this.startThresholdW = options.startThresholdW ?? START_THRESHOLD_W;
	}

	/** One sample held for `dtS` seconds. Throws on a non-finite value, a negative dt or car power. */
	add(dtS: number, genW: number, consW: number, carW: number): void {
		if (![dtS, genW, consW, carW].every(Number.isFinite)) throw new RangeError(`non-finite sample: dt ${dtS}, gen ${genW}, cons ${consW}, car ${carW}`);
		if (dtS < 0) throw new RangeError(`negative dt: ${dtS}`);
		if (carW < 0) throw new RangeError(`negative car power: ${carW}`);
		const surplus = Math.max(0, genW - consW);
		this.#surplusWs += surplus * dtS;
		this.#carWs += carW * dtS;
		this.#fromSurplusWs += Math.min(carW, surplus) * dtS;
		this.#importWs += Math.max(0, carW - surplus) * dtS;
		const drawing = carW > this.startThresholdW;
		if (drawing && !this.#drawing) this.#starts++;
		this.#drawing = drawing;
		this.#seconds += dtS;
	}

	/** Seconds added so far. */
	get seconds(): number {
		return this.#seconds;
	}

	/** The figures, in kWh rounded to 3 decimals (1 Wh). */
	result(): ReplayResult {
		const kwh = (ws: number) => Math.round((ws / WS_PER_KWH) * 1000) / 1000;
		return {
			surplus_kwh: kwh(this.#surplusWs),
			car_kwh: kwh(this.#carWs),
			car_from_surplus_kwh: kwh(this.#fromSurplusWs),
			grid_import_by_car_kwh: kwh(this.#importWs),
			starts: this.#starts,
		};
	}
}

/** The `--out` CSV: `t_s,gen_w,cons_w,car_w,offered_a`, one line per step, car_w to 0.1 W. */
export function formatSteps(steps: readonly ReplayStep[]): string {
	let text = "t_s,gen_w,cons_w,car_w,offered_a\n";
	for (const s of steps) text += `${s.t_s},${s.gen_w},${s.cons_w},${Math.round(s.car_w * 10) / 10},${s.offered_a}\n`;
	return text;
}
