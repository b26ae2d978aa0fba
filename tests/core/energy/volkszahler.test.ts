import test from "ava";
import { volkszahlerSource, volkszahlerWatts } from "../../../src/energy/sources/volkszahler.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("Volkszahler: at night (PV 0, grid importing) the house load is the grid import", (t) => {
	const http = new ScriptedHttp().text("GET", "http://vz:80/api/data.txt?from=now&uuid=pv", "0 W").text("GET", "http://vz:80/api/data.txt?from=now&uuid=grid", "845.3 W");
	const result = pollNow(build(volkszahlerSource, { enabled: true, serverIP: "vz", uuidPhotovoltaikW: "pv", uuidTotalGridW: "grid" }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 0, consumptionW: 845.3, gridW: 845.3, voltageV: null, batteryW: null, socPercent: null } });
});

test("Volkszahler: data.txt values and non-power answers", (t) => {
	t.deepEqual(volkszahlerWatts("-5520.8 W\n", "u"), { watts: -5520.8 });
	t.deepEqual(volkszahlerWatts("12.5 kWh", "u"), { error: 'channel u: "12.5 kWh" is not "<value> W" (is it a power channel?)' });
	t.deepEqual(volkszahlerWatts('{"exception":{}}', "u"), { error: 'channel u: the answer is not data.txt\'s "<value> W" (wrong address or uuid?)' });
});

test("Volkszahler: both uuids are required", (t) => {
	t.is(volkszahlerSource.create({ enabled: true, serverIP: "vz", uuidTotalGridW: "g" }, contextWith(new ScriptedHttp())), "sources.Volkszahler.uuidPhotovoltaikW: required");
});
