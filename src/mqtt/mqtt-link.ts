/**
 * MQTT status and control, as TWCManager's MQTTStatus and MQTTControl (reference integrations §B.2,
 * §C.2), with Home Assistant discovery (discovery.ts) and an availability topic with a last will.
 *
 * Status: every `tickMs` the status topics whose value changed are published, retained; a topic is
 * published at most once per `ratelimit` seconds, and a value held back is published when the
 * window ends (TWCManager drops it, so a topic could keep a stale value). Nothing is queued while
 * the broker is away; on every (re)connect "online", the discovery messages and every topic go out
 * again. A command is answered by publishing what it changed at once, whatever the rate limit.
 *
 * Control: `<prefix>/control/#`. Commands go through `MqttCommands`, which the app binds to the
 * same controller paths the HTTP API uses (settings validated, Charge Now, start/stop through the
 * charge controller): nothing here sets amps, and the master's gate holds whatever a message says.
 */
import type { MqttControlConfig, MqttStatusConfig, MqttBrokerConfig } from "../config/config.js";
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { Log } from "../platform/log.js";
import type { MqttClient, MqttConnection } from "../platform/mqtt-client.js";
import type { Random } from "../platform/random.js";
import { controlLeaf, HA_CHARGE_NOW_SECONDS, parseControl, type ControlCommand } from "./control.js";
import { discoveryId, siteDiscovery, unitDiscovery, type DiscoveryOptions } from "./discovery.js";
import { availabilityTopic, statusMessages, type MqttStatusSource } from "./status.js";

/** What a command did: the settings' answer (errors refuse it; warnings are said). */
export interface MqttCommandResult {
	ok: boolean;
	errors: readonly string[];
	warnings?: readonly string[];
}

/** The controller paths the HTTP API uses, bound by the app. */
export interface MqttCommands {
	chargeNow(amps: number, seconds: number): MqttCommandResult;
	cancelChargeNow(): MqttCommandResult;
	/** A settings patch, validated as a whole, then applied at once. */
	updateSettings(patch: Record<string, unknown>): MqttCommandResult;
	startCharging(): MqttCommandResult;
	stopCharging(): MqttCommandResult;
}

export interface MqttLinkOptions {
	client: MqttClient;
	clock: Clock;
	log: Log;
	/** Client ids get a random suffix (two masters on one broker must not kick each other off). */
	random?: Random;
	control: MqttControlConfig;
	status: MqttStatusConfig;
	source: MqttStatusSource;
	commands: MqttCommands;
	wiringMaxAmpsAllTWCs: number;
	/** Announce the voltage of phases B and C too. */
	threePhase: boolean;
	/** How often changed values are looked for (default 2000 ms). */
	tickMs?: number;
}

export const MQTT_TICK_MS = 2000;

interface Sent {
	payload: string;
	at: number;
}

export class MqttLink {
	readonly #o: MqttLinkOptions;
	#statusConnection: MqttConnection | undefined;
	#controlConnection: MqttConnection | undefined;
	#statusConnected = false;
	#timer: TimerHandle | undefined;
	#running = false;
	/** Per status topic: what went out last and when (cleared on each connect). */
	#sent = new Map<string, Sent>();
	/** Units announced to Home Assistant on this connection; "all" for the site. */
	#announced = new Set<string>();
	#lastProblem = new Map<string, string>();

	constructor(options: MqttLinkOptions) {
		this.#o = options;
	}

	get enabled(): boolean {
		return this.#o.status.enabled || this.#o.control.enabled;
	}

	/** Whether the status connection is up (false when status.MQTT is off). */
	get statusConnected(): boolean {
		return this.#statusConnected;
	}

