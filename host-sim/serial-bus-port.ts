import { SerialPort } from "serialport";
import type { BytePort, BytePortListener } from "../src/platform/byte-port.js";
import type { Clock, TimerHandle } from "../src/platform/clock.js";
import type { Log } from "../src/platform/log.js";

export interface SerialStreamOptions {
	path: string;
	baudRate: number;
	dataBits: 8;
	parity: "none";
	stopBits: 1;
	autoOpen: false;
}

/** The part of a serialport stream this port uses: SerialPort, or SerialPortMock in tests. */
export type SerialStream = Pick<SerialPort, "open" | "write" | "close" | "on" | "isOpen">;

export interface SerialBusPortOptions {
	/** Device, e.g. "/dev/ttyUSB0" or "COM3". */
	path: string;
	/** Default 9600, the TWC bus speed. */
	baudRate?: number;
	log: Log;
	clock: Clock;
	/** Delay between attempts to (re)open the device (default 5000 ms). */
	retryMs?: number;
	/** Makes the stream (default: a real SerialPort); tests pass SerialPortMock. */
	createStream?: (options: SerialStreamOptions) => SerialStream;
}

/**
 * The RS485 bus through a USB adapter (8N1). The device is opened when someone listens; when it
 * cannot be opened or goes away it is retried every `retryMs` until it is back.
 */
export class SerialBusPort implements BytePort {
	#options: SerialBusPortOptions;
	#retryMs: number;
	#createStream: (options: SerialStreamOptions) => SerialStream;
	#listener?: BytePortListener;
	#stream?: SerialStream;
	#open = false;
	#closed = false;
	#retry?: TimerHandle;
	#lastReason?: string;

	constructor(options: SerialBusPortOptions) {
		this.#options = options;
		this.#retryMs = options.retryMs ?? 5000;
		this.#createStream = options.createStream ?? ((o) => new SerialPort(o));
	}

	listen(listener: BytePortListener): void {
		const first = this.#listener === undefined;
		this.#listener = listener;
		if (first && !this.#closed) this.#attempt();
	}

	write(bytes: Uint8Array): boolean {
		const stream = this.#stream;
		if (!this.#open || !stream) return false;
		stream.write(Buffer.from(bytes), (error) => {
			if (error) this.#options.log.write("warn", "serial", `write failed: ${reason(error)}`);
		});
		return true;
	}

	close(): void {
		this.#closed = true;
		if (this.#retry !== undefined) this.#options.clock.clearTimer(this.#retry);
		this.#retry = undefined;
		const stream = this.#stream;
		this.#stream = undefined;
		this.#open = false;
		if (stream?.isOpen) stream.close(() => {});
	}

	#attempt(): void {
		this.#retry = undefined;
		if (this.#closed) return;
		const { path, baudRate = 9600 } = this.#options;
		let stream: SerialStream;
		try {
			stream = this.#createStream({ path, baudRate, dataBits: 8, parity: "none", stopBits: 1, autoOpen: false });
		} catch (error) {
			this.#lost(undefined, reason(error));
			return;
		}
		this.#stream = stream;
		stream.on("data", (data: Buffer) => {
			if (stream === this.#stream) this.#call((l) => l.onBytes(data));
		});
		// Errors without a callback and closes (a DisconnectedError when unplugged) both mean: reopen.
		stream.on("error", (error: Error) => this.#lost(stream, reason(error)));
		stream.on("close", (error: Error | null) => this.#lost(stream, error ? reason(error) : "port closed"));
		stream.open((error) => {
			if (error) this.#lost(stream, reason(error));
			else this.#opened(stream);
		});
	}

	#opened(stream: SerialStream): void {
		if (stream !== this.#stream || this.#closed) return;
		this.#open = true;
		this.#lastReason = undefined;
		const { path, baudRate = 9600 } = this.#options;
		this.#options.log.write("info", "serial", `opened ${path} at ${baudRate} baud 8N1`);
		this.#call((l) => l.onStatus?.(true, `opened ${path}`));
	}

	/** The stream failed to open or went away: log it once, report every attempt, then retry. */
	#lost(stream: SerialStream | undefined, why: string): void {
		if (stream !== this.#stream || this.#closed) return;
		this.#stream = undefined;
		const wasOpen = this.#open;
		this.#open = false;
		if (stream?.isOpen) stream.close(() => {});
		const { path } = this.#options;
		const seconds = this.#retryMs / 1000;
		if (wasOpen || why !== this.#lastReason) {
			this.#options.log.write("warn", "serial", `${path}: ${why}; retrying every ${seconds} s`);
		} else {
			this.#options.log.write("debug", "serial", `${path}: still unavailable (${why})`);
		}
		// Every failed attempt is reported: the master counts them for the bus state.
		this.#call((l) => l.onStatus?.(false, why));
		this.#lastReason = why;
		this.#retry = this.#options.clock.setTimer(this.#retryMs, () => this.#attempt());
	}

	/** Listener exceptions are logged, never thrown into serialport's machinery. */
	#call(action: (listener: BytePortListener) => void): void {
		if (!this.#listener) return;
		try {
			action(this.#listener);
		} catch (error) {
			this.#options.log.write("error", "serial", `listener failed: ${reason(error)}`);
		}
	}
}

/** serialport's messages often start with a redundant "Error: ". */
function reason(error: unknown): string {
	const text = error instanceof Error ? error.message : String(error);
	return text.replace(/^Error: /, "");
}
