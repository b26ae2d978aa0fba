import test from "ava";
import { hassPower, hassSource } from "../../../src/energy/sources/hass.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("HASS: default port 8123, https when useHttps, the token as a Bearer header", (t) => {
	const http = new ScriptedHttp().json("GET", "https://ha.local:8123/api/states/sensor.pv", { state: "1520", attributes: { unit_of_measurement: "W" } });
	const source = build(hassSource, { enabled: true, serverIP: "ha.local", useHttps: "true", apiKey: "tok", hassEntityGeneration: "sensor.pv" }, contextWith(http));
	const result = pollNow(source);
	t.deepEqual(result, { ok: true, reading: { generationW: 1520, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.is(http.requests[0].headers?.Authorization, "Bearer tok");
});

test("HASS: state values: kW, negative generation, unknown, non-numbers, energy sensors", (t) => {
	t.deepEqual(hassPower({ state: "2.5", attributes: { unit_of_measurement: "kW" } }, "s"), { watts: 2500 });
	t.deepEqual(hassPower({ state: "-800", attributes: { unit_of_measurement: "W" } }, "s"), { watts: 800 });
	t.deepEqual(hassPower({ state: "800", attributes: {} }, "s"), { watts: 800 });
	t.deepEqual(hassPower({ state: "unknown", attributes: {} }, "sensor.x"), { error: "sensor.x is unknown in Home Assistant (its device is offline or has not reported yet)" });
	t.deepEqual(hassPower({ state: "on", attributes: {} }, "sensor.x"), { error: 'sensor.x: state "on" is not a number' });
	t.deepEqual(hassPower({ state: "12.1", attributes: { unit_of_measurement: "kWh" } }, "sensor.x"), { error: 'sensor.x is in "kWh"; a power sensor in W or kW is needed' });
	t.deepEqual(hassPower({ message: "x" }, "sensor.x"), { error: 'sensor.x: the answer has no "state" (is this a Home Assistant state object?)' });
});

test("HASS: config errors name the key", (t) => {
	const ctx = contextWith(new ScriptedHttp());
	t.is(hassSource.create({ enabled: true, hassEntityGeneration: "sensor.pv" }, ctx), "sources.HASS.serverIP: required");
	t.is(hassSource.create({ enabled: true, serverIP: "ha" }, ctx), "sources.HASS.hassEntityGeneration: required (set it, hassEntityConsumption, or both)");
	t.is(hassSource.create({ enabled: true, serverIP: "http://ha", hassEntityGeneration: "s" }, ctx), 'sources.HASS.serverIP: give the device\'s address only (e.g. "192.168.1.20"), not a URL (got "http://ha")');
	t.is(hassSource.create({ enabled: true, serverIP: "ha", serverPort: "80a", hassEntityGeneration: "s" }, ctx), 'sources.HASS.serverPort: must be a port number from 1 to 65535 (got "80a")');
});
