import test from "ava";
import { volkszahlerSource } from "../../../src/energy/sources/volkszahler.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

const PV = "5a4b1f30-1111-11e9-9d3a-0bbd5c6b1f2a";
const GRID = "7c2e8d40-2222-11e9-8e3b-1ccf6d7c2e3b";
const section = (port: number) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port, uuidPhotovoltaikW: PV, uuidTotalGridW: GRID });

test("Volkszahler: PV and grid channels give generation, house consumption and grid", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.url === `/api/data.txt?from=now&uuid=${PV}`) return reply(res, "6120.4 W", 200, "text/plain");
		if (req.url === `/api/data.txt?from=now&uuid=${GRID}`) return reply(res, "-5520.8 W", 200, "text/plain");
		reply(res, "", 404);
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(volkszahlerSource, section(peer.port));
	t.true(result.ok);
	if (result.ok) {
		t.is(result.reading.generationW, 6120.4);
		t.is(Math.round(result.reading.consumptionW! * 1000) / 1000, 599.6);
		t.is(result.reading.gridW, -5520.8);
	}
});

failureTests(test, { definition: volkszahlerSource, section, outOfBounds: { body: "3000000 W", type: "text/plain" } });
