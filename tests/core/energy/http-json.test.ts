import test from "ava";
import { emptyReading } from "../../../src/energy/source.js";
import { httpJsonSource, readJsonValues } from "../../../src/energy/sources/http-json.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("HTTPJSON: paths into arrays and objects, text numbers, scale and invert", (t) => {
	const reading = emptyReading();
	const answer = { data: [{ p: "-2.4" }], mW: 350000 };
	t.is(readJsonValues(answer, [{ prefix: "generation", key: "generationW", unit: "W", path: "data[0].p", scale: 1000, invert: true }, { prefix: "consumption", key: "consumptionW", unit: "W", path: "mW", scale: 0.001, invert: false }], reading), undefined);
	t.deepEqual(reading, { generationW: 2400, consumptionW: 350, gridW: null, voltageV: null, batteryW: null, socPercent: null });
	t.is(readJsonValues({ v: "n/a" }, [{ prefix: "voltage", key: "voltageV", unit: "V", path: "v", scale: 1, invert: false }], emptyReading()), 'voltagePath "v": "n/a" is not a number');
});

test("HTTPJSON: an out-of-range state of charge is refused by the bounds check", (t) => {
	const http = new ScriptedHttp().json("GET", "http://d/x", { soc: 180 });
	t.deepEqual(pollNow(build(httpJsonSource, { enabled: true, url: "http://d/x", socPath: "soc" }, contextWith(http))), { ok: false, error: "HTTPJSON: state of charge 180 % is outside 0 to 100 %" });
});

test("HTTPJSON: the interval key; config errors name the key", (t) => {
	const ctx = contextWith(new ScriptedHttp());
	const source = build(httpJsonSource, { enabled: true, url: "http://d/x", gridPath: "g", interval: "30" }, ctx);
	t.is(source.intervalS, 30);
	t.is(httpJsonSource.create({ enabled: true, url: "http://d/x" }, ctx), "sources.HTTPJSON.generationPath: required (set at least one of generationPath, consumptionPath, gridPath, voltagePath, batteryPath, socPath)");
	t.is(httpJsonSource.create({ enabled: true, url: "d/x", gridPath: "g" }, ctx), 'sources.HTTPJSON.url: must start with http:// or https:// (got "d/x")');
	t.is(httpJsonSource.create({ enabled: true, url: "http://d", gridPath: "g", headerValue: "x" }, ctx), 'sources.HTTPJSON.headerName: required when headerValue is set (e.g. "Authorization")');
	t.is(httpJsonSource.create({ enabled: true, url: "http://d", gridPath: "g", gridScale: 0 }, ctx), "sources.HTTPJSON.gridScale: must not be 0");
});
