/**
 * Builds the controller from a Platform and a Config: the only place that knows every room.
 * The bus master talks to the wall connectors, the charging logic says how many amps each may
 * offer, and the HTTP routes read the state.
 */
import { addTwcManagerRoutes, type ChargingSummary, type TwcManagerApiSource } from "./api/twcmanager-routes.js";
import { Router } from "./api/router.js";
import { measuredSupply, type Supply } from "./charge/power.js";
import { shareEqually } from "./charge/share.js";
import type { Config } from "./config/config.js";
import type { Platform } from "./platform/platform.js";
import { Master, type MasterEvent, type OfferSource } from "./twc/master.js";
import type { SlaveRecord } from "./twc/slave.js";

export class App implements TwcManagerApiSource, OfferSource {
	readonly config: Config;
	readonly master: Master;
	readonly router: Router;
	#platform: Platform;
	#problems: string[] = [];

	constructor(platform: Platform, config: Config) {
		this.#platform = platform;
		this.config = config;
		this.master = new Master({
			clock: platform.clock,
			log: platform.log,
			port: platform.bus,
			offers: this,
			random: platform.random,
			wiringMaxAmpsAllTWCs: config.wiringMaxAmpsAllTWCs,
			wiringMaxAmpsPerTWC: config.wiringMaxAmpsPerTWC,
			masterId: config.masterId,
			slaveTimeoutMs: config.slaveTimeout * 1000,
			onEvent: (event) => this.#onMasterEvent(event),
		});
		this.router = new Router(platform.log);
		addTwcManagerRoutes(this.router, this);
	}

	start(): void {
		this.master.start();
		if (this.config.http.enabled) this.#platform.http?.serve(this.router.handle);
	}

	stop(): void {
		this.master.stop();
		this.#platform.http?.close();
	}

	/** Problems the user must act on (another master on the bus, a fourth slave), newest last. */
	get problems(): readonly string[] {
		return this.#problems;
	}

	/** Each linked slave gets an equal share of the total, capped by its own maximum and the per-unit wiring. */
	offerFor(slave: SlaveRecord): number {
		const slaves = this.master.slaves;
		const caps = slaves.map((s) => Math.min(Math.floor(s.maxAmps), this.config.wiringMaxAmpsPerTWC));
		const shares = shareEqually(this.config.wiringMaxAmpsAllTWCs, caps);
		const i = slaves.indexOf(slave);
		return i >= 0 ? shares[i] : 0;
	}

	now(): number {
		return this.#platform.clock.now();
	}

	slaves(): readonly SlaveRecord[] {
		return this.master.slaves;
	}

	supply(): Supply {
		return measuredSupply(this.master.slaves, this.config.defaultVoltage, this.config.numberOfPhases);
	}

	charging(): ChargingSummary {
		return {
			currentPolicy: "None",
			isGreenPolicy: false,
			maxAmpsToDivideAmongSlaves: this.config.wiringMaxAmpsAllTWCs,
			generationW: 0,
			consumptionW: 0,
			schedule: { amps: 0, startHour: -1, endHour: -1, daysBitmap: 0x7f, flexStart: false, flexStartHour: -1, flexBatterySize: 100 },
			chargeNowAmps: 0,
			chargeNowTimeEnd: 0,
		};
	}

	#onMasterEvent(event: MasterEvent): void {
		if (event.type === "rivalMaster" || event.type === "tooManySlaves") {
			this.#problems.push(event.message);
			if (this.#problems.length > 10) this.#problems.shift();
		} else if (event.type === "port") {
			this.#platform.log.write(event.open ? "info" : "error", "bus", event.open ? `bus open: ${event.reason}` : `bus lost: ${event.reason}; retrying`);
		}
	}
}
