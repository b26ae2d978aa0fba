/**
 * The log on the console UART in a release build, where `trace()` prints nothing (moddable.md §4:
 * the XS report function writes only in debug builds). The ESP32 driver copies straight into the
 * 128-byte TX FIFO and throws rather than write part of a buffer, and a log line is often longer, so
 * lines wait in a small bounded queue and go out as the FIFO drains (`onWritable`). When the queue
 * is full, lines are dropped and the loss is said once there is room again: the log never holds up
 * the bus.
 */
import type Serial from "embedded:io/serial";
import { openConsoleSerial, writable } from "uart-io";

/** Bytes waiting at most (about 0.2 s of output at 115200 baud). */
export const CONSOLE_QUEUE_BYTES = 2048;

export class ConsoleWriter {
	#serial: Serial;
	#queue: Uint8Array[] = [];
	#queued = 0;
	#dropped = 0;
	/** Bytes the TX FIFO can take now: empty (128) when opened, then as onWritable reports. */
	#room = 128;

	/** The console UART, or undefined when a debug build has it (then use trace()). */
	static open(): ConsoleWriter | undefined {
		let writer: ConsoleWriter | undefined;
		const serial = openConsoleSerial((bytes) => {
			if (writer !== undefined) writer.#drain(bytes);
		});
		if (serial === undefined) return undefined;
		writer = new ConsoleWriter(serial);
		return writer;
	}

	private constructor(serial: Serial) {
		this.#serial = serial;
	}

	/** Lines dropped because the queue was full. */
	get dropped(): number {
		return this.#dropped;
	}

	write(line: string): void {
		const bytes = new Uint8Array(ArrayBuffer.fromString(line.endsWith("\n") ? line : line + "\n"));
		if (this.#queued + bytes.length > CONSOLE_QUEUE_BYTES) {
			this.#dropped++;
			return;
		}
		this.#queue.push(bytes);
		this.#queued += bytes.length;
		this.#drain(0);
	}

	/** Writes what fits in the FIFO now (`room` bytes reported free by onWritable, else what we last knew). */
	#drain(room: number): void {
		if (room > 0) this.#room = room;
		while (this.#queue.length > 0 && this.#room > 0) {
			const head = this.#queue[0];
			const n = Math.min(head.length, this.#room);
			try {
				this.#serial.write(writable(head.subarray(0, n)));
			} catch {
				this.#room = 0; // full after all: wait for the next onWritable
				return;
			}
			this.#room -= n;
			this.#queued -= n;
			if (n === head.length) this.#queue.shift();
			else this.#queue[0] = head.subarray(n);
		}
		if (this.#queue.length === 0 && this.#dropped > 0) {
			const note = this.#dropped;
			this.#dropped = 0;
			this.write(`(log: ${note} lines dropped, the console was busy)`);
		}
	}
}
