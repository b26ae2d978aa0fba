/**
 * TWCManager's MQTT status topics (integrations §C.1, §C.2): names under the prefix, bare-value
 * payloads, and our extra topics for Home Assistant.
 */
import test from "ava";
import { statusMessages } from "../../../src/mqtt/status.js";
import { sampleSite, sampleSource, sampleUnit } from "./samples.js";

test("every TWCManager status topic under the prefix, with the value as bare text", (t) => {
	const messages = statusMessages("TWC", sampleSource());
	t.deepEqual(Object.fromEntries(messages), {
		"TWC/1A2B/ampsMax": "32",
		"TWC/1A2B/ampsInUse": "15.52",
		"TWC/1A2B/state": "1",
		"TWC/1A2B/chargerLoadInW": "3726",
		"TWC/1A2B/ampsOffered": "16",
		"TWC/1A2B/ampsDesired": "16",
		"TWC/1A2B/lifetimekWh": "1234",
		"TWC/1A2B/voltagePhaseA": "240",
		"TWC/1A2B/voltagePhaseB": "0",
		"TWC/1A2B/voltagePhaseC": "0",
		"TWC/1A2B/carsCharging": "1",
		"TWC/1A2B/currentVehicleVIN": "5YJ3E1EA7KF000001",
		"TWC/1A2B/lastVehicleVIN": "5YJ3E1EA7KF000001",
		"TWC/1A2B/stateName": "charging",
		"TWC/1A2B/sessionkWh": "3",
		"TWC/all/totalAmpsInUse": "15.52",
		"TWC/all/maxAmpsForSlaves": "16",
		"TWC/all/currentPolicy": "Non Scheduled Charging",
		"TWC/all/generationW": "0",
		"TWC/all/consumptionW": "512",
		"TWC/all/chargerLoadInW": "3726",
		"TWC/all/chargeNowAmps": "0",
		"TWC/all/nonScheduledAction": "1",
		"TWC/all/nonScheduledActionName": "Charge at a fixed rate",
		"TWC/all/nonScheduledAmpsMax": "16",
		"TWC/config/minAmpsPerTWC": "6",
	});
});

test("values not known yet are left out, not published as 0; no VIN is \"None\"; a prefix with levels is kept", (t) => {
	const messages = statusMessages("home/garage/TWC", sampleSource([sampleUnit({ lifetimekWh: undefined, ampsOffered: undefined, currentVin: "", lastVin: "", charging: false })], sampleSite({ nonScheduledAction: 3 })));
	t.false(messages.has("home/garage/TWC/1A2B/lifetimekWh"));
	t.false(messages.has("home/garage/TWC/1A2B/ampsOffered"));
	t.is(messages.get("home/garage/TWC/1A2B/currentVehicleVIN"), "None");
	t.is(messages.get("home/garage/TWC/1A2B/lastVehicleVIN"), "None");
	t.is(messages.get("home/garage/TWC/1A2B/carsCharging"), "0");
	t.is(messages.get("home/garage/TWC/all/nonScheduledActionName"), "Track green energy");
	t.is(messages.get("home/garage/TWC/1A2B/ampsInUse"), "15.52");
});

test("two units: each under its own TWC ID", (t) => {
	const messages = statusMessages("TWC", sampleSource([sampleUnit(), sampleUnit({ twcId: "0C3D", ampsInUse: 0, state: 0, stateName: "ready" })]));
	t.is(messages.get("TWC/1A2B/state"), "1");
	t.is(messages.get("TWC/0C3D/state"), "0");
	t.is(messages.get("TWC/0C3D/stateName"), "ready");
	t.is(messages.get("TWC/0C3D/ampsInUse"), "0");
});
