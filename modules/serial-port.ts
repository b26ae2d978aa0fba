/**
 * BytePort on ECMA-419 serial (`embedded:io/serial`): the TWC RS485 bus on an ESP32 UART.
 *
 * What the ESP32 implementation gives us (moddable.md §2): fixed 8N1, no RS485 mode, no RTS, no
 * TX-done event and no software buffers. `write()` copies straight into the 128-byte TX FIFO and
 * throws "output full" rather than write part of a buffer; `onReadable` fires when the RX FIFO
 * fills or after 4 idle byte-times, so one call usually carries one frame but may carry less or
 * more (the core re-frames on 0xC0). The 128-byte RX FIFO is the only slack: about 133 ms at
 * 9600 baud, so no JS turn may take longer than that.
 *
 * Direction control (DE/RE), two ways:
 * - Default: an automatic-direction transceiver (MAX13487-class, or a module with automatic DE).
 *   No pin, nothing to time; the only way to get µs-accurate turn-around without native code.
 * - `dePin` >= 0: a plain transceiver (MAX3485) with DE and /RE tied to one GPIO. See `write()`.
 *
 * No hardware is touched at module load (this module is preloaded); only the constructor opens it.
 */
import Serial from "embedded:io/serial";
import Timer from "timer";
// Per platform (manifest.json): modules/esp32/uart-io.ts or modules/lin/uart-io.ts.
import { openDirectionPin, readAvailable, writable, type DirectionPin } from "uart-io";
import type { BytePort, BytePortListener } from "platform/byte-port";

/** The TWC bus speed (twcmanager-core.md §1.1); 8N1 is the only framing the ESP32 driver offers. */
export const BAUD = 9600;
/** One byte on the wire at 8N1: start + 8 data + stop = 10 bits. */
export const BYTE_MS = 10_000 / BAUD;
/** The ESP32 UART hardware FIFOs (TX and RX) hold 128 bytes each. */
export const FIFO_BYTES = 128;
/** Chunks read in one onReadable turn at most (8 × 128 bytes ≈ 1 s of a saturated bus). */
const MAX_READS = 8;
/** Margin after the computed last stop bit before DE is dropped. */
export const DE_GUARD_MS = 2;

/** How long `bytes` bytes take on the wire, rounded up, plus the guard: ceil(n × 10000/9600) + 2 ms. */
export function wireTimeMs(bytes: number): number {
	return Math.ceil(bytes * BYTE_MS) + DE_GUARD_MS;
}

export interface SerialPortOptions {
	/** ESP32 UART number: 1 or 2. UART 0 is the console/xsbug port and is refused. */
	uart: number;
	/** GPIO to the transceiver's DI (ESP32 TX). */
	txPin: number;
	/** GPIO from the transceiver's RO (ESP32 RX). */
	rxPin: number;
	/** GPIO driving DE and /RE (tied together); undefined or -1 = automatic-direction transceiver. */
	dePin?: number;
	/**
	 * Linux simulator only (`mcconfig -p lin`): the serial device, e.g. "/dev/ttyUSB0" with a
	 * USB-RS485 adapter. The `lin` serial implementation opens `device` and ignores the pins.
	 */
	device?: string;
	/** Measures each receive callback as a JavaScript turn ("bus"): see turn-meter.ts. */
	turns?: { run<T>(kind: string, work: () => T): T };
}

export interface SerialPortStats {
	/** Bytes received. */
	rxBytes: number;
	/** Frames handed to the TX FIFO. */
	txFrames: number;
	/** Frames refused because the TX FIFO was full ("output full"). */
	txFull: number;
	/** Frames refused for any other reason (closed port, frame larger than the FIFO, driver error). */
	txErrors: number;
}

export class SerialBytePort implements BytePort {
	#serial: Serial | undefined;
	#de: DirectionPin | undefined;
	#listener: BytePortListener | undefined;
	/** Receive buffer, reused for every read (the listener may not keep the array). */
	#rx = new Uint8Array(FIFO_BYTES);
	/** The DE release timer while the transmitter is driving the bus. */
	#release: Timer | undefined;
	/** "UART 2 (TX 17, RX 16)", for status reports. */
	readonly #name: string;
	/** Date.now() at which the last queued byte has left the shift register (DE mode only). */
	#wireFreeAt = 0;
	readonly stats: SerialPortStats = { rxBytes: 0, txFrames: 0, txFull: 0, txErrors: 0 };