	start(): void {
		if (this.#running || !this.enabled) return;
		this.#running = true;
		const { status, control } = this.#o;
		if (status.enabled) {
			this.#statusConnection = this.#connect(status, "status", true);
			if (this.#discovery) this.#statusConnection.subscribe(`${status.discoveryPrefix}/status`);
		}
		if (control.enabled) {
			// One broker for both: one connection, as a device has little room for sockets.
			this.#controlConnection = this.#statusConnection && sameBroker(status, control) ? this.#statusConnection : this.#connect(control, "control", false);
			this.#controlConnection.subscribe(`${control.topicPrefix}/control/#`);
		}
		if (status.enabled) this.#schedule();
	}

	/** Says "offline" (retained) and disconnects. */
	stop(): void {
		if (!this.#running) return;
		this.#running = false;
		if (this.#timer !== undefined) this.#o.clock.clearTimer(this.#timer);
		this.#timer = undefined;
		if (this.#statusConnection && this.#statusConnected) {
			this.#statusConnection.publish(availabilityTopic(this.#o.status.topicPrefix), "offline", { retain: true });
		}
		this.#statusConnected = false;
		this.#statusConnection?.close();
		if (this.#controlConnection !== this.#statusConnection) this.#controlConnection?.close();
		this.#statusConnection = undefined;
		this.#controlConnection = undefined;
	}

	/** A control message as the broker hands it (also for tests without a broker). */
	handleMessage(topic: string, payload: string): void {
		const { control, status } = this.#o;
		if (this.#discovery && topic === `${status.discoveryPrefix}/status`) {
			// Home Assistant restarted: it asks for the discovery messages again.
			if (payload === "online") {
				this.#announced.clear();
				this.#publish(true);
			}
			return;
		}
		if (!control.enabled) return;
		const leaf = controlLeaf(control.topicPrefix, topic);
		if (leaf === undefined) return;
		const parsed = parseControl(leaf, payload, { wiringMaxAmpsAllTWCs: this.#o.wiringMaxAmpsAllTWCs });
		if (!parsed.ok) {
			this.#o.log.write("warn", "mqtt", `${topic}: ${parsed.error}`);
			return;
		}
		this.#run(topic, parsed.command);
		// What the command changed is shown now, not after the rate limit.
		if (this.#statusConnected) this.#publish(true);
	}

	// ---- commands ------------------------------------------------------------------------------

	#run(topic: string, command: ControlCommand): void {
		const { commands, log } = this.#o;
		let what: string;
		let result: MqttCommandResult;
		switch (command.kind) {
			case "chargeNow":
				what = `Charge Now at ${command.amps} A for ${command.seconds} s`;
				result = commands.chargeNow(command.amps, command.seconds);
				break;
			case "chargeNowAmps":
				if (command.amps === 0) {
					what = "end Charge Now";
					result = commands.cancelChargeNow();
				} else {
					what = `Charge Now at ${command.amps} A for ${HA_CHARGE_NOW_SECONDS / 3600} h`;
					result = commands.chargeNow(command.amps, HA_CHARGE_NOW_SECONDS);
				}
				break;
			case "chargeNowEnd":
				what = "end Charge Now";
				result = commands.cancelChargeNow();
				break;
			case "nonScheduledAmpsMax":
				what = `non-scheduled amps ${command.amps} A`;
				result = commands.updateSettings({ nonScheduledAmpsMax: command.amps });
				break;
			case "nonScheduledAction":
				// "Do not charge" with amps left would still charge at them (§5.2): zeroed as TWCManager's settings page does.
				what = `non-scheduled action ${command.action}${command.action === 2 ? " (non-scheduled amps set to 0)" : ""}`;
				result = commands.updateSettings(command.action === 2 ? { nonScheduledAction: 2, nonScheduledAmpsMax: 0 } : { nonScheduledAction: command.action });
				break;
			case "startCharging":
				what = "start charging";
				result = commands.startCharging();
				break;
			case "stopCharging":
				what = "stop charging";
				result = commands.stopCharging();
				break;
			case "stop":
				log.write("warn", "mqtt", `${topic}: TWCManager ends itself on this message; this master keeps the bus running and ignores it (use ${this.#o.control.topicPrefix}/control/stopCharging to stop the cars)`);
				return;
		}
		const note = "note" in command && command.note ? ` (${command.note})` : "";
		if (result.ok) {
			const warnings = result.warnings && result.warnings.length > 0 ? `; ${result.warnings.join("; ")}` : "";
			log.write("info", "mqtt", `${topic}: ${what}${note}${warnings}`);
		} else log.write("warn", "mqtt", `${topic}: ${what}${note} refused: ${result.errors.join("; ")}`);
	}

	// ---- status --------------------------------------------------------------------------------

	get #discovery(): boolean {
		return this.#o.status.enabled && this.#o.status.homeassistantDiscovery;
	}

	#discoveryOptions(): DiscoveryOptions {
		const { status, control } = this.#o;
		return {
			statusPrefix: status.topicPrefix,
			controlPrefix: control.enabled ? control.topicPrefix : undefined,
			discoveryPrefix: status.discoveryPrefix,
			deviceNamePrefix: status.deviceNamePrefix,
			wiringMaxAmpsAllTWCs: this.#o.wiringMaxAmpsAllTWCs,
			threePhase: this.#o.threePhase,
		};
	}

	#schedule(): void {
		this.#timer = this.#o.clock.setTimer(this.#o.tickMs ?? MQTT_TICK_MS, () => {
			this.#timer = undefined;
			if (!this.#running) return;
			if (this.#statusConnected) this.#publish(false);
			this.#schedule();
		});
	}

	/** Discovery for what is not announced yet, then the status topics that changed. */
	#publish(force: boolean): void {
		const connection = this.#statusConnection;
		if (!connection || !this.#statusConnected) return;
		const { status, source, clock, log } = this.#o;
		let messages: Map<string, string>;
		try {
			if (this.#discovery) {
				const options = this.#discoveryOptions();
				if (!this.#announced.has("all")) {
					for (const m of siteDiscovery(options)) connection.publish(m.topic, m.payload, { retain: true });
					this.#announced.add("all");
				}
				for (const unit of source.units()) {
					if (this.#announced.has(unit.twcId)) continue;
					for (const m of unitDiscovery(options, unit.twcId)) connection.publish(m.topic, m.payload, { retain: true });
					this.#announced.add(unit.twcId);
				}
			}
			messages = statusMessages(status.topicPrefix, source);
		} catch (error) {
			log.write("error", "mqtt", `status not published: ${error instanceof Error ? error.message : String(error)}`);
			return;
		}
		const now = clock.now();
		const window = status.ratelimit * 1000;
		for (const [topic, payload] of messages) {
			const last = this.#sent.get(topic);
			if (last !== undefined && last.payload === payload) continue;
			// A clock stepped back counts as the window passed.
			if (!force && last !== undefined && now >= last.at && now - last.at < window) continue;
			connection.publish(topic, payload, { retain: true });
			this.#sent.set(topic, { payload, at: now });
		}
	}

	// ---- connections ---------------------------------------------------------------------------

	#connect(broker: MqttBrokerConfig, role: "status" | "control", isStatus: boolean): MqttConnection {
		const { client, log, random } = this.#o;
		const suffix = random ? Math.floor(random.next() * 0x1000000).toString(16).padStart(6, "0") : "0";
		const where = `${broker.host}:${broker.port}`;
		return client.connect({
			host: broker.host,
			port: broker.port,
			username: broker.username === "" ? undefined : broker.username,
			password: broker.password === "" ? undefined : broker.password,
			clientId: `twc-${discoveryId(broker.topicPrefix)}-${role}-${suffix}`,
			will: isStatus ? { topic: availabilityTopic(broker.topicPrefix), payload: "offline", retain: true } : undefined,
			onConnect: () => {
				this.#lastProblem.delete(role);
				log.write("info", "mqtt", `${role}: connected to ${where}`);
				if (!isStatus || !this.#running) return;
				this.#statusConnected = true;
				this.#sent.clear();
				this.#announced.clear();
				this.#statusConnection?.publish(availabilityTopic(broker.topicPrefix), "online", { retain: true });
				this.#publish(true);
			},
			onMessage: (topic, payload) => this.handleMessage(topic, payload),
			onClose: (reason) => {
				if (isStatus) this.#statusConnected = false;
				if (!this.#running) return;
				// Said once per outage, not at every retry.
				if (this.#lastProblem.get(role) === reason) return;
				this.#lastProblem.set(role, reason);
				log.write("warn", "mqtt", `${role}: no connection to the MQTT broker ${where} (${reason}); retrying`);
			},
		});
	}
}

function sameBroker(a: MqttBrokerConfig, b: MqttBrokerConfig): boolean {
	return a.host === b.host && a.port === b.port && a.username === b.username && a.password === b.password;
}
