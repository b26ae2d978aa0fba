/**
 * The charging logic as the master sees it (OfferSource): each heartbeat asks it for a slave's
 * offer. It reads the settings, the local time (config.timeZone or settings.timeZone), sunrise
 * and sunset at the home location, lets the policy engine pick the policy (§5.1), and hands the
 * wish to the arbiter, which shares it out within the caps and explains every offer.
 *
 * It also follows the slaves: VIN access control (§6), per-VIN charge sessions, and the policy
 * webhooks (enter / exit on a policy change, start / stop when a car starts or stops, §5.4).
 */
import type { Config } from "../config/config.js";
import type { Clock } from "../platform/clock.js";
import type { HttpClient } from "../platform/http-client.js";
import type { Log } from "../platform/log.js";
import type { MasterEvent, OfferSource } from "../twc/master.js";
import { formatTwcId } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import { Arbiter, type ArbiterSettings, type Explanation, type GreenView } from "./arbiter.js";
import { parseTimeZone, type LocalTime, type TimeZone } from "./local-time.js";
import { PolicyEngine, type PolicyResult, type WebhookCall } from "./policy.js";
import type { PatchResult, Settings, SettingsStore } from "./settings.js";
import { sunTimes } from "./sun.js";
import { ChargeSessions, checkVinEntitlement, type Entitlement } from "./vehicle-access.js";

/** The green-energy logic (issue 4): the total amps it offers the cars now, and why. */
export interface GreenSource {
	wish(now: number): GreenView;
}

/** What the controller needs of the bus master. */
export interface SlaveBus {
	readonly slaves: readonly SlaveRecord[];
	requestStartStop(slaveId: number, start: boolean): boolean;
	silence(slaveId: number, untilMs: number): boolean;
	poke(): void;
}

export interface ChargeControllerOptions {
	clock: Clock;
	log: Log;
	config: Config;
	settings: SettingsStore;
	bus: SlaveBus;
	green?: GreenSource;
	httpClient?: HttpClient;
	/** The body of a POST webhook: TWCManager sends getStatus() (§5.4). */
	statusJson?(): string;
}

const UNKNOWN_LOCATION = 10000;
/** Slave state 00: ready, no car on the cable (§2.3). */
const NO_CAR_STATE = 0x00;
const WARN_INTERVAL_MS = 60_000;

export class ChargeController implements OfferSource {
	readonly engine: PolicyEngine;
	readonly arbiter: Arbiter;
	readonly sessions = new ChargeSessions();
	readonly #clock: Clock;
	readonly #log: Log;
	readonly #config: Config;
	readonly #settings: SettingsStore;
	readonly #bus: SlaveBus;
	readonly #greenSource: GreenSource | undefined;
	readonly #http: HttpClient | undefined;
	readonly #statusJson: () => string;
	#zoneRule = "";
	#zone: TimeZone;
	#sunKey = "";
	#sun = { sunrise: 6, sunset: 20, source: "TWCManager's default hours (no location set)" };
	#result: PolicyResult | undefined;
	#lastDecisionAt: number | undefined;
	#greenView: GreenView | undefined;
	/**
	 * The VIN last read on each unit, kept while its car stays plugged in (until the unit reports
	 * state 00, no car). The master forgets currentVin when the car stops drawing; a car stopped for
	 * its VIN would then look anonymous, be allowed, start, be read and stopped again, every minute.
	 */
	#pluggedVin = new Map<number, string>();
	#warned = new Map<string, number>();

