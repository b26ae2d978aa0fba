import test from "ava";
import { tedSource } from "../../../src/energy/sources/ted.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

/** The shape of TED's history export: a header, then one line per MTU. */
const csv = (solarKw: string) => `MTU,Date,Power,Cost,Voltage\nLoad,11/23/2026 12:01:00,2.114,0.32,121.2\nSolar,11/23/2026 12:01:00,${solarKw},0.00,121.4\n`;
const section = (port: number) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: String(port) });

test("TED: the Solar line's kW (sign dropped) is the generation", async (t) => {
	const peer = await startPeer((req, res) => (req.url === "/history/export.csv?T=1&D=0&M=1&C=1" ? reply(res, csv("-3.482"), 200, "text/csv") : reply(res, "", 404)));
	t.teardown(() => peer.close());
	const result = await pollOnce(tedSource, section(peer.port));
	t.deepEqual(result, { ok: true, reading: { generationW: 3482, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

test("TED: an export without a Solar line says so", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, "MTU,Date,Power\nLoad,11/23/2026,2.1\n", 200, "text/csv"));
	t.teardown(() => peer.close());
	const result = await pollOnce(tedSource, section(peer.port));
	t.deepEqual(result, { ok: false, error: 'TED: no line starting with "Solar," in TED\'s export (is a solar MTU set up?)' });
});

failureTests(test, { definition: tedSource, section, outOfBounds: { body: csv("-2000"), type: "text/csv" } });
