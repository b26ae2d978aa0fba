/**
 * The core's MqttClient (src/platform/mqtt-client.ts) on Moddable's ECMA-419 MQTT client
 * (`embedded:network/mqtt/client`, from the SDK's examples/io/tcp/mqttclient; MQTT 3.1.1, QoS 0/1)
 * over `embedded:io/socket/tcp`, host names through the SDK's UDP DNS resolver.
 *
 * As the host's binding (host-sim/node-mqtt-client.ts):
 * - it reconnects by itself, with a backoff (1 s doubling to 60 s, back to 1 s after a CONNACK);
 * - the topics asked for are subscribed again after every connect (the session is clean);
 * - the will is handed to the broker with each CONNECT; publish takes retain and QoS 0/1;
 * - errors are values: `onClose(reason)` once per lost or failed connection, never an exception
 *   into the core, and exceptions from the core's callbacks are caught and logged (one escaping a
 *   native callback would abort the VM).
 * The SDK client has no timeout between TCP connect and CONNACK, so one is added (connectTimeoutMs).
 * A message larger than `maxPayloadBytes` (default 8 KiB: RAM is small) is read and dropped, and
 * said once in the log. While not connected, publications wait in a small queue (the newest
 * `maxQueued`, default 8). No socket is opened at module load (preloaded).
 */
import MQTTClient from "embedded:network/mqtt/client";
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import Timer from "timer";
import type { Log } from "platform/log";
import type { MqttClient, MqttConnection, MqttConnectOptions } from "platform/mqtt-client";
import { joinBuffers } from "./buffers.js";

export interface ModdableMqttClientOptions {
	log: Log;
	/** DNS servers asked for host names (default Cloudflare and Google). */
	dnsServers?: readonly string[];
	/** The first delay before a reconnect (default 1000 ms); doubled after each failure. */
	reconnectMs?: number;
	/** The longest delay between attempts (default 60 000 ms). */
	maxReconnectMs?: number;
	/** Give up one attempt when no CONNACK came within this long (default 10 000 ms). */
	connectTimeoutMs?: number;
	/** MQTT keepalive (default 30 000 ms, as the host's client and TWCManager). */
	keepAliveMs?: number;
	/** Largest message payload kept (default 8 KiB). */
	maxPayloadBytes?: number;
	/** Publications kept while not connected (default 8). */
	maxQueued?: number;
	/** Measures each message's callback (where a source parses it) as a JavaScript turn ("mqtt"). */
	turns?: { run<T>(kind: string, work: () => T): T };
}

export class ModdableMqttClient implements MqttClient {
	readonly #options: ModdableMqttClientOptions;

	constructor(options: ModdableMqttClientOptions) {
		this.#options = options;
	}

	connect(options: MqttConnectOptions): MqttConnection {
		return new ModdableMqttConnection(options, this.#options);
	}
}

/** The SDK client as this binding drives it (its typings give onControl two arguments; it passes one). */
interface SdkClient {
	read(count: number): ArrayBuffer | undefined;
	write(data: ArrayBuffer | null, options: Record<string, unknown>): number;
	close(): void;
}

interface Outgoing {
	topic: string;
	payload: ArrayBuffer;
	retain: boolean;
	qos: 0 | 1;
}

/** "user:pass@"-free host check: a name or an IPv4 address, no spaces. */
export function checkBroker(host: string, port: number): string | undefined {
	if (typeof host !== "string" || host === "" || /[\s/@]/.test(host)) return `bad MQTT broker host ${JSON.stringify(host)}`;
	if (!Number.isInteger(port) || port < 1 || port > 65535) return `bad MQTT broker port ${String(port)}`;
	return undefined;
}

/** The delay before reconnect attempt `failures` (1, 2, …): first × 2^(failures−1), capped. */
export function backoffMs(failures: number, firstMs: number, maxMs: number): number {
	const exponent = Math.min(Math.max(failures - 1, 0), 16);
	return Math.min(firstMs * 2 ** exponent, maxMs);
}

class ModdableMqttConnection implements MqttConnection {
	readonly #options: MqttConnectOptions;
	readonly #client: ModdableMqttClientOptions;
	readonly #log: Log;
	readonly #topics: string[] = [];
	#queue: Outgoing[] = [];
	#mqtt: SdkClient | undefined;
	#timer: Timer | undefined;
	#connected = false;
	#closed = false;
	#failures = 0;
	#subscribePending = false;
	/** The message being received, in pieces. */
	#incoming: { topic: string; chunks: ArrayBuffer[]; bytes: number; dropped: boolean } | undefined;
	#toldTooLarge = false;

	constructor(options: MqttConnectOptions, client: ModdableMqttClientOptions) {
		this.#options = options;
		this.#client = client;
		this.#log = client.log;
		const bad = checkBroker(options.host, options.port);
		// Asynchronously, as every other outcome; a bad address is not retried.
		this.#timer = Timer.set(() => {
			this.#timer = undefined;
			if (this.#closed) return;
			if (bad !== undefined) this.#safely(() => this.#options.onClose?.(bad));
			else this.#open();
		}, 0);
	}

