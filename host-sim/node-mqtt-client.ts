import mqtt from "mqtt";
import { silentLog, type Log } from "../src/platform/log.js";
import type { MqttClient, MqttConnection, MqttConnectOptions } from "../src/platform/mqtt-client.js";

export interface NodeMqttClientOptions {
	/** Delay between reconnect attempts (default 5000 ms). */
	reconnectMs?: number;
	/** Give up one connect attempt after this long (default 10000 ms). */
	connectTimeoutMs?: number;
	/** Where exceptions thrown by the callbacks are reported. */
	log?: Log;
}

/**
 * MQTT on the host through the npm `mqtt` client (MQTT 3.1.1, keepalive 30 s as TWCManager): it
 * reconnects by itself; the topics subscribed are subscribed again on every connect.
 */
export class NodeMqttClient implements MqttClient {
	readonly #options: NodeMqttClientOptions;

	constructor(options: NodeMqttClientOptions = {}) {
		this.#options = options;
	}

	connect(options: MqttConnectOptions): MqttConnection {
		const log = this.#options.log ?? silentLog;
		const topics = new Set<string>();
		let closed = false;
		let lastReason: string | undefined;
		const safely = (action: () => void) => {
			try {
				action();
			} catch (error) {
				log.write("error", "mqtt", `${options.host}:${options.port} callback failed: ${error instanceof Error ? error.message : String(error)}`);
			}
		};
		const client = mqtt.connect({
			host: options.host,
			port: options.port,
			protocol: "mqtt",
			username: options.username,
			password: options.password,
			clientId: options.clientId,
			keepalive: 30,
			clean: true,
			reconnectPeriod: this.#options.reconnectMs ?? 5000,
			connectTimeout: this.#options.connectTimeoutMs ?? 10_000,
			resubscribe: false,
			will: options.will ? { topic: options.will.topic, payload: Buffer.from(options.will.payload), retain: options.will.retain ?? false, qos: 0 } : undefined,
		});
		client.on("connect", () => {
			lastReason = undefined;
			if (topics.size > 0) client.subscribe([...topics], { qos: 0 });
			safely(() => options.onConnect?.());
		});
		client.on("message", (topic, payload) => safely(() => options.onMessage(topic, payload.toString("utf8"))));
		client.on("error", (error) => {
			lastReason = error.message;
		});
		client.on("close", () => {
			if (closed) return;
			const reason = lastReason ?? `connection to ${options.host}:${options.port} closed`;
			safely(() => options.onClose?.(reason));
		});
		return {
			subscribe(topic: string): void {
				topics.add(topic);
				if (client.connected) client.subscribe(topic, { qos: 0 });
			},
			publish(topic: string, payload: string, publishOptions?: { retain?: boolean; qos?: 0 | 1 }): void {
				client.publish(topic, payload, { retain: publishOptions?.retain ?? false, qos: publishOptions?.qos ?? 0 });
			},
			close(): void {
				closed = true;
				client.end(true);
			},
		};
	}
}
