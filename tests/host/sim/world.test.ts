import test from "ava";
import { isValidVin } from "../../../src/twc/vin.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { DEFAULT_VIN, simulatedVin } from "../../../host-sim/sim/car.js";
import { buildWorld } from "../../../host-sim/sim/world.js";
import { Harness } from "../charge/harness.js";

test("each simulated car has its own valid VIN, the same on every run", (t) => {
	const vins = buildWorld(new VirtualClock(), { slaves: 3 }).cars.map((car) => car!.vin!);
	t.is(new Set(vins).size, 3, vins.join(", "));
	for (const vin of vins) t.true(isValidVin(vin), vin);
	t.deepEqual(buildWorld(new VirtualClock(), { slaves: 3, seed: 99 }).cars.map((car) => car!.vin), vins, "deterministic, whatever the seed");
	t.is(vins[0], DEFAULT_VIN);
	t.is(simulatedVin(1), "5YJ3E1EA8KF123457");
	// A VIN asked for explicitly is kept.
	t.is(buildWorld(new VirtualClock(), { slaves: 2, car: { vin: "5YJSA1E29FF100002" } }).cars[1]!.vin, "5YJSA1E29FF100002");
});

test("denying one simulated car's VIN stops that car only", (t) => {
	const h = new Harness({ slaves: 2 });
	h.waitLinked();
	const denied = h.world.cars[1]!.vin!;
	t.is(h.post("/api/v1/vehicleGroups", { group: "Deny Charging", operation: "add", vin: denied }).status, 200);
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	h.advance(60_000);
	t.is(h.lastOffer(1), 0);
	t.is(h.why(1).reason, `0 A: VIN ${denied} is in "Deny Charging"`);
	t.is(h.lastOffer(0), 32, "the other car charges");
	t.true(h.world.cars[0]!.currentAt(h.clock.now()) > 30);
	h.stop();
});
