import test from "ava";
import { parseTimeZone, UTC_ZONE, type TimeZone } from "../../../src/charge/local-time.js";
import { seededRandom } from "../../../src/platform/random.js";
import { cases } from "../support/runtime.js";

const HOUR = 3_600_000;

const EUROPE = "CET-1CEST,M3.5.0,M10.5.0/3";
const US_EAST = "EST5EDT,M3.2.0,M11.1.0";
const SYDNEY = "AEST-10AEDT,M10.1.0,M4.1.0/3";
const DUBLIN = "IST-1GMT0,M10.5.0,M3.5.0/1";

function zone(rule: string): TimeZone {
	const { zone, error } = parseTimeZone(rule);
	if (!zone) throw new Error(`${rule}: ${error}`);
	return zone;
}

/** A local wall time as "YYYY-MM-DD hh:mm:ss", for readable comparisons. */
function wall(z: TimeZone, utcMs: number): string {
	const l = z.toLocal(utcMs);
	const two = (n: number) => String(n).padStart(2, "0");
	return `${l.year}-${two(l.month)}-${two(l.day)} ${two(l.hour)}:${two(l.minute)}:${two(l.second)}`;
}

// 2026 calendar facts used below: 2026-01-01 is a Thursday, so February 1 and March 1 are
// Sundays (Sundays of March: 1, 8, 15, 22, 29); April 1 is a Wednesday (first Sunday April 5);
// October 1 is a Thursday (Sundays 4, 11, 18, 25); November 1 is a Sunday.

test("Europe: CEST from the last Sunday of March to the last Sunday of October, both at 01:00 UTC", (t) => {
	const z = zone(EUROPE);
	const spring = Date.UTC(2026, 2, 29, 1); // 02:00 CET, EU directive 2000/84/EC
	const autumn = Date.UTC(2026, 9, 25, 1); // 03:00 CEST
	t.is(z.offsetMinutesAt(spring - 1), 60);
	t.false(z.isDst(spring - 1));
	t.is(z.offsetMinutesAt(spring), 120);
	t.true(z.isDst(spring));
	t.is(z.offsetMinutesAt(autumn - 1), 120);
	t.is(z.offsetMinutesAt(autumn), 60);
	t.is(wall(z, spring - 1000), "2026-03-29 01:59:59");
	t.is(wall(z, spring), "2026-03-29 03:00:00");
	t.is(wall(z, autumn - 1000), "2026-10-25 02:59:59");
	t.is(wall(z, autumn), "2026-10-25 02:00:00");
	t.is(z.offsetMinutesAt(Date.UTC(2026, 0, 15)), 60);
	t.is(z.offsetMinutesAt(Date.UTC(2026, 6, 15)), 120);
	// 2027: March 28 and October 31 are the last Sundays.
	t.is(z.offsetMinutesAt(Date.UTC(2027, 2, 28, 1) - 1), 60);
	t.is(z.offsetMinutesAt(Date.UTC(2027, 2, 28, 1)), 120);
	t.is(z.offsetMinutesAt(Date.UTC(2027, 9, 31, 1) - 1), 120);
	t.is(z.offsetMinutesAt(Date.UTC(2027, 9, 31, 1)), 60);
});

test("US: EDT from the second Sunday of March to the first Sunday of November, at 02:00 local", (t) => {
	const z = zone(US_EAST);
	const spring = Date.UTC(2026, 2, 8, 7); // March 8, 02:00 EST = 07:00 UTC
	const autumn = Date.UTC(2026, 10, 1, 6); // November 1, 02:00 EDT = 06:00 UTC
	t.is(z.offsetMinutesAt(spring - 1), -300);
	t.is(z.offsetMinutesAt(spring), -240);
	t.is(z.offsetMinutesAt(autumn - 1), -240);
	t.is(z.offsetMinutesAt(autumn), -300);
	t.is(wall(z, spring), "2026-03-08 03:00:00");
	t.is(wall(z, autumn), "2026-11-01 01:00:00");
	// Without a rule, glibc's default is this same US rule.
	const bare = zone("EST5EDT");
	for (const at of [spring - 1, spring, autumn - 1, autumn]) t.is(bare.offsetMinutesAt(at), z.offsetMinutesAt(at));
});

