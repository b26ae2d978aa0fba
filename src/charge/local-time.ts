/**
 * Local time from a POSIX TZ rule, the format of the `TZ` environment variable
 * (IEEE Std 1003.1-2024, XBD §8.3, read as glibc's tzset does):
 *
 *     std offset [dst [offset] [,start[/time],end[/time]]]
 *
 * e.g. "UTC0", "CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30". XS has no Intl and no tz database,
 * so this is all the device knows about local time. Everything works on UTC epoch milliseconds
 * with integer arithmetic; `Date` is used only through Date.UTC and the getUTC* methods.
 */

/** A wall-clock reading in a zone. */
export interface LocalTime {
	year: number;
	/** 1 to 12. */
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
	/** 0 = Monday … 6 = Sunday (TWCManager's day bitmap: bit 0 = Monday). */
	weekday: number;
	/** hour * 60 + minute. */
	minuteOfDay: number;
	isDst: boolean;
	/** Local = UTC + offsetMinutes. */
	offsetMinutes: number;
}

/** A local date and wall time to resolve to an instant. Fields out of range carry over as in Date.UTC. */
export interface LocalWallTime {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second?: number;
}

export interface TimeZone {
	/** The rule this zone was parsed from. */
	readonly rule: string;
	/**
	 * Minutes to add to UTC to get local time at this instant: "CET-1" gives +60, since POSIX
	 * offsets count the other way (the time to add to local time to reach UTC). An offset with
	 * seconds ("<LMT>-0:53:28") gives a fractional value.
	 */
	offsetMinutesAt(utcMs: number): number;
	isDst(utcMs: number): boolean;
	toLocal(utcMs: number): LocalTime;
	/**
	 * The instant at which the zone's clocks show `local`. As RFC 5545 §3.3.5 (and Temporal's
	 * "compatible" disambiguation) do it: a wall time skipped by a spring-forward is read with the
	 * offset from before the gap, which gives the later instant (02:30 in a 02:00→03:00 gap is
	 * 03:30 after it); a wall time that happens twice at a fall-back is its first occurrence.
	 */
	toUtc(local: LocalWallTime): number;
}

const HOUR_S = 3600;
const DAY_MS = 86_400_000;

/** A day of the year as a rule names it. */
type DateRule =
	| { kind: "julian"; day: number } // Jn: 1 to 365, February 29 never counted
	| { kind: "zero"; day: number } // n: 0 to 365, February 29 counted
	| { kind: "month"; month: number; week: number; weekday: number }; // Mm.w.d, d: 0 = Sunday

/** Clocks change on `date` at `timeS` seconds past its local midnight (in the time then in force). */
interface Change {
	date: DateRule;
	timeS: number;
}

interface Daylight {
	offsetS: number; // east of UTC, seconds
	start: Change;
	end: Change;
}

/** Without a rule, glibc uses the US rule of the Energy Policy Act of 2005, "M3.2.0,M11.1.0". */
const US_START: Change = { date: { kind: "month", month: 3, week: 2, weekday: 0 }, timeS: 2 * HOUR_S };
const US_END: Change = { date: { kind: "month", month: 11, week: 1, weekday: 0 }, timeS: 2 * HOUR_S };

class Zone implements TimeZone {
	constructor(
		readonly rule: string,
		private readonly stdOffsetS: number, // east of UTC, seconds
		private readonly daylight?: Daylight,
	) {}

	offsetMinutesAt(utcMs: number): number {
		return this.offsetSecondsAt(utcMs) / 60;
	}

	isDst(utcMs: number): boolean {
		return this.daylight !== undefined && this.inDaylight(utcMs);
	}

	toLocal(utcMs: number): LocalTime {
		const isDst = this.isDst(utcMs);
		const offsetS = isDst ? this.daylight!.offsetS : this.stdOffsetS;
		const localMs = utcMs + offsetS * 1000;
		const d = new Date(localMs);
		const hour = d.getUTCHours();
		const minute = d.getUTCMinutes();
		return {
			year: d.getUTCFullYear(),
			month: d.getUTCMonth() + 1,
			day: d.getUTCDate(),
			hour,
			minute,
			second: d.getUTCSeconds(),
			weekday: mod(Math.floor(localMs / DAY_MS) + 3, 7), // 1970-01-01 was a Thursday (3)
			minuteOfDay: hour * 60 + minute,
			isDst,
			offsetMinutes: offsetS / 60,
		};
	}

	toUtc(local: LocalWallTime): number {
		const wallMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
		const offsets = this.daylight ? [this.stdOffsetS, this.daylight.offsetS] : [this.stdOffsetS];
		const valid = offsets.map((o) => wallMs - o * 1000).filter((t) => this.offsetSecondsAt(t) * 1000 === wallMs - t);
		// Twice (fall-back): the first. Never (spring-forward gap): the offset before the gap is the
		// smaller one, which gives the later of the two readings.
		if (valid.length > 0) return Math.min(...valid);
		return wallMs - Math.min(...offsets) * 1000;
	}

