/**
 * Builds the controller from a Platform and a Config: the only place that knows every room.
 * The bus master talks to the wall connectors; the charge controller (policies, arbiter, VIN
 * access) says how many amps each may offer; the settings survive restarts through the
 * platform's storage; the HTTP routes read the state and take commands.
 */
import { addConfigRoutes, type ConfigStore } from "./api/config-routes.js";
import { addControlRoutes } from "./api/control-routes.js";
import { addLogRoutes, hasLogRing } from "./api/log-routes.js";
import { Router } from "./api/router.js";
import { addStateRoutes } from "./api/state-routes.js";
import { addTwcManagerRoutes, type ChargingSummary, type TwcManagerApiSource } from "./api/twcmanager-routes.js";
import { addHistoryRoutes } from "./api/history-routes.js";
import { addTwcManagerExtraRoutes, TwcResponseRecorder } from "./api/twcmanager-extra-routes.js";
import { History, sampleOf, siteEnergy } from "./charge/history.js";
import { ChargeController, type GreenSource } from "./charge/charge-controller.js";
import { GreenTracker, type GreenContext } from "./charge/green.js";
import { EnergyReadings } from "./energy/readings.js";
import { createSources } from "./energy/registry.js";
import { SourcePoller } from "./energy/source-poller.js";
import { measuredSupply, type Supply } from "./charge/power.js";
import { SettingsStore } from "./charge/settings.js";
import type { Config } from "./config/config.js";
import type { Platform } from "./platform/platform.js";
import type { Random } from "./platform/random.js";
import type { AccessSettings, Auth } from "./api/auth.js";
import type { EventHub } from "./api/events.js";
import { addWeb } from "./web/web-routes.js";
import { appStatusSource } from "./mqtt/app-status.js";
import { MqttLink, type MqttCommandResult } from "./mqtt/mqtt-link.js";
import { Master, type MasterEvent } from "./twc/master.js";
import { startStopAll } from "./twc/start-stop-all.js";
import type { SlaveRecord } from "./twc/slave.js";

export interface AppOptions {
	/** Replaces the green-energy logic (tests); by default a GreenTracker on `app.energy`. */
	green?: GreenSource;
	/** The configuration document the API reads and changes (the device's, on flash); no route without it. */
	configStore?: ConfigStore;
	/** The phone page, the password and the event stream (src/web, src/api/auth.ts). */
	web?: {
		/** The names this device answers to, for the Host/Origin checks (e.g. "twc-1a2b.local"). */
		names?: () => readonly string[];
		/** Access before the user chose (the host bound to loopback opens it to this computer). */
		access?: Partial<AccessSettings>;
		/** A CSPRNG for session ids, tokens and salts (the platform's may be seeded). */
		random?: Random;
	};
}

export class App implements TwcManagerApiSource {
	readonly config: Config;
	readonly master: Master;
	readonly settings: SettingsStore;
	readonly charge: ChargeController;
	/** Energy sources report here (meters, inverters, the replay's simulated meter). */
	readonly energy: EnergyReadings;
	/** The meters and inverters of `sources` in the config, polled into `energy`. */
	readonly sources: SourcePoller;
	readonly green: GreenTracker;
	readonly router: Router;
	/** Two days of 5-minute buckets and the last charge sessions, kept in "history.json". */
	readonly history: History;
	/** getLastTWCResponse: the first unusual reply after a debug command (it listens on the bus port). */
	readonly twcReplies: TwcResponseRecorder;
	/** MQTT status, control and Home Assistant discovery (control.MQTT, status.MQTT); undefined when both are off. */
	readonly mqtt: MqttLink | undefined;
	/** The password, sessions, tokens and who may do what (src/api/auth.ts). */
	readonly auth: Auth;
	/** GET /api/v1/events: the state pushed to open streams. */
	readonly events: EventHub;
	#platform: Platform;
	#problems: string[] = [];

