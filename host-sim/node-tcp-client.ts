import { Socket } from "node:net";
import { silentLog, type Log } from "../src/platform/log.js";
import type { TcpClient, TcpClientOptions, TcpSocket } from "../src/platform/tcp.js";

export interface NodeTcpClientOptions {
	/** Give up a connection attempt after this long (default 10000 ms; the OS may wait minutes). */
	connectTimeoutMs?: number;
	/** Where exceptions thrown by the connection's callbacks are reported. */
	log?: Log;
}

/** Outgoing TCP on node:net. Small request/response frames, so Nagle is off. */
export class NodeTcpClient implements TcpClient {
	#connectTimeoutMs: number;
	#log: Log;

	constructor(options: NodeTcpClientOptions = {}) {
		this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
		this.#log = options.log ?? silentLog;
	}

	connect(options: TcpClientOptions): TcpSocket {
		return new NodeTcpSocket(options, this.#connectTimeoutMs, this.#log);
	}
}

/**
 * One connection. `onClose` is called exactly once, unless the owner closed the socket itself;
 * callback exceptions are caught so they cannot escape into node:net.
 */
class NodeTcpSocket implements TcpSocket {
	#socket = new Socket();
	#options: TcpClientOptions;
	#connected = false;
	#done = false;
	#reason?: string;
	#log: Log;

	constructor(options: TcpClientOptions, connectTimeoutMs: number, log: Log) {
		this.#options = options;
		this.#log = log;
		const socket = this.#socket;
		socket.setNoDelay(true);
		socket.setTimeout(connectTimeoutMs, () => socket.destroy(new Error(`connect timed out after ${connectTimeoutMs} ms`)));
		socket.on("connect", () => {
			this.#connected = true;
			socket.setTimeout(0);
			socket.setKeepAlive(true, 10_000);
			this.#safely(() => this.#options.onConnect?.());
		});
		socket.on("data", (data: Buffer) => {
			if (!this.#done) this.#safely(() => this.#options.onBytes(data));
		});
		socket.on("error", (error: NodeJS.ErrnoException) => {
			this.#reason ??= error.message;
		});
		socket.on("close", () => {
			this.#connected = false;
			if (this.#done) return;
			this.#done = true;
			this.#safely(() => this.#options.onClose(this.#reason ?? "closed by peer"));
		});
		try {
			socket.connect(options.port, options.host);
		} catch (error) {
			// A bad port or host throws at once; report it through onClose like any other failure.
			socket.destroy(error instanceof Error ? error : new Error(String(error)));
		}
	}

	write(bytes: Uint8Array): boolean {
		if (!this.#connected || this.#done) return false;
		this.#socket.write(Buffer.from(bytes));
		return true;
	}

	close(): void {
		this.#done = true;
		this.#connected = false;
		this.#socket.destroy();
	}

	#safely(action: () => void): void {
		try {
			action();
		} catch (error) {
			const { host, port } = this.#options;
			this.#log.write("error", "tcp", `${host}:${port} callback failed: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
}
