/**
 * The core's SerialOpener (src/platform/serial-opener.ts) on ECMA-419 serial (`embedded:io/serial`):
 * a DSMR smart meter's P1 port on a second ESP32 UART, receive only.
 *
 * `sources.DSMR.serialPort` on the device: `uart<N>:RX=<gpio>`, e.g. "uart1:RX=4" (case does not
 * matter; spaces are ignored). UART 0 is the console and the bus's UART (config `uart`, 2 by default)
 * is taken, so in practice it is UART 1; the RX pin may not be one of the bus's pins. "uart1" alone
 * uses the opener's `defaultRxPin` when one is given. On the desktop build (lin) a path starting with
 * "/" is a serial device (a USB P1 cable, or a pseudo-terminal in a test).
 *
 * Line format: the ESP32's ECMA-419 serial is fixed at 8N1 and cannot invert RX (moddable.md §2).
 * - DSMR 4/5 (115200 8N1): as is.
 * - DSMR 2.2/3 (9600 7E1): a 7E1 character has the same 10 bits on the wire as an 8N1 one (start, 7
 *   data, parity, stop), so it is read as 8N1 and the parity bit (bit 7) is cleared. The parity is
 *   not checked; those meters have no CRC either, so a corrupted character is caught only by the
 *   telegram's syntax and the plausibility bounds.
 * - The P1 data line is open collector and inverted: the hardware must invert it (see
 *   docs/sources/DSMR.md, "On the device").
 * The UART's 128-byte RX FIFO is the only buffer: at 115200 baud it holds 11 ms of telegram, so a
 * longer JavaScript turn while a telegram arrives loses bytes (the CRC then refuses it: set
 * `requireCRC` on the device). Each receive turn is measured as kind "p1" (GET /api/v1/device).
 *
 * Errors are values: a port that cannot be opened is a BytePort whose listener hears
 * `onStatus(false, reason)`; nothing is thrown into the core. Nothing is opened at module load.
 */
import Serial from "embedded:io/serial";
import { readAvailable } from "uart-io";
import type { BytePort, BytePortListener } from "platform/byte-port";
import type { SerialOpener, SerialOpenOptions } from "platform/serial-opener";

export interface ModdableSerialOpenerOptions {
	/** The bus's UART (refused here). */
	busUart: number;
	/** The bus's pins (TX, RX, DE; -1 = none): refused as the P1 RX pin. */
	busPins: readonly number[];
	/** The RX pin when the path names only the UART ("uart1"). */
	defaultRxPin?: number;
	/** Device paths ("/dev/ttyUSB1") are accepted: the desktop build only. */
	devicePaths?: boolean;
	/** Measures each receive callback as a JavaScript turn. */
	turns?: { run<T>(kind: string, work: () => T): T };
}

/** Where a P1 port is: a UART and its RX pin, or (desktop) a device file. */
export type P1Location = { uart: number; rxPin: number } | { device: string };

/** Reads `sources.DSMR.serialPort` as this device understands it, or says what is wrong. */
export function parseP1Path(path: string, options: ModdableSerialOpenerOptions): P1Location | string {
	const text = String(path).replace(/\s+/g, "");
	if (text.startsWith("/")) {
		if (options.devicePaths === true) return { device: text };
		return `serialPort ${JSON.stringify(path)}: on the device the P1 port is a UART, e.g. "uart1:RX=4"`;
	}
	const match = /^uart(\d+)(?::rx=(\d+))?$/i.exec(text);
	if (match === null) return `serialPort ${JSON.stringify(path)}: expected "uart1:RX=<gpio>", e.g. "uart1:RX=4"`;
	const uart = Number(match[1]);
	if (uart === 0) return `serialPort ${JSON.stringify(path)}: UART 0 is the console; use uart1`;
	if (uart === options.busUart) return `serialPort ${JSON.stringify(path)}: UART ${uart} is the RS485 bus's (config uart); use uart${options.busUart === 1 ? 2 : 1}`;
	if (uart !== 1 && uart !== 2) return `serialPort ${JSON.stringify(path)}: the ESP32 has UARTs 0 to 2`;
	const rxPin = match[2] !== undefined ? Number(match[2]) : options.defaultRxPin;
	if (rxPin === undefined) return `serialPort ${JSON.stringify(path)}: name the RX pin, e.g. "uart${uart}:RX=4"`;
	if (!Number.isInteger(rxPin) || rxPin < 0 || rxPin > 48) return `serialPort ${JSON.stringify(path)}: RX pin ${rxPin} is not a GPIO`;
	if (options.busPins.includes(rxPin)) return `serialPort ${JSON.stringify(path)}: GPIO ${rxPin} is used by the RS485 bus`;
	return { uart, rxPin };
}

