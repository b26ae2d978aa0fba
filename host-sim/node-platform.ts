import type { BytePort } from "../src/platform/byte-port.js";
import type { Clock } from "../src/platform/clock.js";
import type { Log } from "../src/platform/log.js";
import type { Platform } from "../src/platform/platform.js";
import { seededRandom, type Random } from "../src/platform/random.js";
import { ConsoleLog } from "./console-log.js";
import { FileStorage } from "./file-storage.js";
import { NodeClock } from "./node-clock.js";
import { NodeHttpClient } from "./node-http-client.js";
import { NodeHttpServer } from "./node-http-server.js";
import { NodeMqttClient } from "./node-mqtt-client.js";
import { NodeSerialOpener } from "./node-serial-opener.js";
import { NodeTcpClient } from "./node-tcp-client.js";
import { SerialBusPort } from "./serial-bus-port.js";
import { parseBusUrl, TcpBusPort, type BusAddress } from "./tcp-bus-port.js";

export interface NodePlatformOptions {
	/** A ready port (e.g. the simulated bus), or a TWCManager-style address: "/dev/ttyUSB0", "COM3", "socket://host:port". */
	bus: BytePort | string | BusAddress;
	/** Serve HTTP on this port (a port in use makes `http.listening` reject, naming it); none when undefined. */
	httpPort?: number;
	httpHost?: string;
	/** Default: a ConsoleLog at "info". */
	log?: Log;
	/** Default: the wall clock. */
	clock?: Clock;
	/** Seeds the Random for repeatable runs; Math.random otherwise. */
	seed?: number;
	/**
	 * Directory for settings documents; no storage when undefined. It is locked while the platform
	 * is open: a second instance on the same directory fails with an Error naming it.
	 */
	storageDir?: string;
	/** Reopen delay of a serial bus (default 5000 ms) / first reconnect delay of a TCP bus (default 1000 ms). */
	busRetryMs?: number;
}

export interface NodePlatform extends Platform {
	http?: NodeHttpServer;
	/** Closes the bus and the HTTP server, and releases the settings directory. */
	close(): void;
}

/** Assembles the Node bindings into a Platform for the CLI. */
export function createNodePlatform(options: NodePlatformOptions): NodePlatform {
	const clock = options.clock ?? new NodeClock();
	const log = options.log ?? new ConsoleLog({ clock });
	const random: Random = options.seed !== undefined ? seededRandom(options.seed) : { next: () => Math.random() };
	// First: a directory in use by another instance stops here, before a bus or a port is opened.
	const storage = options.storageDir !== undefined ? new FileStorage({ dir: options.storageDir, log }) : undefined;
	const bus = isBytePort(options.bus)
		? options.bus
		: openBusPort(options.bus, { log, clock, retryMs: options.busRetryMs });
	const http = options.httpPort !== undefined
		? new NodeHttpServer({ port: options.httpPort, host: options.httpHost, log })
		: undefined;
	return {
		clock,
		log,
		random,
		bus,
		http,
		httpClient: new NodeHttpClient(),
		tcp: new NodeTcpClient({ log }),
		mqtt: new NodeMqttClient({ log }),
		serialPorts: new NodeSerialOpener({ clock, log }),
		storage,
		close() {
			bus.close();
			http?.close();
			storage?.close();
		},
	};
}

/** A BytePort for a serial device or an RS485-to-Ethernet converter. */
export function openBusPort(
	address: string | BusAddress,
	context: { log: Log; clock: Clock; retryMs?: number },
): BytePort {
	const where = typeof address === "string" ? parseBusUrl(address) : address;
	return where.kind === "serial"
		? new SerialBusPort({ path: where.path, ...context })
		: new TcpBusPort({ host: where.host, port: where.port, ...context });
}

function isBytePort(value: NodePlatformOptions["bus"]): value is BytePort {
	return typeof value === "object" && "listen" in value;
}
