import test from "ava";
import { isValidVin } from "../../../src/twc/vin.js";
import { DEFAULT_VIN, SimulatedCar } from "../../../host-sim/sim/car.js";

const near = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) <= eps;

test("the default car has a valid Tesla VIN; a non-Tesla has none", (t) => {
	t.true(isValidVin(DEFAULT_VIN));
	t.is(new SimulatedCar().vin, DEFAULT_VIN);
	t.is(new SimulatedCar({ vin: null }).vin, null);
	t.throws(() => new SimulatedCar({ vin: "TOO SHORT" }));
});

test("ramps to the offered amps in a few seconds after the start delay, capped by the onboard charger", (t) => {
	const car = new SimulatedCar({ maxAmps: 16 });
	car.currentAt(0, 32);
	car.plugIn(0);
	t.is(car.statusAt(1000), "waiting");
	t.is(car.currentAt(2999), 0);
	t.is(car.statusAt(3000), "charging");
	t.true(near(car.currentAt(5000), 6), "3 A/s");
	t.true(near(car.currentAt(3000 + 16_000 / 3), 16));
	t.is(car.currentAt(60_000), 16, "not more than its 16 A charger");
	t.is(car.chargeStarts, 1);
});

test("a lower offer ramps down; below 5 A it stops at once and waits for a usable offer", (t) => {
	const car = new SimulatedCar();
	car.plugIn(0);
	car.currentAt(0, 20);
	t.is(car.currentAt(30_000), 20);
	car.currentAt(30_000, 10);
	t.true(near(car.currentAt(30_500), 15), "10 A/s down");
	t.is(car.currentAt(32_000), 10);
	car.currentAt(40_000, 4);
	t.is(car.currentAt(40_000), 0);
	t.is(car.statusAt(40_001), "stopped");
	car.currentAt(50_000, 8);
	t.is(car.statusAt(51_000), "stopped", "still stopped until it restarts");
	t.is(car.statusAt(53_000), "charging");
	t.is(car.chargeStarts, 2);
	t.is(car.chargeStops, 1);
});

test("energy integrates amps × volts × phases over the ramp and the plateau", (t) => {
	const car = new SimulatedCar({ neverFills: true });
	car.setSupply(230, 3);
	car.plugIn(0);
	car.currentAt(0, 12);
	// Starts at 3 s, ramps 0 → 12 A in 4 s (24 A·s), then 12 A until 3603 s.
	const ampSeconds = 24 + 12 * (3603 - 7);
	t.true(near(car.energyWhAt(3_603_000), (ampSeconds * 230 * 3) / 3600, 1e-6));
});

test("lazy evaluation: sparse and dense calls agree", (t) => {
	const sparse = new SimulatedCar({ neverFills: true });
	const dense = new SimulatedCar({ neverFills: true });
	for (const car of [sparse, dense]) {
		car.plugIn(0);
		car.currentAt(0, 24);
	}
	for (let ms = 0; ms <= 600_000; ms += 997) dense.currentAt(ms);
	for (const car of [sparse, dense]) {
		car.currentAt(600_000, 10);
		car.currentAt(900_000, 0);
		car.currentAt(1_000_000, 16);
	}
	for (let ms = 1_000_000; ms <= 2_000_000; ms += 1013) dense.currentAt(ms);
	t.true(near(sparse.energyWhAt(2_000_000), dense.energyWhAt(2_000_000), 1e-6));
	t.is(sparse.currentAt(2_000_000), dense.currentAt(2_000_000));
});

test("a sleeping car notices a raised offer only at its next wake-up (every 15 min)", (t) => {
	const car = new SimulatedCar({ asleep: true });
	car.plugIn(0);
	car.currentAt(60_000, 16);
	t.is(car.statusAt(10 * 60_000), "waiting");
	t.is(car.currentAt(15 * 60_000 + 2999), 0);
	t.is(car.statusAt(15 * 60_000 + 3000), "charging");
	t.false(car.isAsleepAt(15 * 60_000 + 3000));
});