export class ModdableSerialOpener implements SerialOpener {
	readonly #options: ModdableSerialOpenerOptions;

	constructor(options: ModdableSerialOpenerOptions) {
		this.#options = options;
	}

	open(options: SerialOpenOptions): BytePort {
		return new P1Port(options, this.#options);
	}
}

/** A receive-only UART for the P1 telegrams. */
class P1Port implements BytePort {
	#serial: Serial | undefined;
	#listener: BytePortListener | undefined;
	readonly #name: string;
	readonly #error: string | undefined;
	readonly #sevenBits: boolean;
	readonly #turns: ModdableSerialOpenerOptions["turns"];
	readonly #rx = new Uint8Array(128);

	constructor(options: SerialOpenOptions, opener: ModdableSerialOpenerOptions) {
		this.#sevenBits = options.format === "7E1";
		this.#turns = opener.turns;
		const where = parseP1Path(options.path, opener);
		if (typeof where === "string") {
			this.#name = String(options.path);
			this.#error = where;
			return;
		}
		this.#name = "device" in where ? where.device : `UART ${where.uart} (RX ${where.rxPin})`;
		const baud = options.baud;
		if (!Number.isInteger(baud) || baud < 300 || baud > 1_000_000) {
			this.#error = `baud rate ${baud} is not supported`;
			return;
		}
		const settings: Record<string, unknown> = {
			baud,
			format: "buffer",
			onReadable: (count: number) => (this.#turns !== undefined ? this.#turns.run("p1", () => this.#onReadable(count)) : this.#onReadable(count)),
		};
		if ("device" in where) settings.device = where.device;
		else {
			settings.port = where.uart;
			settings.receive = where.rxPin;
		}
		try {
			this.#serial = new (Serial as unknown as new (options: Record<string, unknown>) => Serial)(settings);
		} catch (error) {
			this.#error = `cannot open ${this.#name}: ${String(error)} (pin or UART in use?)`;
		}
	}

	listen(listener: BytePortListener): void {
		this.#listener = listener;
		if (this.#error !== undefined) listener.onStatus?.(false, this.#error);
		else listener.onStatus?.(this.#serial !== undefined, this.#name);
	}

	/** Receive only: the P1 port has no data line towards the meter. */
	write(_bytes: Uint8Array): boolean {
		return false;
	}

	close(): void {
		const serial = this.#serial;
		this.#serial = undefined;
		this.#listener = undefined;
		try {
			serial?.close();
		} catch {
			// Closed already.
		}
	}

	/** Drains the FIFO (at most 8 chunks a turn) and hands each chunk on, parity bit cleared for 7E1. */
	#onReadable(_count: number): void {
		const serial = this.#serial;
		if (serial === undefined) return;
		for (let i = 0; i < 8; i++) {
			const chunk = readAvailable(serial, this.#rx);
			if (chunk === undefined) break;
			if (this.#sevenBits) for (let j = 0; j < chunk.length; j++) chunk[j] &= 0x7f;
			const listener = this.#listener;
			if (listener === undefined) continue;
			try {
				listener.onBytes(chunk);
			} catch (error) {
				trace(`error p1: listener threw ${String(error)}\n`);
			}
		}
	}
}
