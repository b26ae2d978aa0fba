import test from "ava";
import { httpJsonSource } from "../../../src/energy/sources/http-json.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

/** A made-up device answer with nested values in kW and a load reported as negative. */
const answer = (pvKw: number) => JSON.stringify({ site: { pv: { kw: pvKw }, load: -1.25, grid: [{ w: 420 }], volts: "231.8" }, battery: { w: -300, soc: 64 } });
const section = (port: number) => ({
	enabled: true, url: `http://127.0.0.1:${port}/api/now`, headerName: "X-Token", headerValue: "s3cret",
	generationPath: "site.pv.kw", generationScale: 1000, consumptionPath: "site.load", consumptionScale: "1000", consumptionInvert: true,
	gridPath: "site.grid[0].w", voltagePath: "site.volts", batteryPath: "battery.w", socPath: "battery.soc",
});

test("HTTPJSON: every value by its path, scaled and inverted, with the token header", async (t) => {
	const peer = await startPeer((req, res) => (req.headers["x-token"] === "s3cret" ? reply(res, answer(3.5)) : reply(res, "", 401)));
	t.teardown(() => peer.close());
	const result = await pollOnce(httpJsonSource, section(peer.port));
	t.deepEqual(result, { ok: true, reading: { generationW: 3500, consumptionW: 1250, gridW: 420, voltageV: 231.8, batteryW: -300, socPercent: 64 } });
});

test("HTTPJSON: a negative load without consumptionInvert says which flag to set", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, answer(3.5)));
	t.teardown(() => peer.close());
	const result = await pollOnce(httpJsonSource, { ...section(peer.port), consumptionInvert: false });
	t.deepEqual(result, { ok: false, error: 'HTTPJSON: consumption is -1250 W at "site.load": a house load is positive; set consumptionInvert to true if the device reports it with the other sign' });
});

test("HTTPJSON: a path that is not in the answer is named", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, answer(3.5)));
	t.teardown(() => peer.close());
	const result = await pollOnce(httpJsonSource, { ...section(peer.port), gridPath: "site.grid[1].w" });
	t.deepEqual(result, { ok: false, error: 'HTTPJSON: gridPath "site.grid[1].w": not in the answer' });
});

failureTests(test, { definition: httpJsonSource, section, outOfBounds: { body: answer(4000) } });