	private offsetSecondsAt(utcMs: number): number {
		return this.isDst(utcMs) ? this.daylight!.offsetS : this.stdOffsetS;
	}

	/**
	 * Daylight time is in force if the last change at or before `utcMs` is a start. Changes of the
	 * UTC year and the ones around it are looked at, as a rule's time may move a change by up to
	 * 167 hours and the zone's offset by up to 25 more; a start and an end at the same instant
	 * (e.g. "0/0,J365/25", daylight all year) count as the start.
	 */
	private inDaylight(utcMs: number): boolean {
		const { start, end, offsetS } = this.daylight!;
		const year = new Date(utcMs).getUTCFullYear();
		let lastAt = -Infinity;
		let lastIsStart = false;
		for (let y = year - 2; y <= year + 1; y++) {
			const startAt = changeDayMs(y, start.date) + (start.timeS - this.stdOffsetS) * 1000;
			const endAt = changeDayMs(y, end.date) + (end.timeS - offsetS) * 1000;
			if (endAt <= utcMs && endAt > lastAt) [lastAt, lastIsStart] = [endAt, false];
			if (startAt <= utcMs && startAt >= lastAt) [lastAt, lastIsStart] = [startAt, true];
		}
		return lastIsStart;
	}
}

/** UTC, the zone used when none is configured. */
export const UTC_ZONE: TimeZone = new Zone("UTC0", 0);

function mod(a: number, n: number): number {
	return ((a % n) + n) % n;
}

