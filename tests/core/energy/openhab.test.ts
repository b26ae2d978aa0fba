import test from "ava";
import { openhabSource } from "../../../src/energy/sources/openhab.js";
import { powerFromText } from "../../../src/energy/sources/http-values.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("openHAB: default port 8080, one item only", (t) => {
	const http = new ScriptedHttp().text("GET", "http://oh:8080/rest/items/PV_Power/state", "1234.5");
	const result = pollNow(build(openhabSource, { enabled: true, serverIP: "oh", generationItem: "PV_Power" }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 1234.5, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

test("openHAB: text states with units, UNDEF and energy units", (t) => {
	t.deepEqual(powerFromText("1234.5 W", "i"), { watts: 1234.5 });
	t.deepEqual(powerFromText(" 1.5 kW\n", "i"), { watts: 1500 });
	t.deepEqual(powerFromText("UNDEF", "item X"), { error: "item X: the item's state is UNDEF (it has no value yet)" });
	t.deepEqual(powerFromText("12.5 kWh", "item X"), { error: 'item X: the value is in "kWh", not a power (W or kW)' });
	t.deepEqual(powerFromText("", "item X"), { error: "item X: empty answer" });
	t.deepEqual(powerFromText("<html>", "item X"), { error: "item X: the answer is an HTML page, not a value (wrong address?)" });
});
