import test from "ava";
import { iotawattOutput, iotawattSource } from "../../../src/energy/sources/iotawatt.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

const answer = { outputs: [{ name: "Grid_V", units: "Volts", value: 239.1 }, { name: "Load", units: "Watts", value: 980 }, { name: "PV", units: "Watts", value: -1510.4 }] };

test("IotaWatt: http://<serverIP>/status?outputs, no port by default", (t) => {
	const http = new ScriptedHttp().json("GET", "http://10.0.0.5/status?outputs", answer);
	const result = pollNow(build(iotawattSource, { enabled: true, serverIP: "10.0.0.5", outputConsumption: "Load", outputGeneration: "PV" }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 1510.4, consumptionW: 980, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

test("IotaWatt: outputs that are not power, missing, or without a value are refused with the reason", (t) => {
	t.deepEqual(iotawattOutput(answer, "Grid_V"), { error: 'output "Grid_V" is in "Volts"; an output in Watts is needed' });
	t.deepEqual(iotawattOutput({ outputs: [{ name: "PV", units: "Watts", value: null }] }, "PV"), { error: 'output "PV" has no numeric value' });
	t.deepEqual(iotawattOutput({ inputs: [] }, "PV"), { error: 'the answer has no "outputs" list (is this an IoTaWatt?)' });
	t.deepEqual(iotawattOutput({ outputs: [] }, "PV"), { error: 'no output named "PV" (the IoTaWatt has: none; inputs cannot be used, only outputs)' });
});
