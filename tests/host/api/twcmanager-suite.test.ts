/**
 * TWCManager's own HTTP API tests (ngardiner/TWCManager tests/integration/test_api_*.py), replayed
 * against `npm start` (the demo: two simulated wall connectors, 40 A circuit). The requests and the
 * accepted status codes are what those tests send and accept; written here, not copied.
 */
import test from "ava";
import { startCli } from "../cli/start-cli.js";

type Check = [method: "GET" | "POST", path: string, body: unknown, accepted: number[]];

const checks: Check[] = [
	["GET", "getStatus", undefined, [200]],
	["GET", "getConfig", undefined, [200]],
	["GET", "getSlaveTWCs", undefined, [200]],
	["GET", "getPolicy", undefined, [200]],
	["GET", "getActivePolicyAction", undefined, [200]],
	["GET", "getConsumptionOffsets", undefined, [200]],
	["GET", "getLastTWCResponse", undefined, [200]],
	["GET", "getHistory", undefined, [200]],
	["GET", "getUUID", undefined, [200]],
	["GET", "nonexistent", undefined, [404]],
	["POST", "chargeNow", { chargeNowRate: 32, chargeNowDuration: 3600 }, [200]],
	["POST", "chargeNow", { chargeNowRate: 40, chargeNowDuration: 86400 }, [200]],
	["POST", "chargeNow", { chargeNowRate: 80, chargeNowDuration: 3600 }, [200]],
	["POST", "chargeNow", { chargeNowRate: 32 }, [400]],
	["POST", "chargeNow", { chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", {}, [400]],
	["POST", "chargeNow", [32, 3600], [400]],
	["POST", "chargeNow", "{invalid json}", [400]],
	["POST", "chargeNow", { chargeNowRate: -32, chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: 0, chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: 32, chargeNowDuration: 0 }, [400]],
	["POST", "chargeNow", { chargeNowRate: null, chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: [32, 24], chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: { value: 32 }, chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: "invalid", chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: -2147483648, chargeNowDuration: 3600 }, [400]],
	["POST", "chargeNow", { chargeNowRate: 2147483647, chargeNowDuration: 3600 }, [200, 204, 400]],
	["POST", "cancelChargeNow", undefined, [200]],
	["POST", "setLatLon", { lat: 37.7749, lon: -122.4194 }, [200, 201, 204]],
	["POST", "setLatLon", { lat: 90, lon: 0 }, [200, 201, 204]],
	["POST", "setLatLon", { lat: 91, lon: 0 }, [400]],
	["POST", "setLatLon", { lat: 37.7 }, [400]],
	["POST", "setLatLon", { lat: null, lon: 1 }, [400]],
	["POST", "setLatLon", { lat: "invalid", lon: 0 }, [400]],
	["POST", "setConsumptionOffset", { offset: 2.5 }, [200, 201, 204]],
	["POST", "setConsumptionOffset", { offsetName: "test", value: 100, unit: "W" }, [400]],
	["POST", "setConsumptionOffset", { offsetName: "test", value: null, unit: "W" }, [400]],
	["POST", "setPolicy", {}, [400]],
	["POST", "setPolicy", { policy: null }, [400]],
	["POST", "setPolicy", { policy: "" }, [400]],
	["POST", "setPolicy", { policy: ["Policy1"] }, [400]],
	["POST", "setPolicy", { policy: { name: "Policy1" } }, [400]],
	["POST", "setPolicy", { policy: "NonExistentPolicy123" }, [400, 404]],
	["POST", "setPolicy", { policy: "A".repeat(10000) }, [200, 201, 204, 400]],
	["POST", "sendStartCommand", undefined, [200, 201, 204]],
	["POST", "sendStopCommand", { extraField: "ignored" }, [200, 201, 202, 204]],
	["POST", "checkArrival", { extraField: "ignored" }, [200, 201, 202, 204]],
	["POST", "checkDeparture", { extraField: "ignored" }, [200, 201, 202, 204]],
	["POST", "deleteConsumptionOffset", {}, [400]],
	["POST", "deleteConsumptionOffset", { offsetName: null }, [400]],
	["POST", "deleteConsumptionOffset", { offsetName: "" }, [200, 201, 204, 400]],
	["POST", "deleteConsumptionOffset", { offsetName: "NonExistentOffset123" }, [200, 201, 204, 404]],
	["POST", "deleteConsumptionOffset", { offsetName: 12345 }, [200, 201, 204, 400]],
	["POST", "sendDebugCommand", {}, [400]],
	["POST", "sendDebugCommand", { command: null }, [400]],
	["POST", "sendDebugCommand", { command: 12345 }, [200, 201, 204, 400]],
	["POST", "saveSettings", {}, [200, 201, 202, 204]],
	["POST", "setScheduledChargingSettings", { enabled: true, startingMinute: 1320, endingMinute: 360, monday: true, amps: 16 }, [202]],
	["POST", "setSetting", { setting: "nonScheduledAmpsMax", value: 8 }, [204]],
	["POST", "addConsumptionOffset", { offsetName: "fridge", offsetValue: 100, offsetUnit: "W" }, [200]],
	["POST", "deleteConsumptionOffset", { offsetName: "fridge" }, [200]],
];

test("TWCManager's API test requests against npm start: every route answers with a status TWCManager's tests accept", async (t) => {
	const cli = startCli([], (fn) => t.teardown(fn), 20_000);
	const port = await cli.port;
	const base = `http://127.0.0.1:${port}/api/`;
	for (const [method, path, body, accepted] of checks) {
		const init: RequestInit = { method };
		if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
		if (body !== undefined) init.headers = { "content-type": "application/json" };
		const response = await fetch(base + path, init);
		const text = await response.text();
		t.true(accepted.includes(response.status), `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}: ${response.status} ${text.slice(0, 200)}`);
		if (response.status === 400 && text) t.notThrows(() => JSON.parse(text), `${path}: a 400 says why in JSON`);
	}
	// What the tests then read back.
	const config = (await (await fetch(base + "getConfig")).json()) as { config: Record<string, number> };
	t.is(config.config.wiringMaxAmpsAllTWCs, 40);
	t.is(config.config.minAmpsPerTWC, 6);
	await fetch(base + "chargeNow", { method: "POST", body: JSON.stringify({ chargeNowRate: 32, chargeNowDuration: 3600 }) });
	const status = (await (await fetch(base + "getStatus")).json()) as Record<string, unknown>;
	t.true((status.chargeNowAmps as number) > 0);
	const history = (await (await fetch(base + "getHistory")).json()) as unknown[];
	t.is(history.length, 576);
	const uuid = await fetch(base + "getUUID");
	t.regex(await uuid.text(), /^\d+$/);
});
