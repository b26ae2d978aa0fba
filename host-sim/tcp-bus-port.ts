import type { BytePort, BytePortListener } from "../src/platform/byte-port.js";
import type { Clock, TimerHandle } from "../src/platform/clock.js";
import type { Log } from "../src/platform/log.js";
import type { TcpClient, TcpSocket } from "../src/platform/tcp.js";
import { NodeTcpClient } from "./node-tcp-client.js";

export interface TcpBusPortOptions {
	host: string;
	port: number;
	log: Log;
	clock: Clock;
	/** First reconnect delay; doubles after each failed attempt (default 1000 ms). */
	retryMs?: number;
	/** Upper bound of the reconnect delay (default 30000 ms). */
	maxRetryMs?: number;
	/** Default: a NodeTcpClient. */
	tcp?: TcpClient;
}

/**
 * The RS485 bus through an RS485-to-Ethernet converter in raw TCP mode (pyserial's socket://):
 * the TCP stream carries exactly the bus bytes. Connects when someone listens and reconnects
 * with a bounded backoff whenever the connection drops or is refused.
 */
export class TcpBusPort implements BytePort {
	#options: TcpBusPortOptions;
	#tcp: TcpClient;
	#firstDelay: number;
	#maxDelay: number;
	#delay: number;
	#listener?: BytePortListener;
	#socket?: TcpSocket;
	/** Identifies the current connection attempt; callbacks of older ones are ignored. */
	#attempt?: object;
	#open = false;
	#closed = false;
	#retry?: TimerHandle;
	#lastReason?: string;

	constructor(options: TcpBusPortOptions) {
		this.#options = options;
		this.#tcp = options.tcp ?? new NodeTcpClient({ log: options.log });
		this.#firstDelay = Math.max(1, options.retryMs ?? 1000);
		this.#maxDelay = Math.max(this.#firstDelay, options.maxRetryMs ?? 30_000);
		this.#delay = this.#firstDelay;
	}

	get #address(): string {
		return `${this.#options.host}:${this.#options.port}`;
	}

	listen(listener: BytePortListener): void {
		const first = this.#listener === undefined;
		this.#listener = listener;
		if (first && !this.#closed) this.#connect();
	}

	write(bytes: Uint8Array): boolean {
		return this.#open && this.#socket !== undefined && this.#socket.write(bytes);
	}

	close(): void {
		this.#closed = true;
		this.#open = false;
		if (this.#retry !== undefined) this.#options.clock.clearTimer(this.#retry);
		this.#retry = undefined;
		this.#attempt = undefined;
		this.#socket?.close();
		this.#socket = undefined;
	}

	#connect(): void {
		this.#retry = undefined;
		if (this.#closed) return;
		const attempt = {};
		this.#attempt = attempt;
		const socket = this.#tcp.connect({
			host: this.#options.host,
			port: this.#options.port,
			onConnect: () => this.#connected(attempt),
			onBytes: (bytes) => {
				if (attempt === this.#attempt) this.#call((l) => l.onBytes(bytes));
			},
			onClose: (reason) => this.#lost(attempt, reason),
		});
		// Unless it already failed (a TcpClient may call onClose synchronously).
		if (attempt === this.#attempt) this.#socket = socket;
	}

	#connected(attempt: object): void {
		if (attempt !== this.#attempt) return;
		this.#open = true;
		this.#delay = this.#firstDelay;
		this.#lastReason = undefined;
		this.#options.log.write("info", "bus", `connected to ${this.#address}`);
		this.#call((l) => l.onStatus?.(true, `connected to ${this.#address}`));
	}

	#lost(attempt: object, reason: string): void {
		if (attempt !== this.#attempt) return;
		this.#attempt = undefined;
		this.#socket = undefined;
		const wasOpen = this.#open;
		this.#open = false;
		const delay = this.#delay;
		this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
		const why = wasOpen ? `connection to ${this.#address} lost: ${reason}` : `cannot connect to ${this.#address}: ${reason}`;
		// Log each loss, but not every failed attempt while the converter stays away.
		if (wasOpen || reason !== this.#lastReason) {
			this.#options.log.write("warn", "bus", `${why}; reconnecting in ${delay} ms`);
		} else {
			this.#options.log.write("debug", "bus", `${why}; next attempt in ${delay} ms`);
		}
		// Every failed attempt is reported: the master counts them for the bus state.
		this.#call((l) => l.onStatus?.(false, why));
		this.#lastReason = reason;
		this.#retry = this.#options.clock.setTimer(delay, () => this.#connect());
	}

	#call(action: (listener: BytePortListener) => void): void {
		if (!this.#listener) return;
		try {
			action(this.#listener);
		} catch (error) {
			this.#options.log.write("error", "bus", `listener failed: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
}

export type BusAddress =
	| { kind: "serial"; path: string }
	| { kind: "tcp"; host: string; port: number };

/**
 * Reads a TWCManager-style `port` setting: a serial device ("/dev/ttyUSB0", "COM3") or a
 * converter as "socket://HOST:PORT". Other pyserial URL schemes are refused with a reason.
 */
export function parseBusUrl(text: string): BusAddress {
	const value = text.trim();
	const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
	if (scheme === "socket") {
		const match = /^socket:\/\/(\[[^\]]+\]|[^:/?#\s]+):(\d{1,5})\/?$/i.exec(value);
		const port = match ? Number(match[2]) : NaN;
		if (!match || port < 1 || port > 65535) {
			throw new Error(`bad bus address "${text}": expected socket://HOST:PORT with a port from 1 to 65535`);
		}
		return { kind: "tcp", host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
	}
	if (scheme === "rfc2217") {
		throw new Error(`bus address "${text}": rfc2217:// (telnet serial control) is not supported; ` +
			"set the converter to raw TCP mode and use socket://HOST:PORT");
	}
	if (scheme !== undefined) {
		throw new Error(`bus address "${text}": ${scheme}:// is not supported; use a serial device or socket://HOST:PORT`);
	}
	if (/^\/\S+$/.test(value) || /^(\\\\\.\\)?COM\d+$/i.test(value)) return { kind: "serial", path: value };
	throw new Error(`bad bus address "${text}": expected a serial device (/dev/ttyUSB0, COM3) or socket://HOST:PORT`);
}
