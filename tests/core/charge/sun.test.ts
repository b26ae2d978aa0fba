import test from "ava";
import { latitudeError, longitudeError, sunTimes } from "../../../src/charge/sun.js";

const MINUTE = 60_000;
const TOLERANCE = 2 * MINUTE;

const LONDON = [51.5074, -0.1278] as const;
const SYDNEY = [-33.8688, 151.2093] as const;
const NEW_YORK = [40.7128, -74.006] as const;
const TROMSO = [69.6492, 18.9553] as const;

function near(t: { true: (v: boolean, m?: string) => unknown }, actual: number | undefined, expected: number, label: string) {
	const iso = (ms: number | undefined) => (ms === undefined ? "undefined" : new Date(ms).toISOString());
	t.true(actual !== undefined && Math.abs(actual - expected) <= TOLERANCE, `${label}: ${iso(actual)}, expected ${iso(expected)} ± 2 min`);
}

// Expected times are the published tables (timeanddate.com, which follows NOAA's calculator),
// rounded to the minute and written in UTC.

test("London, 21 June 2026: sunrise 04:43 BST, sunset 21:21 BST", (t) => {
	const sun = sunTimes(Date.UTC(2026, 5, 21, 12), ...LONDON);
	near(t, sun.sunriseUtcMs, Date.UTC(2026, 5, 21, 3, 43), "sunrise");
	near(t, sun.sunsetUtcMs, Date.UTC(2026, 5, 21, 20, 21), "sunset");
	t.is(sun.polar, undefined);
});

test("London, 21 December 2026: sunrise 08:04 GMT, sunset 15:53 GMT", (t) => {
	const sun = sunTimes(Date.UTC(2026, 11, 21, 12), ...LONDON);
	near(t, sun.sunriseUtcMs, Date.UTC(2026, 11, 21, 8, 4), "sunrise");
	near(t, sun.sunsetUtcMs, Date.UTC(2026, 11, 21, 15, 53), "sunset");
});

test("Sydney, 21 June 2026 (winter): sunrise 07:00 AEST, sunset 16:54 AEST; the sunrise is on 20 June in UTC", (t) => {
	const sun = sunTimes(Date.UTC(2026, 5, 21, 2), ...SYDNEY);
	near(t, sun.sunriseUtcMs, Date.UTC(2026, 5, 20, 21, 0), "sunrise");
	near(t, sun.sunsetUtcMs, Date.UTC(2026, 5, 21, 6, 54), "sunset");
});

test("Sydney, 21 December 2026 (summer): sunrise 05:41 AEDT, sunset 20:05 AEDT", (t) => {
	const sun = sunTimes(Date.UTC(2026, 11, 21, 2), ...SYDNEY);
	near(t, sun.sunriseUtcMs, Date.UTC(2026, 11, 20, 18, 41), "sunrise");
	near(t, sun.sunsetUtcMs, Date.UTC(2026, 11, 21, 9, 5), "sunset");
});

test("New York, 21 June 2026: sunrise 05:25 EDT, sunset 20:31 EDT, which is the next UTC date", (t) => {
	const sun = sunTimes(Date.UTC(2026, 5, 21, 16), ...NEW_YORK);
	near(t, sun.sunriseUtcMs, Date.UTC(2026, 5, 21, 9, 25), "sunrise");
	near(t, sun.sunsetUtcMs, Date.UTC(2026, 5, 22, 0, 31), "sunset");
});

test("on the equator at 0° E on the March equinox: about 06:04 and 18:11 UTC", (t) => {
	// Declination ≈ 0, so the sun is up for 2 × 90.833° × 4 min = 12 h 06.7 min around solar noon,
	// which the equation of time (≈ −7.5 min on 20 March) puts at ≈ 12:07.5 UTC.
	const sun = sunTimes(Date.UTC(2026, 2, 20, 12), 0, 0);
	near(t, sun.sunriseUtcMs, Date.UTC(2026, 2, 20, 6, 4), "sunrise");
	near(t, sun.sunsetUtcMs, Date.UTC(2026, 2, 20, 18, 11), "sunset");
	// The day on the equator is about 12 h 07 min long all year.
	for (const month of [0, 3, 6, 9]) {
		const { sunriseUtcMs, sunsetUtcMs } = sunTimes(Date.UTC(2026, month, 15, 12), 0, 0);
		const length = sunsetUtcMs! - sunriseUtcMs!;
		t.true(Math.abs(length - (12 * 60 + 7) * MINUTE) < 2 * MINUTE, `month ${month + 1}: ${length / MINUTE} min`);
	}
});

