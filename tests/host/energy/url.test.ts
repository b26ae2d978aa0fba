import test from "ava";
import { urlSource } from "../../../src/energy/sources/url.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const section = (port: number) => ({ enabled: true, url: `http://127.0.0.1:${port}/solar/`, consumptionItem: "consumption", generationItem: "generation" });

test("URL: <url>/<item> plain-text values, as from TWCManager's Node-RED flow", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.url === "/solar/consumption") return reply(res, "  1204.75\n", 200, "text/plain");
		if (req.url === "/solar/generation") return reply(res, "3310 W", 200, "text/plain");
		reply(res, "", 404);
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(urlSource, section(peer.port));
	t.deepEqual(result, { ok: true, reading: { generationW: 3310, consumptionW: 1204.75, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

failureTests(test, { definition: urlSource, section, outOfBounds: { body: "25000000", type: "text/plain" } });
