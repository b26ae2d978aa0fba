import test from "ava";
import { openhabSource } from "../../../src/energy/sources/openhab.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const section = (port: number) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port, consumptionItem: "House_Power", generationItem: "PV_Power" });

test("openHAB: plain-text item states, with and without a unit", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.url === "/rest/items/House_Power/state") return reply(res, "734.2 W", 200, "text/plain");
		if (req.url === "/rest/items/PV_Power/state") return reply(res, "2.5 kW", 200, "text/plain");
		reply(res, "Item does not exist", 404, "text/plain");
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(openhabSource, section(peer.port));
	t.deepEqual(result, { ok: true, reading: { generationW: 2500, consumptionW: 734.2, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

test("openHAB: an item with no value yet (NULL) is refused with the reason", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, "NULL", 200, "text/plain"));
	t.teardown(() => peer.close());
	const result = await pollOnce(openhabSource, section(peer.port));
	t.deepEqual(result, { ok: false, error: "openHAB: item House_Power: the item's state is NULL (it has no value yet)" });
});

failureTests(test, { definition: openhabSource, section, outOfBounds: { body: "4000 MW", type: "text/plain" } });
