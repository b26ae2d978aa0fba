import test from "ava";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeHttpClient } from "../../../host-sim/node-http-client.js";
import type { PollResult } from "../../../src/energy/source.js";
import { openweathermapSource } from "../../../src/energy/sources/openweathermap.js";
import { silentLog } from "../../../src/platform/log.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const PEAKS = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
const section = (port: number) => ({ enabled: true, APIKey: "k3y", Latitude: "48.1", Longitude: 11.6, PeakKW: PEAKS, serverURL: `http://127.0.0.1:${port}/data/3.0/onecall` });

/** A One Call answer around solar noon now: `current` half an hour old, an hourly entry a minute ahead. */
function oneCall(hourlyClouds: number, hourlyTemp: number) {
	const now = Math.floor(Date.now() / 1000);
	return JSON.stringify({
		lat: 48.1, lon: 11.6, timezone: "Europe/Berlin", timezone_offset: 3600,
		current: { dt: now - 1800, sunrise: now - 14400, sunset: now + 14400, temp: 18, clouds: 10, weather: [{ id: 801, main: "Clouds" }] },
		hourly: [{ dt: now - 3540, temp: 17, clouds: 5 }, { dt: now + 60, temp: hourlyTemp, clouds: hourlyClouds }, { dt: now + 3660, temp: 19, clouds: 100 }],
	});
}

test("OpenWeatherMap: the nearest hourly entry's clouds and heat scale the month's peak; the answer is kept between fetches", async (t) => {
	const peer = await startPeer((req, res) => (req.url.startsWith("/data/3.0/onecall?lat=48.1&lon=11.6&appid=k3y&") ? reply(res, oneCall(75, 41)) : reply(res, '{"cod":401}', 401)));
	t.teardown(() => peer.close());
	const source = openweathermapSource.create(section(peer.port), { clock: new NodeClock(), log: silentLog, http: new NodeHttpClient() });
	if (typeof source === "string") return t.fail(source);
	const poll = () => new Promise<PollResult>((resolve) => source.poll(resolve));
	// 5 kW × day 1 (solar noon) × clouds (1 − 75/300) × heat (1 − (41 − 31)/100).
	const first = await poll();
	t.true(first.ok);
	if (first.ok) {
		t.is(Math.round(first.reading.generationW!), 3375);
		t.is(first.reading.consumptionW, null);
	}
	const second = await poll();
	t.true(second.ok);
	t.is(peer.requests.length, 1, "no second fetch within two minutes");
});

failureTests(test, {
	definition: openweathermapSource,
	section,
	// PeakKW is checked in the config, so the answer's own values are what can be out of bounds.
	outOfBounds: { body: oneCall(-500, 20) },
	outOfBoundsError: /^OpenWeatherMap: the forecast's cloud cover -500 is not a percentage$/,
});

test("OpenWeatherMap: a One Call answer without sunrise and sunset is refused", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, '{"lat":48.1,"lon":11.6,"hourly":[]}'));
	t.teardown(() => peer.close());
	const result = await pollOnce(openweathermapSource, section(peer.port));
	t.deepEqual(result, { ok: false, error: "OpenWeatherMap: the answer has no current.dt, current.sunrise and current.sunset (is this a One Call answer?)" });
});
