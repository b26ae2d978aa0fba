import test from "ava";
import { solarlogSource } from "../../../src/energy/sources/solarlog.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

/** The 801 answer, shaped as a Solar-Log's open JSON interface answers (values as numbers). */
const basic = (pac: number, cons: number) => JSON.stringify({ 801: { 170: { 100: "23.11.26 12:01:15", 101: pac, 102: 1980, 103: 233, 104: 11, 105: 12300, 106: 452000, 107: 3100000, 108: 9800, 109: 5200000, 110: cons, 111: 8900, 112: 240000, 113: 3400000, 114: 10000, 115: 14000, 116: 15200 }, 175: { 0: { 101: 1 }, 1: { 101: 0 } } } });

test("SolarLog: POST /getjp gives generation and consumption; an active excluded device is subtracted, an inactive one not", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.method !== "POST" || req.url !== "/getjp") return reply(res, "", 404);
		if (req.body === '{"782":null}') return reply(res, JSON.stringify({ 782: { 0: "4300", 1: "0", 2: "820", 3: "1500" } }));
		reply(res, basic(4300, 2650));
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(solarlogSource, { enabled: true, serverIP: `127.0.0.1:${peer.port}`, excludeConsumptionInverters: [2, 3] });
	// Position 0 (device 2): 801.175.0.101 = 1, active, 820 W; position 1 (device 3): 801.175.1.101 = 0, off.
	t.deepEqual(result, { ok: true, reading: { generationW: 4300, consumptionW: 1830, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.deepEqual(peer.requests.map((r) => r.body), ['{"801":{"170":null,"175":null}}', '{"782":null}']);
});

failureTests(test, { definition: solarlogSource, section: (port) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port }), outOfBounds: { body: basic(4300, -2e6) } });
