/**
 * VIN access control and per-VIN sessions end to end (reference §6): the simulated cars report
 * their VINs over the bus, settings.chargeAuthorizationMode and the "Allow Charging" group decide,
 * POST /vehicle/groupMgmt changes the group, and each session ends up in settings.Vehicles.
 */
import test from "ava";
import { SimulatedCar } from "../../../host-sim/sim/car.js";
import { Harness } from "./harness.js";

const VIN_A = "5YJ3E1EA4KF317001";
const VIN_B = "5YJSA1E29FF100002";
const VIN_C = "7SAYGDEE7PA000003";

function twoCars() {
	const h = new Harness({ slaves: 2, perCar: [{ vin: VIN_A }, { vin: VIN_B }] });
	h.waitLinked();
	const r = h.post("/api/setSetting", { setting: "chargeAuthorizationMode", value: "2" });
	if (r.status !== 204) throw new Error(JSON.stringify(r.json));
	return h;
}

test("chargeAuthorizationMode 2: a car whose VIN is not in Allow Charging gets 0 A on its unit alone, and stays off while plugged in", (t) => {
	const h = twoCars();
	const add = h.request("POST", "/vehicle/groupMgmt", `group=Allow+Charging&operation=add&vin=${VIN_B}`, "application/x-www-form-urlencoded");
	t.is(add.status, 200);
	t.deepEqual(h.app.settings.current.VehicleGroups["Allow Charging"].Members, [VIN_B]);
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	h.advance(60_000);

	t.is(h.slaveTwc(0).lastVIN, VIN_A, "car A's VIN was read over the bus");
	t.is(h.lastOffer(0), 0, "car A: 0 A");
	t.is(h.carAmps(0), 0);
	const why = h.why(0);
	t.is(why.boundBy, "VIN denied");
	t.is(why.reason, `0 A: VIN ${VIN_A} is not in "Allow Charging" (chargeAuthorizationMode 2: only vehicles in that group charge)`);
	t.deepEqual(why.caps.at(-1), { name: "VIN denied", amps: 0 });
	t.is(h.lastOffer(1), 32, "car B keeps charging and takes what car A leaves (up to its 32 A)");
	t.true(Math.abs(h.carAmps(1) - 32) < 0.01);
	t.is(h.slaveTwc(1).currentVIN, VIN_B);
	t.true(h.log.find(new RegExp(`VIN ${VIN_A} is not in "Allow Charging".*stopping it on this unit only`), "warn").length >= 1);

	// While it stays plugged in it is not offered power again (no start, read the VIN, stop cycle).
	const startsBefore = h.world.cars[0]!.chargeStarts;
	h.advance(10 * 60_000);
	t.is(h.world.cars[0]!.chargeStarts, startsBefore, "car A never started again");
	t.true(h.offersTo(0, h.clock.now() - 9 * 60_000).every((f) => f.amps === 0), "only 0 A to unit A");
	t.is(h.why(0).boundBy, "VIN denied");

	// Car A leaves; an allowed car plugs into the same unit: it is not held to car A's denial.
	h.world.units[0].unplug();
	h.advance(5000);
	t.is(h.why(0).reason, "8 A: no car seen; offered what the cars leave so one can start");
	h.request("POST", "/vehicle/groupMgmt", `group=Allow+Charging&operation=add&vin=${VIN_C}`, "application/x-www-form-urlencoded");
	h.world.units[0].attachCar(new SimulatedCar({ vin: VIN_C, neverFills: true }));
	h.world.units[0].plugIn();
	h.advance(60_000);
	t.is(h.slaveTwc(0).currentVIN, VIN_C);
	t.true(Math.abs(h.carAmps(0) - 20) < 0.01, `the allowed car charges (${h.carAmps(0)} A)`);
	t.is(h.lastOffer(1), 20);
	h.stop();
});