function isLeap(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Midnight (as if UTC) of the day a rule names in `year`. */
function changeDayMs(year: number, date: DateRule): number {
	switch (date.kind) {
		case "julian": // J60 is always March 1
			return Date.UTC(year, 0, date.day + (isLeap(year) && date.day >= 60 ? 1 : 0));
		case "zero":
			return Date.UTC(year, 0, date.day + 1);
		case "month": {
			const first = Date.UTC(year, date.month - 1, 1);
			const firstWeekday = mod(first / DAY_MS + 4, 7); // 0 = Sunday; 1970-01-01 was a Thursday
			let day = 1 + mod(date.weekday - firstWeekday, 7) + 7 * (date.week - 1);
			const daysInMonth = new Date(Date.UTC(year, date.month, 0)).getUTCDate();
			while (day > daysInMonth) day -= 7; // week 5 means the last one
			return Date.UTC(year, date.month - 1, day);
		}
	}
}

// ---- parsing ----------------------------------------------------------------------------------

class RuleError extends Error {}

class Parser {
	private pos = 0;

	constructor(private readonly text: string) {}

	get done(): boolean {
		return this.pos >= this.text.length;
	}

	/** The next character, or "" at the end. */
	peek(): string {
		return this.text.charAt(this.pos);
	}

	eat(ch: string): boolean {
		if (this.peek() !== ch) return false;
		this.pos++;
		return true;
	}

	fail(message: string): never {
		throw new RuleError(message);
	}

	/** What comes next, for error texts. */
	found(): string {
		return this.done ? "the end of the rule" : `'${this.text.slice(this.pos)}'`;
	}

	/** The text read since `from`. */
	since(from: number): string {
		return this.text.slice(from, this.pos);
	}

	/** A zone name: 3 or more letters, or <...> of letters, digits, '+' and '-'. */
	name(what: string): string {
		if (this.eat("<")) {
			const close = this.text.indexOf(">", this.pos);
			if (close < 0) this.fail(`the ${what} name opened with '<' has no closing '>'`);
			const name = this.text.slice(this.pos, close);
			if (!/^[A-Za-z0-9+-]{3,}$/.test(name)) {
				this.fail(`the ${what} name <${name}> must be 3 or more letters, digits, '+' or '-'`);
			}
			this.pos = close + 1;
			return name;
		}
		const name = /^[A-Za-z]*/.exec(this.text.slice(this.pos))![0];
		if (name.length === 0) this.fail(`expected the ${what} name (3 or more letters, or <...>), found ${this.found()}`);
		if (name.length < 3) this.fail(`the ${what} name '${name}' is too short: it needs 3 or more letters`);
		this.pos += name.length;
		return name;
	}

	number(): number | undefined {
		const digits = /^[0-9]*/.exec(this.text.slice(this.pos))![0];
		if (digits.length === 0) return undefined;
		this.pos += digits.length;
		return Number(digits);
	}

	/**
	 * [+|-]hh[:mm[:ss]] in seconds, hours up to `maxHours` either way (24 for offsets, 167 for rule
	 * times). `what` names it for errors, e.g. "offset after 'CET'".
	 */
	time(article: "a" | "an", what: string, maxHours: number): number {
		const sign = this.eat("-") ? -1 : 1;
		if (sign > 0) this.eat("+");
		const hours = this.number();
		if (hours === undefined) this.fail(`expected ${article} ${what}, found ${this.found()}`);
		if (hours > maxHours) this.fail(`the ${what} has ${hours} hours; the most is ${maxHours}`);
		let seconds = hours * HOUR_S;
		for (const [unit, size] of [["minutes", 60], ["seconds", 1]] as const) {
			if (!this.eat(":")) break;
			const value = this.number();
			if (value === undefined) this.fail(`expected ${unit} after ':' in the ${what}, found ${this.found()}`);
			if (value > 59) this.fail(`the ${what} has ${value} ${unit}; they must be 0 to 59`);
			seconds += value * size;
		}
		return sign * seconds;
	}

	/** start[/time] or end[/time]. */
	change(which: "start" | "end"): Change {
		const from = this.pos;
		const date = this.date(which);
		const text = this.since(from);
		// POSIX 2024 allows rule times from -167 to 167 hours; the default is 02:00:00.
		const timeS = this.eat("/") ? this.time("a", `time of the ${which} rule '${text}'`, 167) : 2 * HOUR_S;
		return { date, timeS };
	}

	date(which: string): DateRule {
		const from = this.pos;
		const range = (value: number | undefined, low: number, high: number, part: string): number => {
			if (value === undefined) this.fail(`expected ${part} in the ${which} rule '${this.since(from)}', found ${this.found()}`);
			if (value < low || value > high) this.fail(`the ${which} rule '${this.since(from)}' has ${part} ${value}; it must be ${low} to ${high}`);
			return value;
		};
		if (this.eat("J")) return { kind: "julian", day: range(this.number(), 1, 365, "a day") };
		if (this.eat("M")) {
			const month = range(this.number(), 1, 12, "a month");
			if (!this.eat(".")) this.fail(`expected '.' and a week after the month in the ${which} rule '${this.since(from)}'`);
			const week = range(this.number(), 1, 5, "a week");
			if (!this.eat(".")) this.fail(`expected '.' and a weekday after the week in the ${which} rule '${this.since(from)}'`);
			const weekday = range(this.number(), 0, 6, "a weekday");
			return { kind: "month", month, week, weekday };
		}
		const day = this.number();
		if (day === undefined) this.fail(`expected the ${which} rule (Jn, n or Mm.w.d), found ${this.found()}`);
		return { kind: "zero", day: range(day, 0, 365, "a day") };
	}
}

/**
 * Reads a POSIX TZ rule. An empty rule is UTC (as glibc reads TZ=""); a daylight name without
 * ",start,end" takes glibc's default, the US rule "M3.2.0,M11.1.0"; a daylight name without an
 * offset is one hour ahead of standard time. Never throws: a malformed rule gives `error`.
 */
export function parseTimeZone(rule: string): { zone?: TimeZone; error?: string } {
	if (typeof rule !== "string") return { error: "the time zone rule must be text" };
	const text = rule.trim();
	if (text === "") return { zone: UTC_ZONE };
	if (/^:|^[A-Za-z_]+\/[A-Za-z_]/.test(text)) {
		return { error: `'${text}' is a tz database name, which the device does not have; give a POSIX rule such as "CET-1CEST,M3.5.0,M10.5.0/3"` };
	}
	try {
		return { zone: parse(new Parser(text), text) };
	} catch (error) {
		if (error instanceof RuleError) return { error: error.message };
		throw error;
	}
}

function parse(p: Parser, text: string): Zone {
	const std = p.name("standard time");
	// POSIX offsets are the time to add to local time to reach UTC: "CET-1" is UTC+1. (0 - x, not
	// -x, so that "UTC0" is +0 and not -0.)
	const stdOffsetS = 0 - p.time("an", `offset after '${std}'`, 24);
	if (p.done) return new Zone(text, stdOffsetS);

	const dst = p.name("daylight saving time");
	const hasOffset = /[0-9+-]/.test(p.peek());
	const offsetS = hasOffset ? 0 - p.time("an", `offset after '${dst}'`, 24) : stdOffsetS + HOUR_S;
	if (p.done) return new Zone(text, stdOffsetS, { offsetS, start: US_START, end: US_END });

	if (!p.eat(",")) p.fail(`expected ',' and the start rule after '${dst}', found ${p.found()}`);
	const start = p.change("start");
	if (!p.eat(",")) p.fail(`expected ',' and the end rule after the start rule, found ${p.found()}`);
	const end = p.change("end");
	if (!p.done) p.fail(`unexpected ${p.found()} after the end rule`);
	return new Zone(text, stdOffsetS, { offsetS, start, end });
}
