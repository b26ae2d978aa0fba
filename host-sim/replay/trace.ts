/**
 * Replay traces: a CSV of PV generation and house consumption over time.
 *
 * ```
 * t_s,gen_w,cons_w
 * # a comment (a line whose first non-blank character is #)
 * 0,0,350
 * 21600,120,380
 * ```
 *
 * - `t_s`: seconds from the start of the replay (fractions allowed), strictly increasing, ≥ 0.
 * - `gen_w`: PV generation (W). Down to −100 W is accepted (an inverter's standby draw at night).
 * - `cons_w`: house consumption (W) **without** the car, ≥ 0.
 * - Each row holds until the next one (any step, any spacing).
 *
 * The header must be `t_s,gen_w,cons_w` (spaces around the line or the names, a UTF-8 BOM, CRLF
 * line ends, blank lines and `#` comment lines anywhere are fine). A bad row is reported with the
 * file name, its line number and what is wrong, and skipped; the good rows are kept. The caller
 * decides what errors mean: the replay CLI prints them to stderr and carries on with the good
 * rows, and exits with an error only when no row is left (or the header is wrong).
 */
import { ABSURD_W } from "../../src/energy/readings.js";

export interface TraceRow {
	t_s: number;
	gen_w: number;
	cons_w: number;
}

/** The values in effect at an instant. */
export interface TraceValue {
	gen_w: number;
	cons_w: number;
}

export const TRACE_HEADER = "t_s,gen_w,cons_w";
const COLUMNS = ["t_s", "gen_w", "cons_w"] as const;

/** Below this, generation is not a standby draw but a sign or unit mistake. */
export const MIN_GEN_W = -100;
/** Above this (1 MW), a power is absurd for a house: the controller refuses it from a meter too. */
export const MAX_POWER_W = ABSURD_W;
/** A trace longer than a year is a unit mistake (ms for s?), and would take ages to replay. */
export const MAX_T_S = 366 * 86_400;

/** Plain decimal or exponent notation; not "", "0x10", "Infinity" or "1,5". */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a trace. `name` prefixes each error (`trace.csv line 17: gen_w "abc" is not a number`).
 * A wrong or missing header is one error and no rows (the columns cannot be trusted).
 */
export function parseTrace(text: string, name = "trace"): { rows: TraceRow[]; errors: string[] } {
	const rows: TraceRow[] = [];
	const errors: string[] = [];
	const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
	let header = false;
	let lastT: { t: number; line: number } | undefined;
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i].trim();
		const where = `${name} line ${i + 1}`;
		if (line === "" || line.startsWith("#")) continue;
		const cells = line.split(",").map((c) => c.trim());
		if (!header) {
			if (cells.join(",") !== TRACE_HEADER) {
				errors.push(`${where}: the header must be "${TRACE_HEADER}" (got "${line}")`);
				return { rows: [], errors };
			}
			header = true;
			continue;
		}
		if (cells.join(",") === TRACE_HEADER) {
			errors.push(`${where}: a second header (two traces pasted together?)`);
			continue;
		}
		if (cells.length !== COLUMNS.length) {
			errors.push(`${where}: ${cells.length} column${cells.length === 1 ? "" : "s"}, expected ${COLUMNS.length} (${TRACE_HEADER})`);
			continue;
		}
		// Problems in column order: each cell is either not a number or out of its range.
		const problems: string[] = [];
		const [t, gen, cons] = cells.map((cell, c) => {
			const value = NUMBER.test(cell) ? Number(cell) : NaN;
			if (!Number.isFinite(value)) {
				problems.push(`${COLUMNS[c]} "${cell}" is not a number`);
				return NaN;
			}
			const range = rangeProblem(c, value, lastT);
			if (range) problems.push(`${COLUMNS[c]} ${cell} ${range}`);
			return value;
		});
		if (problems.length > 0) {
			errors.push(`${where}: ${problems.join("; ")}`);
			continue;
		}
		rows.push({ t_s: t, gen_w: gen, cons_w: cons });
		lastT = { t, line: i + 1 };
	}
	if (!header) errors.push(`${name}: empty, the header "${TRACE_HEADER}" is missing`);
	return { rows, errors };
}

/** What is wrong with a number in column `c`, or undefined. */
function rangeProblem(c: number, value: number, lastT: { t: number; line: number } | undefined): string | undefined {
	if (c === 0) {
		if (value < 0) return "is negative";
		if (value > MAX_T_S) return "is absurd (more than a year: milliseconds instead of seconds?)";
		if (lastT !== undefined && value <= lastT.t) return `is not after ${lastT.t} (line ${lastT.line}): times must increase`;
	} else if (c === 1) {
		if (value < MIN_GEN_W) return `is absurd (below ${MIN_GEN_W} W, more than an inverter's standby draw: wrong sign?)`;
		if (value > MAX_POWER_W) return "is absurd (above 1 MW: mW or kW mixed up?)";
	} else {
		if (value < 0) return "is negative (house consumption without the car)";
		if (value > MAX_POWER_W) return "is absurd (above 1 MW: mW or kW mixed up?)";
	}
	return undefined;
}

/**
 * The values in effect at `t_s`: those of the last row at or before it (each row holds until the
 * next). Before the first row the first row's values hold, so a trace that starts late does not
 * invent a stretch of zeros. Throws on an empty trace. Binary search; see `traceCursor` for a
 * forward walk.
 */
export function traceValueAt(rows: readonly TraceRow[], t_s: number): TraceValue {
	if (rows.length === 0) throw new RangeError("empty trace");
	let lo = 0;
	let hi = rows.length - 1;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (rows[mid].t_s <= t_s) lo = mid;
		else hi = mid - 1;
	}
	return { gen_w: rows[lo].gen_w, cons_w: rows[lo].cons_w };
}

/** `traceValueAt` for a walk forward in time: amortised O(1) per call (any order still works). */
export function traceCursor(rows: readonly TraceRow[]): (t_s: number) => TraceValue {
	if (rows.length === 0) throw new RangeError("empty trace");
	let i = 0;
	return (t_s) => {
		if (t_s < rows[i].t_s) i = 0;
		while (i + 1 < rows.length && rows[i + 1].t_s <= t_s) i++;
		return { gen_w: rows[i].gen_w, cons_w: rows[i].cons_w };
	};
}

/**
 * Seconds the replay covers, from 0: the last row holds as long as the step before it (so a trace
 * sampled every 10 s ending at 86 390 s lasts 86 400 s), 1 s for a one-row trace; rounded up to a
 * whole second. Add a final row to end a trace elsewhere. 0 for an empty trace.
 */
export function traceDuration(rows: readonly TraceRow[]): number {
	if (rows.length === 0) return 0;
	const last = rows[rows.length - 1].t_s;
	const step = rows.length > 1 ? last - rows[rows.length - 2].t_s : 1;
	return Math.ceil(last + step);
}

/** The CSV text of `rows` (header, one line per row, "\n" line ends); parseTrace reads it back. */
export function formatTrace(rows: readonly TraceRow[]): string {
	let text = TRACE_HEADER + "\n";
	for (const r of rows) text += `${r.t_s},${r.gen_w},${r.cons_w}\n`;
	return text;
}
