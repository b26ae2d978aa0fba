import test from "ava";
import { emptyReading } from "../../../src/energy/source.js";
import { smartmeReading, smartmeSource } from "../../../src/energy/sources/smartme.js";
import { base64 } from "../../../src/energy/sources/http-values.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("SmartMe: the cloud URL with Basic auth; an import in W is consumption", (t) => {
	const http = new ScriptedHttp().json("GET", "https://smart-me.com/api/DeviceBySerial?serial=987", { ActivePower: 640, ActivePowerUnit: "W" });
	const result = pollNow(build(smartmeSource, { enabled: true, username: "u", password: "p", serialNumber: 987 }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 0, consumptionW: 640, gridW: 640, voltageV: null, batteryW: null, socPercent: null } });
	t.is(http.requests[0].headers?.Authorization, "Basic dTpw");
});

test("SmartMe: base64 of UTF-8 credentials, and an answer without ActivePower", (t) => {
	t.is(base64("me@example.org:pässword"), "bWVAZXhhbXBsZS5vcmc6cMOkc3N3b3Jk");
	t.is(base64("ab"), "YWI=");
	t.is(smartmeReading({ Message: "Not found" }, emptyReading()), "the answer has no ActivePower (is the serial number right?)");
});

test("SmartMe: username, password and serialNumber are required", (t) => {
	t.is(smartmeSource.create({ enabled: true, username: "u", password: "p" }, contextWith(new ScriptedHttp())), "sources.SmartMe.serialNumber: required");
});
