/**
 * An energy source: one meter, inverter or service that TWCManager reads (reference
 * twcmanager-integrations.md §0.2, §A), one file each under src/energy/sources/, registered by its
 * config section name in registry.ts. A source says how to ask (HTTP, Modbus TCP, MQTT, a serial
 * telegram) and turns the answer into physical readings. It never throws into the core: every
 * failure is a value with a reason a user understands.
 */
import type { TimeZone } from "../charge/local-time.js";
import type { Clock } from "../platform/clock.js";
import type { HttpClient } from "../platform/http-client.js";
import type { Log } from "../platform/log.js";
import type { MqttClient } from "../platform/mqtt-client.js";
import type { SerialOpener } from "../platform/serial-opener.js";
import type { TcpClient } from "../platform/tcp.js";

/**
 * What a source measured, in physical terms: a house load is positive even where the device reports
 * it negative; grid import positive, export negative; battery discharge positive, charge negative.
 * null where the device does not give the value.
 */
export interface SourceReading {
	generationW: number | null;
	consumptionW: number | null;
	gridW: number | null;
	voltageV: number | null;
	batteryW: number | null;
	socPercent: number | null;
}

export type PollResult = { ok: true; reading: SourceReading } | { ok: false; error: string };

/** What a source may use to talk to its device; the host and the device bind the same interfaces. */
export interface SourceContext {
	clock: Clock;
	log: Log;
	/** Local time (config.timeZone), for sources whose behaviour depends on the hour. */
	timeZone?: TimeZone;
	http?: HttpClient;
	tcp?: TcpClient;
	mqtt?: MqttClient;
	serial?: SerialOpener;
}

export interface EnergySource {
	/** The config section name, e.g. "Fronius". */
	readonly name: string;
	/** Seconds between polls (TWCManager's cacheTime; most sources 10 s). */
	readonly intervalS: number;
	/**
	 * The device tells its values (MQTT, a P1 telegram every 1–10 s) rather than being asked: a poll
	 * right after the start has nothing yet.
	 */
	readonly told?: boolean;
	/**
	 * Asks the device once; `done` is called exactly once, later or at once. Sources that are told
	 * (MQTT, a serial telegram) answer with the newest values they have, or an error when none came.
	 */
	poll(done: (result: PollResult) => void): void;
	/** Releases connections and timers. */
	close(): void;
}

export interface SourceDefinition {
	/** The section under `sources` in TWCManager's config.json (e.g. "Fronius", "Powerwall2"). */
	readonly name: string;
	/** One line for the README and errors: what it reads and how. */
	readonly summary: string;
	/**
	 * Builds the source from its config section (already known to be enabled). A string is a config
	 * error naming the key, e.g. `sources.Fronius.serverIP: required`.
	 */
	create(section: Readonly<Record<string, unknown>>, context: SourceContext): EnergySource | string;
}

/** An empty reading, to fill in. */
export function emptyReading(): SourceReading {
	return { generationW: null, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null };
}

/**
 * One poll at a time, and no answer after close(): the guard every asking source needs. `start`
 * gives the function that ends this poll, or undefined when one is still under way (`done` has
 * then been told so).
 */
export class PollGuard {
	#busy = false;
	#closed = false;

	start(name: string, done: (result: PollResult) => void): ((result: PollResult) => void) | undefined {
		if (this.#busy) {
			done({ ok: false, error: `${name}: the previous poll has not finished yet` });
			return undefined;
		}
		this.#busy = true;
		return (result) => {
			this.#busy = false;
			if (!this.#closed) done(result);
		};
	}

	close(): void {
		this.#closed = true;
	}
}
