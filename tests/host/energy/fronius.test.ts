/** Fronius against every captured Solar API file (fixtures/fronius, 28 files), served on loopback. */
import test from "ava";
import { froniusSource } from "../../../src/energy/sources/fronius.js";
import { assertCoversEveryFile, assertResult, answerKey, fixtureFiles, keyNumber, serveFiles, type Expected } from "./fixture-table.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const FLOW = "/solar_api/v1/GetPowerFlowRealtimeData.fcgi";
const INVERTER = "/solar_api/v1/GetInverterRealtimeData.cgi";
const INVERTER_V0 = "/solar_api/GetInverterRealtimeData.cgi";

interface Row {
	routes: Record<string, string>;
	expected: Expected;
}

function table(): Map<string, Row> {
	const rows = new Map<string, Row>();
	for (const file of fixtureFiles("fronius")) {
		const key = answerKey(file);
		if (key !== undefined && String(key.endpoint).includes("GetPowerFlowRealtimeData")) {
			rows.set(file, {
				routes: { [FLOW]: file },
				expected: {
					generationW: keyNumber(key, "generation_W"),
					consumptionW: keyNumber(key, "consumption_W"),
					gridW: keyNumber(key, "grid_W(+import)"),
					batteryW: keyNumber(key, "battery_W(P_Akku,+discharge)"),
					voltageV: null,
				},
			});
		} else if (key !== undefined && String(key.endpoint).includes("CommonInverterData")) {
			// No power-flow service: the inverter's own AC power and voltage (v0 files at the v0 path).
			rows.set(file, { routes: { [file.includes("/v0/") ? INVERTER_V0 : INVERTER]: file }, expected: { generationW: keyNumber(key, "inverter_PAC_W"), voltageV: keyNumber(key, "voltage_V(UAC)"), consumptionW: null } });
		} else {
			// Files of other services (logger info, meters, storage, an error page): served where the
			// power flow is asked, they are refused with a reason, never read as values.
			rows.set(file, { routes: { [FLOW]: file }, expected: { error: /^Fronius: .*(no Body\.Data\.Site|status|neither)/ } });
		}
	}
	return rows;
}

test("Fronius: every captured file yields its answer key, or ok:false with the reason", async (t) => {
	const rows = table();
	assertCoversEveryFile(t, "fronius", rows.keys(), 28);
	for (const [file, row] of rows) {
		const peer = await startPeer(serveFiles(row.routes));
		try {
			// serverPort as TWCManager's sample writes it: a string.
			const result = await pollOnce(froniusSource, { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port) });
			assertResult(t, file, result, row.expected);
		} finally {
			await peer.close();
		}
	}
});

test("Fronius: both endpoints of one inverter: power flow and the inverter's voltage; the TWCManager paths are asked", async (t) => {
	const peer = await startPeer(serveFiles({ [FLOW]: "fronius/ha-core/symo/GetPowerFlowRealtimeData.json", [INVERTER]: "fronius/ha-core/symo/GetInverterRealtimeData_Device_1.json" }));
	t.teardown(() => peer.close());
	const result = await pollOnce(froniusSource, { enabled: true, serverIP: "127.0.0.1", serverPort: peer.port });
	t.deepEqual(result, { ok: true, reading: { generationW: 1111, consumptionW: 2814.74, gridW: 1703.74, voltageV: 227.9, batteryW: null, socPercent: null } });
	t.deepEqual(
		peer.requests.map((r) => r.url),
		["/solar_api/v1/GetPowerFlowRealtimeData.fcgi?Scope=System", "/solar_api/v1/GetInverterRealtimeData.cgi?Scope=Device&DeviceId=1&DataCollection=CommonInverterData"],
	);
});

test("Fronius: serverIP as a list sums the inverters (a night one adds 0 W); one inverter down fails the poll naming it", async (t) => {
	const day = await startPeer(serveFiles({ [FLOW]: "fronius/ha-core/symo/GetPowerFlowRealtimeData.json" }));
	const night = await startPeer(serveFiles({ [FLOW]: "fronius/ha-core/symo/GetPowerFlowRealtimeData_night.json" }));
	t.teardown(() => Promise.all([day.close(), night.close()]));
	const result = await pollOnce(froniusSource, { enabled: true, serverIP: [`127.0.0.1:${day.port}`, `127.0.0.1:${night.port}`] });
	assertResult(t, "two inverters", result, { generationW: 1111, consumptionW: 2814.74 + 975.31, gridW: 1703.74 + 975.31 });
	await night.close();
	const down = await pollOnce(froniusSource, { enabled: true, serverIP: [`127.0.0.1:${day.port}`, `127.0.0.1:${night.port}`] });
	t.false(down.ok);
	if (!down.ok) t.regex(down.error, new RegExp(`^Fronius: inverter 127\\.0\\.0\\.1:${night.port}: http://.*connection refused`));
});

test("Fronius: config errors name the key", (t) => {
	const context = { clock: { now: () => 0, setTimer: () => 0, clearTimer: () => undefined }, log: { write: () => undefined } };
	t.is(froniusSource.create({ enabled: true }, context), "sources.Fronius.serverIP: required (the inverter's address, or a list of them)");
	t.is(froniusSource.create({ enabled: true, serverIP: "10.0.0.9", serverPort: "eighty" }, context), 'sources.Fronius.serverPort: must be a port number from 1 to 65535 (got "eighty")');
	t.regex(String(froniusSource.create({ enabled: true, serverIP: "http://10.0.0.9/" }, context)), /not a URL/);
});

failureTests(test, {
	definition: froniusSource,
	section: (port) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: String(port) }),
	outOfBounds: (_req, res) => reply(res, JSON.stringify({ Body: { Data: { Site: { P_PV: 5e7, P_Load: -300, P_Grid: 0 } } }, Head: { Status: { Code: 0 } } })),
});

test("Fronius: `npm run sources -- --once` on a TWCManager config prints the answer key", async (t) => {
	const { main } = await import("../../../host-sim/sources.js");
	const { mkdtempSync, writeFileSync } = await import("node:fs");
	const { tmpdir } = await import("node:os");
	const { join } = await import("node:path");
	const peer = await startPeer(serveFiles({ [FLOW]: "fronius/ha-core/primo_s0/GetPowerFlowRealtimeData.json" }));
	t.teardown(() => peer.close());
	const file = join(mkdtempSync(join(tmpdir(), "fronius-")), "config.json");
	writeFileSync(file, JSON.stringify({ sources: { Fronius: { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port) } } }));
	const out: string[] = [];
	const code = await new Promise<number>((resolve) => main(["--config", file, "--once"], (s) => out.push(s), () => undefined, resolve));
	t.is(code, 0);
	const doc = JSON.parse(out.join("")) as { sources: Record<string, unknown>[] };
	t.like(doc.sources[0], { name: "Fronius", ok: true, generationW: 1834, gridW: 384.9349143729901, voltageV: null, batteryW: null, socPercent: null, error: null });
	t.true(Math.abs((doc.sources[0].consumptionW as number) - 2218.935) < 0.001);
});
