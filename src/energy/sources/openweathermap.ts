/**
 * OpenWeatherMap (reference §A.11): no meter at all, an estimate of the array's generation from
 * the weather forecast. The One Call answer is fetched at most every FETCH_INTERVAL_S and kept; each
 * poll re-evaluates it against the clock, so the estimate follows the sun between fetches:
 *
 *     W = PeakKW[local month] × day factor × cloud factor × temperature factor × 1000
 *
 * day factor: a triangle from sunrise (0) to solar noon (1) to sunset, held within 0.2–1 (≥ 0.9 → 1);
 * 0 before sunrise and after sunset. cloud factor: 1 − clouds % / 300. temperature factor: above
 * 31 °C, 1 − (t − 31) / 100 but at least 0.5 (TWCManager's code sets any value above 0.5 to 0.5,
 * halving the estimate from 31 °C on; the floor is what it means). The forecast entry (current or
 * hourly) nearest in time to now gives clouds and temperature. There is no consumption.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";

const NAME = "OpenWeatherMap";
/** One fetch every 2 minutes is 720 a day: within One Call 3.0's 1,000 free calls. */
export const FETCH_INTERVAL_S = 120;

/** The estimated generation in W at `nowMs` from a One Call answer, or why there is none. */
export function owmEstimate(answer: unknown, nowMs: number, peakKW: readonly number[]): { watts: number } | { error: string } {
	const sunrise = numberFrom(valueAt(answer, "current.sunrise"));
	const sunset = numberFrom(valueAt(answer, "current.sunset"));
	const currentDt = numberFrom(valueAt(answer, "current.dt"));
	if (sunrise === undefined || sunset === undefined || currentDt === undefined) return { error: "the answer has no current.dt, current.sunrise and current.sunset (is this a One Call answer?)" };
	const now = nowMs / 1000;
	let best: unknown = valueAt(answer, "current");
	let diff = Math.abs(currentDt - now);
	for (const list of ["hourly", "daily"]) {
		const entries = valueAt(answer, list);
		if (!Array.isArray(entries)) continue;
		for (const entry of entries) {
			const dt = numberFrom(valueAt(entry, "dt"));
			if (dt !== undefined && Math.abs(dt - now) < diff) {
				best = entry;
				diff = Math.abs(dt - now);
			}
		}
	}
	const clouds = numberFrom(valueAt(best, "clouds"));
	const rawTemp = valueAt(best, "temp");
	// A daily entry's temp is an object ({day, min, max...}).
	const temp = numberFrom(typeof rawTemp === "object" && rawTemp !== null ? valueAt(rawTemp, "day") : rawTemp);
	if (clouds === undefined || clouds < 0 || clouds > 100) return { error: `the forecast's cloud cover ${JSON.stringify(valueAt(best, "clouds"))} is not a percentage` };
	if (now < sunrise || now > sunset) return { watts: 0 };
	const offsetS = numberFrom(valueAt(answer, "timezone_offset")) ?? 0;
	const month = new Date(nowMs + offsetS * 1000).getUTCMonth();
	const midday = Math.trunc(sunrise + (sunset - sunrise) / 2);
	if (midday <= sunrise) return { watts: 0 };
	let day = now < midday ? (now - sunrise) / (midday - sunrise) : (2 * midday - now - sunrise) / (midday - sunrise);
	if (day > 0.9) day = 1;
	else if (day < 0.2) day = 0.2;
	const cloud = 1 - clouds / 300;
	const heat = temp !== undefined && temp > 31 ? Math.max(0.5, 1 - (temp - 31) / 100) : 1;
	return { watts: peakKW[month] * day * cloud * heat * 1000 };
}

export const openweathermapSource: SourceDefinition = {
	name: NAME,
	summary: "generation estimated from the OpenWeatherMap forecast (One Call) and the array's monthly peak",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const apiKey = r.string("APIKey");
		const latitude = r.number("Latitude", 0, -90, 90);
		const longitude = r.number("Longitude", 0, -180, 180);
		// Not TWCManager keys: One Call 2.5 (TWCManager's) closed in June 2024; 3.0 answers alike.
		const server = r.string("serverURL", "https://api.openweathermap.org/data/3.0/onecall");
		const peakKW: number[] = [];
		for (const text of r.strings("PeakKW")) peakKW.push(Number(text));
		if (peakKW.length !== 12 || peakKW.some((kw) => !Number.isFinite(kw) || kw < 0 || kw > 1000)) {
			r.error ??= `sources.${NAME}.PeakKW: required, 12 numbers in kW (the best peak of each month, January first), got ${JSON.stringify(section.PeakKW ?? null)}`;
		}
		if (r.error !== undefined) return r.error;
		if (latitude === 0 && longitude === 0) context.log.write("warn", "energy", `sources.${NAME}: Latitude and Longitude are 0 (not set?): the forecast is for the Gulf of Guinea`);
		const url = `${server}?lat=${latitude}&lon=${longitude}&appid=${encodeURIComponent(apiKey)}&exclude=minutely,daily,alerts&units=metric`;
		let kept: unknown;
		let fetchedAt = -Infinity;
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => (kept !== undefined && context.clock.now() - fetchedAt < FETCH_INTERVAL_S * 1000 ? [] : [{ request: { method: "GET", url, timeoutMs: 10_000 } }]),
			read(answers, reading) {
				const now = context.clock.now();
				const answer = answers.length > 0 ? answers[0] : kept;
				const estimate = owmEstimate(answer, now, peakKW);
				if ("error" in estimate) return estimate.error;
				if (answers.length > 0) {
					kept = answers[0];
					fetchedAt = now;
				}
				reading.generationW = estimate.watts;
				return undefined;
			},
		});
	},
};
