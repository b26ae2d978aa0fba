import test from "ava";
import { emptyReading } from "../../../src/energy/source.js";
import { solarlogReading, solarlogSource } from "../../../src/energy/sources/solarlog.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("SolarLog: one POST without excluded devices", (t) => {
	const http = new ScriptedHttp().json("POST", "http://sl/getjp", { 801: { 170: { 101: 2750, 110: 900 } } });
	const result = pollNow(build(solarlogSource, { enabled: true, serverIP: "sl" }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 2750, consumptionW: 900, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.is(http.requests.length, 1);
	t.is(http.requests[0].body, '{"801":{"170":null,"175":null}}');
});

test("SolarLog: device 0 counts even when its state is 0 (as in TWCManager); consumption never goes below 0", (t) => {
	const basic = { 801: { 170: { 101: 100, 110: 500 }, 175: { 0: { 101: 0 } } } };
	const reading = emptyReading();
	t.is(solarlogReading(basic, { 782: { 0: "700" } }, [0], reading), undefined);
	t.is(reading.consumptionW, 0);
	const on = { 801: { 170: { 101: 100, 110: 500 }, 175: { 0: { 101: 1 } } } };
	t.is(solarlogReading(on, { 782: {} }, [4], emptyReading()), "device 4 of excludeConsumptionInverters has no power in the answer (782.4)");
	t.is(solarlogReading(basic, { 782: {} }, [4], emptyReading()), undefined, "device 4 at position 0 is off: not asked for");
	t.regex(solarlogReading({ 801: {} }, undefined, [], emptyReading())!, /no 801\.170\.110/);
});

test("SolarLog: a bad device index is a config error", (t) => {
	t.is(solarlogSource.create({ enabled: true, serverIP: "sl", excludeConsumptionInverters: ["x"] }, contextWith(new ScriptedHttp())), 'sources.SolarLog.excludeConsumptionInverters: "x" is not a device index (0, 1, 2...)');
});