	/** Opens the UART (and the DE pin). Throws if the options are wrong or a pin is in use. */
	constructor(options: SerialPortOptions) {
		const { uart, txPin, rxPin } = options;
		if (uart !== 1 && uart !== 2) throw new RangeError(`uart must be 1 or 2 (0 is the console), got ${uart}`);
		if (!isPin(txPin) || !isPin(rxPin)) throw new RangeError(`invalid txPin/rxPin ${txPin}/${rxPin}`);
		if (txPin === rxPin) throw new RangeError(`txPin and rxPin are both ${txPin}`);
		const dePin = options.dePin ?? -1;
		this.#name = options.device ?? `UART ${uart} (TX ${txPin}, RX ${rxPin})`;
		if (dePin !== -1 && (!isPin(dePin) || dePin === txPin || dePin === rxPin)) {
			throw new RangeError(`invalid dePin ${dePin}`);
		}

		if (dePin >= 0) {
			// Drive the transceiver into receive before the UART can see anything.
			this.#de = openDirectionPin(dePin);
		}
		const serialOptions = {
			port: uart,
			baud: BAUD,
			transmit: txPin,
			receive: rxPin,
			format: "buffer" as const,
			onReadable: (count: number) => (options.turns !== undefined ? options.turns.run("bus", () => this.#onReadable(count)) : this.#onReadable(count)),
		};
		// `device` is read only by the lin (simulator) implementation; the ESP32 one ignores it.
		if (options.device !== undefined) Object.assign(serialOptions, { device: options.device });
		try {
			this.#serial = new Serial(serialOptions);
		} catch (error) {
			this.#de?.close();
			this.#de = undefined;
			throw error;
		}
	}

	listen(listener: BytePortListener): void {
		this.#listener = listener;
		listener.onStatus?.(this.#serial !== undefined, this.#serial !== undefined ? this.#name : `${this.#name} closed`);
	}

	/**
	 * Copies one whole frame into the TX FIFO. Returns false (nothing sent) when the FIFO has no room
	 * for the whole frame, the frame can never fit, or the port is closed.
	 *
	 * With a DE pin (moddable.md §2, option 3, "pure JS"): DE goes high, the frame goes into the FIFO,
	 * and a Timer drops DE once the frame has had its time on the wire, ceil(n × 10000/9600) + 2 ms
	 * after the write (counted from when the wire is free, if an earlier frame is still going out).
	 * Trade-off: the Timer fires only between JS turns, at 1 ms tick resolution, and the XS task runs
	 * at priority 4 below Wi-Fi/lwIP, so the release can come late. Late means our driver still holds
	 * the bus when a fast slave answers (collision); early would cut our last byte, which is why the
	 * guard is +2 ms. How soon a TWC answers is not documented, so check the turn-around with a
	 * scope. The robust fixes are an automatic-direction transceiver (the default here) or a
	 * small native fork of the SDK's modules/io/serial/esp32/serial.c that enables UART_INTR_TX_DONE
	 * and drops DE with gpio_set_level() inside the ISR (µs-accurate, no JS involved), or routes the
	 * pin as RTS in UART_MODE_RS485_HALF_DUPLEX. (Blocking with Timer.delay() instead of the Timer
	 * removes the event-loop jitter but stalls JS ~22 ms per frame.)
	 */
	write(bytes: Uint8Array): boolean {
		const serial = this.#serial;
		if (serial === undefined || bytes.length === 0 || bytes.length > FIFO_BYTES) {
			this.stats.txErrors++;
			return false;
		}
		const de = this.#de;
		de?.write(1);
		try {
			serial.write(writable(bytes));
		} catch (error) {
			// The ESP32 driver writes all or nothing: on "output full" nothing went out.
			if (String(error).indexOf("output full") >= 0) this.stats.txFull++;
			else this.stats.txErrors++;
			if (de !== undefined && this.#release === undefined) de.write(0);
			return false;
		}
		this.stats.txFrames++;
		if (de !== undefined) this.#scheduleRelease(bytes.length);
		return true;
	}

	/** Releases the bus, the UART and the DE pin. An intentional close is not reported as a loss. */
	close(): void {
		if (this.#release !== undefined) Timer.clear(this.#release);
		this.#release = undefined;
		if (this.#de !== undefined) {
			this.#de.write(0);
			this.#de.close();
			this.#de = undefined;
		}
		if (this.#serial !== undefined) {
			this.#serial.close();
			this.#serial = undefined;
		}
		this.#listener = undefined;
	}

	#scheduleRelease(bytes: number): void {
		const now = Date.now();
		// Back-to-back frames: the new one starts when the previous one has left the shift register.
		// Clamped, so a wall-clock jump (SNTP) can neither release DE early nor hold it for long.
		const startAt = this.#wireFreeAt > now && this.#wireFreeAt - now <= FIFO_BYTES * BYTE_MS ? this.#wireFreeAt : now;
		this.#wireFreeAt = startAt + bytes * BYTE_MS;
		const delay = Math.min(Math.ceil(this.#wireFreeAt - now) + DE_GUARD_MS, wireTimeMs(FIFO_BYTES));
		if (this.#release !== undefined) Timer.clear(this.#release);
		this.#release = Timer.set(() => {
			this.#release = undefined;
			this.#de?.write(0);
		}, delay);
	}

	/**
	 * Drains the receiver and hands each chunk to the listener: on the ESP32 into the reused buffer
	 * (no allocation), on lin as one new array of everything waiting (uart-io.ts). Read even without a
	 * listener so the FIFO never overflows; at most MAX_READS chunks a turn, so a stream of noise
	 * cannot hold the event loop.
	 */
	#onReadable(_count: number): void {
		const serial = this.#serial;
		if (serial === undefined) return;
		for (let i = 0; i < MAX_READS; i++) {
			const chunk = readAvailable(serial, this.#rx);
			if (chunk === undefined) break;
			this.stats.rxBytes += chunk.length;
			const listener = this.#listener;
			if (listener === undefined) continue;
			try {
				listener.onBytes(chunk);
			} catch (error) {
				// An exception escaping a native callback would abort the VM; keep the bus alive and say so.
				trace(`error bus: listener threw ${String(error)}\n`);
			}
		}
	}
}

function isPin(pin: unknown): pin is number {
	return typeof pin === "number" && Number.isInteger(pin) && pin >= 0 && pin <= 48;
}
