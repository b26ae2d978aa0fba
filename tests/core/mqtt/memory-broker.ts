/**
 * An MQTT broker in memory behind the core's MqttClient interface, for core tests (Node and XS):
 * retained messages, "+"/"#" filters, last wills on an abrupt drop, connects delivered on the
 * clock (as a real client answers later, never inside connect()). Real brokers are in tests/host/mqtt.
 */
import type { Clock } from "../../../src/platform/clock.js";
import type { MqttClient, MqttConnection, MqttConnectOptions } from "../../../src/platform/mqtt-client.js";

export interface Published {
	topic: string;
	payload: string;
	retain: boolean;
	/** Which client sent it ("will" for a last will). */
	from: string;
}

interface Session {
	id: number;
	options: MqttConnectOptions;
	filters: string[];
	connected: boolean;
	closed: boolean;
}

export function topicMatches(filter: string, topic: string): boolean {
	const f = filter.split("/");
	const t = topic.split("/");
	for (let i = 0; i < f.length; i++) {
		if (f[i] === "#") return true;
		if (i >= t.length) return false;
		if (f[i] !== "+" && f[i] !== t[i]) return false;
	}
	return f.length === t.length;
}

export class MemoryBroker implements MqttClient {
	readonly log: Published[] = [];
	readonly retained = new Map<string, string>();
	readonly sessions: Session[] = [];
	/** While false, connects fail (onClose) and nothing is delivered. */
	up = true;
	readonly #clock: Clock;

	constructor(clock: Clock) {
		this.#clock = clock;
	}

	connect(options: MqttConnectOptions): MqttConnection {
		const session: Session = { id: this.sessions.length, options, filters: [], connected: false, closed: false };
		this.sessions.push(session);
		const from = options.clientId ?? `client${session.id}`;
		this.#clock.setTimer(0, () => this.#tryConnect(session));
		return {
			subscribe: (filter) => {
				if (!session.filters.includes(filter)) session.filters.push(filter);
				if (session.connected) this.#sendRetained(session, filter);
			},
			publish: (topic, payload, publishOptions) => {
				// A real client drops (or queues) what is published while it is not connected.
				if (!session.connected) return;
				this.inject(topic, payload, publishOptions?.retain ?? false, from);
			},
			close: () => {
				session.closed = true;
				session.connected = false;
			},
		};
	}

	#tryConnect(session: Session): void {
		if (session.closed) return;
		if (!this.up) {
			session.options.onClose?.("connection refused");
			this.#clock.setTimer(1000, () => this.#tryConnect(session));
			return;
		}
		session.connected = true;
		session.options.onConnect?.();
		for (const filter of session.filters) this.#sendRetained(session, filter);
	}

	#sendRetained(session: Session, filter: string): void {
		for (const [topic, payload] of this.retained) if (topicMatches(filter, topic)) session.options.onMessage(topic, payload);
	}

	/** A message from anyone (Home Assistant, a script): stored if retained, delivered to subscribers. */
	inject(topic: string, payload: string, retain = false, from = "test"): void {
		this.log.push({ topic, payload, retain, from });
		if (retain) {
			if (payload === "") this.retained.delete(topic);
			else this.retained.set(topic, payload);
		}
		for (const s of this.sessions) {
			if (s.connected && s.filters.some((f) => topicMatches(f, topic))) s.options.onMessage(topic, payload);
		}
	}

	/** The network fails: every connection drops, wills are published, clients retry later. */
	drop(reason = "connection reset"): void {
		for (const s of this.sessions) {
			if (!s.connected) continue;
			s.connected = false;
			if (s.options.will) this.inject(s.options.will.topic, s.options.will.payload, s.options.will.retain ?? false, "will");
			s.options.onClose?.(reason);
			this.#clock.setTimer(1000, () => this.#tryConnect(s));
		}
	}

	/** Messages published on topics matching `filter`, in order. */
	published(filter: string): Published[] {
		return this.log.filter((m) => topicMatches(filter, m.topic));
	}
}
