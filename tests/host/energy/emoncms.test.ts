import test from "ava";
import { emoncmsSource } from "../../../src/energy/sources/emoncms.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const section = (port: number) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port, serverPath: "/emoncms/", apiKey: "abc123", consumptionFeed: "12", generationFeed: "7" });

test("EmonCMS: each feed's value goes to its own reading (TWCManager swaps them), with the API key", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.headers.authorization !== "Bearer abc123") return reply(res, '{"success":false,"message":"Username or password empty"}', 401);
		if (req.url === "/emoncms/feed/fetch.json?ids=12,7") return reply(res, "[640.5,2150]");
		reply(res, "", 404);
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(emoncmsSource, section(peer.port));
	t.deepEqual(result, { ok: true, reading: { generationW: 2150, consumptionW: 640.5, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

test("EmonCMS: a feed without a value (null, as for an unknown id) is named", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, "[640.5,null]"));
	t.teardown(() => peer.close());
	const result = await pollOnce(emoncmsSource, section(peer.port));
	t.deepEqual(result, { ok: false, error: "EmonCMS: feed 7 has no value (null): is the feed id right and the feed active?" });
});

failureTests(test, { definition: emoncmsSource, section, outOfBounds: { body: "[640.5,-2e7]" } });