	constructor(platform: Platform, config: Config, options: AppOptions = {}) {
		this.#platform = platform;
		this.config = config;
		this.settings = new SettingsStore({
			storage: platform.storage,
			log: platform.log,
			limits: { wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs, minAmpsPerTWC: config.minAmpsPerTWC },
			clock: platform.clock,
		});
		for (const problem of this.settings.load()) this.#problem(problem);
		for (const problem of config.policies.errors) this.#problem(`policy: ${problem}`);
		this.twcReplies = new TwcResponseRecorder(() => platform.clock.now());
		this.master = new Master({
			clock: platform.clock,
			log: platform.log,
			port: this.twcReplies.wrap(platform.bus),
			offers: { offerFor: (slave) => this.charge.offerFor(slave) },
			random: platform.random,
			wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs,
			wiringMaxAmpsPerTWC: config.wiringMaxAmpsPerTWC,
			masterId: config.masterId,
			slaveTimeoutMs: config.slaveTimeout * 1000,
			onEvent: (event) => this.#onMasterEvent(event),
		});
		this.energy = new EnergyReadings({ log: platform.log, staleSeconds: config.green.staleSeconds });
		const created = createSources(config.document.sources, {
			clock: platform.clock,
			log: platform.log,
			timeZone: config.timeZone,
			http: platform.httpClient,
			tcp: platform.tcp,
			mqtt: platform.mqtt,
			serial: platform.serialPorts,
		});
		for (const error of created.errors) this.#problem(`energy source not started: ${error}`);
		this.sources = new SourcePoller({ sources: created.sources, clock: platform.clock, log: platform.log, readings: this.energy });
		this.green = new GreenTracker(this.energy, config.green, () => this.greenInputs());
		this.charge = new ChargeController({
			clock: platform.clock,
			log: platform.log,
			config,
			settings: this.settings,
			bus: this.master,
			green: options.green ?? this.green,
			httpClient: platform.httpClient,
			statusJson: () => this.router.handle({ method: "GET", path: "/api/getStatus", query: new Map(), headers: new Map(), body: "" }).body ?? "{}",
		});
		this.router = new Router(platform.log);
		addTwcManagerRoutes(this.router, this);
		addStateRoutes(this.router, {
			controller: this.charge,
			now: () => platform.clock.now(),
			slaves: () => this.master.slaves,
			supply: () => this.supply(),
			problems: () => this.problems,
			bus: () => ({ ...this.master.busStatus(), counters: this.master.stats }),
			energy: () => this.energy.status(platform.clock.now()),
			sources: () => this.sources.states,
			wiring: () => ({ wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs, wiringMaxAmpsPerTWC: config.wiringMaxAmpsPerTWC, minAmpsPerTWC: config.minAmpsPerTWC }),
		});
		addControlRoutes(this.router, { controller: this.charge, settings: this.settings, wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs });
		this.history = new History({
			clock: platform.clock,
			log: platform.log,
			storage: platform.storage,
			// The last decision's energy view: sampling must not run a decision of its own (it would shift the policy's timing).
			read: () => sampleOf(this.master.slaves, this.supply(), siteEnergy(this.charge.green?.details), (id) => this.charge.sessions.active(id)),
		});
		if (this.history.loadProblem !== undefined) this.#problem(this.history.loadProblem);
		addHistoryRoutes(this.router, { history: this.history, now: () => platform.clock.now(), localTime: (ms) => this.charge.localTime(ms), vehicles: () => this.settings.current.Vehicles });
		addTwcManagerExtraRoutes(this.router, {
			bus: this.master,
			settings: this.settings,
			engine: this.charge.engine,
			applyNow: () => this.charge.applyNow(),
			log: platform.log,
			random: platform.random,
			storage: platform.storage,
			configDocument: () => config.document,
			limits: { wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs, wiringMaxAmpsPerTWC: config.wiringMaxAmpsPerTWC, minAmpsPerTWC: config.minAmpsPerTWC },
			replies: this.twcReplies,
		});
		addLogRoutes(this.router, hasLogRing(platform.log) ? platform.log : undefined);
		if (options.configStore !== undefined) addConfigRoutes(this.router, options.configStore);
		const web = addWeb(this.router, {
			clock: platform.clock,
			log: platform.log,
			random: options.web?.random ?? platform.random,
			storage: platform.storage,
			names: options.web?.names,
			defaults: options.web?.access,
		});
		this.auth = web.auth;
		this.events = web.events;
		this.mqtt = this.#buildMqtt(platform, config);
	}

