/** Efergy against every captured file (fixtures/efergy, 7 files), served on loopback. */
import test from "ava";
import { efergySource } from "../../../src/energy/sources/efergy.js";
import { answerKey, assertCoversEveryFile, assertResult, fixtureFiles, serveFiles, type Expected } from "./fixture-table.js";
import { failureTests, pollOnce, startPeer } from "./loopback.js";

const SUMMARY = "/mobile_proxy/getCurrentValuesSummary";

test("Efergy: every captured file yields its answer key, or ok:false with the reason", async (t) => {
	const rows = new Map<string, { routes: Record<string, string>; expected: Expected }>();
	for (const file of fixtureFiles("efergy")) {
		const key = answerKey(file);
		if (key?.endpoint === SUMMARY) rows.set(file, { routes: { [SUMMARY]: file }, expected: { consumptionW: (key.twcmanager_literal as { consumedW: number }).consumedW, generationW: null } });
		else if (key?.endpoint === "/mobile_proxy/getInstant") rows.set(file, { routes: { "/mobile_proxy/getInstant": file }, expected: { consumptionW: key.reading_W as number } });
		else if (file.includes("error4")) rows.set(file, { routes: { [SUMMARY]: file }, expected: { error: /^Efergy: Efergy says: (Bad formatting|bad token)/ } });
		else rows.set(file, { routes: { [SUMMARY]: file }, expected: { error: /^Efergy: getCurrentValuesSummary: the answer is not a list of sensors/ } });
	}
	assertCoversEveryFile(t, "efergy", rows.keys(), 7);
	for (const [file, row] of rows) {
		const peer = await startPeer(serveFiles(row.routes));
		try {
			assertResult(t, file, await pollOnce(efergySource, { enabled: true, token: "tok/en+1", serverIP: "127.0.0.1", serverPort: peer.port }), row.expected);
			t.true(peer.requests[0].url.startsWith(`${SUMMARY}?token=tok%2Fen%2B1`), peer.requests[0].url);
		} finally {
			await peer.close();
		}
	}
});

test("Efergy: the token is required; errors never show it", async (t) => {
	const context = { clock: { now: () => 0, setTimer: () => 0, clearTimer: () => undefined }, log: { write: () => undefined } };
	t.is(efergySource.create({ enabled: true }, context), "sources.Efergy.token: required");
	const peer = await startPeer((_req, res) => { res.writeHead(500); res.end(); });
	t.teardown(() => peer.close());
	const result = await pollOnce(efergySource, { enabled: true, token: "secret99", serverIP: "127.0.0.1", serverPort: peer.port });
	t.false(result.ok);
	if (!result.ok) {
		t.regex(result.error, /token=<token>: HTTP 500$/);
		t.false(result.error.includes("secret99"));
	}
});

failureTests(test, {
	definition: efergySource,
	section: (port) => ({ enabled: true, token: "t", serverIP: "127.0.0.1", serverPort: port }),
	outOfBounds: { body: JSON.stringify([{ cid: "PWER", data: [{ "1485853183000": 2e6 }], sid: "1", units: "kWm", age: 3 }]) },
});
