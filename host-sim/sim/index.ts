/** The simulated world the master talks to: an RS485 bus, wall connectors (slaves) and cars. */
export { SimulatedBus, SimulatedBusPort } from "./bus.js";
export type { BusMonitor, BusNoiseOptions, BusRole, BusStats, BusTransmission, SimulatedBusOptions } from "./bus.js";
export { SimulatedWallConnector } from "./wall-connector.js";
export type { LinkReadyBurstOptions, WallConnectorCounts, WallConnectorOptions } from "./wall-connector.js";
export { DEFAULT_VIN, SimulatedCar, simulatedVin } from "./car.js";
export type { CarStatus, LockUp6AOptions, SimulatedCarOptions } from "./car.js";
