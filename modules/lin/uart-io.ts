/**
 * What differs between the ESP32's ECMA-419 serial and the `lin` simulator's (moddable.md §4), lin side
 * (see modules/esp32/uart-io.ts). On lin the serial opens a device file (`device`), `write()` takes
 * only an ArrayBuffer, and `read()` has no read(buffer) form: given a buffer it reads 0 bytes and
 * returns an empty ArrayBuffer, so a loop calling read(buffer) never drains the port (the process
 * grew to 3.9 GB in 40 s). There are no GPIOs.
 */
import Serial from "embedded:io/serial";

export interface DirectionPin {
	write(value: 0 | 1): void;
	close(): void;
}

export function openDirectionPin(pin: number): DirectionPin {
	throw new Error(`dePin ${pin}: the desktop simulator has no GPIO; use an automatic-direction RS485 adapter (dePin -1)`);
}

/** Reads every byte waiting, as a new array (lin's only form); undefined when none. */
export function readAvailable(serial: Serial, _scratch: Uint8Array): Uint8Array | undefined {
	const buffer = (serial.read as unknown as () => ArrayBuffer | undefined)();
	if (buffer === undefined || buffer.byteLength === 0) return undefined;
	return new Uint8Array(buffer);
}

/** lin's write() takes an ArrayBuffer only (a Uint8Array throws, and nothing is sent). */
export function writable(bytes: Uint8Array): ArrayBuffer {
	if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
	return bytes.slice().buffer as ArrayBuffer;
}

/** No console UART on the desktop: the log goes through trace() (shown by xsbug in a debug build). */
export function openConsoleSerial(_onWritable: (bytes: number) => void): Serial | undefined {
	return undefined;
}
