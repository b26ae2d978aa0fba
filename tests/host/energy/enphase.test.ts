/** Enphase against every captured Envoy file (fixtures/enphase, 121 files), served on loopback. */
import test from "ava";
import { enphaseSource } from "../../../src/energy/sources/enphase.js";
import { answerKey, assertCoversEveryFile, assertResult, fixtureFiles, keyNumber, serveFiles, type Expected } from "./fixture-table.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const mean = (...v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * Gateways whose consumption CTs are not measuring (activeCount 0): the numbers they print for
 * total/net consumption are not measured, so consumption and grid are null.
 */
const NO_CONSUMPTION_CT = new Set(["4.2.27", "7.3.130_no_consumption", "7.3.466_metered_disabled_cts", "7.6.175_total", "8.2.4264_metered_noct", "8.3.5289_modGone"]);
/** Three-phase gateways: rmsVoltage is the sum of the lines; the per-phase voltage is their mean. */
const THREE_PHASE_V: Record<string, number> = {
	"7.3.466_with_cts_3phase": mean(236.836, 237.934, 237.956),
	"7.6.175_with_cts_3phase": mean(236.836, 237.934, 237.956),
	"8.2.4264_metered_noct": mean(238.896, 236.932, 238.742),
	"8.3.5167_3rd-pv": mean(237.835, 229.824, 226.938),
};

interface Row {
	routes: Record<string, string>;
	expected: Expected;
	/** production.json?details=1 captures have no key: compared with the same gateway's production.json key. */
	near?: { generationW: number; consumptionW: number | null };
}

function table(): Map<string, Row> {
	const rows = new Map<string, Row>();
	for (const file of fixtureFiles("enphase")) {
		const folder = file.split("/")[2];
		const name = file.split("/")[3];
		const key = answerKey(file);
		if (name === "production.json" && key?.non_json !== undefined) {
			// Firmware 3.x: an HTML page, and /api/v1/production not served here either.
			rows.set(file, { routes: { "/production.json": file }, expected: { error: /^Enphase: http:.*\/production\.json\?details=1: the gateway answers with an HTML page.*; .*\/api\/v1\/production: HTTP 404/ } });
		} else if (name === "production.json" && key !== undefined) {
			const eimActive = (key.eim_production_activeCount as number | null) !== null && (key.eim_production_activeCount as number) > 0;
			const ct = !NO_CONSUMPTION_CT.has(folder);
			rows.set(file, {
				routes: { "/production.json": file },
				expected: {
					generationW: eimActive ? keyNumber(key, "eim_production_wNow") : keyNumber(key, "inverters_wNow"),
					consumptionW: ct ? keyNumber(key, "total_consumption_wNow") : null,
					gridW: ct ? keyNumber(key, "net_consumption_wNow") : null,
					voltageV: THREE_PHASE_V[folder] ?? keyNumber(key, "rmsVoltage"),
					batteryW: null,
					socPercent: null,
				},
			});
		} else if (name === "api_v1_production" && key !== undefined) {
			rows.set(file, { routes: { "/api/v1/production": file }, expected: { generationW: keyNumber(key, "wattsNow"), consumptionW: null, gridW: null, voltageV: null } });
		} else if (name === "production.json_details_1") {
			const sibling = answerKey(file.replace("_details_1", ""));
			if (sibling === undefined) throw new Error(`no key beside ${file}`);
			const ct = !NO_CONSUMPTION_CT.has(folder);
			rows.set(file, { routes: { "/production.json": file }, expected: {}, near: { generationW: keyNumber(sibling, "eim_production_wNow") as number, consumptionW: ct ? keyNumber(sibling, "total_consumption_wNow") : null } });
		} else {
			// /info (XML) and contributors' notes: never values.
			rows.set(file, { routes: { "/production.json": file }, expected: { error: /^Enphase: .*(HTML page|not valid JSON)/ } });
		}
	}
	return rows;
}

test("Enphase: every captured file yields its answer key, or ok:false with the reason", async (t) => {
	const rows = table();
	assertCoversEveryFile(t, "enphase", rows.keys(), 121);
	for (const [file, row] of rows) {
		const peer = await startPeer(serveFiles(row.routes));
		try {
			const result = await pollOnce(enphaseSource, { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port) });
			assertResult(t, file, result, row.expected);
			if (row.near && result.ok) {
				// The same gateway a moment later: within 10 %.
				t.true(Math.abs((result.reading.generationW ?? NaN) - row.near.generationW) <= 0.1 * Math.abs(row.near.generationW) + 5, `${file}: generation`);
				if (row.near.consumptionW === null) t.is(result.reading.consumptionW, null, file);
				else t.true(Math.abs((result.reading.consumptionW ?? NaN) - row.near.consumptionW) <= 0.1 * row.near.consumptionW, `${file}: consumption`);
			}
		} finally {
			await peer.close();
		}
	}
});

test("Enphase: the token is sent as a bearer; production.json is asked with details=1", async (t) => {
	const peer = await startPeer((req, res, ) => {
		if (req.headers.authorization !== "Bearer eyJ.test.token") return reply(res, "", 401);
		serveFiles({ "/production.json": "enphase/pyenphase/7.6.175_with_cts/production.json" })(req, res);
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(enphaseSource, { enabled: true, serverIP: "127.0.0.1", serverPort: peer.port, token: "eyJ.test.token" });
	assertResult(t, "with token", result, { generationW: 488.154, consumptionW: 476.686, gridW: -11.468, voltageV: 235.743 });
	t.is(peer.requests[0].url, "/production.json?details=1");
	const without = await pollOnce(enphaseSource, { enabled: true, serverIP: "127.0.0.1", serverPort: peer.port });
	t.false(without.ok);
	if (!without.ok) t.regex(without.error, /HTTP 401 .*firmware 7 and later needs a token: set sources\.Enphase\.token/);
});

test("Enphase: old firmware: production.json is an HTML page, /api/v1/production gives the generation", async (t) => {
	const peer = await startPeer(serveFiles({ "/production.json": "enphase/pyenphase/3.9.36/production.json", "/api/v1/production": "enphase/pyenphase/3.9.36/api_v1_production" }));
	t.teardown(() => peer.close());
	const result = await pollOnce(enphaseSource, { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port) });
	assertResult(t, "3.9.36", result, { generationW: 1271, consumptionW: null });
});

failureTests(test, {
	definition: enphaseSource,
	section: (port) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port }),
	outOfBounds: { body: JSON.stringify({ production: [{ type: "inverters", activeCount: 10, wNow: 3e6 }] }) },
});