test("Sydney: daylight time across the new year, from the first Sunday of October to the first of April", (t) => {
	const z = zone(SYDNEY);
	const end = Date.UTC(2026, 3, 4, 16); // April 5, 03:00 AEDT (UTC+11)
	const start = Date.UTC(2026, 9, 3, 16); // October 4, 02:00 AEST (UTC+10)
	t.is(z.offsetMinutesAt(Date.UTC(2026, 0, 1)), 660);
	t.true(z.isDst(Date.UTC(2026, 0, 1)));
	t.is(z.offsetMinutesAt(end - 1), 660);
	t.is(z.offsetMinutesAt(end), 600);
	t.is(z.offsetMinutesAt(Date.UTC(2026, 6, 1)), 600);
	t.is(z.offsetMinutesAt(start - 1), 600);
	t.is(z.offsetMinutesAt(start), 660);
	t.is(z.offsetMinutesAt(Date.UTC(2026, 11, 31, 23)), 660);
	t.is(wall(z, end), "2026-04-05 02:00:00");
	t.is(wall(z, start), "2026-10-04 03:00:00");
});

test("a wall time skipped by spring-forward resolves to the later instant (read with the offset before the gap)", (t) => {
	// Europe 2026-03-29 02:30 does not exist: as CET it is 01:30 UTC, which clocks show as 03:30 CEST.
	const eu = zone(EUROPE);
	const euAt = eu.toUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 });
	t.is(euAt, Date.UTC(2026, 2, 29, 1, 30));
	t.is(wall(eu, euAt), "2026-03-29 03:30:00");
	// US 2026-03-08 02:30 EST = 07:30 UTC = 03:30 EDT.
	t.is(zone(US_EAST).toUtc({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }), Date.UTC(2026, 2, 8, 7, 30));
	// Sydney 2026-10-04 02:30 AEST = October 3, 16:30 UTC = 03:30 AEDT.
	t.is(zone(SYDNEY).toUtc({ year: 2026, month: 10, day: 4, hour: 2, minute: 30 }), Date.UTC(2026, 9, 3, 16, 30));
	// Ireland's rule has a negative "daylight" time (GMT in winter, tz database Europe/Dublin): the
	// gap is at the end rule, March 29 01:00 GMT, and 01:30 read with GMT is 02:30 IST.
	t.is(zone(DUBLIN).toUtc({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }), Date.UTC(2026, 2, 29, 1, 30));
	// The edges of the gap: 01:59 still exists, 03:00 is the first minute after it.
	t.is(eu.toUtc({ year: 2026, month: 3, day: 29, hour: 1, minute: 59 }), Date.UTC(2026, 2, 29, 0, 59));
	t.is(eu.toUtc({ year: 2026, month: 3, day: 29, hour: 3, minute: 0 }), Date.UTC(2026, 2, 29, 1, 0));
});

test("a wall time that happens twice at fall-back resolves to its first occurrence", (t) => {
	// Europe 2026-10-25 02:30 is 00:30 UTC (CEST) and again 01:30 UTC (CET).
	const eu = zone(EUROPE);
	t.is(wall(eu, Date.UTC(2026, 9, 25, 0, 30)), "2026-10-25 02:30:00");
	t.is(wall(eu, Date.UTC(2026, 9, 25, 1, 30)), "2026-10-25 02:30:00");
	t.is(eu.toUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }), Date.UTC(2026, 9, 25, 0, 30));
	t.is(eu.toUtc({ year: 2026, month: 10, day: 25, hour: 3, minute: 0 }), Date.UTC(2026, 9, 25, 2, 0));
	// US 2026-11-01 01:30 is 05:30 UTC (EDT) and 06:30 UTC (EST).
	t.is(zone(US_EAST).toUtc({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }), Date.UTC(2026, 10, 1, 5, 30));
	// Sydney 2026-04-05 02:30 is April 4, 15:30 UTC (AEDT) and 16:30 UTC (AEST).
	t.is(zone(SYDNEY).toUtc({ year: 2026, month: 4, day: 5, hour: 2, minute: 30 }), Date.UTC(2026, 3, 4, 15, 30));
});

