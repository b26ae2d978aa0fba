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
import { ChargeController, type GreenSource } from "./charge/charge-controller.js";
import { GreenTracker, type GreenContext } from "./charge/green.js";
import { EnergyReadings } from "./energy/readings.js";
import { createSources } from "./energy/registry.js";
import { SourcePoller } from "./energy/source-poller.js";
import { measuredSupply, type Supply } from "./charge/power.js";
import { SettingsStore } from "./charge/settings.js";
import type { Config } from "./config/config.js";
import type { Platform } from "./platform/platform.js";
import { Master, type MasterEvent } from "./twc/master.js";
import type { SlaveRecord } from "./twc/slave.js";

export interface AppOptions {
	/** Replaces the green-energy logic (tests); by default a GreenTracker on `app.energy`. */
	green?: GreenSource;
	/** The configuration document the API reads and changes (the device's, on flash); no route without it. */
	configStore?: ConfigStore;
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
		this.master = new Master({
			clock: platform.clock,
			log: platform.log,
			port: platform.bus,
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
		addControlRoutes(this.router, { controller: this.charge, settings: this.settings });
		addLogRoutes(this.router, hasLogRing(platform.log) ? platform.log : undefined);
		if (options.configStore !== undefined) addConfigRoutes(this.router, options.configStore);
	}

	start(): void {
		this.master.start();
		this.sources.start();
		if (this.config.http.enabled) this.#platform.http?.serve(this.router.handle);
	}

	stop(): void {
		this.master.stop();
		this.sources.stop();
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
