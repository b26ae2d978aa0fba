/**
 * `npm run units -- --port PATH|socket://HOST:PORT [--slaves N]`: simulated wall connectors with
 * cars, and no master, on a real port. Bench-tests a master without wall connectors: an ESP32 with
 * this firmware through a USB RS485 adapter, or the firmware's desktop build (`make lin`) through a
 * pseudo-terminal pair (see docs/esp32.md). Prints what each unit holds every 10 s.
 */
import { parseArgs } from "node:util";
import { formatTwcId } from "../src/twc/messages.js";
import { ConsoleLog, isLogLevel } from "./console-log.js";
import { NodeClock } from "./node-clock.js";
import { openBusPort } from "./node-platform.js";
import { bridgeBus } from "./sim/bus-bridge.js";
import { buildWorld, type World } from "./sim/world.js";

export const UNITS_USAGE = `npm run units -- --port PATH|socket://HOST:PORT [options]

  --port PATH|URL     where the master is: a serial device (/dev/ttyUSB0, a pseudo-terminal
                      such as /dev/pts/7) or socket://HOST:PORT (an RS485-to-Ethernet converter)
  --slaves N          simulated wall connectors with a car each, 1 to 3 (default 2)
  --log-level LEVEL   error, warn, info (default) or debug
  --seed N            seed of the simulation
  --help`;

export interface UnitsOptions {
	port: string;
	slaves: number;
	logLevel: "error" | "warn" | "info" | "debug";
	seed: number | undefined;
}

export function parseUnitsCommandLine(argv: string[]): UnitsOptions | "help" {
	const { values } = parseArgs({
		args: argv,
		options: { port: { type: "string" }, slaves: { type: "string" }, "log-level": { type: "string" }, seed: { type: "string" }, help: { type: "boolean" } },
		strict: true,
	});
	if (values.help) return "help";
	if (!values.port) throw new Error("--port is required (the serial device or socket://HOST:PORT the master is on)");
	const slaves = values.slaves === undefined ? 2 : Number(values.slaves);
	if (!Number.isInteger(slaves) || slaves < 1 || slaves > 3) throw new Error(`--slaves must be a whole number from 1 to 3 (got ${values.slaves})`);
	const level = values["log-level"] ?? "info";
	if (!isLogLevel(level)) throw new Error(`--log-level must be error, warn, info or debug (got ${level})`);
	const seed = values.seed === undefined ? undefined : Number(values.seed);
	if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed must be a whole number (got ${values.seed})`);
	return { port: values.port, slaves, logLevel: level, seed };
}

/** One line: each unit's ID, the master it follows, the limit it holds and what its car draws. */
export function describeUnits(world: World): string {
	return world.units
		.map((unit) => {
			const master = unit.linkedMaster === undefined ? "no master" : `master ${formatTwcId(unit.linkedMaster)}`;
			return `${formatTwcId(unit.id)}: ${master}, holds ${unit.limitAmps} A, car ${unit.actualAmps.toFixed(1)} A`;
		})
		.join("; ");
}

export function runUnits(options: UnitsOptions): { world: World; stop(): void } {
	const clock = new NodeClock();
	const log = new ConsoleLog({ level: options.logLevel, clock });
	const world = buildWorld(clock, { slaves: options.slaves, seed: options.seed });
	const port = openBusPort(options.port, { log, clock });
	bridgeBus(world.bus, port, log);
	log.write("info", "units", `${options.slaves} simulated wall connectors on ${options.port}: ${world.units.map((u) => formatTwcId(u.id)).join(", ")}`);
	const timer = setInterval(() => log.write("info", "units", describeUnits(world)), 10_000);
	return {
		world,
		stop() {
			clearInterval(timer);
			for (const unit of world.units) unit.stop();
			port.close();
		},
	};
}

if (process.argv[1] && /units\.[tj]s$/.test(process.argv[1])) {
	try {
		const options = parseUnitsCommandLine(process.argv.slice(2));
		if (options === "help") console.log(UNITS_USAGE);
		else {
			const running = runUnits(options);
			const stop = () => {
				running.stop();
				process.exit(0);
			};
			process.on("SIGINT", stop);
			process.on("SIGTERM", stop);
		}
	} catch (error) {
		console.error(`${(error as Error).message}\n\n${UNITS_USAGE}`);
		process.exit(2);
	}
}
