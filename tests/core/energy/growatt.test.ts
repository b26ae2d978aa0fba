import test from "ava";
import { emptyReading } from "../../../src/energy/source.js";
import { growattPasswordHash, growattSource, growattValues } from "../../../src/energy/sources/growatt.js";
import { md5Hex } from "../../../src/energy/sources/md5.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("Growatt: MD5 (RFC 1321 test suite) and the password hash's 0 → c at even places", (t) => {
	t.is(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
	t.is(md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
	t.is(md5Hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"), "57edf4a22be3c955ac49da2e2107b67a");
	// md5("abc") = 900150983cd24fb0d6963f7d28e17f72: of its 0s only the one at index 2 is at an even place.
	t.is(growattPasswordHash("abc"), "90c150983cd24fb0d6963f7d28e17f72");
});

test("Growatt: status values in kW, grid and battery from their pairs", (t) => {
	const reading = emptyReading();
	t.is(growattValues({ ppv: "3.1", pLocalLoad: "0.9", pactouser: "0.2", pactogrid: "0", pdisCharge1: "0.5", chargePower: "0" }, { SOC: "55" }, reading), undefined);
	t.deepEqual(reading, { generationW: 3100, consumptionW: 900, gridW: 200, voltageV: null, batteryW: 500, socPercent: 55 });
	t.is(growattValues({ pac: 1 }, {}, emptyReading()), "the system status has no ppv or pLocalLoad (is the first device a Mix/storage inverter?)");
});

function cloud(soc: string): ScriptedHttp {
	const s = "https://openapi.growatt.com/";
	return new ScriptedHttp()
		.json("POST", `${s}newTwoLoginAPI.do`, { back: { success: true, user: { id: 1 } } })
		.json("GET", `${s}PlantListAPI.do?userId=1`, { back: [{ plantId: 2 }] })
		.json("GET", `${s}newTwoPlantAPI.do?op=getAllDeviceListTwo&plantId=2&pageNum=1&pageSize=1`, { deviceList: [{ deviceAilas: "A", deviceSn: "A" }] })
		.json("POST", `${s}newMixApi.do?op=getSystemStatus_KW&mixId=A&plantId=2`, { obj: { ppv: "0", pLocalLoad: "0.4", SOC: soc } });
}

test("Growatt: battery boost before useBatteryBefore while SOC is above the threshold, with hysteresis (UTC without a zone)", (t) => {
	const clock = new VirtualClock(Date.UTC(2026, 5, 21, 3, 0));
	const http = cloud("60");
	const source = build(growattSource, { enabled: true, username: "u", password: "p", useBatteryAt: "50", useBatteryTill: "30", batteryMaxOutput: "2500", useBatteryBefore: "05:30" }, contextWith(http, clock));
	const boosted = pollNow(source);
	t.true(boosted.ok && boosted.reading.generationW === 2500, JSON.stringify(boosted));
	t.is(http.requests.length, 4, "one status request when alias and serial are the same");
	// SOC 40: below useBatteryAt (50) but above useBatteryTill (30), the threshold now in force.
	http.json("POST", "https://openapi.growatt.com/newMixApi.do?op=getSystemStatus_KW&mixId=A&plantId=2", { obj: { ppv: "0", pLocalLoad: "0.4", SOC: "40" } });
	const still = pollNow(source);
	t.true(still.ok && still.reading.generationW === 2500);
	clock.advance(3 * 3600_000); // 06:00, after useBatteryBefore
	const after = pollNow(source);
	t.true(after.ok && after.reading.generationW === 0);
});

test("Growatt: config errors name the key", (t) => {
	const ctx = contextWith(new ScriptedHttp());
	t.is(growattSource.create({ enabled: true, username: "u" }, ctx), "sources.Growatt.password: required");
	t.is(growattSource.create({ enabled: true, username: "u", password: "p", useBatteryBefore: "7pm" }, ctx), 'sources.Growatt.useBatteryBefore: must be a time HH:MM (got "7pm")');
	t.is(growattSource.create({ enabled: true, username: "u", password: "p", useBatteryAt: "abc" }, ctx), 'sources.Growatt.useBatteryAt: must be a number from 0 to 100 (got "abc")');
});
