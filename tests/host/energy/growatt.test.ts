import test from "ava";
import { createHash } from "node:crypto";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeHttpClient } from "../../../host-sim/node-http-client.js";
import type { PollResult } from "../../../src/energy/source.js";
import { growattSource } from "../../../src/energy/sources/growatt.js";
import { silentLog } from "../../../src/platform/log.js";
import { failureTests, pollOnce, reply, startPeer, type Handler } from "./loopback.js";

const PASSWORD = "sun&shine";
/** growattServer's hash, computed here with Node's own MD5. */
const hash = createHash("md5").update(PASSWORD).digest("hex").split("").map((c, i) => (i % 2 === 0 && c === "0" ? "c" : c)).join("");

/** A Growatt cloud in the shape growattServer documents: login, plant list, plant info, mix status. */
function cloud(ppv: string): Handler {
	return (req, res) => {
		const url = req.url;
		if (req.method === "POST" && url === "/newTwoLoginAPI.do") {
			if (req.body !== `userName=${encodeURIComponent("me@example.org")}&password=${hash}`) return reply(res, JSON.stringify({ back: { success: false, msg: "501", error: "" } }));
			res.setHeader("set-cookie", ["JSESSIONID=ABC123; Path=/; HttpOnly", "SERVERID=s1; Path=/"]);
			return reply(res, JSON.stringify({ back: { success: true, msg: "", user: { id: 4711, accountName: "me@example.org", rightlevel: 1 }, data: [{ plantName: "Home", plantId: "9876" }] } }));
		}
		if (req.headers.cookie !== "JSESSIONID=ABC123; SERVERID=s1") return reply(res, "<html>login</html>", 200, "text/html");
		if (req.method === "GET" && url === "/PlantListAPI.do?userId=4711") return reply(res, JSON.stringify({ back: { data: [{ plantName: "Home", plantId: "9876" }], totalData: {}, success: true } }));
		if (req.method === "GET" && url === "/newTwoPlantAPI.do?op=getAllDeviceListTwo&plantId=9876&pageNum=1&pageSize=1") return reply(res, JSON.stringify({ deviceList: [{ deviceAilas: "MIX0001", deviceSn: "SN0001", deviceType: "mix" }], totalNum: 1 }));
		if (req.method === "POST" && url === "/newMixApi.do?op=getSystemStatus_KW&mixId=MIX0001&plantId=9876") return reply(res, JSON.stringify({ result: 1, obj: { ppv, pLocalLoad: "0.85", pactouser: "0", pactogrid: "1.6", pdisCharge1: "0", chargePower: "0.35", vAc1: "231.5", SOC: "0", unit: "kW" } }));
		if (req.method === "POST" && url === "/newMixApi.do?op=getSystemStatus_KW&mixId=SN0001&plantId=9876") return reply(res, JSON.stringify({ result: 1, obj: { SOC: "87" } }));
		reply(res, "", 404);
	};
}

const section = (port: number) => ({ enabled: true, username: "me@example.org", password: PASSWORD, useBatteryAt: "0", useBatteryTill: "0", batteryMaxOutput: "0", useBatteryBefore: "00:00", serverURL: `http://127.0.0.1:${port}/` });

test("Growatt: login with the hashed password, plant, device, status; the session is kept for the next poll", async (t) => {
	const peer = await startPeer(cloud("2.8"));
	t.teardown(() => peer.close());
	const source = growattSource.create(section(peer.port), { clock: new NodeClock(), log: silentLog, http: new NodeHttpClient() });
	if (typeof source === "string") return t.fail(source);
	const poll = () => new Promise<PollResult>((resolve) => source.poll(resolve));
	const expected = { ok: true, reading: { generationW: 2800, consumptionW: 850, gridW: -1600, voltageV: 231.5, batteryW: -350, socPercent: 87 } };
	t.deepEqual(await poll(), expected);
	t.is(peer.requests.length, 5);
	t.deepEqual(await poll(), expected);
	t.deepEqual(peer.requests.slice(5).map((r) => r.url), ["/newMixApi.do?op=getSystemStatus_KW&mixId=MIX0001&plantId=9876", "/newMixApi.do?op=getSystemStatus_KW&mixId=SN0001&plantId=9876"], "no second login");
});

test("Growatt: a refused login says to check the username and password", async (t) => {
	const peer = await startPeer(cloud("1"));
	t.teardown(() => peer.close());
	const result = await pollOnce(growattSource, { ...section(peer.port), password: "wrong" });
	t.deepEqual(result, { ok: false, error: 'Growatt: login refused (msg "501"): check the username and password' });
});

failureTests(test, { definition: growattSource, section, outOfBounds: cloud("5000") });
