/**
 * When the device joins a network, retries, or opens its setup access point: the decisions only,
 * on the platform Clock, so a test runs hours of outages in virtual time. The device binding
 * (modules/network.ts) does what `WifiActions` asks and reports back with `connected`,
 * `disconnected` and `apClients`. Nothing here ever blocks: the bus master runs whatever the
 * network does.
 *
 * - No network configured: the access point at once (first boot).
 * - A network configured: connect; an attempt that brings no IP address within 30 s, or a lost
 *   connection, is retried after 1 s, 2 s, 4 s … up to 60 s between attempts.
 * - 5 minutes without a network (since the start, or since the connection was lost): the access
 *   point, so the user can fix the settings. With a network configured the device goes back to
 *   station mode after 5 minutes of access point with no phone attached, and tries again: a router
 *   that was only switched off is joined again without anybody's help.
 * - After setup (`configure`): back to station mode with the new network.
 */
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { Log } from "../platform/log.js";

export interface WifiCredentials {
	ssid: string;
	/** "" for an open network. */
	password: string;
}

/** What the policy asks the device to do. Each call may throw; the policy logs it and carries on. */
export interface WifiActions {
	/** Start one attempt to join `credentials` as a station. */
	connect(credentials: WifiCredentials): void;
	/** Leave the network (or stop an attempt). */
	disconnect(): void;
	/** Open the setup access point. */
	startAccessPoint(): void;
	/** Close it. */
	stopAccessPoint(): void;
}

/**
 * "off" before start; "connecting" during an attempt; "connected" with an IP address; "waiting"
 * between attempts; "accessPoint" while the setup access point is open.
 */
export type WifiMode = "off" | "connecting" | "connected" | "waiting" | "accessPoint";

export interface WifiTimings {
	/** First pause after a failed attempt (1 s); doubled each time. */
	firstRetryMs: number;
	/** Longest pause between attempts (60 s). */
	maxRetryMs: number;
	/** An attempt with no IP address after this long failed (30 s). */
	attemptTimeoutMs: number;
	/** Without a network this long: the access point (5 min). */
	accessPointAfterMs: number;
	/** Access point with no phone attached this long, and a network configured: station mode again (5 min). */
	accessPointWindowMs: number;
}

export const WIFI_TIMINGS: Readonly<WifiTimings> = Object.freeze({
	firstRetryMs: 1_000,
	maxRetryMs: 60_000,
	attemptTimeoutMs: 30_000,
	accessPointAfterMs: 5 * 60_000,
	accessPointWindowMs: 5 * 60_000,
});

export interface WifiPolicyOptions {
	clock: Clock;
	actions: WifiActions;
	log?: Log;
	timings?: Partial<WifiTimings>;
}

export interface WifiStatus {
	mode: WifiMode;
	/** The configured network ("" when none). */
	ssid: string;
	/** The address while connected. */
	ip?: string;
	/** Signal strength (dBm) while connected, when the device reports it. */
	rssi?: number;
	/** When the current mode began (clock ms). */
	since: number;
	/** Failed attempts since the last connection. */
	failures: number;
	/** When the next attempt starts (mode "waiting"). */
	nextAttemptAt?: number;
	/** Since when there has been no network (undefined while connected). */
	offlineSince?: number;
	/** Why the access point is open, or why the last attempt failed. */
	reason?: string;
}

export class WifiPolicy {
	readonly #clock: Clock;
	readonly #actions: WifiActions;
	readonly #log: Log | undefined;
	readonly #t: WifiTimings;
	#credentials: WifiCredentials | undefined;
	#mode: WifiMode = "off";
	#since: number;
	#failures = 0;
	#offlineSince: number | undefined;
	#nextAttemptAt: number | undefined;
	#ip: string | undefined;
	#rssi: number | undefined;
	#reason: string | undefined;
	#apClients = 0;
	/** The one pending timer: attempt timeout, retry, access point window. */
	#timer: TimerHandle | undefined;
	/** The 5-minute deadline while out of a network. */
	#deadline: TimerHandle | undefined;

