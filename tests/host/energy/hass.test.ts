import test from "ava";
import { hassSource } from "../../../src/energy/sources/hass.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

/** An HA state object as /api/states/<entity> answers it. */
function state(entity: string, value: string, unit = "W") {
	return JSON.stringify({ entity_id: entity, state: value, attributes: { unit_of_measurement: unit, device_class: "power", friendly_name: entity }, last_changed: "2026-06-21T10:00:00+00:00", last_updated: "2026-06-21T10:00:00+00:00", context: { id: "01H", parent_id: null, user_id: null } });
}

const section = (port: number | string) => ({ enabled: true, serverIP: "127.0.0.1", serverPort: port, apiKey: "LONG.LIVED.TOKEN", hassEntityConsumption: "sensor.house_load", hassEntityGeneration: "sensor.pv_power" });

test("HASS: both entities are read with the token; a kW sensor is converted; a port as text works", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.headers.authorization !== "Bearer LONG.LIVED.TOKEN") return reply(res, '{"message":"401: Unauthorized"}', 401);
		if (req.url === "/api/states/sensor.house_load") return reply(res, state("sensor.house_load", "812.5"));
		if (req.url === "/api/states/sensor.pv_power") return reply(res, state("sensor.pv_power", "3.25", "kW"));
		reply(res, '{"message":"Entity not found."}', 404);
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(hassSource, section(String(peer.port)));
	t.deepEqual(result, { ok: true, reading: { generationW: 3250, consumptionW: 812.5, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.deepEqual(peer.requests.map((r) => `${r.method} ${r.url}`), ["GET /api/states/sensor.house_load", "GET /api/states/sensor.pv_power"]);
});

test("HASS: an unavailable sensor is refused with the reason", async (t) => {
	const peer = await startPeer((req, res) => reply(res, state(req.url.split("/").pop()!, "unavailable")));
	t.teardown(() => peer.close());
	const result = await pollOnce(hassSource, section(peer.port));
	t.deepEqual(result, { ok: false, error: "HASS: sensor.house_load is unavailable in Home Assistant (its device is offline or has not reported yet)" });
});

test("HASS: an unknown entity (HTTP 404) names the URL and says to check the address", async (t) => {
	const peer = await startPeer((_req, res) => reply(res, '{"message":"Entity not found."}', 404));
	t.teardown(() => peer.close());
	const result = await pollOnce(hassSource, section(peer.port));
	t.deepEqual(result, { ok: false, error: `HASS: http://127.0.0.1:${peer.port}/api/states/sensor.house_load: HTTP 404 (check the address: this device does not serve that path)` });
});

failureTests(test, { definition: hassSource, section, outOfBounds: { body: state("sensor.pv_power", "5000", "kW") } });
