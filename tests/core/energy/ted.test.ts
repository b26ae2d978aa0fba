import test from "ava";
import { tedGeneration, tedSource } from "../../../src/energy/sources/ted.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("TED: default port 80, a 10 s timeout, the Solar line in kW", (t) => {
	const http = new ScriptedHttp().text("GET", "http://ted:80/history/export.csv?T=1&D=0&M=1&C=1", "MTU,Date,Power\nSolar,11/23/2026 12:00:00,1.25,0\n");
	const result = pollNow(build(tedSource, { enabled: true, serverIP: "ted" }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 1250, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.is(http.requests[0].timeoutMs, 10_000);
});

test("TED: the Solar line's sign is dropped; other lines do not count", (t) => {
	t.deepEqual(tedGeneration("Load,x,-9.9,0\nSolar,x,-0.5,0\n"), { watts: 500 });
	t.deepEqual(tedGeneration("Solar,x,abc,0\n"), { error: 'the Solar line\'s power "abc" is not a number' });
	t.deepEqual(tedGeneration("<html></html>"), { error: "the answer is an HTML page, not TED's CSV export (wrong address?)" });
});
