/**
 * The core's TcpClient on ECMA-419 `embedded:io/socket/tcp` (Modbus TCP meters, RS485-to-Ethernet
 * converters). Host names go through the SDK's UDP DNS resolver; an IPv4 address connects at once.
 *
 * As the host's binding (host-sim/node-tcp-client.ts): `onClose` is called exactly once unless the
 * owner closed the socket, a connection attempt gives up after `connectTimeoutMs`, and exceptions
 * from the callbacks are caught (one escaping a native callback would abort the VM). The socket
 * takes only what its buffer has room for, so writes wait in a small queue (`maxQueuedBytes`):
 * `write` answers false when the socket is not connected or the queue is full. No socket is opened
 * at module load (preloaded).
 */
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import Timer from "timer";
import type { Log } from "platform/log";
import type { TcpClient, TcpClientOptions, TcpSocket } from "platform/tcp";

export interface ModdableTcpClientOptions {
	log: Log;
	/** Give up a connection attempt after this long (default 10 s). */
	connectTimeoutMs?: number;
	/** DNS servers asked for host names (default Cloudflare and Google). */
	dnsServers?: readonly string[];
	/** Bytes waiting for the socket at most (default 4 KiB). */
	maxQueuedBytes?: number;
}

export class ModdableTcpClient implements TcpClient {
	readonly #options: ModdableTcpClientOptions;

	constructor(options: ModdableTcpClientOptions) {
		this.#options = options;
	}

	connect(options: TcpClientOptions): TcpSocket {
		return new ModdableTcpSocket(options, this.#options);
	}
}

function isIPv4(host: string): boolean {
	const parts = host.split(".");
	return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

class ModdableTcpSocket implements TcpSocket {
	readonly #options: TcpClientOptions;
	readonly #log: Log;
	readonly #maxQueued: number;
	#socket: TCP | undefined;
	#resolver: Resolver | undefined;
	#timer: Timer | undefined;
	#connected = false;
	#done = false;
	#queue: Uint8Array[] = [];
	#queued = 0;
	#writable = 0;

	constructor(options: TcpClientOptions, client: ModdableTcpClientOptions) {
		this.#options = options;
		this.#log = client.log;
		this.#maxQueued = client.maxQueuedBytes ?? 4096;
		const timeoutMs = client.connectTimeoutMs ?? 10_000;
		this.#timer = Timer.set(() => {
			this.#timer = undefined;
			this.#fail(`connect timed out after ${timeoutMs} ms`);
		}, timeoutMs);
		const { host, port } = options;
		if (!Number.isInteger(port) || port < 1 || port > 65535) {
			this.#later(`bad port ${String(port)}`);
			return;
		}
		if (isIPv4(host)) {
			this.#later(undefined, host);
			return;
		}
		try {
			const resolver = new Resolver({ servers: [...(client.dnsServers ?? ["1.1.1.1", "8.8.8.8"])], socket: { io: UDP } });
			this.#resolver = resolver;
			resolver.resolve({
				host,
				onResolved: (_host: string, address: string) => {
					this.#closeResolver();
					if (!this.#done) this.#open(String(address));
					return null;
				},
				onError: () => {
					this.#closeResolver();
					this.#fail(`cannot resolve ${host}`);
					return null;
				},
			});
		} catch (error) {
			this.#later(`cannot resolve ${host}: ${String(error)}`);
		}
	}

	write(bytes: Uint8Array): boolean {
		if (!this.#connected || this.#done) return false;
		if (this.#queued + bytes.length > this.#maxQueued) return false;
		// A copy: the caller may reuse its array.
		this.#queue.push(bytes.slice());
		this.#queued += bytes.length;
		this.#drain();
		return true;
	}

	close(): void {
		this.#done = true;
		this.#connected = false;
		this.#release();
	}

	/** Connects (or fails) after this turn, so callbacks never run inside the constructor. */
	#later(error: string | undefined, address?: string): void {
		Timer.set(() => {
			if (this.#done) return;
			if (error !== undefined) this.#fail(error);
			else this.#open(address!);
		}, 0);
	}

	#open(address: string): void {
		const { host, port } = this.#options;
		try {
			this.#socket = new TCP({
				address,
				port,
				nodelay: true,
				onReadable: (count: number) => this.#safely(() => this.#onReadable(count)),
				onWritable: (count: number) => this.#safely(() => this.#onWritable(count)),
				onError: () => this.#fail(this.#connected ? "connection closed or lost" : `cannot connect to ${host}:${port} (refused or unreachable)`),
			});
		} catch (error) {
			this.#fail(`cannot connect to ${host}:${port}: ${String(error)}`);
		}
	}

	#onWritable(count: number): void {
		this.#writable = count;
		if (!this.#connected && !this.#done) {
			this.#connected = true;
			if (this.#timer !== undefined) Timer.clear(this.#timer);
			this.#timer = undefined;
			this.#options.onConnect?.();
		}
		this.#drain();
	}

	#onReadable(count: number): void {
		const socket = this.#socket;
		if (socket === undefined || this.#done) return;
		const data = socket.read(count) as ArrayBuffer | undefined;
		if (data === undefined || data.byteLength === 0) return;
		this.#options.onBytes(new Uint8Array(data));
	}

	/** Writes what the socket has room for. */
	#drain(): void {
		const socket = this.#socket;
		if (socket === undefined) return;
		while (this.#queue.length > 0 && this.#writable > 0) {
			const head = this.#queue[0];
			const n = Math.min(head.length, this.#writable);
			const piece = head.subarray(0, n);
			// lin's socket takes an ArrayBuffer; a whole-buffer copy suits both.
			const left = (socket.write as unknown as (data: ArrayBuffer) => number | undefined)(piece.slice().buffer as ArrayBuffer);
			this.#writable = typeof left === "number" ? left : this.#writable - n;
			this.#queued -= n;
			if (n === head.length) this.#queue.shift();
			else this.#queue[0] = head.subarray(n);
		}
	}

	#fail(reason: string): void {
		if (this.#done) return;
		this.#done = true;
		this.#connected = false;
		this.#release();
		this.#safely(() => this.#options.onClose(reason));
	}

	#release(): void {
		if (this.#timer !== undefined) Timer.clear(this.#timer);
		this.#timer = undefined;
		this.#closeResolver();
		const socket = this.#socket;
		this.#socket = undefined;
		this.#queue = [];
		this.#queued = 0;
		try {
			socket?.close();
		} catch {
			// Closed already.
		}
	}

	#closeResolver(): void {
		const resolver = this.#resolver;
		this.#resolver = undefined;
		try {
			resolver?.close();
		} catch {
			// Closed already.
		}
	}

	#safely(action: () => void): void {
		try {
			action();
		} catch (error) {
			const { host, port } = this.#options;
			this.#log.write("error", "tcp", `${host}:${port} callback failed: ${String(error)}`);
		}
	}
}