test("toUtc of an ordinary wall time, with seconds", (t) => {
	t.is(zone(EUROPE).toUtc({ year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 5 }), Date.UTC(2026, 6, 1, 10, 0, 5));
	t.is(zone(SYDNEY).toUtc({ year: 2026, month: 1, day: 1, hour: 8, minute: 0 }), Date.UTC(2025, 11, 31, 21, 0));
	t.is(UTC_ZONE.toUtc({ year: 2026, month: 11, day: 23, hour: 7, minute: 15 }), Date.UTC(2026, 10, 23, 7, 15));
});

test("weekday is 0 = Monday … 6 = Sunday, on known dates", (t) => {
	const known: [number, number, number, number][] = [
		[2026, 11, 23, 0], // a Monday (November 1, 2026 is a Sunday)
		[2026, 11, 29, 6], // the Sunday after
		[1970, 1, 1, 3], // the epoch was a Thursday
		[2000, 2, 29, 1], // a Tuesday
		[2024, 2, 29, 3], // a Thursday
		[1969, 12, 31, 2], // before the epoch: a Wednesday
		[2038, 1, 19, 1], // the 32-bit time_t rollover was a Tuesday
	];
	for (const [year, month, day, weekday] of known) {
		const l = UTC_ZONE.toLocal(Date.UTC(year, month - 1, day, 12));
		t.is(l.weekday, weekday, `${year}-${month}-${day}`);
	}
	// The local date decides, not the UTC one: Monday 2026-11-23 00:30 in Sydney is still Sunday in UTC.
	const sydney = zone(SYDNEY).toLocal(Date.UTC(2026, 10, 22, 13, 30));
	t.deepEqual([sydney.day, sydney.weekday, sydney.hour, sydney.minute], [23, 0, 0, 30]);
	t.is(UTC_ZONE.toLocal(Date.UTC(2026, 10, 22, 13, 30)).weekday, 6);
});

test("toLocal gives every field", (t) => {
	// 2026-07-01 10:00:05 UTC is 12:00:05 CEST, a Wednesday.
	t.deepEqual(zone(EUROPE).toLocal(Date.UTC(2026, 6, 1, 10, 0, 5)), {
		year: 2026,
		month: 7,
		day: 1,
		hour: 12,
		minute: 0,
		second: 5,
		weekday: 2,
		minuteOfDay: 720,
		isDst: true,
		offsetMinutes: 120,
	});
});

test("UTC is the default: an empty rule and UTC0 both give it", (t) => {
	for (const z of [UTC_ZONE, zone(""), zone("  "), zone("UTC0"), zone("GMT+0")]) {
		t.is(z.offsetMinutesAt(Date.UTC(2026, 6, 1)), 0);
		t.false(z.isDst(Date.UTC(2026, 6, 1)));
		t.deepEqual(z.toLocal(0), { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 3, minuteOfDay: 0, isDst: false, offsetMinutes: 0 });
	}
	t.is(UTC_ZONE.rule, "UTC0");
});

test("quoted names and offsets with minutes and seconds; POSIX signs are inverted", (t) => {
	t.is(zone("<+0330>-3:30").offsetMinutesAt(0), 210); // Iran
	t.is(zone("<-03>3").offsetMinutesAt(0), -180);
	t.is(zone("NST3:30").offsetMinutesAt(0), -210);
	t.is(zone("CET-1").offsetMinutesAt(0), 60);
	t.is(zone("XXX+5").offsetMinutesAt(0), -300);
	const lmt = zone("<LMT>-0:53:28");
	t.is(lmt.offsetMinutesAt(0), 53 + 28 / 60);
	t.is(wall(lmt, Date.UTC(2026, 0, 1)), "2026-01-01 00:53:28");
	t.is(lmt.toUtc({ year: 2026, month: 1, day: 1, hour: 0, minute: 53, second: 28 }), Date.UTC(2026, 0, 1));
	// Chatham Islands: both offsets given, times with minutes.
	const chatham = zone("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45");
	t.is(chatham.offsetMinutesAt(Date.UTC(2026, 6, 1)), 765);
	t.is(chatham.offsetMinutesAt(Date.UTC(2026, 0, 1)), 825);
	// A daylight name without an offset is one hour ahead of standard time.
	t.is(zone("NST3:30NDT").offsetMinutesAt(Date.UTC(2026, 6, 1)), -150);
});

