import test from "ava";
import { smartmeSource } from "../../../src/energy/sources/smartme.js";
import { failureTests, pollOnce, reply, startPeer } from "./loopback.js";

/** DeviceBySerial as the smart-me API documents it (a subset of the fields). */
const device = (power: number, unit = "kW") => JSON.stringify({ Id: "d1", Name: "Haus", Serial: 12345678, DeviceEnergyType: 1, ActivePower: power, ActivePowerUnit: unit, CounterReading: 41234.5, CounterReadingUnit: "kWh", Voltage: 231.2, ValueDate: "2026-11-23T11:00:00Z" });
const section = (port: number) => ({ enabled: true, username: "me@example.org", password: "pässword", serialNumber: "12345678", serverURL: `http://127.0.0.1:${port}` });

test("SmartMe: a negative ActivePower in kW is export: generation; Basic auth is sent", async (t) => {
	const peer = await startPeer((req, res) => {
		if (req.headers.authorization !== `Basic ${Buffer.from("me@example.org:pässword").toString("base64")}`) return reply(res, "", 401);
		if (req.url === "/api/DeviceBySerial?serial=12345678") return reply(res, device(-1.85));
		reply(res, "", 404);
	});
	t.teardown(() => peer.close());
	const result = await pollOnce(smartmeSource, section(peer.port));
	t.deepEqual(result, { ok: true, reading: { generationW: 1850, consumptionW: 0, gridW: -1850, voltageV: null, batteryW: null, socPercent: null } });
});

failureTests(test, { definition: smartmeSource, section, outOfBounds: { body: device(2500000, "W") } });
