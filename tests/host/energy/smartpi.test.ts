/** SmartPi against the captured file (fixtures/smartpi, 1 file), served on loopback. */
import test from "ava";
import { smartpiSource } from "../../../src/energy/sources/smartpi.js";
import { answerKey, assertCoversEveryFile, assertResult, fixtureFiles, serveFiles } from "./fixture-table.js";
import { failureTests, pollOnce, startPeer } from "./loopback.js";

test("SmartPi: every captured file yields its answer key; showConsumption false leaves the consumption out", async (t) => {
	const files = fixtureFiles("smartpi");
	assertCoversEveryFile(t, "smartpi", files, 1);
	for (const file of files) {
		const key = answerKey(file) as Record<string, number>;
		const peer = await startPeer(serveFiles({ "/api/all/power/now": file }));
		try {
			const section = { enabled: true, serverIP: "127.0.0.1", serverPort: String(peer.port) };
			assertResult(t, file, await pollOnce(smartpiSource, section), { consumptionW: key["consumption_W(sum of positive)"], generationW: key["generation_W(sum of negative, abs)"], gridW: 473.0577 });
			assertResult(t, file, await pollOnce(smartpiSource, { ...section, showConsumption: false }), { consumptionW: null, generationW: 0, gridW: 473.0577 });
		} finally {
			await peer.close();
		}
	}
});

test("SmartPi: an exporting phase is generation, an importing one consumption (not netted)", async (t) => {
	const phase = (n: number, w: number) => ({ phase: n, name: `phase ${n}`, values: [{ type: "power", unity: "W", info: "", data: w }] });
	const peer = await startPeer((_req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify({ datasets: [{ phases: [phase(1, -1200.5), phase(2, 300), phase(3, -100)] }] })); });
	t.teardown(() => peer.close());
	assertResult(t, "mixed", await pollOnce(smartpiSource, { enabled: true, serverIP: "127.0.0.1", serverPort: peer.port }), { generationW: 1300.5, consumptionW: 300, gridW: -1000.5 });
});

failureTests(test, {
	definition: smartpiSource,
	section: (port) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port }),
	outOfBounds: { body: JSON.stringify({ datasets: [{ phases: [{ name: "phase 1", values: [{ unity: "W", data: -5e6 }] }] }] }) },
});
