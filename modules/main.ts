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
import { json, Router } from "api/router";
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
import { ModdableMqttClient } from "./mqtt-client.js";
import { ModdableSerialOpener } from "./serial-opener.js";
import { FIFO_FILL_MS, TurnMeter } from "./turn-meter.js";
import { addSetupRoutes, basicPassword, type SetupSource, type SetupValues } from "api/setup-routes";
import { Network } from "./network.js";
import { ClockSync } from "./clock-sync.js";
import { createFirmwareUpload, observeAnswers, startBootCheck } from "./ota.js";
import { restart } from "firmware-io";
import type { UpdateCheck } from "device/update-check";

/** How often an idle master repeats why it did not start. */
const IDLE_REMINDER_MS = 60_000;

/** Every JavaScript turn, by what started it: the UART's FIFO holds only FIFO_FILL_MS of bytes. */
let turns: TurnMeter | undefined;
/** When main() ran, by the clock of that moment (seconds). */
let bootedAtS = 0;

/** The running program, kept for its lifetime (and for xsbug). */
let running: { app?: App; bus?: SerialBytePort; http?: ModdableHttpServer; log: TraceLog } | undefined;

export default function main(): void {
	const manifest = config as unknown as Readonly<Record<string, unknown>>;
	// A release build logs on the console UART itself; a debug build's trace() goes to xsbug.
	const log = new TraceLog({ level: parseLogLevel(manifest.logLevel) ?? "info", console: ConsoleWriter.open() });
	log.write("info", "device", "TWC master starting");
	bootedAtS = Math.round(Date.now() / 1000);
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
	turns = new TurnMeter({ onSlow: (kind, ms) => log.write(ms > FIFO_FILL_MS ? "warn" : "debug", "device", `a ${kind} turn took ${ms} ms (the UART holds ${FIFO_FILL_MS} ms of bytes)`) });
	const http = new ModdableHttpServer({ port: device?.httpPort ?? 80, log, turns });
	running.http = http;
	const clock = new TimerClock((error) => log.write("error", "clock", `timer callback threw: ${String(error)}`), turns);
	// Wi-Fi: returns at once; the bus never waits for the network.
	const clockSync = new ClockSync(log);
	const network = new Network({
		clock,
		log,
		hostname: device?.hostname,
		httpPort: device?.httpPort ?? 80,
		accessPointPassword: typeof manifest.apPassword === "string" ? manifest.apPassword : "",
		onOnline: () => clockSync.online(),
	});
	network.start(device !== undefined && device.ssid !== "" ? { ssid: device.ssid, password: device.password } : undefined);
	const setup = setupSource(network, deviceConfig, log);
	http.addUpload("/api/v1/firmware", createFirmwareUpload(log, clock));

	if (loaded.config === undefined || device === undefined) {
		stayIdle(log, http, deviceConfig, setup, [
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
		stayIdle(log, http, deviceConfig, setup, [`cannot open UART ${port.uart} (TX ${port.txPin}, RX ${port.rxPin}): ${String(error)}`]);
		return;
	}
	const direction = port.dePin !== undefined && port.dePin >= 0 ? `DE/RE on GPIO ${port.dePin}` : "auto-direction";
	log.write("info", "bus", `${port.device ?? `UART ${port.uart} TX ${port.txPin} RX ${port.rxPin}`} 9600 8N1, ${direction}`);

	// 3. The master and its API. A P1 meter (sources.DSMR) gets another UART, never the bus's.
	const serialPorts = new ModdableSerialOpener({
		busUart: port.uart,
		busPins: [port.txPin, port.rxPin, port.dePin ?? -1].filter((pin) => pin >= 0),
		devicePaths: port.device !== undefined,
		turns,
	});
	startMaster(log, clock, bus, http, storage, deviceConfig, setup, loaded.config, serialPorts);
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

function startMaster(log: TraceLog, clock: TimerClock, bus: SerialBytePort, http: ModdableHttpServer, storage: Storage, deviceConfig: DeviceConfig<Config>, setup: SetupSource, core: Config, serialPorts: ModdableSerialOpener): void {
	let check: UpdateCheck | undefined;
	let linked = () => false;
	check = startBootCheck({ clock, log, linked: () => linked() });
	const platform: Platform = {
		clock,
		log,
		random: { next: () => Math.random() },
		bus,
		http: observeAnswers(http, () => check?.apiAnswered()),
		httpClient: new ModdableHttpClient({ turns }),
		tcp: new ModdableTcpClient({ log }),
		mqtt: new ModdableMqttClient({ log, turns }),
		serialPorts,
		storage,
	};
	try {
		const app = new App(platform, core, {
			configStore: deviceConfig,
			// The Host/Origin checks accept the device's mDNS name; the admin password of the setup page
			// is the page's password too (one password).
			web: { names: () => [setup.network().hostname] },
		});
		const adminPassword = storedAdminPassword(deviceConfig);
		if (!app.auth.passwordSet && adminPassword !== "") app.auth.setPassword(adminPassword, undefined, "setup");
		addSetupRoutes(app.router, setup);
		app.router.get("/api/v1/device", () => json(200, deviceStatus()));
		linked = () => app.master.slaves.length > 0;
		app.start();
		running = { app, bus, http, log };
	} catch (error) {
		bus.close();
		http.close();
		stayIdle(log, http, deviceConfig, setup, [`master failed to start: ${String(error)}`]);
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
function stayIdle(log: TraceLog, http: ModdableHttpServer, deviceConfig: DeviceConfig<Config>, setup: SetupSource, reasons: readonly string[]): void {
	const say = () => {
		for (const reason of reasons) log.write("error", "device", `master NOT started: ${reason}`);
	};
	say();
	Timer.repeat(say, IDLE_REMINDER_MS);
	const router = new Router(log);
	addConfigRoutes(router, deviceConfig);
	addLogRoutes(router, log);
	addSetupRoutes(router, setup);
	router.get("/api/v1/device", () => json(200, deviceStatus()));
	http.serve(router.handle);
}

/** UART, pins and direction control from the checked `device` section. */
function serialOptions(device: DeviceSettings): SerialPortOptions {
	const options: SerialPortOptions = { uart: device.uart, txPin: device.txPin, rxPin: device.rxPin, dePin: device.dePin, turns };
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

/** The setup page's view of the device: the network, the stored document, and how to save. */
function setupSource(network: Network, deviceConfig: DeviceConfig<Config>, log: TraceLog): SetupSource {
	const documentNow = (): Record<string, unknown> => {
		const text = deviceConfig.read();
		const parsed = text === undefined ? undefined : (JSON.parse(text) as unknown);
		return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
	};
	const section = (doc: Record<string, unknown>, name: string): Record<string, unknown> => {
		const value = doc[name];
		return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
	};
	return {
		network: () => network.state(),
		current: () => {
			const doc = documentNow();
			const core = section(doc, "config");
			const dev = section(doc, "device");
			const out: ReturnType<SetupSource["current"]> = {};
			if (typeof dev.ssid === "string") out.ssid = dev.ssid;
			if (typeof dev.hostname === "string") out.hostname = dev.hostname;
			if (typeof core.wiringMaxAmpsAllTWCs === "number") out.wiringMaxAmpsAllTWCs = core.wiringMaxAmpsAllTWCs;
			if (typeof core.wiringMaxAmpsPerTWC === "number") out.wiringMaxAmpsPerTWC = core.wiringMaxAmpsPerTWC;
			if (typeof core.minAmpsPerTWC === "number") out.minAmpsPerTWC = core.minAmpsPerTWC;
			return out;
		},
		networks: () => network.nearby(),
		authorize: (request) => {
			const stored = section(documentNow(), "device").adminPassword;
			if (typeof stored !== "string" || stored === "") return undefined; // first boot: nobody has a password yet
			return basicPassword(request) === stored ? undefined : "the admin password is required (user name: admin)";
		},
		save: (values: SetupValues) => {
			const doc = documentNow();
			const core = section(doc, "config");
			const dev = section(doc, "device");
			core.wiringMaxAmpsAllTWCs = values.wiringMaxAmpsAllTWCs;
			core.wiringMaxAmpsPerTWC = values.wiringMaxAmpsPerTWC;
			dev.ssid = values.ssid;
			dev.password = values.password;
			dev.adminPassword = values.adminPassword;
			if (values.hostname !== undefined) dev.hostname = values.hostname;
			doc.config = core;
			doc.device = dev;
			try {
				deviceConfig.write(JSON.stringify(doc));
			} catch (error) {
				return String(error);
			}
			log.write("info", "setup", `saved: network "${values.ssid}", wiring ${values.wiringMaxAmpsAllTWCs} A / ${values.wiringMaxAmpsPerTWC} A; restarting into station mode`);
			Timer.set(() => restart(), 2000);
			return undefined;
		},
		next: (values) => `The charger master restarts in 2 s and joins "${values.ssid}". Then open http://${values.hostname !== undefined ? `${values.hostname}.local` : network.state().hostname}/ on that network.`,
	};
}

/**
 * GET /api/v1/device: the longest JavaScript turns by kind (against the UART FIFO's 133 ms) and,
 * in an instrumented build, the XS heap and stack in use.
 */
function deviceStatus(): Record<string, unknown> {
	const instrument = (name: "XS Slot Heap Used" | "XS Chunk Heap Used" | "XS Stack Used") => Instrumentation.get(Instrumentation.map(name)) ?? null;
	return {
		uptimeSeconds: Math.round(Date.now() / 1000) - bootedAtS,
		fifoFillMs: FIFO_FILL_MS,
		turns: turns?.snapshot() ?? [],
		memory: {
			slotHeapBytes: instrument("XS Slot Heap Used"),
			chunkHeapBytes: instrument("XS Chunk Heap Used"),
			stackBytes: instrument("XS Stack Used"),
		},
	};
}

/** The admin password the setup page stored in the configuration document ("" when none). */
function storedAdminPassword(deviceConfig: DeviceConfig<Config>): string {
	try {
		const text = deviceConfig.read();
		const doc = text === undefined ? undefined : (JSON.parse(text) as { device?: { adminPassword?: unknown } });
		return typeof doc?.device?.adminPassword === "string" ? doc.device.adminPassword : "";
	} catch {
		return "";
	}
}
