/**
 * Device entry point (Moddable SDK, ESP32): reads the manifest's `config` block, checks the wiring
 * limits, opens the RS485 UART and starts the TWC master.
 *
 * The master does not start when the wiring limits are missing or invalid, or when the UART cannot
 * be opened: it logs why and stays idle, repeating the reason every minute on the console. With
 * no master on the bus the wall connectors (rotary switch F) fall back on their own limit.
 *
 * Nothing happens at module load: the runtime calls the default export once the VM is up.
 */
import config from "mc/config";
import Instrumentation from "instrumentation";
import Timer from "timer";
import { App } from "app";
import { parseConfig } from "config/config";
import type { Platform } from "platform/platform";
import { SerialBytePort, type SerialPortOptions } from "./serial-port.js";
import { TimerClock } from "./timer-clock.js";
import { ConsoleWriter } from "./console-writer.js";
import { TraceLog, parseLogLevel } from "./trace-log.js";

/** How often an idle master repeats why it did not start. */
const IDLE_REMINDER_MS = 60_000;

/** The running master, kept for the lifetime of the program (and for xsbug). */
let running: { app: App; bus: SerialBytePort; log: TraceLog } | undefined;

export default function main(): void {
	const settings = config as unknown as Readonly<Record<string, unknown>>;
	// A release build logs on the console UART itself; a debug build's trace() goes to xsbug.
	const log = new TraceLog({ level: parseLogLevel(settings.logLevel) ?? "info", console: ConsoleWriter.open() });
	log.write("info", "device", "TWC master starting");

	// 1. Wiring limits and the core's configuration document.
	const errors: string[] = [];
	const allTWCs = positiveAmps(settings, "wiringMaxAmpsAllTWCs", errors);
	const perTWC = positiveAmps(settings, "wiringMaxAmpsPerTWC", errors);
	if (errors.length > 0) {
		stayIdle(log, [
			...errors,
			"set wiringMaxAmpsAllTWCs and wiringMaxAmpsPerTWC in the manifest config block (80 % of the breaker rating) and rebuild",
		]);
		return;
	}
	const limits: Record<string, number> = { wiringMaxAmpsAllTWCs: allTWCs!, wiringMaxAmpsPerTWC: perTWC! };
	const minAmps = numberSetting(settings.minAmpsPerTWC);
	// Optional: absent or 0 leaves the core's default.
	if (minAmps !== undefined && minAmps !== 0) {
		if (Number.isFinite(minAmps) && minAmps > 0) limits.minAmpsPerTWC = minAmps;
		else errors.push(`minAmpsPerTWC: not a positive number (${String(settings.minAmpsPerTWC)})`);
	}
	if (errors.length > 0) {
		stayIdle(log, errors);
		return;
	}
	const document = { config: limits, interface: { RS485: { enabled: true } } };
	// requireWiringLimits: on a real bus the core refuses TWCManager's sample limits as defaults.
	const parsed = parseConfig(document, { requireWiringLimits: true });
	for (const warning of parsed.warnings) log.write("warn", "config", warning);
	if (parsed.config === undefined || parsed.errors.length > 0) {
		stayIdle(log, parsed.errors.length > 0 ? parsed.errors : ["configuration rejected"]);
		return;
	}
	if (typeof settings.ssid === "string" && settings.ssid !== "") {
		log.write("warn", "device", "this build has no Wi-Fi yet: ssid/password/httpPort are ignored");
	}

	// 2. The RS485 bus.
	const port = serialOptions(settings, errors);
	if (port === undefined) {
		stayIdle(log, errors);
		return;
	}
	let bus: SerialBytePort;
	try {
		bus = new SerialBytePort(port);
	} catch (error) {
		stayIdle(log, [`cannot open UART ${port.uart} (TX ${port.txPin}, RX ${port.rxPin}): ${String(error)}`]);
		return;
	}
	const direction = port.dePin !== undefined && port.dePin >= 0 ? `DE/RE on GPIO ${port.dePin}` : "auto-direction";
	log.write("info", "bus", `UART ${port.uart} TX ${port.txPin} RX ${port.rxPin} 9600 8N1, ${direction}`);

	// 3. The master.
	const platform: Platform = {
		clock: new TimerClock((error) => log.write("error", "clock", `timer callback threw: ${String(error)}`)),
		log,
		random: { next: () => Math.random() },
		bus,
	};
	try {
		const app = new App(platform, parsed.config);
		app.start();
		running = { app, bus, log };
	} catch (error) {
		bus.close();
		stayIdle(log, [`master failed to start: ${String(error)}`]);
		return;
	}
	log.write(
		"info",
		"device",
		`master running: ${allTWCs} A for all wall connectors, ${perTWC} A per wall connector${memory()}`,
	);
}

