/**
 * The targets of issue 10, as the traces README states them, for one day and for a set of days:
 * - kWh from surplus ≥ 95 % of the ideal's;
 * - grid import caused by the car ≤ the lower of the two peers' (at least 0.05 kWh allowed);
 * - starts ≤ the lower of the two peers' (at least 2 allowed).
 * Over all days together: from surplus ≥ 95 % of the ideal's total, import and starts at most the
 * lower peer's total, and no day below 75 % of its ideal.
 */
import type { ReplayResult } from "./metrics.js";

export const SHARE_OF_IDEAL = 0.95;
export const MIN_IMPORT_ALLOWED_KWH = 0.05;
export const MIN_STARTS_ALLOWED = 2;
export const WORST_DAY_SHARE = 0.75;

export interface DayFigures {
	ours: ReplayResult;
	ideal: ReplayResult;
	twcmanager: ReplayResult;
	openevse: ReplayResult;
}

export interface Target {
	/** Least kWh from surplus, most import (kWh), most starts. */
	fromSurplusKwh: number;
	importKwh: number;
	starts: number;
}

export interface TargetCheck {
	target: Target;
	fromSurplus: boolean;
	import: boolean;
	starts: boolean;
	/** All three. */
	met: boolean;
	/** Ours as a share of the ideal's kWh from surplus (1 when the ideal takes nothing). */
	share: number;
}

/** A day's target from the ideal's and the peers' figures. */
export function dayTarget(day: Omit<DayFigures, "ours">): Target {
	return {
		fromSurplusKwh: round3(SHARE_OF_IDEAL * day.ideal.car_from_surplus_kwh),
		importKwh: Math.max(MIN_IMPORT_ALLOWED_KWH, Math.min(day.twcmanager.grid_import_by_car_kwh, day.openevse.grid_import_by_car_kwh)),
		starts: Math.max(MIN_STARTS_ALLOWED, Math.min(day.twcmanager.starts, day.openevse.starts)),
	};
}

function check(ours: ReplayResult, ideal: ReplayResult, target: Target): TargetCheck {
	const fromSurplus = ours.car_from_surplus_kwh >= target.fromSurplusKwh;
	const imports = ours.grid_import_by_car_kwh <= target.importKwh;
	const starts = ours.starts <= target.starts;
	return {
		target,
		fromSurplus,
		import: imports,
		starts,
		met: fromSurplus && imports && starts,
		share: ideal.car_from_surplus_kwh > 0 ? ours.car_from_surplus_kwh / ideal.car_from_surplus_kwh : 1,
	};
}

export function checkDay(day: DayFigures): TargetCheck {
	return check(day.ours, day.ideal, dayTarget(day));
}

/** The five figures summed over days (rounded to 1 Wh). */
export function sumResults(results: readonly ReplayResult[]): ReplayResult {
	const sum = (key: keyof ReplayResult) => results.reduce((s, r) => s + r[key], 0);
	return {
		surplus_kwh: round3(sum("surplus_kwh")),
		car_kwh: round3(sum("car_kwh")),
		car_from_surplus_kwh: round3(sum("car_from_surplus_kwh")),
		grid_import_by_car_kwh: round3(sum("grid_import_by_car_kwh")),
		starts: sum("starts"),
	};
}

export interface TotalsCheck extends TargetCheck {
	totals: DayFigures;
	/** Days whose share of the ideal is below 75 % (days where the ideal takes nothing are left out). */
	daysBelowWorst: number;
}

/** The targets over all days together: the totals' own, and no day below 75 % of its ideal. */
export function checkTotals(days: readonly DayFigures[]): TotalsCheck {
	const totals: DayFigures = {
		ours: sumResults(days.map((d) => d.ours)),
		ideal: sumResults(days.map((d) => d.ideal)),
		twcmanager: sumResults(days.map((d) => d.twcmanager)),
		openevse: sumResults(days.map((d) => d.openevse)),
	};
	const target: Target = {
		fromSurplusKwh: round3(SHARE_OF_IDEAL * totals.ideal.car_from_surplus_kwh),
		importKwh: Math.min(totals.twcmanager.grid_import_by_car_kwh, totals.openevse.grid_import_by_car_kwh),
		starts: Math.min(totals.twcmanager.starts, totals.openevse.starts),
	};
	const daysBelowWorst = days.filter((d) => d.ideal.car_from_surplus_kwh > 0 && d.ours.car_from_surplus_kwh < WORST_DAY_SHARE * d.ideal.car_from_surplus_kwh).length;
	const c = check(totals.ours, totals.ideal, target);
	return { ...c, met: c.met && daysBelowWorst === 0, totals, daysBelowWorst };
}

function round3(x: number): number {
	return Math.round(x * 1000) / 1000;
}