	#buildMqtt(platform: Platform, config: Config): MqttLink | undefined {
		const { control, status } = config.mqtt;
		if (!control.enabled && !status.enabled) return undefined;
		if (!platform.mqtt) {
			this.#problem("control.MQTT / status.MQTT: this platform has no MQTT client; MQTT is off");
			return undefined;
		}
		const settingsResult = (patch: Record<string, unknown>): MqttCommandResult => {
			const result = this.settings.update(patch, "mqtt");
			if (result.ok) this.charge.applyNow();
			return result;
		};
		return new MqttLink({
			client: platform.mqtt,
			clock: platform.clock,
			log: platform.log,
			random: platform.random,
			control,
			status,
			source: appStatusSource({
				slaves: () => this.master.slaves,
				supply: () => this.supply(),
				controller: this.charge,
				energy: () => this.charging(),
				now: () => platform.clock.now(),
				minAmpsPerTWC: config.minAmpsPerTWC,
			}),
			commands: {
				chargeNow: (amps, seconds) => this.charge.chargeNow(amps, seconds, "mqtt"),
				cancelChargeNow: () => this.charge.cancelChargeNow("mqtt"),
				updateSettings: settingsResult,
				startCharging: () => this.#startStopAll(true),
				stopCharging: () => this.#startStopAll(false),
			},
			wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs,
			threePhase: config.numberOfPhases === 3,
		});
	}

	/** FC B1 / FC B2 to every linked protocol 2 unit, as POST /api/sendStartCommand. */
	#startStopAll(start: boolean): MqttCommandResult {
		const { sent, skipped } = startStopAll(this.master, start);
		if (sent.length === 0) return { ok: false, errors: [this.master.slaves.length === 0 ? "no wall connector is linked" : "no linked unit takes FC B1/FC B2"] };
		return { ok: true, errors: [], warnings: [`sent to ${sent.join(", ")}`, ...skipped.map((s) => `skipped ${s}`)] };
	}

	start(): void {
		this.master.start();
		this.sources.start();
		this.history.start();
		this.mqtt?.start();
		if (this.config.http.enabled) this.#platform.http?.serve(this.router.handle);
	}

	stop(): void {
		this.master.stop();
		this.sources.stop();
		this.history.stop();
		this.mqtt?.stop();
		this.events.close();
		this.#platform.http?.close();
	}

	/**
	 * Problems the user must act on: those of the bus now (another master, down, noisy), a settings
	 * change that could not be saved, then those noted since the start (a fourth slave, a corrupt
	 * settings file), newest last.
	 */
	get problems(): readonly string[] {
		const unsaved = this.settings.lastSaveError;
		const failing: string[] = [];
		// A source failing three polls in a row: its last good value ages out, the green logic sees no surplus.
		for (const s of this.sources.states) if (!s.ok && s.failures >= 3) failing.push(`energy source ${s.name} is not answering (${s.failures} polls): ${s.error}`);
		return [...this.master.busProblems(), ...(unsaved === undefined ? [] : [unsaved]), ...failing, ...this.#problems];
	}

	now(): number {
		return this.#platform.clock.now();
	}

	slaves(): readonly SlaveRecord[] {
		return this.master.slaves;
	}

	/** What the green logic needs from the rest: the chargers' own load, volts and phases, the minimum, the offsets. */
	greenInputs(): GreenContext {
		const supply = this.supply();
		let amps = 0;
		let min = this.config.minAmpsPerTWC;
		for (const slave of this.master.slaves) {
			if (Number.isFinite(slave.actualAmps)) amps += Math.max(0, slave.actualAmps);
			min = Math.max(min, slave.minAmps);
		}
		if (this.master.slaves.length === 0) min = Math.max(min, 6);
		return { chargerLoadW: amps * supply.volts * supply.phases, volts: supply.volts, phases: supply.phases, minAmps: min, offsets: this.settings.current.consumptionOffset };
	}

	supply(): Supply {
		return measuredSupply(this.master.slaves, this.config.defaultVoltage, this.config.numberOfPhases);
	}

	charging(): ChargingSummary {
		const charge = this.charge;
		charge.decide();
		const s = charge.settings;
		const green = charge.green?.details;
		const watts = (key: string) => (typeof green?.[key] === "number" ? (green[key] as number) : 0);
		return {
			currentPolicy: charge.engine.activePolicyName,
			isGreenPolicy: charge.engine.policyIsGreen(),
			maxAmpsToDivideAmongSlaves: charge.budgetAmps,
			generationW: watts("generationW"),
			consumptionW: watts("consumptionW"),
			schedule: {
				amps: s.scheduledAmpsMax,
				startHour: s.scheduledAmpsStartHour,
				endHour: s.scheduledAmpsEndHour,
				daysBitmap: s.scheduledAmpsDaysBitmap,
				flexStart: s.scheduledAmpsFlexStart,
				flexStartHour: -1,
				flexBatterySize: s.scheduledAmpsBatterySize,
			},
			chargeNowAmps: s.chargeNowAmps,
			chargeNowTimeEnd: s.chargeNowTimeEnd,
		};
	}

	#problem(message: string): void {
		this.#problems.push(message);
		if (this.#problems.length > 20) this.#problems.shift();
	}

	#onMasterEvent(event: MasterEvent): void {
		if (event.type === "tooManySlaves") this.#problem(event.message);
		else if (event.type === "port") {
			this.#platform.log.write(event.open ? "info" : "error", "bus", event.open ? `bus open: ${event.reason}` : `bus lost: ${event.reason}; retrying`);
		}
		this.charge?.onMasterEvent(event);
	}
}