test("rule times below 0 and above 24 hours (POSIX 2024)", (t) => {
	// Israel: 'Friday before the last Sunday of March, 02:00' is written as the 4th Thursday + 26 h.
	// March 26, 2026 + 26 h = March 27, 02:00 IST = 00:00 UTC. Ends October 25, 02:00 IDT = 24 Oct 23:00 UTC.
	const israel = zone("IST-2IDT,M3.4.4/26,M10.5.0");
	t.is(israel.offsetMinutesAt(Date.UTC(2026, 2, 27) - 1), 120);
	t.is(israel.offsetMinutesAt(Date.UTC(2026, 2, 27)), 180);
	t.is(israel.offsetMinutesAt(Date.UTC(2026, 9, 24, 23) - 1), 180);
	t.is(israel.offsetMinutesAt(Date.UTC(2026, 9, 24, 23)), 120);
	// Greenland: changes at -01:00 and 00:00 local, i.e. at 01:00 UTC like the EU.
	const nuuk = zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
	t.is(nuuk.offsetMinutesAt(Date.UTC(2026, 2, 29, 1) - 1), -120);
	t.is(nuuk.offsetMinutesAt(Date.UTC(2026, 2, 29, 1)), -60);
	t.is(nuuk.offsetMinutesAt(Date.UTC(2026, 9, 25, 1) - 1), -60);
	t.is(nuuk.offsetMinutesAt(Date.UTC(2026, 9, 25, 1)), -120);
	// "0/0,J365/25" is daylight time all year: each end meets the next start.
	const always = zone("EST5EDT,0/0,J365/25");
	for (const at of [Date.UTC(2025, 11, 31, 23), Date.UTC(2026, 0, 1, 5), Date.UTC(2026, 0, 1, 4, 59), Date.UTC(2026, 6, 1)]) {
		t.is(always.offsetMinutesAt(at), -240, new Date(at).toISOString());
	}
});

test("Jn never counts February 29, n does", (t) => {
	// J60 is March 1 in every year; zero-based day 59 is February 29 in a leap year.
	const julian = zone("AAA0BBB,J60/0,J61/0");
	t.true(julian.isDst(Date.UTC(2024, 2, 1, 12)));
	t.false(julian.isDst(Date.UTC(2024, 1, 29, 12)));
	t.true(julian.isDst(Date.UTC(2025, 2, 1, 12)));
	const zero = zone("AAA0BBB,59/0,60/0");
	t.true(zero.isDst(Date.UTC(2024, 1, 29, 12)));
	t.false(zero.isDst(Date.UTC(2024, 2, 1, 12)));
	t.true(zero.isDst(Date.UTC(2025, 2, 1, 12)));
	// M2.5.4: the last Thursday of February 2024 is the 29th.
	const last = zone("AAA0BBB,M2.5.4/0,M3.1.0/0");
	t.false(last.isDst(Date.UTC(2024, 1, 28, 12)));
	t.true(last.isDst(Date.UTC(2024, 1, 29, 12)));
});

test("toUtc(toLocal(t)) over a year of hourly instants gives t back, or the first of a repeated hour", (t) => {
	const rules = [EUROPE, US_EAST, SYDNEY, DUBLIN, "UTC0", "<+0330>-3:30", "NST3:30NDT,M3.2.0,M11.1.0", "IST-2IDT,M3.4.4/26,M10.5.0", "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"];
	for (const rule of rules) {
		const z = zone(rule);
		let repeated = 0;
		for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2027, 0, 1); at += HOUR) {
			const back = z.toUtc(z.toLocal(at));
			if (back === at) continue;
			// The second pass through a fall-back hour: same wall time, an hour earlier, at the larger offset.
			const first = z.offsetMinutesAt(back) > z.offsetMinutesAt(at);
			if (back === at - HOUR && wall(z, back) === wall(z, at) && first) repeated++;
			else return t.fail(`${rule}: ${new Date(at).toISOString()} came back as ${new Date(back).toISOString()}`);
		}
		t.is(repeated, rule.includes(",") ? 1 : 0, rule);
	}
});

