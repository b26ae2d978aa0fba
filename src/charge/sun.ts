/**
 * Sunrise and sunset on the device, from NOAA's solar calculator (the "General Solar Position
 * Calculations" of NOAA's Global Monitoring Laboratory, after Meeus, "Astronomical Algorithms"):
 * the sun's declination and the equation of time give solar noon, and the hour angle at which
 * the sun's centre is at a zenith of 90.833° (34' of refraction plus 16' of the sun's radius)
 * gives sunrise and sunset. Each is refined by computing the sun's position again at the time
 * found, which keeps it within a minute of the published tables at mid latitudes.
 */

export interface SunTimes {
	sunriseUtcMs?: number;
	sunsetUtcMs?: number;
	/** Set instead of the two times when the sun stays up ("day") or down ("night") all day. */
	polar?: "day" | "night";
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const ZENITH = 90.833;
const RAD = Math.PI / 180;

/** "latitude must be a number from -90 to 90 (got 91)", or undefined when it is one. */
export function latitudeError(value: unknown): string | undefined {
	return rangeError("latitude", value, 90);
}

/** "longitude must be a number from -180 to 180 (got …)", or undefined when it is one. */
export function longitudeError(value: unknown): string | undefined {
	return rangeError("longitude", value, 180);
}

function rangeError(name: string, value: unknown, limit: number): string | undefined {
	if (typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= limit) return undefined;
	return `${name} must be a number from -${limit} to ${limit} in degrees, north and east positive (got ${typeof value === "string" ? JSON.stringify(value) : String(value)})`;
}

/**
 * Sunrise and sunset of the day that contains `dateUtcMs` in local mean solar time at
 * `longitude` (UTC shifted by 4 minutes per degree east), so the day runs from one local mean
 * midnight to the next and the two times are those either side of that day's solar noon. For
 * west longitudes the sunset can fall on the next UTC date, for east ones the sunrise on the
 * previous one. Latitude and longitude in degrees, north and east positive, as checked by
 * latitudeError and longitudeError; anything else gives {}.
 */
export function sunTimes(dateUtcMs: number, latitude: number, longitude: number): SunTimes {
	if (latitudeError(latitude) || longitudeError(longitude) || !Number.isFinite(dateUtcMs)) return {};
	const shiftMs = longitude * 4 * MINUTE_MS; // local mean time - UTC
	const noonMs = Math.floor((dateUtcMs + shiftMs) / DAY_MS) * DAY_MS + DAY_MS / 2 - shiftMs;

	const atNoon = hourAngleCosine(sunAt(noonMs), latitude);
	if (atNoon > 1) return { polar: "night" };
	if (atNoon < -1) return { polar: "day" };
	return { sunriseUtcMs: refine(noonMs, latitude, -1), sunsetUtcMs: refine(noonMs, latitude, 1) };
}

/**
 * Sunrise (side -1) or sunset (side 1): solar noon (mean noon less the equation of time) plus or
 * minus the hour angle, with the sun's position taken again at each new guess.
 */
function refine(meanNoonMs: number, latitude: number, side: -1 | 1): number {
	let t = meanNoonMs;
	for (let i = 0; i < 3; i++) {
		const sun = sunAt(t);
		// Near the polar limits the sun may only graze the horizon at the guessed time: clamp.
		const hourAngle = Math.acos(Math.max(-1, Math.min(1, hourAngleCosine(sun, latitude)))) / RAD;
		t = meanNoonMs - sun.equationOfTimeMin * MINUTE_MS + side * hourAngle * 4 * MINUTE_MS;
	}
	return Math.round(t);
}

interface Sun {
	/** Declination, radians. */
	declination: number;
	/** Apparent solar time - mean solar time, minutes. */
	equationOfTimeMin: number;
}

/** cos of the sunrise hour angle; above 1 the sun stays down, below -1 it stays up. */
function hourAngleCosine(sun: Sun, latitude: number): number {
	const phi = latitude * RAD;
	return Math.cos(ZENITH * RAD) / (Math.cos(phi) * Math.cos(sun.declination)) - Math.tan(phi) * Math.tan(sun.declination);
}

/** The sun's declination and the equation of time at an instant (NOAA's spreadsheet formulas). */
function sunAt(utcMs: number): Sun {
	const T = (utcMs / DAY_MS + 2440587.5 - 2451545) / 36525; // Julian centuries since J2000.0
	const L0 = (280.46646 + T * (36000.76983 + T * 0.0003032)) % 360; // geometric mean longitude
	const M = 357.52911 + T * (35999.05029 - 0.0001537 * T); // geometric mean anomaly
	const e = 0.016708634 - T * (0.000042037 + 0.0000001267 * T); // orbit eccentricity
	const C = // equation of the centre
		Math.sin(M * RAD) * (1.914602 - T * (0.004817 + 0.000014 * T)) +
		Math.sin(2 * M * RAD) * (0.019993 - 0.000101 * T) +
		Math.sin(3 * M * RAD) * 0.000289;
	const omega = (125.04 - 1934.136 * T) * RAD;
	const lambda = (L0 + C - 0.00569 - 0.00478 * Math.sin(omega)) * RAD; // apparent longitude
	const epsilon0 = 23 + (26 + (21.448 - T * (46.815 + T * (0.00059 - T * 0.001813))) / 60) / 60;
	const epsilon = (epsilon0 + 0.00256 * Math.cos(omega)) * RAD; // corrected obliquity
	const y = Math.tan(epsilon / 2) ** 2;
	const l = L0 * RAD;
	const m = M * RAD;
	const eot =
		y * Math.sin(2 * l) -
		2 * e * Math.sin(m) +
		4 * e * y * Math.sin(m) * Math.cos(2 * l) -
		0.5 * y * y * Math.sin(4 * l) -
		1.25 * e * e * Math.sin(2 * m);
	return { declination: Math.asin(Math.sin(epsilon) * Math.sin(lambda)), equationOfTimeMin: (4 * eot) / RAD };
}
