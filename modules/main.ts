/**
 * Device entry point (Moddable SDK, ESP32; the lin simulator too):
 * 1. opens the storage on flash and reads the configuration document there (the first boot makes
 *    it from the manifest's `config` block: modules/device-config.ts);
 * 2. opens the RS485 UART and starts the TWC master, with the HTTP server (the same API as the
 *    host, on device.httpPort), the HTTP client (policy webhooks), TCP and the storage.
 *
 * When the configuration has errors (the wiring limits are missing on a first boot) or the UART
 * cannot be opened, the master does not start: it logs why, repeats it every minute, and the API
 * still answers GET/POST /api/v1/config and GET /api/v1/log so that the configuration can be
 * fixed (then restart). With no master on the bus the wall connectors (rotary switch F) fall back
 * on their own limit.
 *
 * Nothing happens at module load: the runtime calls the default export once the VM is up.
 */
import config from "mc/config";
import Instrumentation from "instrumentation";
import Timer from "timer";
import { App } from "app";
import { addConfigRoutes } from "api/config-routes";
import { addLogRoutes } from "api/log-routes";
import { Router } from "api/router";
import { parseConfig, type Config } from "config/config";
import type { Platform } from "platform/platform";
import type { Storage } from "platform/storage";
import { SerialBytePort, type SerialPortOptions } from "./serial-port.js";
import { TimerClock } from "./timer-clock.js";
import { ConsoleWriter } from "./console-writer.js";
import { TraceLog, parseLogLevel } from "./trace-log.js";
import { FlashStorage, UnavailableStorage } from "./flash-storage.js";
import { DeviceConfig, type DeviceSettings } from "./device-config.js";
import { ModdableHttpServer } from "./http-server.js";
import { ModdableHttpClient } from "./http-client.js";
import { ModdableTcpClient } from "./tcp-client.js";

/** How often an idle master repeats why it did not start. */
const IDLE_REMINDER_MS = 60_000;

/** The running program, kept for its lifetime (and for xsbug). */
let running: { app?: App; bus?: SerialBytePort; http?: ModdableHttpServer; log: TraceLog } | undefined;

export default function main(): void {
	const manifest = config as unknown as Readonly<Record<string, unknown>>;
	// A release build logs on the console UART itself; a debug build's trace() goes to xsbug.
	const log = new TraceLog({ level: parseLogLevel(manifest.logLevel) ?? "info", console: ConsoleWriter.open() });
	log.write("info", "device", "TWC master starting");
	running = { log };

	// 1. Storage and the configuration document.
	const storage = openStorage(manifest, log);
	const deviceConfig = new DeviceConfig({ storage, parseConfig, manifest });
	const loaded = deviceConfig.load();
	for (const note of loaded.notes) log.write("warn", "config", note);
	for (const warning of loaded.warnings) log.write("warn", "config", warning);
	log.write("info", "config", `configuration from ${loaded.source === "manifest" ? "the manifest (first boot), now stored" : loaded.source === "backup" ? "the backup copy" : "flash"}`);
	const device = loaded.device;
	if (device !== undefined) log.level = device.logLevel;
	const http = new ModdableHttpServer({ port: device?.httpPort ?? 80, log });
	running.http = http;

	if (loaded.config === undefined || device === undefined) {
		stayIdle(log, http, deviceConfig, [
			...loaded.errors,
			"set them with POST /api/v1/config (or in the manifest config block before the first boot), then restart",
		]);
		return;
	}

	// 2. The RS485 bus.
	const port = serialOptions(device);
	let bus: SerialBytePort;
	try {
		bus = new SerialBytePort(port);
	} catch (error) {
		stayIdle(log, http, deviceConfig, [`cannot open UART ${port.uart} (TX ${port.txPin}, RX ${port.rxPin}): ${String(error)}`]);
		return;
	}
	const direction = port.dePin !== undefined && port.dePin >= 0 ? `DE/RE on GPIO ${port.dePin}` : "auto-direction";
	log.write("info", "bus", `${port.device ?? `UART ${port.uart} TX ${port.txPin} RX ${port.rxPin}`} 9600 8N1, ${direction}`);

	// 3. The master and its API.
	startMaster(log, bus, http, storage, deviceConfig, loaded.config);
}

/** The flash storage; when it cannot be opened, one that stores nothing and says so. */
function openStorage(manifest: Readonly<Record<string, unknown>>, log: TraceLog): Storage {
	const file = manifest.file as { root?: unknown } | undefined;
	// `storageRoot` (lin): a directory of this instance's own; the SDK's lin default is /tmp/, shared.
	const root = typeof manifest.storageRoot === "string" && manifest.storageRoot !== "" ? manifest.storageRoot : typeof file?.root === "string" ? file.root : "/";
	try {
		const storage = new FlashStorage({ root, log });
		log.write("info", "storage", `documents in ${storage.root}`);
		return storage;
	} catch (error) {
		log.write("error", "storage", `no storage, nothing will be saved: ${String(error)}`);
		return new UnavailableStorage(String(error));
	}
}

function startMaster(log: TraceLog, bus: SerialBytePort, http: ModdableHttpServer, storage: Storage, deviceConfig: DeviceConfig<Config>, core: Config): void {
	const platform: Platform = {
		clock: new TimerClock((error) => log.write("error", "clock", `timer callback threw: ${String(error)}`)),
		log,
		random: { next: () => Math.random() },
		bus,
		http,
		httpClient: new ModdableHttpClient(),
		tcp: new ModdableTcpClient({ log }),
		storage,
	};
	try {
		const app = new App(platform, core, { configStore: deviceConfig });
		app.start();
		running = { app, bus, http, log };
	} catch (error) {
		bus.close();
		http.close();
		stayIdle(log, http, deviceConfig, [`master failed to start: ${String(error)}`]);
		return;
	}
	log.write(
		"info",
		"device",
		`master running: ${core.wiringMaxAmpsAllTWCs} A for all wall connectors, ${core.wiringMaxAmpsPerTWC} A per wall connector${memory()}`,
	);
}

/**
 * Logs why the master is not running, now and every minute, and serves only the configuration
 * and the log, so that the user can fix the configuration through the API.
 */
function stayIdle(log: TraceLog, http: ModdableHttpServer, deviceConfig: DeviceConfig<Config>, reasons: readonly string[]): void {
	const say = () => {
		for (const reason of reasons) log.write("error", "device", `master NOT started: ${reason}`);
	};
	say();
	Timer.repeat(say, IDLE_REMINDER_MS);
	const router = new Router(log);
	addConfigRoutes(router, deviceConfig);
	addLogRoutes(router, log);
	http.serve(router.handle);
}

/** UART, pins and direction control from the checked `device` section. */
function serialOptions(device: DeviceSettings): SerialPortOptions {
	const options: SerialPortOptions = { uart: device.uart, txPin: device.txPin, rxPin: device.rxPin, dePin: device.dePin };
	if (device.serialDevice !== "") options.device = device.serialDevice;
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
	if (running?.app === undefined || running.bus === undefined) return { running: false, recent: running?.log.recent() };
	return { running: true, bus: running.bus.stats, recent: running.log.recent() };
}
