/** P1 Monitor against every captured file (fixtures/p1monitor, 5 files), served on loopback. */
import test from "ava";
import { p1monitorSource } from "../../../src/energy/sources/p1monitor.js";
import { assertCoversEveryFile, assertResult, type Expected, serveFiles } from "./fixture-table.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

test("P1Monitor: every captured file yields its answer key, or ok:false with the reason", async (t) => {
	const dir = "p1monitor/python-p1monitor";
	const rows = new Map<string, { routes: Record<string, string>; expected: Expected }>([
		// Answer keys: phases.json consumption 863 W (sum L1..L3 × 1000), production 0; smartmeter.json 935 / 0.
		[`${dir}/phases.json`, { routes: { "/api/v1/status": `${dir}/phases.json` }, expected: { consumptionW: 863, generationW: 0, gridW: 863, voltageV: 229 } }],
		[`${dir}/smartmeter.json`, { routes: { "/api/v1/smartmeter": `${dir}/smartmeter.json` }, expected: { consumptionW: 935, generationW: 0, gridW: 935, voltageV: null } }],
		[`${dir}/no_data.json`, { routes: { "/api/v1/phase": `${dir}/no_data.json` }, expected: { error: /^P1Monitor: \/api\/v1\/phase: no rows in the answer \(P1 Monitor has no meter data yet\)$/ } }],
		[`${dir}/settings.json`, { routes: { "/api/v1/phase": `${dir}/settings.json` }, expected: { error: /^P1Monitor: \/api\/v1\/phase: a row has no CONSUMPTION_L1_W$/ } }],
		[`${dir}/watermeter.json`, { routes: { "/api/v1/phase": `${dir}/watermeter.json` }, expected: { error: /^P1Monitor: \/api\/v1\/phase: a row has no CONSUMPTION_L1_W$/ } }],
	]);
	assertCoversEveryFile(t, "p1monitor", rows.keys(), 5);
	for (const [file, row] of rows) {
		const peer = await startPeer(serveFiles(row.routes));
		try {
			assertResult(t, file, await pollOnce(p1monitorSource, { enabled: true, serverIP: `127.0.0.1:${peer.port}` }), row.expected);
		} finally {
			await peer.close();
		}
	}
});

test("P1Monitor: /api/v1/phase over `samples` rows: a 10 %-trimmed mean per column, phases added", async (t) => {
	const rows = Array.from({ length: 10 }, (_, i) => ({ CONSUMPTION_L1_W: i === 0 ? 9000 : 500, CONSUMPTION_L2_W: "200", CONSUMPTION_L3_W: 100, PRODUCTION_L1_W: 0, PRODUCTION_L2_W: 0, PRODUCTION_L3_W: i === 9 ? 0 : 50, L1_V: "231.0", L2_V: 229, L3_V: 230 }));
	const peer = await startPeer((req, res) => (req.url.startsWith("/api/v1/phase") ? reply(res, JSON.stringify(rows)) : reply(res, "", 404)));
	t.teardown(() => peer.close());
	const result = await pollOnce(p1monitorSource, { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port), samples: "10" });
	// The 9000 W spike and the lowest value are cut; production: one 0 cut, one 50 cut.
	assertResult(t, "phase", result, { consumptionW: 800, generationW: 50, gridW: 750, voltageV: 230 });
	t.is(peer.requests[0].url, "/api/v1/phase?limit=10&json=object&round=on");
	t.regex(String(p1monitorSource.create({ enabled: true, serverIP: "1.2.3.4", samples: 11 }, { clock: { now: () => 0, setTimer: () => 0, clearTimer: () => undefined }, log: { write: () => undefined } })), /^sources\.P1Monitor\.samples: must be a number from 1 to 10/);
});

failureTests(test, {
	definition: p1monitorSource,
	section: (port) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port }),
	outOfBounds: { body: JSON.stringify([{ CONSUMPTION_L1_W: 3e6, CONSUMPTION_L2_W: 0, CONSUMPTION_L3_W: 0, PRODUCTION_L1_W: 0, PRODUCTION_L2_W: 0, PRODUCTION_L3_W: 0, L1_V: 230, L2_V: 230, L3_V: 230 }]) },
});
