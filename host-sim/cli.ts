/**
 * npm start: the master on Node. With no --bus it runs the demo: simulated wall connectors with cars
 * on a simulated bus, in real time, with the web API on port 8080. With --bus it drives a real bus
 * through a USB RS485 adapter or a TCP converter (socket://HOST:PORT).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { App } from "../src/app.js";
import { parseConfigText, type Config } from "../src/config/config.js";
import type { BytePort } from "../src/platform/byte-port.js";
import { formatTwcId } from "../src/twc/messages.js";
import { ConsoleLog, isLogLevel } from "./console-log.js";
import { cryptoRandom } from "./crypto-random.js";
import { NodeClock } from "./node-clock.js";
import { createNodePlatform, openBusPort, type NodePlatform } from "./node-platform.js";
import { syntheticDay } from "./replay/synthetic-days.js";
import { traceCursor } from "./replay/trace.js";
import { bridgeBus } from "./sim/bus-bridge.js";
import { buildWorld, type World } from "./sim/world.js";

export const DEMO_CONFIG = fileURLToPath(new URL("./demo-config.json", import.meta.url));

const USAGE = `Usage: npm start -- [options]

  --slaves N          simulated wall connectors, 0 to 3 (default 2; 0 with --bus)
  --bus PATH|URL      drive a real bus: a serial device (/dev/ttyUSB0, COM3) or
                      socket://HOST:PORT for an RS485-to-Ethernet converter
  --config FILE       TWCManager config.json (default: the demo config; with --bus
                      the file must set config.wiringMaxAmpsAllTWCs and wiringMaxAmpsPerTWC;
                      interface.Dummy enabled: the simulated wall connectors, no serial port)
  --http-port N       web API port (default: control.HTTP.listenPort, 8080; a port in
                      use is an error: is another instance running?)
  --listen ADDRESS    address the web API binds (default 127.0.0.1: this computer only;
                      0.0.0.0 or :: for the network, then set a password on the page)
  --log-level LEVEL   error, warn, info (default) or debug
  --seed N            seed of the simulation (repeatable demo runs)
  --help              this text
`;

export interface CliOptions {
	slaves: number;
	bus: string | undefined;
	configFile: string | undefined;
	httpPort: number | undefined;
	/** The address the web API binds: loopback unless told otherwise. */
	listen: string;
	logLevel: "error" | "warn" | "info" | "debug";
	seed: number;
	help: boolean;
}