	constructor(options: ChargeControllerOptions) {
		this.#clock = options.clock;
		this.#log = options.log;
		this.#config = options.config;
		this.#settings = options.settings;
		this.#bus = options.bus;
		this.#greenSource = options.green;
		this.#http = options.httpClient;
		this.#statusJson = options.statusJson ?? (() => "{}");
		this.#zone = options.config.timeZone;
		this.engine = new PolicyEngine(options.config.policies);
		this.arbiter = new Arbiter(
			{
				wiringMaxAmpsAllTWCs: options.config.wiringMaxAmpsAllTWCs,
				wiringMaxAmpsPerTWC: options.config.wiringMaxAmpsPerTWC,
				minAmpsPerTWC: options.config.minAmpsPerTWC,
				startStopDelay: options.config.startStopDelay,
				minOnTime: options.config.minOnTime,
				minOffTime: options.config.minOffTime,
				rotationMinutes: options.config.rotationMinutes,
				useFlexAmpsToStartCharge: options.config.useFlexAmpsToStartCharge,
			},
			{
				startStop: (id, start) => {
					this.#bus.requestStartStop(id, start);
				},
				silence: (id, until) => {
					this.#bus.silence(id, until);
				},
			},
			options.log,
		);
	}

	// ---- OfferSource ---------------------------------------------------------------------------

	offerFor(slave: SlaveRecord): number {
		return this.decide().get(slave.id)?.amps ?? 0;
	}