test("malformed rules give an error naming the problem, never an exception", (t) => {
	const bad: [string, RegExp][] = [
		["CET", /^expected an offset after 'CET'/],
		["CE-1", /standard time name 'CE' is too short/],
		["1CET", /expected the standard time name/],
		["<+03", /no closing '>'/],
		["<a b>3", /<a b> must be 3 or more letters, digits/],
		["CET25", /offset after 'CET' has 25 hours; the most is 24/],
		["CET-1:60", /offset after 'CET' has 60 minutes/],
		["CET-1:", /expected minutes after ':' in the offset after 'CET'/],
		["CET-1 CEST", /expected the daylight saving time name .*found ' CEST'/],
		["CET-1CEST;M3.5.0,M10.5.0", /expected ',' and the start rule after 'CEST'/],
		["CET-1CEST,M13.5.0,M10.5.0", /start rule 'M13' has a month 13; it must be 1 to 12/],
		["CET-1CEST,M3.6.0,M10.5.0", /start rule 'M3.6' has a week 6/],
		["CET-1CEST,M3.5.7,M10.5.0", /start rule 'M3.5.7' has a weekday 7; it must be 0 to 6/],
		["CET-1CEST,M3,M10.5.0", /expected '.' and a week after the month in the start rule 'M3'/],
		["CET-1CEST,M3.5.0", /expected ',' and the end rule/],
		["CET-1CEST,M3.5.0,M10.5.0/168", /time of the end rule 'M10.5.0' has 168 hours; the most is 167/],
		["CET-1CEST,M3.5.0,M10.5.0/", /expected a time of the end rule/],
		["CET-1CEST,J0,J365", /start rule 'J0' has a day 0; it must be 1 to 365/],
		["CET-1CEST,366,J365", /start rule '366' has a day 366; it must be 0 to 365/],
		["CET-1CEST,X,Y", /expected the start rule \(Jn, n or Mm.w.d\)/],
		["CET-1CEST,M3.5.0,M10.5.0 junk", /unexpected ' junk' after the end rule/],
		["Europe/Berlin", /tz database name/],
		[":Europe/Berlin", /tz database name/],
	];
	for (const [rule, expected] of bad) {
		const result = parseTimeZone(rule);
		t.is(result.zone, undefined, rule);
		t.regex(result.error ?? "", expected, rule);
	}
	t.regex(parseTimeZone(42 as unknown as string).error ?? "", /must be text/);
});

test("random rules never throw, and a zone they give answers with finite numbers", (t) => {
	const random = seededRandom(20261123);
	const alphabet = "CETSAB<>+-0123456789:,./JM";
	const pick = (s: string) => s[Math.floor(random.next() * s.length)];
	const n = cases(3000);
	let zones = 0;
	for (let i = 0; i < n; i++) {
		// Mutations of a valid rule find the interesting corners more often than noise does.
		const base = [EUROPE, SYDNEY, "<+0330>-3:30", "EST5EDT,0/0,J365/25"][i % 4].split("");
		for (let k = 0, edits = 1 + Math.floor(random.next() * 3); k < edits; k++) {
			const at = Math.floor(random.next() * (base.length + 1));
			const what = random.next();
			if (what < 0.33) base.splice(at, 1);
			else if (what < 0.66) base.splice(at, 0, pick(alphabet));
			else base[at] = pick(alphabet);
		}
		const rule = base.join("");
		let result;
		try {
			result = parseTimeZone(rule);
		} catch (error) {
			return t.fail(`${rule} threw ${String(error)}`);
		}
		if (!result.zone) {
			if (!result.error) return t.fail(`${rule}: neither zone nor error`);
			continue;
		}
		zones++;
		const at = Date.UTC(2026, Math.floor(random.next() * 12), 1 + Math.floor(random.next() * 28), Math.floor(random.next() * 24));
		const local = result.zone.toLocal(at);
		const back = result.zone.toUtc(local);
		if (!Number.isFinite(local.offsetMinutes) || !Number.isFinite(back)) return t.fail(`${rule} at ${at}`);
	}
	t.true(zones > 0);
});