/** Reads the command line; throws an Error whose message says what is wrong. */
export function parseCommandLine(argv: string[]): CliOptions {
	const { values } = parseArgs({
		args: argv,
		options: {
			slaves: { type: "string" },
			bus: { type: "string" },
			config: { type: "string" },
			"http-port": { type: "string" },
			listen: { type: "string" },
			"log-level": { type: "string" },
			seed: { type: "string" },
			help: { type: "boolean" },
		},
		strict: true,
	});
	const whole = (name: string, text: string | undefined, min: number, max: number): number | undefined => {
		if (text === undefined) return undefined;
		const n = Number(text);
		if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max} (got "${text}")`);
		return n;
	};
	const level = values["log-level"] ?? "info";
	if (!isLogLevel(level)) throw new Error(`--log-level must be error, warn, info or debug (got "${level}")`);
	return {
		slaves: whole("slaves", values.slaves, 0, 3) ?? (values.bus ? 0 : 2),
		bus: values.bus,
		configFile: values.config,
		httpPort: whole("http-port", values["http-port"], 0, 65535),
		listen: listenAddress(values.listen),
		logLevel: level,
		seed: whole("seed", values.seed, 0, 2 ** 31) ?? 2026,
		help: values.help ?? false,
	};
}

/** The loopback address unless one is given; an address that is not an IP or a name is an error. */
/** True for an address only this computer can reach. */
export function isLoopback(address: string): boolean {
	return address === "localhost" || address === "::1" || /^127\./.test(address);
}

function listenAddress(text: string | undefined): string {
	if (text === undefined) return "127.0.0.1";
	const address = text.trim().replace(/^\[(.*)\]$/, "$1");
	if (!/^[0-9a-zA-Z.:%-]+$/.test(address)) throw new Error(`--listen must be an IP address or host name such as 127.0.0.1, 0.0.0.0 or :: (got "${text}")`);
	return address;
}

/** Loads and checks the config; a real bus requires explicit wiring limits. */
export function loadConfig(file: string, realBus: boolean): { config?: Config; errors: string[]; warnings: string[] } {
	let text: string;
	try {
		text = readFileSync(file, "utf8");
	} catch (error) {
		return { errors: [`cannot read config file ${file}: ${(error as Error).message}`], warnings: [] };
	}
	return parseConfigText(text, { requireWiringLimits: realBus });
}

export interface Running {
	app: App;
	/** The port the web API listens on (0: none); rejects when it cannot listen (the port is in use). */
	httpPort: Promise<number>;
	/** The real bus opened (--bus, or interface.RS485.port); undefined when only simulated units are used. */
	busAddress: string | undefined;
	/** The simulated units and cars, when there are any. */
	world: World | undefined;
	stop(): void;
}

/** What run() builds the platform with (tests replace it). */
export interface RunDependencies {
	createPlatform?: typeof createNodePlatform;
}

/**
 * Which bus: --bus wins; else TWCManager's order, the first enabled interface of Dummy and RS485
 * (§8). The Dummy means the simulated units, as without --bus; so does an RS485 without a port.
 */
function chooseBus(options: CliOptions, config: Config, warn: (text: string) => void): string | undefined {
	if (options.bus !== undefined) {
		if (config.dummy.enabled) warn(`interface.Dummy.enabled is ignored: --bus ${options.bus} is given`);
		return options.bus;
	}
	if (config.dummy.enabled) {
		if (config.rs485.enabled && config.rs485.port !== undefined) {
			warn(`interface.Dummy and interface.RS485 are both enabled: the first, Dummy, is used (as in TWCManager); ${config.rs485.port} is not opened`);
		}
		return undefined;
	}
	return config.rs485.enabled ? config.rs485.port : undefined;
}

/** Starts the master as the command line asks. Returns undefined (after printing why) if it cannot. */
export function run(
	options: CliOptions,
	print: (line: string) => void = (l) => process.stderr.write(l + "\n"),
	dependencies: RunDependencies = {},
): Running | undefined {
	const clock = new NodeClock();
	const log = new ConsoleLog({ level: options.logLevel, clock });
	const realBusAddress = options.bus;
	const configFile = options.configFile ?? DEMO_CONFIG;
	const loaded = loadConfig(configFile, realBusAddress !== undefined);
	for (const warning of loaded.warnings) log.write("warn", "config", warning);
	if (!loaded.config) {
		for (const error of loaded.errors) print(`config error: ${error}`);
		print(`the master did not start: fix ${configFile}`);
		return undefined;
	}
	const config = loaded.config;
	const address = chooseBus(options, config, (text) => log.write("warn", "config", text));
	if (realBusAddress === undefined && address !== undefined) {
		// interface.RS485.port in the file asks for a real bus as well: the wiring limits are required.
		const strict = loadConfig(configFile, true);
		if (!strict.config) {
			for (const error of strict.errors) print(`config error: ${error}`);
			return undefined;
		}
	}

	let realPort: BytePort | undefined;
	if (address !== undefined) {
		try {
			realPort = openBusPort(address, { log, clock });
		} catch (error) {
			print(`--bus: ${(error as Error).message}`);
			return undefined;
		}
	}
	// The master's port: the real bus alone, or the simulated bus (bridged to the real one if both).
	let busPort: BytePort;
	const world = options.slaves > 0 || !realPort ? buildWorld(clock, { slaves: options.slaves, seed: options.seed }) : undefined;
	if (world) {
		busPort = world.masterPort;
		if (realPort) bridgeBus(world.bus, realPort, log);
	} else busPort = realPort!;

	let platform: NodePlatform | undefined;
	let app: App;
	try {
		platform = (dependencies.createPlatform ?? createNodePlatform)({
			bus: busPort,
			clock,
			log,
			seed: options.seed,
			httpPort: config.http.enabled ? (options.httpPort ?? config.http.listenPort) : undefined,
			httpHost: options.listen,
			// settings.json: config.settingsPath, else beside the config file on a real bus; the demo keeps them in memory.
			storageDir: config.settingsPath || (address !== undefined ? dirname(resolve(configFile)) : undefined),
		});
		// Bound to loopback (the default) the API is open to this computer alone, as TWCManager's scripts
		// and tests expect; on a network address the password is required (set it on the page).
		const loopback = isLoopback(options.listen);
		app = new App(platform, config, {
			web: { random: cryptoRandom, access: loopback ? { openTo: "addresses", openAddresses: ["127.0.0.1", "::1", "::ffff:127.0.0.1"] } : undefined },
		});
		// The demo (no --config): outside the green hours the cars charge at 16 A between them, so there
		// is something to see at night too. A real installation starts with TWCManager's defaults.
		if (options.configFile === undefined && address === undefined) app.settings.update({ nonScheduledAction: 1, nonScheduledAmpsMax: 16 }, "demo");
		app.start();
	} catch (error) {
		// E.g. the settings directory is in use by another instance.
		print(error instanceof Error ? error.message : String(error));
		print("the master did not start");
		for (const unit of world?.units ?? []) unit.stop();
		platform?.close();
		realPort?.close();
		return undefined;
	}
	const ready = platform;
	const httpPort = ready.http ? ready.http.listening : Promise.resolve(0);
	httpPort.then(
		(port) => {
			if (port) log.write("info", "http", `web API on http://localhost:${port}/api/getStatus`);
		},
		// The web API is how the master is controlled: without it, it stops (main() exits non-zero).
		(error: Error) => print(error.message),
	);
	const where = address ? `bus ${address}` : "the simulated bus";
	log.write("info", "master", `master ${formatTwcId(config.masterId)} on ${where}, ${options.slaves} simulated wall connector(s), ${config.wiringMaxAmpsAllTWCs} A for all, ${config.wiringMaxAmpsPerTWC} A per unit`);
	const statusTimer = setInterval(() => log.write("info", "status", statusLine(app)), 10_000);
	// The demo's sun and house: a synthetic clear day, by local time of day, reported every 5 s;
	// unless the config names real energy sources (sources.<Name>.enabled), which are then read instead.
	const realSources = app.sources.states.map((s) => s.name);
	if (realSources.length > 0) log.write("info", "energy", `reading ${realSources.join(", ")} (from ${configFile})`);
	const meterTimer = world && realSources.length === 0 ? simulatedMeter(app, options.seed ?? 1) : undefined;
	return {
		app,
		httpPort,
		busAddress: address,
		world,
		stop() {
			clearInterval(statusTimer);
			if (meterTimer) clearInterval(meterTimer);
			app.stop();
			for (const unit of world?.units ?? []) unit.stop();
			ready.close();
			realPort?.close();
		},
	};
}

