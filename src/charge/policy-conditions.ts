/**
 * TWCManager's policy condition language (reference twcmanager-core.md §5.3, `Policy.policyValue`,
 * `checkConditions`, `doesConditionMatch`): macros, conditions and AND/OR nesting. Everything is
 * checked up front by `checkConditionLists`, so evaluation never meets an unknown name.
 */
import type { LocalTime } from "./local-time.js";
import { isScheduledChargingActive, readScheduleSettings } from "./schedule.js";

/** A literal, or a macro name such as "settings.chargeNowAmps" (§5.3). */
export type Operand = string | number | boolean | null;
/** One item of a match/condition/value list: an operand (or condition name), or a nested list. */
export type Term = Operand | readonly Term[];

export const CONDITIONS = ["gt", "gte", "lt", "lte", "eq", "ne", "false", "none"] as const;
export type ConditionName = (typeof CONDITIONS)[number];
const NUMERIC_CONDITIONS = new Set(["gt", "gte", "lt", "lte"]);

/** The local time fields the tm_* macros read: a LocalTime from local-time.ts, or just these fields. */
export type PolicyLocalTime = Pick<LocalTime, "year" | "month" | "day" | "hour" | "minute" | "second" | "weekday" | "isDst">;

/** What macros are resolved against during one evaluation. */
export interface MacroContext {
	nowMs: number;
	local: PolicyLocalTime;
	settings: Readonly<Record<string, unknown>>;
	config: Readonly<Record<string, unknown>>;
	/** getMaxAmpsToDivideGreenEnergy() */
	greenAmps: number;
	/** getMaxAmpsForTargetGridUsage() */
	gridTargetAmps: number;
	/** modules.<Module>.<attr>; undefined → 0. */
	modules?: (module: string, attr: string) => unknown;
}

/**
 * settings.json defaults (§5.7) the default policies rely on: TWCManager's settings dict starts
 * with them, so a fresh install tracks green energy between 6 and 20 h, not never.
 */
export const POLICY_SETTINGS_DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
	chargeNowAmps: 0,
	chargeNowTimeEnd: 0,
	hourResumeTrackGreenEnergy: -1,
	nonScheduledAmpsMax: 0,
	scheduledAmpsDaysBitmap: 0x7f,
	scheduledAmpsStartHour: -1,
	scheduledAmpsEndHour: -1,
	scheduledAmpsMax: 0,
	sunrise: 6,
	sunset: 20,
});

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/** Python's time.struct_time fields. */
const TIME_FIELDS: Readonly<Record<string, (t: PolicyLocalTime) => number>> = {
	tm_year: (t) => t.year,
	tm_mon: (t) => t.month,
	tm_mday: (t) => t.day,
	tm_hour: (t) => t.hour,
	tm_min: (t) => t.minute,
	tm_sec: (t) => t.second,
	tm_wday: (t) => t.weekday,
	tm_yday: (t) => {
		const leap = (t.year % 4 === 0 && t.year % 100 !== 0) || t.year % 400 === 0;
		return DAYS_BEFORE_MONTH[t.month - 1] + t.day + (leap && t.month > 2 ? 1 : 0);
	},
	tm_isdst: (t) => (t.isDst ? 1 : 0),
};

const FUNCTIONS: Readonly<Record<string, (ctx: MacroContext) => number>> = {
	"checkScheduledCharging()": (ctx) => (isScheduledChargingActive(readScheduleSettings(ctx.settings), ctx.local) ? 1 : 0),
	"getMaxAmpsToDivideGreenEnergy()": (ctx) => ctx.greenAmps,
	"getMaxAmpsForTargetGridUsage()": (ctx) => ctx.gridTargetAmps,
};

/** "12" → 12, "1.5" → 1.5; other strings stay strings (settings.json keeps some numbers as text). */
function numericString(value: unknown): unknown {
	return typeof value === "string" && /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(value) ? Number(value) : value;
}

/** Why a string is not a usable macro, or undefined if it is a macro or a plain literal. */
function macroProblem(operand: string): string | undefined {
	const unknown = `unknown macro "${operand}"`;
	if (operand.startsWith("tm_")) return operand in TIME_FIELDS ? undefined : unknown;
	if (operand.endsWith("()")) return operand in FUNCTIONS ? undefined : unknown;
	if (operand.startsWith("settings.") || operand.startsWith("config.")) return /\.$/.test(operand) ? unknown : undefined;
	if (operand.startsWith("modules.")) {
		return /^modules\.[^.]+\.[^.].*$/.test(operand) ? undefined : `${unknown} (expected "modules.<Module>.<attr>")`;
	}
	return undefined;
}

function isMacro(operand: string): boolean {
	return operand === "now" || /^(tm_|settings\.|config\.|modules\.)/.test(operand) || operand.endsWith("()");
}

/**
 * Checks one operand where a number is expected (numeric conditions, charge_amps …): a number, a
 * numeric string or a known macro. Returns the problem, or undefined.
 */
export function numericOperandProblem(operand: unknown): string | undefined {
	if (typeof operand === "number" || typeof operand === "boolean") return undefined;
	if (typeof operand !== "string") return `${JSON.stringify(operand)} is not a number or macro`;
	if (isMacro(operand)) return macroProblem(operand);
	return typeof numericString(operand) === "number" ? undefined : `"${operand}" is not a number or a known macro`;
}