test("adding the VIN through POST /vehicle/groupMgmt lets the car charge", (t) => {
	const h = twoCars();
	h.request("POST", "/vehicle/groupMgmt", `group=Allow+Charging&operation=add&vin=${VIN_B}`, "application/x-www-form-urlencoded");
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	h.advance(60_000);
	t.is(h.lastOffer(0), 0);

	const r = h.request("POST", "/vehicle/groupMgmt", `group=Allow+Charging&operation=add&vin=${VIN_A.toLowerCase()}`, "application/x-www-form-urlencoded");
	t.is(r.status, 200);
	t.deepEqual(r.json.VehicleGroups["Allow Charging"].Members, [VIN_B, VIN_A]);
	h.advance(90_000); // the minimum off time of the stop, then the start
	t.is(h.lastOffer(0), 20);
	t.is(h.lastOffer(1), 20);
	t.true(Math.abs(h.carAmps(0) - 20) < 0.01, `car A charges (${h.carAmps(0)} A)`);
	t.is(h.why(0).entitled.allowed, true);
	t.regex(h.why(0).entitled.reason, /is in "Allow Charging"/);

	// Bad requests name the problem and change nothing.
	const bad = h.request("POST", "/vehicle/groupMgmt", "group=Allow+Charging&operation=add&vin=NOTAVIN", "application/x-www-form-urlencoded");
	t.is(bad.status, 400);
	t.regex(bad.json.error, /not a valid VIN/);
	const both = h.request("POST", "/vehicle/groupMgmt", `group=Deny+Charging&operation=add&vin=${VIN_A}`, "application/x-www-form-urlencoded");
	t.is(both.status, 400);
	t.regex(both.json.error, /remove it there before/);
	t.is(h.request("POST", "/vehicle/groupMgmt", `group=Friends&operation=add&vin=${VIN_A}`, "application/x-www-form-urlencoded").status, 400);

	// Removing it again stops it.
	t.is(h.request("POST", "/vehicle/groupMgmt", `group=Allow+Charging&operation=remove&vin=${VIN_A}`, "application/x-www-form-urlencoded").status, 200);
	h.advance(3000);
	t.is(h.lastOffer(0), 0);
	h.stop();
});

test("chargeAuthorizationMode 1 (default): a VIN in Deny Charging is stopped, every other car charges", (t) => {
	const h = new Harness({ slaves: 2, perCar: [{ vin: VIN_A }, { vin: VIN_B }] });
	h.waitLinked();
	t.is(h.post("/api/v1/vehicleGroups", { group: "Deny Charging", operation: "add", vin: VIN_B }).status, 200);
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	h.advance(60_000);
	t.is(h.lastOffer(1), 0);
	t.is(h.why(1).reason, `0 A: VIN ${VIN_B} is in "Deny Charging"`);
	t.is(h.lastOffer(0), 32);
	h.stop();
});

test("per-VIN sessions: chargeSessions and totalkWh from the meter replies, recorded when the car unplugs", (t) => {
	const h = new Harness({ slaves: 1, perCar: [{ vin: VIN_A }], perUnit: [{ lifetimeKWh: 1000 }] });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 32, chargeNowDuration: 5 * 3600 });
	h.advance(60_000);
	let record = h.app.settings.current.Vehicles[VIN_A];
	t.truthy(record, "the VIN is recorded when it is read");
	t.is(record.chargeSessions, 1);
	t.is(record.startkWh, 1000);
	t.is(h.state().slaves[0].session.vin, VIN_A);

	// One hour at 32 A × 240 V = 7.68 kWh (the meter counts whole kWh).
	h.advance(3600_000);
	const unit = h.world.units[0];
	const deliveredWh = unit.lifetimeWh - 1000_000;
	t.true(deliveredWh > 7600 && deliveredWh < 7800, `${deliveredWh} Wh`);
	unit.unplug();
	h.advance(20_000);
	record = h.app.settings.current.Vehicles[VIN_A];
	t.is(record.totalkWh, 7, "lifetime meter 1007 − 1000 kWh at the start");
	t.is(record.chargeSessions, 1);
	t.is(h.state().slaves[0].session, null);
	t.true(h.log.find(new RegExp(`session of ${VIN_A} ended after \\d+ min: 7 kWh delivered, 7 kWh in total`)).length === 1);
	t.is(h.slaveTwc(0).lastVIN, VIN_A);
	t.is(h.slaveTwc(0).currentVIN, "");

	// A second session adds to the first.
	unit.plugIn();
	h.advance(2 * 3600_000);
	unit.unplug();
	h.advance(20_000);
	record = h.app.settings.current.Vehicles[VIN_A];
	t.is(record.chargeSessions, 2);
	// The meter is read once a minute in whole kWh: the session ends at the last reading.
	const meter = Math.floor(unit.lifetimeWh / 1000) - 1000;
	t.true(record.totalkWh === meter || record.totalkWh === meter - 1, `${record.totalkWh} kWh in two sessions, the meter says ${meter}`);
	t.true(record.totalkWh >= 21 && record.totalkWh <= 23, `${record.totalkWh} kWh in two sessions`);
	h.stop();
});