	subscribe(topic: string): void {
		if (this.#closed || this.#topics.includes(topic)) return;
		this.#topics.push(topic);
		if (this.#connected) {
			this.#subscribePending = true;
			this.#flush();
		}
	}

	publish(topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): void {
		if (this.#closed) return;
		const max = this.#client.maxQueued ?? 8;
		this.#queue.push({ topic, payload: ArrayBuffer.fromString(payload), retain: options?.retain ?? false, qos: options?.qos ?? 0 });
		// The newest count: a stale value is worth less than a fresh one.
		while (this.#queue.length > max) this.#queue.shift();
		if (this.#connected) this.#flush();
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		const mqtt = this.#mqtt;
		if (mqtt !== undefined && this.#connected) {
			try {
				mqtt.write(null, { operation: MQTTClient.DISCONNECT });
			} catch {
				// No room: the broker sees the socket close (and publishes the will).
			}
		}
		this.#release();
		this.#queue = [];
	}

	#open(): void {
		const { host, port } = this.#options;
		const timeoutMs = this.#client.connectTimeoutMs ?? 10_000;
		this.#timer = Timer.set(() => {
			this.#timer = undefined;
			this.#lost(`no answer from the MQTT broker ${host}:${port} within ${timeoutMs} ms`);
		}, timeoutMs);
		const will = this.#options.will;
		const self = this;
		try {
			this.#mqtt = new MQTTClient({
				host,
				port,
				id: this.#options.clientId ?? "",
				user: this.#options.username,
				password: this.#options.password,
				clean: true,
				keepAlive: this.#client.keepAliveMs ?? 30_000,
				will: will === undefined ? undefined : { topic: will.topic, message: will.payload, QoS: 0, retain: will.retain ?? false },
				dns: { io: Resolver, servers: [...(this.#client.dnsServers ?? ["1.1.1.1", "8.8.8.8"])], socket: { io: UDP } },
				socket: { io: TCP },
				onControl: ((message: { operation: number }) => self.#safely(() => self.#onControl(message))) as never,
				onReadable: (count: number, options: { more: boolean; topic?: string; byteLength?: number }) => self.#safely(() => self.#onReadable(count, options)),
				onWritable: () => self.#safely(() => self.#flush()),
				onError: () =>
					self.#lost(self.#connected ? `connection to the MQTT broker ${host}:${port} lost` : `cannot connect to the MQTT broker ${host}:${port} (name not found, refused, or the login was refused)`),
			}) as unknown as SdkClient;
		} catch (error) {
			this.#lost(`cannot connect to the MQTT broker ${host}:${port}: ${String(error)}`);
		}
	}

	#onControl(message: { operation: number }): void {
		if (message.operation !== MQTTClient.CONNACK || this.#closed) return;
		if (this.#timer !== undefined) Timer.clear(this.#timer);
		this.#timer = undefined;
		this.#connected = true;
		this.#failures = 0;
		this.#subscribePending = this.#topics.length > 0;
		this.#flush();
		this.#safely(() => this.#options.onConnect?.());
	}

	#onReadable(count: number, options: { more: boolean; topic?: string; byteLength?: number }): void {
		const mqtt = this.#mqtt;
		if (mqtt === undefined) return;
		const piece = mqtt.read(count);
		const maxBytes = this.#client.maxPayloadBytes ?? 8192;
		if (options.topic !== undefined) {
			const dropped = (options.byteLength ?? 0) > maxBytes;
			this.#incoming = { topic: options.topic, chunks: [], bytes: 0, dropped };
			if (dropped && !this.#toldTooLarge) {
				this.#toldTooLarge = true;
				this.#log.write("warn", "mqtt", `${options.topic}: a message of ${options.byteLength} bytes is larger than the device keeps (${maxBytes}); dropped`);
			}
		}
		const incoming = this.#incoming;
		if (incoming === undefined) return;
		if (!incoming.dropped && piece !== undefined) {
			incoming.chunks.push(piece);
			incoming.bytes += piece.byteLength;
		}
		if (options.more) return;
		this.#incoming = undefined;
		if (incoming.dropped) return;
		let text: string;
		try {
			text = incoming.chunks.length === 0 ? "" : String.fromArrayBuffer(joinBuffers(incoming.chunks, incoming.bytes));
		} catch {
			this.#log.write("warn", "mqtt", `${incoming.topic}: the message is not UTF-8 text; dropped`);
			return;
		}
		const turns = this.#client.turns;
		if (turns !== undefined) turns.run("mqtt", () => this.#options.onMessage(incoming.topic, text));
		else this.#options.onMessage(incoming.topic, text);
	}

	/** Sends the subscription and what waits, as far as the socket has room (the SDK throws "overflow" otherwise). */
	#flush(): void {
		const mqtt = this.#mqtt;
		if (mqtt === undefined || !this.#connected) return;
		try {
			if (this.#subscribePending) {
				mqtt.write(null, { operation: MQTTClient.SUBSCRIBE, items: this.#topics.map((topic) => ({ topic, QoS: 0 })) });
				this.#subscribePending = false;
			}
			while (this.#queue.length > 0) {
				const next = this.#queue[0];
				mqtt.write(next.payload, { topic: next.topic, retain: next.retain, QoS: next.qos });
				this.#queue.shift();
			}
		} catch {
			// No room now: onWritable calls again.
		}
	}

	/** A connection failed or ended: say why once, then try again after the backoff. */
	#lost(reason: string): void {
		if (this.#closed) return;
		this.#release();
		this.#failures++;
		const delay = backoffMs(this.#failures, this.#client.reconnectMs ?? 1000, this.#client.maxReconnectMs ?? 60_000);
		this.#timer = Timer.set(() => {
			this.#timer = undefined;
			if (!this.#closed) this.#open();
		}, delay);
		this.#safely(() => this.#options.onClose?.(reason));
	}

	#release(): void {
		if (this.#timer !== undefined) Timer.clear(this.#timer);
		this.#timer = undefined;
		this.#connected = false;
		this.#incoming = undefined;
		const mqtt = this.#mqtt;
		this.#mqtt = undefined;
		try {
			mqtt?.close();
		} catch {
			// Closed already (the SDK closes itself after onError).
		}
	}

	#safely(action: () => void): void {
		try {
			action();
		} catch (error) {
			const { host, port } = this.#options;
			this.#log.write("error", "mqtt", `${host}:${port} callback failed: ${String(error)}`);
		}
	}
}