/** Resolves a macro (§5.3, `policyValue`); anything else is returned as is. */
export function resolveOperand(operand: Operand, ctx: MacroContext): unknown {
	if (typeof operand !== "string") return operand;
	if (operand === "now") return ctx.nowMs / 1000;
	const time = TIME_FIELDS[operand];
	if (time) return time(ctx.local);
	const fn = FUNCTIONS[operand];
	if (fn) return fn(ctx);
	if (operand.startsWith("settings.")) {
		const key = operand.slice(9);
		return numericString(ctx.settings[key] ?? POLICY_SETTINGS_DEFAULTS[key] ?? 0);
	}
	if (operand.startsWith("config.")) return ctx.config[operand.slice(7)] ?? 0;
	if (operand.startsWith("modules.")) {
		const dot = operand.indexOf(".", 8);
		return ctx.modules?.(operand.slice(8, dot), operand.slice(dot + 1)) ?? 0;
	}
	return operand;
}

/** Python's float(): numbers, booleans and numeric strings; NaN otherwise. */
export function toNumber(value: unknown): number {
	if (typeof value === "number") return value;
	if (typeof value === "boolean") return value ? 1 : 0;
	const n = numericString(value);
	return typeof n === "number" ? n : NaN;
}

function equal(a: unknown, b: unknown): boolean {
	// Python: True == 1, 1 == 1.0, but "1" != 1.
	const numeric = (v: unknown) => typeof v === "number" || typeof v === "boolean";
	return numeric(a) && numeric(b) ? toNumber(a) === toNumber(b) : a === b;
}

function conditionMatches(match: Operand, condition: ConditionName, value: Operand, ctx: MacroContext, problem: (text: string) => void): boolean {
	if (condition === "none") return true;
	if (condition === "false") return false;
	const left = resolveOperand(match, ctx);
	const right = resolveOperand(value, ctx);
	if (condition === "eq") return equal(left, right);
	if (condition === "ne") return !equal(left, right);
	const l = toNumber(left);
	const r = toNumber(right);
	if (Number.isNaN(l) || Number.isNaN(r)) {
		problem(`${JSON.stringify(match)} ${condition} ${JSON.stringify(value)}: ${JSON.stringify(Number.isNaN(l) ? left : right)} is not a number, condition is false`);
		return false;
	}
	switch (condition) {
		case "gt":
			return l > r;
		case "gte":
			return l >= r;
		case "lt":
			return l < r;
		case "lte":
			return l <= r;
	}
}

/**
 * Top level: all must hold (AND); a nested list: one must hold (OR); AND/OR alternate deeper
 * (§5.3, `checkConditions(..., exitOn)`). The lists must have passed checkConditionLists.
 */
export function checkConditions(
	match: readonly Term[],
	condition: readonly Term[],
	value: readonly Term[],
	ctx: MacroContext,
	problem: (text: string) => void,
	exitOn = false,
): boolean {
	for (let i = 0; i < match.length; i++) {
		const m = match[i];
		const result = Array.isArray(m)
			? checkConditions(m, condition[i] as readonly Term[], value[i] as readonly Term[], ctx, problem, !exitOn)
			: conditionMatches(m as Operand, condition[i] as ConditionName, value[i] as Operand, ctx, problem);
		if (result === exitOn) return exitOn;
	}
	return !exitOn;
}

function isOperand(value: unknown): value is Operand {
	return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/**
 * Validates match/condition/value lists (nested too). Pushes problems as plain texts
 * ("unknown condition \"gtx\""); the caller prefixes the policy.
 */
export function checkConditionLists(match: unknown, condition: unknown, value: unknown, errors: string[], warnings: string[], where = ""): void {
	if (!Array.isArray(match) || !Array.isArray(condition) || !Array.isArray(value) || match.length !== condition.length || match.length !== value.length) {
		const names = where ? `match${where}, condition${where} and value${where}` : `"match", "condition" and "value"`;
		errors.push(`${names} must be lists of the same length`);
		return;
	}
	for (let i = 0; i < match.length; i++) {
		const [m, c, v] = [match[i], condition[i], value[i]];
		if (Array.isArray(m) || Array.isArray(c) || Array.isArray(v)) {
			checkConditionLists(m, c, v, errors, warnings, `${where}[${i}]`);
			continue;
		}
		if (typeof c !== "string" || !(CONDITIONS as readonly string[]).includes(c)) {
			errors.push(`unknown condition ${JSON.stringify(c)}`);
			continue;
		}
		for (const operand of [m, v]) {
			if (!isOperand(operand)) {
				errors.push(`${JSON.stringify(operand)} is not a value or macro`);
			} else if (NUMERIC_CONDITIONS.has(c)) {
				const problem = numericOperandProblem(operand);
				if (problem) errors.push(problem);
			} else if (typeof operand === "string") {
				const problem = macroProblem(operand);
				if (problem) errors.push(problem);
				else if (!isMacro(operand) && /^\w+\.\w+/.test(operand)) {
					warnings.push(`"${operand}" is not a macro and is compared as text`);
				}
			}
		}
	}
}
