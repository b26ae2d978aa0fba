/** SolarEdge cloud against every captured file (fixtures/solaredge, 2 files), served on loopback. */
import test from "ava";
import { SOLAREDGE_CLOUD_INTERVAL_S } from "../../../src/energy/sources/solaredge-cloud.js";
import { solaredgeSource } from "../../../src/energy/sources/solaredge.js";
import { NodeTcpClient } from "../../../host-sim/node-tcp-client.js";
import { assertCoversEveryFile, assertResult, type Expected, serveFiles } from "./fixture-table.js";
import { failureTests, pollOnce, startPeer } from "./loopback.js";

const context = { clock: { now: () => 0, setTimer: () => 0, clearTimer: () => undefined }, log: { write: () => undefined } };

test("SolarEdge: every captured file yields its answer key", async (t) => {
	const rows = new Map<string, { routes: Record<string, string>; expected: Expected }>([
		// Answer key: PV 1500, LOAD 1500, GRID 250 (from the grid to the load: import), STORAGE 250 charging (−).
		["solaredge/ha-core/power_flow.json", { routes: { "/site/123456/currentPowerFlow": "solaredge/ha-core/power_flow.json" }, expected: { generationW: 1500, consumptionW: 1500, gridW: 250, batteryW: -250, socPercent: 75 } }],
		// A site without currentPowerFlow: the overview's current power (1234.5 W).
		["solaredge/ha-core/overview.json", { routes: { "/site/123456/overview": "solaredge/ha-core/overview.json" }, expected: { generationW: 1234.5, consumptionW: null, gridW: null } }],
	]);
	assertCoversEveryFile(t, "solaredge", rows.keys(), 2);
	for (const [file, row] of rows) {
		const peer = await startPeer(serveFiles(row.routes));
		try {
			assertResult(t, file, await pollOnce(solaredgeSource, { enabled: true, apiKey: "KEY1", siteID: 123456, serverIP: "127.0.0.1", serverPort: String(peer.port) }), row.expected);
			t.regex(peer.requests[0].url, /^\/site\/123456\/currentPowerFlow\?api_key=KEY1$/);
		} finally {
			await peer.close();
		}
	}
});

test("SolarEdge: the cloud is asked at most 300 times a day; Modbus (inverterHost) is chosen by the config", (t) => {
	const source = solaredgeSource.create({ enabled: true, apiKey: "K", siteID: "1" }, context);
	if (typeof source === "string") return void t.fail(source);
	t.true(86_400 / source.intervalS <= 300, `${source.intervalS} s`);
	t.is(source.intervalS, SOLAREDGE_CLOUD_INTERVAL_S);
	// inverterHost set: the local Modbus source (solaredge-modbus.ts), which polls over TCP, not HTTP.
	const modbus = solaredgeSource.create({ enabled: true, inverterHost: "192.168.1.50", inverterPort: "1502" }, { ...context, tcp: new NodeTcpClient({ log: context.log }) });
	t.teardown(() => typeof modbus !== "string" && modbus.close());
	t.not(typeof modbus, "string", String(modbus));
	if (typeof modbus !== "string") t.is(modbus.intervalS, 10);
	t.is(solaredgeSource.create({ enabled: true }, context), "sources.SolarEdge: set apiKey and siteID (monitoring cloud) or inverterHost (local Modbus TCP)");
	t.is(solaredgeSource.create({ enabled: true, apiKey: "K" }, context), "sources.SolarEdge.siteID: required");
});

test("SolarEdge: HTTP 429 says the request budget is used up, without the key", async (t) => {
	const peer = await startPeer((_req, res) => { res.writeHead(429); res.end(); });
	t.teardown(() => peer.close());
	const result = await pollOnce(solaredgeSource, { enabled: true, apiKey: "SECRETKEY", siteID: "9", serverIP: "127.0.0.1", serverPort: peer.port });
	t.false(result.ok);
	if (!result.ok) {
		t.regex(result.error, /HTTP 429 \(too many requests: the service's request budget is used up\)$/);
		t.false(result.error.includes("SECRETKEY"));
	}
});

failureTests(test, {
	definition: solaredgeSource,
	section: (port) => ({ enabled: true, apiKey: "k", siteID: "1", serverIP: "127.0.0.1", serverPort: port }),
	outOfBounds: { body: JSON.stringify({ siteCurrentPowerFlow: { unit: "kW", PV: { currentPower: 5000 }, LOAD: { currentPower: 1 } } }) },
});
