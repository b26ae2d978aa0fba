import test from "ava";
import { iotawattSource } from "../../../src/energy/sources/iotawatt.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

/** /status?outputs as an IoTaWatt answers it. */
const outputs = (solar: number) => JSON.stringify({ outputs: [{ name: "Mains_V", units: "Volts", value: 236.4 }, { name: "Total_Load", units: "Watts", value: 1423.7 }, { name: "Solar", units: "Watts", value: solar }] });
// TWCManager's IotaWatt has no port key: the port may be written into serverIP, or given as serverPort.
const section = (port: number) => ({ enabled: true, serverIP: `127.0.0.1:${port}`, outputConsumption: "Total_Load", outputGeneration: "Solar" });

test("IotaWatt: both outputs come from one /status?outputs request", async (t) => {
	const peer = await startPeer((req, res) => (req.url === "/status?outputs" ? reply(res, outputs(-2310.2)) : reply(res, "", 404)));
	t.teardown(() => peer.close());
	const result = await pollOnce(iotawattSource, { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port), outputConsumption: "Total_Load", outputGeneration: "Solar" });
	t.deepEqual(result, { ok: true, reading: { generationW: 2310.2, consumptionW: 1423.7, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.is(peer.requests.length, 1);
});

test("IotaWatt: an output that does not exist is named, with the outputs there are", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, outputs(100)));
	t.teardown(() => peer.close());
	const result = await pollOnce(iotawattSource, { ...section(peer.port), outputGeneration: "PV" });
	t.deepEqual(result, { ok: false, error: 'IotaWatt: no output named "PV" (the IoTaWatt has: "Mains_V", "Total_Load", "Solar"; inputs cannot be used, only outputs)' });
});

failureTests(test, { definition: iotawattSource, section, outOfBounds: { body: outputs(9e6) } });