test("sleepsWhenIdle: stopped by a 0 A offer it sleeps; the owner can wake it", (t) => {
	const car = new SimulatedCar({ sleepsWhenIdle: true, wakeIntervalMs: 600_000 });
	car.plugIn(0);
	car.currentAt(0, 16);
	t.is(car.statusAt(10_000), "charging");
	car.currentAt(100_000, 0);
	t.true(car.isAsleepAt(100_000));
	car.currentAt(200_000, 16);
	t.is(car.statusAt(690_000), "stopped", "not before the wake-up at 700 s");
	t.is(car.statusAt(703_000), "charging");
	car.currentAt(800_000, 0);
	car.currentAt(810_000, 16);
	car.wake(820_000);
	t.is(car.statusAt(823_000), "charging", "woken from the app");
});

test("6 A lock-up: after an offer increase it sits at ~5.2 A until offered the spike for 5 s", (t) => {
	const car = new SimulatedCar({ lockUp6A: true });
	car.plugIn(0);
	car.currentAt(0, 10);
	t.is(car.currentAt(20_000), 10);
	car.currentAt(20_000, 12);
	t.true(car.isLockedAt(20_000));
	t.true(near(car.currentAt(30_000), 5.2));
	car.currentAt(30_000, 16);
	car.currentAt(33_000, 12); // 3 s at the spike is not enough
	t.true(car.isLockedAt(40_000));
	t.true(near(car.currentAt(40_000), 5.2));
	car.currentAt(40_000, 16);
	t.true(car.isLockedAt(44_999));
	t.false(car.isLockedAt(45_000));
	t.true(near(car.currentAt(45_000 + 10_800 / 3), 16), "ramps from 5.2 to 16 at 3 A/s after the unlock");
	car.currentAt(60_000, 12);
	t.is(car.currentAt(70_000), 12, "lowering does not lock");
	t.is(car.lockUps, 1);
});

test("the battery fills: the car stops at its charge limit, exactly", (t) => {
	const car = new SimulatedCar({ batteryKWh: 1, socPercent: 98, chargeLimitPercent: 99 });
	car.plugIn(0);
	car.currentAt(0, 10);
	// 10 Wh to go; 2400 W; ramp 0→10 A in 3.33 s after a 3 s delay.
	t.is(car.statusAt(3_600_000), "complete");
	t.is(car.currentAt(3_600_000), 0);
	t.true(near(car.energyWhAt(3_600_000), 10, 1e-6));
	t.true(near(car.socPercentAt(3_600_000), 99, 1e-6));
	car.currentAt(3_700_000, 16);
	t.is(car.statusAt(3_800_000), "complete", "a full car does not restart");
	car.unplug(3_900_000);
	car.plugIn(4_000_000);
	t.is(car.statusAt(4_000_000), "complete");
});

test("a fault (link loss) stops the car until it is offered amps again", (t) => {
	const car = new SimulatedCar();
	car.plugIn(0);
	car.currentAt(0, 16);
	t.is(car.currentAt(20_000), 16);
	car.faultAt(30_000, "charge cable fault");
	t.is(car.currentAt(30_000), 0);
	t.is(car.fault, "charge cable fault");
	t.is(car.statusAt(40_000), "stopped");
	car.currentAt(50_000, 16);
	t.is(car.statusAt(53_000), "charging");
	t.is(car.fault, undefined);
});

test("unplugging stops everything; plugging in again starts over", (t) => {
	const car = new SimulatedCar();
	car.currentAt(0, 16);
	car.plugIn(0);
	t.is(car.currentAt(10_000), 16);
	car.unplug(10_000);
	t.is(car.statusAt(10_000), "unplugged");
	t.is(car.currentAt(20_000), 0);
	car.plugIn(20_000);
	t.is(car.statusAt(22_000), "waiting");
	t.is(car.statusAt(23_000), "charging");
});