/** Feeds app.energy with a synthetic clear day at the local time of day (the demo's meter). */
function simulatedMeter(app: App, seed: number): ReturnType<typeof setInterval> {
	const at = traceCursor(syntheticDay("clear", seed));
	const report = () => {
		const now = app.now();
		const local = app.charge.localTime(now);
		const value = at(local.hour * 3600 + local.minute * 60 + local.second);
		app.energy.report("simulated meter", { atMs: now, generationW: value.gen_w, consumptionW: value.cons_w }, now);
	};
	report();
	return setInterval(report, 5000);
}

/** One line a person can read: each slave's offer and draw. */
export function statusLine(app: App): string {
	const slaves = app.master.slaves;
	if (slaves.length === 0) return "no wall connector linked yet";
	return `${app.charge.engine.activePolicyName}: ` + slaves
		.map((s) => `${formatTwcId(s.id)}: offered ${s.commandedAmps ?? 0} A, drawing ${s.actualAmps.toFixed(2)} A, state ${s.state}`)
		.join(" | ");
}

function main(): void {
	let options: CliOptions;
	try {
		options = parseCommandLine(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
		process.exitCode = 2;
		return;
	}
	if (options.help) {
		process.stdout.write(USAGE);
		return;
	}
	const running = run(options);
	if (!running) {
		// exit() rather than exitCode: simulated units may have timers running.
		process.exit(1);
	}
	const stop = () => {
		running.stop();
		process.exit(0);
	};
	running.httpPort.catch(() => {
		// run() printed why (e.g. the port is in use: a second instance must not run unnoticed).
		process.stderr.write("the master stopped\n");
		running.stop();
		process.exit(1);
	});
	process.on("SIGINT", stop);
	process.on("SIGTERM", stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
