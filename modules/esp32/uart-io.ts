/**
 * What differs between the ESP32's ECMA-419 serial and the `lin` simulator's (moddable.md §4), ESP32
 * side. The manifest maps the module name "uart-io" to this file on esp32 and to modules/lin/uart-io.ts
 * on lin: a preloaded module must resolve all its imports at link time, and `embedded:io/digital`
 * does not exist on lin.
 */
import Digital from "embedded:io/digital";
import Serial from "embedded:io/serial";

/** The DE/RE line of a plain RS485 transceiver. */
export interface DirectionPin {
	write(value: 0 | 1): void;
	close(): void;
}

/** Opens `pin` as an output, driven low (receive) at once. */
export function openDirectionPin(pin: number): DirectionPin {
	const de = new Digital({ pin, mode: Digital.Output });
	de.write(0);
	return de as unknown as DirectionPin;
}

/** Reads what the RX FIFO holds into `scratch` (no allocation): the bytes read, or undefined when none. */
export function readAvailable(serial: Serial, scratch: Uint8Array): Uint8Array | undefined {
	const n = (serial.read as unknown as (buffer: Uint8Array) => number | undefined)(scratch);
	if (n === undefined || n <= 0) return undefined;
	return n === scratch.length ? scratch : scratch.subarray(0, n);
}

/** The ESP32 driver takes any buffer view. */
export function writable(bytes: Uint8Array): Uint8Array {
	return bytes;
}

/** The release build's console: UART 0 (TX 1, RX 3), as the ROM and ESP-IDF use it. */
export const CONSOLE = Object.freeze({ port: 0, baud: 115200, transmit: 1, receive: 3 });

/**
 * Opens the console UART for the log, or undefined when it is taken: a debug or instrumented build
 * gives UART 0 to xsbug (its pins are then in use), and the log goes through trace() to xsbug.
 */
export function openConsoleSerial(onWritable: (bytes: number) => void): Serial | undefined {
	try {
		return new Serial({ port: CONSOLE.port, baud: CONSOLE.baud, transmit: CONSOLE.transmit, receive: CONSOLE.receive, format: "buffer", onWritable });
	} catch {
		return undefined;
	}
}