	constructor(options: WifiPolicyOptions) {
		this.#clock = options.clock;
		this.#actions = options.actions;
		this.#log = options.log;
		this.#t = { ...WIFI_TIMINGS, ...(options.timings ?? {}) };
		this.#since = options.clock.now();
	}

	get status(): WifiStatus {
		const status: WifiStatus = { mode: this.#mode, ssid: this.#credentials?.ssid ?? "", since: this.#since, failures: this.#failures };
		if (this.#ip !== undefined) status.ip = this.#ip;
		if (this.#rssi !== undefined) status.rssi = this.#rssi;
		if (this.#nextAttemptAt !== undefined) status.nextAttemptAt = this.#nextAttemptAt;
		if (this.#offlineSince !== undefined) status.offlineSince = this.#offlineSince;
		if (this.#reason !== undefined) status.reason = this.#reason;
		return status;
	}

	/** Starts with the stored network, or with none (first boot: the access point). */
	start(credentials: WifiCredentials | undefined): void {
		this.#credentials = usable(credentials);
		this.#offlineSince = this.#clock.now();
		if (this.#credentials === undefined) this.#openAccessPoint("no network configured");
		else this.#station();
	}

	/** New network settings (after setup): station mode with them, or the access point if there are none. */
	configure(credentials: WifiCredentials | undefined): void {
		this.#clearTimers();
		if (this.#mode === "accessPoint") this.#act("stop the access point", () => this.#actions.stopAccessPoint());
		else if (this.#mode !== "off") this.#act("disconnect", () => this.#actions.disconnect());
		this.#mode = "off";
		this.start(credentials);
	}

	/** The station has an IP address. */
	connected(ip: string, rssi?: number): void {
		if (this.#mode !== "connecting" && this.#mode !== "waiting") return; // late news from a stopped attempt
		this.#clearTimers();
		if (this.#failures > 0 || this.#mode === "waiting") this.#log?.write("info", "wifi", `joined "${this.#credentials?.ssid}" after ${this.#failures} failed attempts`);
		this.#failures = 0;
		this.#offlineSince = undefined;
		this.#nextAttemptAt = undefined;
		this.#reason = undefined;
		this.#ip = ip;
		this.#rssi = rssi;
		this.#enter("connected");
		this.#log?.write("info", "wifi", `connected to "${this.#credentials?.ssid}", address ${ip}`);
	}

	/** Updated signal strength while connected. */
	signal(rssi: number): void {
		if (this.#mode === "connected") this.#rssi = rssi;
	}

	/** The station lost its network, or an attempt failed. */
	disconnected(reason = "disconnected"): void {
		if (this.#mode === "connected") {
			this.#log?.write("warn", "wifi", `lost "${this.#credentials?.ssid}": ${reason}; reconnecting`);
			this.#offlineSince = this.#clock.now();
			this.#failures = 0;
			this.#ip = undefined;
			this.#rssi = undefined;
			this.#armDeadline();
			this.#failed(reason);
		} else if (this.#mode === "connecting") {
			this.#failed(reason);
		}
	}

	/** Phones attached to the access point now. */
	apClients(count: number): void {
		this.#apClients = Math.max(0, count);
	}

	#station(): void {
		this.#failures = 0;
		this.#armDeadline();
		this.#attempt();
	}

	#attempt(): void {
		const credentials = this.#credentials;
		if (credentials === undefined) return;
		this.#nextAttemptAt = undefined;
		this.#enter("connecting");
		this.#setTimer(this.#t.attemptTimeoutMs, () => {
			this.#act("stop the attempt", () => this.#actions.disconnect());
			this.#failed(`no IP address within ${Math.round(this.#t.attemptTimeoutMs / 1000)} s`);
		});
		if (!this.#act(`join "${credentials.ssid}"`, () => this.#actions.connect(credentials))) this.#failed("could not start the attempt");
	}

	#failed(reason: string): void {
		if (this.#mode === "accessPoint") return;
		this.#failures++;
		this.#reason = reason;
		const delay = this.retryDelay(this.#failures);
		this.#nextAttemptAt = this.#clock.now() + delay;
		this.#enter("waiting");
		this.#setTimer(delay, () => this.#attempt());
		this.#log?.write("info", "wifi", `attempt ${this.#failures} to join "${this.#credentials?.ssid}" failed (${reason}); next in ${delay / 1000} s`);
	}

	/** The pause after `failures` failed attempts in a row: 1 s, 2 s, 4 s … at most 60 s. */
	retryDelay(failures: number): number {
		const n = Math.max(1, Math.floor(failures));
		return Math.min(this.#t.maxRetryMs, this.#t.firstRetryMs * 2 ** Math.min(n - 1, 30));
	}

	#armDeadline(): void {
		if (this.#deadline !== undefined) this.#clock.clearTimer(this.#deadline);
		const since = this.#offlineSince ?? this.#clock.now();
		const left = Math.max(0, since + this.#t.accessPointAfterMs - this.#clock.now());
		this.#deadline = this.#clock.setTimer(left, () => {
			this.#deadline = undefined;
			if (this.#mode === "connected" || this.#mode === "accessPoint") return;
			this.#act("stop the station", () => this.#actions.disconnect());
			this.#openAccessPoint(`no network for ${Math.round(this.#t.accessPointAfterMs / 60_000)} minutes`);
		});
	}

	#openAccessPoint(reason: string): void {
		this.#clearTimers();
		this.#reason = reason;
		this.#nextAttemptAt = undefined;
		this.#ip = undefined;
		this.#rssi = undefined;
		this.#apClients = 0;
		this.#enter("accessPoint");
		this.#log?.write("warn", "wifi", `setup access point open: ${reason}`);
		if (!this.#act("open the access point", () => this.#actions.startAccessPoint())) this.#reason = `${reason}; the access point failed to open`;
		if (this.#credentials !== undefined) this.#armWindow();
	}

	/** With a network configured, the access point stays open while a phone is attached, else for one window. */
	#armWindow(): void {
		this.#setTimer(this.#t.accessPointWindowMs, () => {
			if (this.#mode !== "accessPoint") return;
			if (this.#apClients > 0) {
				this.#armWindow();
				return;
			}
			this.#log?.write("info", "wifi", `nobody used the setup access point: trying "${this.#credentials?.ssid}" again`);
			this.#act("stop the access point", () => this.#actions.stopAccessPoint());
			this.#offlineSince = this.#clock.now();
			this.#reason = undefined;
			this.#station();
		});
	}

	#enter(mode: WifiMode): void {
		if (mode !== this.#mode) this.#since = this.#clock.now();
		this.#mode = mode;
	}

	#setTimer(delay: number, callback: () => void): void {
		if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
		this.#timer = this.#clock.setTimer(delay, () => {
			this.#timer = undefined;
			callback();
		});
	}

	#clearTimers(): void {
		if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
		if (this.#deadline !== undefined) this.#clock.clearTimer(this.#deadline);
		this.#timer = undefined;
		this.#deadline = undefined;
	}

	/** Runs one device action; a throw is logged and reported as false (the policy goes on). */
	#act(what: string, action: () => void): boolean {
		try {
			action();
			return true;
		} catch (error) {
			this.#log?.write("error", "wifi", `could not ${what}: ${String(error)}`);
			return false;
		}
	}
}

function usable(credentials: WifiCredentials | undefined): WifiCredentials | undefined {
	if (credentials === undefined || typeof credentials.ssid !== "string" || credentials.ssid === "") return undefined;
	return { ssid: credentials.ssid, password: typeof credentials.password === "string" ? credentials.password : "" };
}