test("Tromsø: midnight sun in June, polar night in December, ordinary days in March", (t) => {
	t.deepEqual(sunTimes(Date.UTC(2026, 5, 21, 12), ...TROMSO), { polar: "day" });
	t.deepEqual(sunTimes(Date.UTC(2026, 11, 21, 12), ...TROMSO), { polar: "night" });
	const march = sunTimes(Date.UTC(2026, 2, 20, 12), ...TROMSO);
	t.is(march.polar, undefined);
	t.true(march.sunriseUtcMs! < Date.UTC(2026, 2, 20, 12) && march.sunsetUtcMs! > Date.UTC(2026, 2, 20, 12));
	// The poles in June: sun up all day at the north, down all day at the south.
	t.deepEqual(sunTimes(Date.UTC(2026, 5, 21), 90, 0), { polar: "day" });
	t.deepEqual(sunTimes(Date.UTC(2026, 5, 21), -90, 0), { polar: "night" });
});

test("the day is the local mean solar day at that longitude", (t) => {
	// At 118.24° W local mean time is UTC − 7 h 53 min: 21 June runs from 07:53 UTC to 07:53 UTC on 22 June.
	const la = [34.0522, -118.2437] as const;
	const first = sunTimes(Date.UTC(2026, 5, 21, 8), ...la);
	t.deepEqual(sunTimes(Date.UTC(2026, 5, 22, 7, 50), ...la), first);
	t.notDeepEqual(sunTimes(Date.UTC(2026, 5, 21, 7, 50), ...la), first);
	near(t, first.sunriseUtcMs, Date.UTC(2026, 5, 21, 12, 42), "Los Angeles sunrise 05:42 PDT");
	near(t, first.sunsetUtcMs, Date.UTC(2026, 5, 22, 3, 8), "Los Angeles sunset 20:08 PDT");
	// Sunrise always before sunset, the two within one day.
	for (let day = 0; day < 365; day += 7) {
		const at = Date.UTC(2026, 0, 1 + day);
		for (const [lat, lon] of [LONDON, SYDNEY, NEW_YORK, [0, 179.9], [10, -179.9]]) {
			const { sunriseUtcMs, sunsetUtcMs } = sunTimes(at, lat, lon);
			if (!(sunriseUtcMs! < sunsetUtcMs! && sunsetUtcMs! - sunriseUtcMs! < 86_400_000)) {
				return t.fail(`${lat},${lon} on day ${day}: ${sunriseUtcMs} ${sunsetUtcMs}`);
			}
		}
	}
});

test("latitude and longitude are checked with clear errors", (t) => {
	t.is(latitudeError(51.5), undefined);
	t.is(latitudeError(-90), undefined);
	t.is(longitudeError(180), undefined);
	t.is(longitudeError(-0.1278), undefined);
	t.is(latitudeError(91), "latitude must be a number from -90 to 90 in degrees, north and east positive (got 91)");
	t.regex(longitudeError(-180.5)!, /^longitude must be a number from -180 to 180 .*\(got -180\.5\)$/);
	t.regex(latitudeError("51.5")!, /\(got "51\.5"\)$/);
	t.regex(latitudeError(NaN)!, /\(got NaN\)$/);
	t.regex(longitudeError(undefined)!, /\(got undefined\)$/);
	t.deepEqual(sunTimes(Date.UTC(2026, 5, 21), 91, 0), {});
	t.deepEqual(sunTimes(Date.UTC(2026, 5, 21), 0, 200), {});
});