	/** Runs the policy and the arbiter for now (once per instant) and returns the explanations. */
	decide(): ReadonlyMap<number, Explanation> {
		const now = this.#clock.now();
		if (now === this.#lastDecisionAt) return this.arbiter.explanations;
		const previous = this.#lastDecisionAt;
		this.#lastDecisionAt = now;
		const settings = this.#settings.current;
		// Charge Now ends at its end time, not up to policyCheckInterval (30 s) later.
		const chargeNowEnd = settings.chargeNowTimeEnd * 1000;
		if (previous !== undefined && previous < chargeNowEnd && now >= chargeNowEnd) this.engine.applyImmediately();
		const local = this.localTime(now);
		const sun = this.#sunHours(now, local);
		this.#greenView = this.#greenWish(now);
		const result = this.engine.evaluate(
			{ settings: { ...settings, sunrise: sun.sunrise, sunset: sun.sunset }, local, greenAmps: this.#greenView?.amps ?? 0 },
			now,
		);
		this.#result = result;
		if (result.evaluated) {
			for (const text of result.warnings) this.#warn(text, text);
			if (result.changed) {
				this.#log.write("info", "policy", `policy now "${result.policy!.name}"${result.latched ? " (latched)" : ""}`);
				this.#fireWebhooks(result.webhooks);
			}
		}
		return this.arbiter.decide({
			now,
			policy: this.engine.activePolicyName,
			wish: result.wish,
			green: result.wish?.kind === "green" ? this.#greenView : undefined,
			slaves: this.#bus.slaves,
			settings: arbiterSettings(settings),
			entitlement: (slave) => this.entitlement(slave),
		});
	}

	// ---- commands ------------------------------------------------------------------------------

	/** Charge Now at `amps` for `seconds` (§7), through the settings; applied at once. */
	chargeNow(amps: number, seconds: number, source: string): PatchResult {
		const end = Math.floor(this.#clock.now() / 1000) + Math.floor(seconds);
		const result = this.#settings.update({ chargeNowAmps: amps, chargeNowTimeEnd: end }, source);
		if (result.ok) this.applyNow();
		return result;
	}

	cancelChargeNow(source: string): PatchResult {
		const result = this.#settings.update({ chargeNowAmps: 0, chargeNowTimeEnd: 0 }, source);
		if (result.ok) this.applyNow();
		return result;
	}

	/** Settings changed: evaluate the policies at the next heartbeat, not in 30 s (§5.1). */
	applyNow(): void {
		this.engine.applyImmediately();
		this.#decideAgain();
	}

	/** The next heartbeat decides afresh, even at the same instant, and the master is woken for it. */
	#decideAgain(): void {
		this.#lastDecisionAt = undefined;
		this.arbiter.invalidate();
		this.#bus.poke();
	}

	// ---- what the status shows -----------------------------------------------------------------

	get settings(): Readonly<Settings> {
		return this.#settings.current;
	}

	get policyResult(): PolicyResult | undefined {
		return this.#result;
	}

	get green(): GreenView | undefined {
		return this.#greenView;
	}

	/** The budget the policy leaves for all slaves (TWCManager's maxAmpsToDivideAmongSlaves). */
	get budgetAmps(): number {
		const first = this.arbiter.explanations.values().next();
		return first.done ? 0 : first.value.budgetAmps;
	}

	get sun(): { sunrise: number; sunset: number; source: string } {
		const now = this.#clock.now();
		return this.#sunHours(now, this.localTime(now));
	}

	get timeZoneRule(): string {
		this.localTime(this.#clock.now());
		return this.#zoneRule;
	}

	localTime(now: number): LocalTime {
		const rule = this.#settings.current.timeZone || this.#config.timeZoneRule;
		if (rule !== this.#zoneRule) {
			const parsed = parseTimeZone(rule);
			this.#zoneRule = parsed.zone ? rule : this.#config.timeZoneRule;
			this.#zone = parsed.zone ?? this.#config.timeZone;
			if (!parsed.zone) this.#warn("tz", `settings.timeZone "${rule}" is not a TZ rule (${parsed.error}); using config.timeZone`);
		}
		return this.#zone.toLocal(now);
	}

	entitlement(slave: SlaveRecord): Entitlement {
		const s = this.#settings.current;
		return checkVinEntitlement(slave.currentVin || (this.#pluggedVin.get(slave.id) ?? ""), s.chargeAuthorizationMode, s.VehicleGroups);
	}

	// ---- following the slaves ------------------------------------------------------------------

	onMasterEvent(event: MasterEvent): void {
		const now = this.#clock.now();
		switch (event.type) {
			case "heartbeat":
				if (event.slave.state === NO_CAR_STATE) this.#pluggedVin.delete(event.slave.id);
				if (event.chargingChange === "started") this.#fireWebhooks(this.engine.webhooksFor("start"));
				if (event.chargingChange === "stopped") {
					this.#fireWebhooks(this.engine.webhooksFor("stop"));
					this.#endSession(event.slave, now);
				}
				break;
			case "vin":
				this.#onVin(event.slave, event.vin, now);
				break;
			case "meter":
				this.#record(this.sessions.meter(event.slave.id, event.slave.lifetimeCounter, now, this.#settings.current.Vehicles));
				break;
			case "dropped":
				this.#endSession(event.slave, now);
				break;
			case "linked": {
				// Relinked during a chargeStopMode 2 silence: the new record starts unsilenced.
				const until = this.arbiter.silencedUntil(event.slave.id, now);
				if (until !== undefined) this.#bus.silence(event.slave.id, until);
				break;
			}
			default:
		}
	}

	#onVin(slave: SlaveRecord, vin: string, now: number): void {
		const id = formatTwcId(slave.id);
		this.#pluggedVin.set(slave.id, vin);
		this.#record(this.sessions.begin(slave.id, vin, slave.lifetimeCounter, now, this.#settings.current.Vehicles));
		const entitled = this.entitlement(slave);
		if (!entitled.allowed) {
			this.#log.write("warn", "vehicle", `${id}: ${entitled.reason}; stopping it on this unit only`);
			this.#decideAgain();
		} else this.#log.write("info", "vehicle", `${id}: car ${vin} connected (${entitled.reason})`);
	}

	#endSession(slave: SlaveRecord, now: number): void {
		this.arbiter.carLeft(slave.id);
		this.#record(this.sessions.end(slave.id, slave.lifetimeCounter, now, this.#settings.current.Vehicles));
	}

	#record(change: { vehicles?: Record<string, unknown>; note?: string } | undefined): void {
		if (!change) return;
		if (change.note) this.#log.write("info", "vehicle", change.note);
		if (change.vehicles) {
			const result = this.#settings.update({ Vehicles: change.vehicles }, "session");
			if (!result.ok) this.#log.write("warn", "vehicle", `charge session not saved: ${result.errors.join("; ")}`);
		}
	}

	// ---- helpers -------------------------------------------------------------------------------

	#greenWish(now: number): GreenView | undefined {
		if (!this.#greenSource) return undefined;
		try {
			return this.#greenSource.wish(now);
		} catch (error) {
			this.#warn("green", `green energy logic failed: ${String(error)}; no surplus assumed`);
			return { amps: 0, note: `failed: ${String(error)}`, timers: [] };
		}
	}

	/** Whole local hours of sunrise and sunset for the policy (§5.2), recomputed once per local day. */
	#sunHours(now: number, local: LocalTime): { sunrise: number; sunset: number; source: string } {
		const s = this.#settings.current;
		const fromSettings = s.homeLat !== UNKNOWN_LOCATION && s.homeLon !== UNKNOWN_LOCATION;
		const lat = fromSettings ? s.homeLat : this.#config.latitude;
		const lon = fromSettings ? s.homeLon : this.#config.longitude;
		const key = `${local.year}-${local.month}-${local.day} ${lat} ${lon} ${this.#zoneRule}`;
		if (key === this.#sunKey) return this.#sun;
		this.#sunKey = key;
		if (lat === undefined || lon === undefined) {
			this.#sun = { sunrise: 6, sunset: 20, source: "TWCManager's default hours (no location set)" };
			return this.#sun;
		}
		const times = sunTimes(now, lat, lon);
		const where = `${lat.toFixed(3)}, ${lon.toFixed(3)}`;
		if (times.polar === "day") this.#sun = { sunrise: 0, sunset: 24, source: `polar day at ${where}` };
		else if (times.polar === "night" || times.sunriseUtcMs === undefined || times.sunsetUtcMs === undefined) {
			this.#sun = { sunrise: 12, sunset: 12, source: `polar night at ${where}` };
		} else {
			const rise = this.#zone.toLocal(times.sunriseUtcMs);
			const set = this.#zone.toLocal(times.sunsetUtcMs);
			const setHour = set.hour + (set.minute > 0 || set.second > 0 ? 1 : 0);
			this.#sun = {
				sunrise: rise.hour,
				sunset: setHour <= rise.hour ? 24 : setHour,
				source: `sunrise ${pad(rise.hour)}:${pad(rise.minute)}, sunset ${pad(set.hour)}:${pad(set.minute)} at ${where}`,
			};
		}
		return this.#sun;
	}

	#fireWebhooks(calls: readonly WebhookCall[]): void {
		const http = this.#http;
		for (const call of calls) {
			if (!http) {
				this.#warn("webhook", `webhook ${call.event} ${call.url} not sent: no HTTP client on this platform`);
				continue;
			}
			const get = this.#config.webhookMethod === "GET";
			http.request(
				{ method: get ? "GET" : "POST", url: call.url, headers: get ? {} : { "content-type": "application/json" }, body: get ? undefined : this.#statusJson() },
				(result) => {
					if (result.error || (result.status !== undefined && result.status >= 400)) {
						this.#log.write("warn", "policy", `webhook ${call.event} ${call.url} failed: ${result.error ?? `HTTP ${result.status}`}`);
					}
				},
			);
		}
	}

	#warn(key: string, message: string): void {
		const now = this.#clock.now();
		const last = this.#warned.get(key);
		if (last !== undefined && now >= last && now - last < WARN_INTERVAL_MS) return;
		this.#warned.set(key, now);
		this.#log.write("warn", "charge", message);
	}
}

function arbiterSettings(s: Readonly<Settings>): ArbiterSettings {
	return { spikeAmpsProactively: s.spikeAmpsProactively, spikeAmpsReactively: s.spikeAmpsReactively, chargeStopMode: s.chargeStopMode };
}

function pad(n: number): string {
	return n < 10 ? `0${n}` : String(n);
}