/** Logs why the master is not running, now and every minute, and does nothing else. */
function stayIdle(log: TraceLog, reasons: readonly string[]): void {
	const say = () => {
		for (const reason of reasons) log.write("error", "device", `master NOT started: ${reason}`);
	};
	say();
	Timer.repeat(say, IDLE_REMINDER_MS);
}

/**
 * A number from the config block. `mcconfig … key=value` overrides arrive as strings, so numeric
 * strings count; undefined when the key is absent or empty, NaN when it is not a number.
 */
function numberSetting(value: unknown): number | undefined {
	if (value === undefined || value === null || value === "") return undefined;
	if (typeof value === "number") return value;
	if (typeof value === "string") return Number(value);
	return Number.NaN;
}

/** A wiring limit: required, finite and > 0 (the manifest ships 0 so that the user must set it). */
function positiveAmps(settings: Readonly<Record<string, unknown>>, key: string, errors: string[]): number | undefined {
	const value = numberSetting(settings[key]);
	if (value === undefined || value === 0) {
		errors.push(`${key} is not set`);
		return undefined;
	}
	if (!Number.isFinite(value) || value < 0) {
		errors.push(`${key}: not a positive number of amps (${String(settings[key])})`);
		return undefined;
	}
	return value;
}

/** UART, pins and direction control from the config block; undefined (with errors) if unusable. */
function serialOptions(settings: Readonly<Record<string, unknown>>, errors: string[]): SerialPortOptions | undefined {
	const uart = numberSetting(settings.uart) ?? 2;
	const txPin = numberSetting(settings.txPin) ?? 17;
	const rxPin = numberSetting(settings.rxPin) ?? 16;
	const dePin = numberSetting(settings.dePin) ?? -1;
	if (uart !== 1 && uart !== 2) errors.push(`uart must be 1 or 2 (UART 0 is the console), got ${String(settings.uart)}`);
	for (const [key, pin] of [["txPin", txPin], ["rxPin", rxPin]] as const) {
		if (!Number.isInteger(pin) || pin < 0) errors.push(`${key}: not a GPIO number (${String(settings[key])})`);
	}
	if (!Number.isInteger(dePin) || dePin < -1) errors.push(`dePin: not a GPIO number or -1 (${String(settings.dePin)})`);
	if (errors.length > 0) return undefined;
	const options: SerialPortOptions = { uart, txPin, rxPin, dePin };
	if (typeof settings.serialDevice === "string" && settings.serialDevice !== "") options.device = settings.serialDevice;
	return options;
}

/** ", slots N B, chunks N B" when the build is instrumented (mcconfig -d or -i), else "". */
function memory(): string {
	const slots = Instrumentation.get(Instrumentation.map("XS Slot Heap Used"));
	const chunks = Instrumentation.get(Instrumentation.map("XS Chunk Heap Used"));
	return slots === undefined || chunks === undefined ? "" : `; XS slot heap ${slots} B, chunk heap ${chunks} B used`;
}

/** For xsbug: the running master's bus statistics and recent log entries. */
export function status(): { running: boolean; bus?: SerialBytePort["stats"]; recent?: string[] } {
	if (running === undefined) return { running: false };
	return { running: true, bus: running.bus.stats, recent: running.log.recent() };
}
