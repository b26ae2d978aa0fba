/**
 * `sources.MQTT`: values other systems publish on MQTT topics (reference §A.21, TWCManager's
 * EMS/MQTT.py): `topicConsumption` and `topicGeneration`, each a plain number in W. As TWCManager, a
 * negative generation counts as its magnitude. Unlike TWCManager a value ages out: one not heard
 * for `maxAgeS` (default 120 s) is no longer used, so a dead publisher cannot leave a sunny value.
 */
import type { MqttConnection } from "../../platform/mqtt-client.js";
import { emptyReading, type EnergySource, type PollResult, type SourceContext, type SourceDefinition, type SourceReading } from "../source.js";
import { implausible, SectionReader } from "../source-values.js";

/** The broker keys TWCManager's MQTT sources share. */
export interface BrokerConfig {
	host: string;
	port: number;
	username?: string;
	password?: string;
	maxAgeMs: number;
}

/** Reads brokerIP / brokerPort / username / password (both or neither) / maxAgeS. */
export function readBroker(config: SectionReader): BrokerConfig {
	const host = config.string("brokerIP");
	const port = config.port("brokerPort", 1883);
	const username = config.string("username", "");
	const password = config.string("password", "");
	const maxAgeS = config.number("maxAgeS", 120, 1, 86_400);
	// TWCManager sends credentials only when both are given.
	return { host, port, username: username && password ? username : undefined, password: username && password ? password : undefined, maxAgeMs: maxAgeS * 1000 };
}

/** A value told on a topic, with when. */
interface Told {
	value: number;
	at: number;
}

/**
 * A source whose device tells: it subscribes on create, keeps what arrives, and a poll answers
 * with the values not older than maxAge.
 */
export abstract class ToldSource implements EnergySource {
	readonly told = true;
	readonly name: string;
	readonly intervalS = 10;
	readonly #context: SourceContext;
	readonly #broker: BrokerConfig;
	readonly #connection: MqttConnection;
	readonly #told = new Map<string, Told>();
	#connected = false;
	#problem: string | undefined;
	#lastMessageAt: number | undefined;

	constructor(name: string, context: SourceContext, broker: BrokerConfig, clientId: string, topics: string[]) {
		this.name = name;
		this.#context = context;
		this.#broker = broker;
		this.#connection = context.mqtt!.connect({
			host: broker.host,
			port: broker.port,
			username: broker.username,
			password: broker.password,
			clientId: `${clientId}-${Math.floor(context.clock.now() % 1_000_000)}`,
			onConnect: () => {
				this.#connected = true;
				this.#problem = undefined;
			},
			onClose: (reason) => {
				this.#connected = false;
				this.#problem = `MQTT broker ${broker.host}:${broker.port}: ${reason}`;
			},
			onMessage: (topic, payload) => {
				this.#lastMessageAt = this.#context.clock.now();
				const error = this.take(topic, payload, (key, value) => this.#told.set(key, { value, at: this.#context.clock.now() }), (key) => this.#told.delete(key));
				if (error !== undefined) {
					this.#problem = `${topic}: ${error}`;
					this.#context.log.write("warn", "energy", `${name}: ${this.#problem}`);
				} else this.#problem = undefined;
			},
		});
		for (const topic of topics) this.#connection.subscribe(topic);
	}

	/** Reads one message; `set` keeps a value under a key, `forget` drops one; an error text when the payload is unusable. */
	protected abstract take(topic: string, payload: string, set: (key: string, value: number) => void, forget: (key: string) => void): string | undefined;

	/** Builds the reading from the values still fresh (`value(key)` is null when missing or old). */
	protected abstract read(value: (key: string) => number | null, reading: SourceReading): void;

	/** What to say when nothing fresh is there. */
	protected abstract get waitingFor(): string;

	poll(done: (result: PollResult) => void): void {
		const now = this.#context.clock.now();
		let fresh = 0;
		const value = (key: string): number | null => {
			const told = this.#told.get(key);
			if (told === undefined || now - told.at > this.#broker.maxAgeMs || now < told.at) return null;
			fresh++;
			return told.value;
		};
		const reading = emptyReading();
		this.read(value, reading);
		if (fresh === 0) {
			const age = this.#lastMessageAt === undefined ? undefined : Math.round((now - this.#lastMessageAt) / 1000);
			const why = this.#problem ?? (!this.#connected
				? `not connected to the MQTT broker ${this.#broker.host}:${this.#broker.port} yet`
				: age === undefined ? `no message yet on ${this.waitingFor}` : `no new value on ${this.waitingFor} for ${age} s`);
			return done({ ok: false, error: `${this.name}: ${why}` });
		}
		const error = implausible(reading);
		done(error === undefined ? { ok: true, reading } : { ok: false, error: `${this.name}: ${error}` });
	}

	close(): void {
		this.#connection.close();
	}
}

const NAME = "MQTT";

class MqttTopicSource extends ToldSource {
	readonly #consumption: string;
	readonly #generation: string;

	constructor(context: SourceContext, broker: BrokerConfig, consumption: string, generation: string) {
		super(NAME, context, broker, "MQTT.EMS", [consumption, generation].filter((t) => t !== ""));
		this.#consumption = consumption;
		this.#generation = generation;
	}

	protected take(topic: string, payload: string, set: (key: string, value: number) => void): string | undefined {
		const text = payload.trim();
		const n = text === "" ? NaN : Number(text);
		if (!Number.isFinite(n)) return `not a number in W: ${JSON.stringify(payload.slice(0, 40))}`;
		if (topic === this.#consumption) set("consumption", n);
		if (topic === this.#generation) set("generation", Math.abs(n));
		return undefined;
	}

	protected read(value: (key: string) => number | null, reading: SourceReading): void {
		reading.consumptionW = this.#consumption === "" ? null : value("consumption");
		reading.generationW = this.#generation === "" ? null : value("generation");
	}

	protected get waitingFor(): string {
		return [this.#consumption, this.#generation].filter((t) => t !== "").join(" / ");
	}
}

export const mqttSource: SourceDefinition = {
	name: NAME,
	summary: "generation and consumption in W published on MQTT topics",
	create(section, context) {
		const config = new SectionReader(NAME, section);
		const broker = readBroker(config);
		const consumption = config.string("topicConsumption", "");
		const generation = config.string("topicGeneration", "");
		if (config.error) return config.error;
		if (consumption === "" && generation === "") return `sources.${NAME}: give topicConsumption or topicGeneration (or both)`;
		if (context.mqtt === undefined) return `sources.${NAME}: no MQTT client on this platform`;
		return new MqttTopicSource(context, broker, consumption, generation);
	},
};
