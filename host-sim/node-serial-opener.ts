import { SerialPort } from "serialport";
import type { BytePort } from "../src/platform/byte-port.js";
import type { Clock } from "../src/platform/clock.js";
import type { Log } from "../src/platform/log.js";
import type { SerialOpener, SerialOpenOptions } from "../src/platform/serial-opener.js";
import { SerialBusPort, type SerialStream, type SerialStreamOptions } from "./serial-bus-port.js";

export interface NodeSerialOpenerOptions {
	clock: Clock;
	log: Log;
	/** Delay between attempts to (re)open a device (default 5000 ms). */
	retryMs?: number;
	/** Makes the stream (default: a real SerialPort); tests may pass SerialPortMock. */
	createStream?: (options: Omit<SerialStreamOptions, "dataBits" | "parity"> & { dataBits: 7 | 8; parity: "none" | "even" }) => SerialStream;
}

/**
 * Serial ports other than the bus (a DSMR P1 cable) on the serialport package: the same reopening
 * port as the bus, with the telegram format asked for (8N1 for DSMR 4/5, 7E1 for DSMR 2.2/3).
 */
export class NodeSerialOpener implements SerialOpener {
	readonly #options: NodeSerialOpenerOptions;

	constructor(options: NodeSerialOpenerOptions) {
		this.#options = options;
	}

	open(options: SerialOpenOptions): BytePort {
		const sevenEven = options.format === "7E1";
		const create = this.#options.createStream ?? ((o) => new SerialPort(o));
		return new SerialBusPort({
			path: options.path,
			baudRate: options.baud,
			log: this.#options.log,
			clock: this.#options.clock,
			retryMs: this.#options.retryMs,
			createStream: (o) => create({ ...o, dataBits: sevenEven ? 7 : 8, parity: sevenEven ? "even" : "none" }),
		});
	}
}
