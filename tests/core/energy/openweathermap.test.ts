import test from "ava";
import { owmEstimate, openweathermapSource } from "../../../src/energy/sources/openweathermap.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

// Sunrise 06:00, sunset 18:00 UTC on 2026-06-21: solar noon 12:00.
const SUNRISE = Date.UTC(2026, 5, 21, 6) / 1000;
const SUNSET = Date.UTC(2026, 5, 21, 18) / 1000;
const PEAKS = [1, 2, 3, 4, 5, 6.5, 7, 8, 9, 10, 11, 12];
const answer = (clouds: number, temp: number, offsetS = 0) => ({ timezone_offset: offsetS, current: { dt: SUNRISE, sunrise: SUNRISE, sunset: SUNSET, clouds, temp } });
const at = (h: number, m = 0) => Date.UTC(2026, 5, 21, h, m);

test("OpenWeatherMap: 0 at night, a triangle over the day held within 0.2 to 1", (t) => {
	t.deepEqual(owmEstimate(answer(0, 20), at(5, 59), PEAKS), { watts: 0 });
	t.deepEqual(owmEstimate(answer(0, 20), at(18, 1), PEAKS), { watts: 0 });
	// 06:30: (0.5 h / 6 h) = 0.083 → 0.2; June's peak 6.5 kW.
	t.is(Math.round((owmEstimate(answer(0, 20), at(6, 30), PEAKS) as { watts: number }).watts), 1300);
	// 09:00: 3/6 = 0.5.
	t.is(Math.round((owmEstimate(answer(0, 20), at(9), PEAKS) as { watts: number }).watts), 3250);
	// 11:00: 5/6 = 0.83; 11:30: 0.917 → 1; 15:00 after noon: 0.5.
	t.is(Math.round((owmEstimate(answer(0, 20), at(11), PEAKS) as { watts: number }).watts), 5417);
	t.is(Math.round((owmEstimate(answer(0, 20), at(11, 30), PEAKS) as { watts: number }).watts), 6500);
	t.is(Math.round((owmEstimate(answer(0, 20), at(15), PEAKS) as { watts: number }).watts), 3250);
});

test("OpenWeatherMap: clouds take up to two thirds off; heat above 31 °C takes 1 % a degree, at most half", (t) => {
	t.is(Math.round((owmEstimate(answer(100, 20), at(12), PEAKS) as { watts: number }).watts), 4333);
	t.is(Math.round((owmEstimate(answer(0, 36), at(12), PEAKS) as { watts: number }).watts), 6175);
	t.is(Math.round((owmEstimate(answer(0, 95), at(12), PEAKS) as { watts: number }).watts), 3250);
});

test("OpenWeatherMap: the month is the location's local month (timezone_offset)", (t) => {
	// 23:30 UTC on 31 May is 01:30 on 1 June at +02:00: June's peak, not May's.
	const base = Date.UTC(2026, 4, 31, 23, 30) / 1000;
	const json = { timezone_offset: 7200, current: { dt: base, sunrise: base - 3600, sunset: base + 3600, clouds: 0, temp: 10 } };
	t.is(Math.round((owmEstimate(json, base * 1000, PEAKS) as { watts: number }).watts), 6500);
});

test("OpenWeatherMap: fetched every 2 minutes, re-evaluated against the clock in between", (t) => {
	const clock = new VirtualClock(at(9));
	const http = new ScriptedHttp();
	http.answers.set("GET https://api.openweathermap.org/data/3.0/onecall?lat=52.5&lon=13.4&appid=KEY&exclude=minutely,daily,alerts&units=metric", { status: 200, body: JSON.stringify(answer(0, 20)) });
	const source = build(openweathermapSource, { enabled: true, APIKey: "KEY", Latitude: 52.5, Longitude: "13.4", PeakKW: PEAKS.map(String) }, contextWith(http, clock));
	const first = pollNow(source);
	clock.advance(60_000);
	const second = pollNow(source);
	t.is(http.requests.length, 1);
	t.true(first.ok && second.ok && second.reading.generationW! > first.reading.generationW!);
	clock.advance(60_000);
	pollNow(source);
	t.is(http.requests.length, 2);
	t.is(http.requests[0].timeoutMs, 10_000);
});

test("OpenWeatherMap: PeakKW must be 12 numbers; APIKey is required", (t) => {
	const ctx = contextWith(new ScriptedHttp());
	t.is(openweathermapSource.create({ enabled: true, APIKey: "k", PeakKW: [1, 2, 3] }, ctx), "sources.OpenWeatherMap.PeakKW: required, 12 numbers in kW (the best peak of each month, January first), got [1,2,3]");
	t.is(openweathermapSource.create({ enabled: true, PeakKW: PEAKS }, ctx), "sources.OpenWeatherMap.APIKey: required");
});
