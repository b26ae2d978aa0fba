/**
 * A simulated installation: the bus, up to three wall connectors with a car each, and the port the
 * master plugs into. The demo (npm start), the benchmark, the replay and the host tests build it
 * the same way; in virtual time (VirtualClock) or real time (NodeClock).
 */
import type { Clock } from "../../src/platform/clock.js";
import { seededRandom, type Random } from "../../src/platform/random.js";
import { SimulatedBus, type SimulatedBusOptions, type SimulatedBusPort } from "./bus.js";
import { SimulatedCar, simulatedVin, type SimulatedCarOptions } from "./car.js";
import { SimulatedWallConnector, type WallConnectorOptions } from "./wall-connector.js";

/** Defaults of a simulated unit (documented in the README): 32 A, protocol 2, 240 V single phase. */
export const DEFAULT_UNIT: Readonly<Partial<WallConnectorOptions>> = Object.freeze({ maxAmps: 32, protocol: 2, volts: 240, phases: 1 });

export interface WorldOptions {
	slaves: number;
	seed?: number;
	bus?: SimulatedBusOptions;
	/** Applied to every unit (the i-th unit also gets `perUnit[i]`). */
	unit?: Partial<WallConnectorOptions>;
	perUnit?: Partial<WallConnectorOptions>[];
	/** A car per unit, plugged in from the start (default true); null = no car. Each car has its own VIN (simulatedVin(i)) unless `car.vin` is given. */
	car?: SimulatedCarOptions | null;
}

export interface World {
	bus: SimulatedBus;
	/** The port for the master under test. */
	masterPort: SimulatedBusPort;
	units: SimulatedWallConnector[];
	cars: (SimulatedCar | undefined)[];
	random: Random;
}

export function buildWorld(clock: Clock, options: WorldOptions): World {
	const random = seededRandom(options.seed ?? 2026);
	const bus = new SimulatedBus(clock, { random: seededRandom((options.seed ?? 2026) + 1), ...options.bus });
	const masterPort = bus.attach("master", "master");
	const units: SimulatedWallConnector[] = [];
	const cars: (SimulatedCar | undefined)[] = [];
	const ids = new Set<number>();
	for (let i = 0; i < options.slaves; i++) {
		let id: number;
		do id = 0x1000 + Math.floor(random.next() * 0xe000);
		while (ids.has(id) || id === 0x7777);
		ids.add(id);
		const car = options.car === null ? undefined : new SimulatedCar({ random: seededRandom(id), vin: simulatedVin(i), ...options.car });
		const unit = new SimulatedWallConnector(clock, bus.attach(`twc-${i + 1}`, "slave"), {
			...DEFAULT_UNIT,
			...options.unit,
			...options.perUnit?.[i],
			id,
			car,
			random: seededRandom(id + 7),
		});
		if (car) unit.plugIn();
		units.push(unit);
		cars.push(car);
	}
	return { bus, masterPort, units, cars, random };
}
