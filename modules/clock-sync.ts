/**
 * The wall clock from SNTP once the station has an address. The ESP32 starts at 1970: without this
 * the schedule, Track Green Energy's sunrise and sunset, Charge Now's end, the history's times and
 * every https certificate check (dates) would be wrong. The master follows the step (it moves its
 * own deadlines, src/twc/master.ts #followClock). Asked again every 12 hours; a failed attempt tries
 * the next server, then waits a minute.
 */
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import type { Log } from "platform/log";

const SERVERS = ["pool.ntp.org", "time.google.com", "time.cloudflare.com"];
const REFRESH_MS = 12 * 3600_000;
const RETRY_MS = 60_000;

export class ClockSync {
	readonly #log: Log;
	#sntp: SNTP | undefined;
	#timer: Timer | undefined;
	#server = 0;
	#synced = false;

	constructor(log: Log) {
		this.#log = log;
	}

	/** True once the clock was set by SNTP. */
	get synced(): boolean {
		return this.#synced;
	}

	/** The station has an address: ask now (again after a reconnect, unless recently set). */
	online(): void {
		if (this.#sntp !== undefined || (this.#synced && this.#timer !== undefined)) return;
		this.#ask();
	}

	#ask(): void {
		if (this.#timer !== undefined) Timer.clear(this.#timer);
		this.#timer = undefined;
		const host = SERVERS[this.#server % SERVERS.length];
		try {
			this.#sntp = new SNTP({ host }, (message, value) => this.#answer(host, message, value));
		} catch (error) {
			this.#sntp = undefined;
			this.#log.write("warn", "clock", `SNTP ${host}: ${String(error)}`);
			this.#later(RETRY_MS);
		}
	}

	#answer(host: string, message: number, value: number | undefined): void {
		if (message === SNTP.retry) return;
		this.#sntp = undefined;
		if (message === SNTP.time && value !== undefined) {
			const before = Date.now();
			Time.set(value);
			this.#synced = true;
			this.#log.write("info", "clock", `clock set by SNTP (${host}): ${new Date(value * 1000).toISOString()}, a step of ${Math.round((value * 1000 - before) / 1000)} s`);
			this.#later(REFRESH_MS);
			return;
		}
		this.#log.write("warn", "clock", `SNTP ${host}: no time; ${this.#synced ? "the clock runs on" : "the clock is not set yet (schedules and certificate dates wait for it)"}`);
		this.#server++;
		this.#later(RETRY_MS);
	}

	#later(ms: number): void {
		this.#timer = Timer.set(() => {
			this.#timer = undefined;
			this.#ask();
		}, ms);
	}
}
