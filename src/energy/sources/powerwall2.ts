/**
 * Tesla Powerwall 2 Backup Gateway (reference §A.17), over https with the gateway's self-signed
 * certificate. With a `password`: `POST /api/login/Basic` as "customer", then every request carries
 * the AuthCookie and UserRecord cookies it set (and its token); the login is renewed every hour and
 * after a 401/403. Per poll:
 *  - `/api/meters/aggregates` → solar (generation), load (consumption), site (+ import),
 *    battery (+ discharge), site.instant_average_voltage;
 *  - `/api/system_status/soe` → state of charge, as the Tesla app shows it ((soe − 5) / 0.95, the
 *    5 % the gateway keeps back taken out, as TWCManager computes batteryLevel);
 *  - `/api/system_status/grid_status` → logged when the house runs off the grid.
 * The last two are extras: a gateway that does not serve them still gives its powers.
 * `minBatteryLevel` (TWCManager's): below it (with 5 % hysteresis) generation is reported as 0, so
 * the Powerwall charges before a car does.
 */
import type { Log } from "../../platform/log.js";
import type { SourceDefinition, SourceReading } from "../source.js";
import { emptyReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { AskingSource, type Answer } from "./asking-source.js";

const NAME = "Powerwall2";
const LOGIN_VALID_MS = 3600_000;

/** The readings of /api/meters/aggregates (the gateway's signs are physical already). */
export function powerwallAggregates(answer: unknown): { reading: SourceReading } | { error: string } {
	const site = valueAt(answer, "site");
	if (site === null || typeof site !== "object") return { error: "the answer has no \"site\" meter (is this a Powerwall gateway?)" };
	const reading = emptyReading();
	reading.gridW = numberFrom(valueAt(site, "instant_power")) ?? null;
	reading.generationW = numberFrom(valueAt(answer, "solar.instant_power")) ?? null;
	reading.consumptionW = numberFrom(valueAt(answer, "load.instant_power")) ?? null;
	reading.batteryW = numberFrom(valueAt(answer, "battery.instant_power")) ?? null;
	const v = numberFrom(valueAt(site, "instant_average_voltage"));
	reading.voltageV = v === undefined || v <= 0 ? null : v;
	return { reading };
}

/** The app's state of charge from /api/system_status/soe, or undefined. */
export function powerwallSoc(answer: unknown): number | undefined {
	const soe = numberFrom(valueAt(answer, "percentage"));
	if (soe === undefined) return undefined;
	return Math.min(100, Math.max(0, (soe - 5) / 0.95));
}

/** `name=value` of each Set-Cookie line (attributes dropped), joined for a Cookie header. */
export function cookiesFrom(setCookie: string | undefined): string {
	if (setCookie === undefined) return "";
	return setCookie
		.split("\n")
		.map((line) => line.split(";")[0].trim())
		.filter((pair) => pair.includes("="))
		.join("; ");
}

class Powerwall {
	cookie = "";
	token = "";
	loginUntil = 0;
	/** minBatteryLevel hysteresis: generation offered to the cars. */
	generationAllowed = true;
	gridStatus = "";
}

function noteGrid(state: Powerwall, log: Log, answer: Answer): void {
	const status = valueAt(answer.json, "grid_status");
	if (typeof status !== "string" || status === state.gridStatus) return;
	if (status !== "SystemGridConnected") log.write("warn", "energy", `${NAME}: the grid status is ${status} (the house is running off the grid)`);
	else if (state.gridStatus !== "") log.write("info", "energy", `${NAME}: back on the grid`);
	state.gridStatus = status;
}

export const powerwall2Source: SourceDefinition = {
	name: NAME,
	summary: "Tesla Powerwall 2 gateway (login, /api/meters/aggregates, state of charge), https with its own certificate",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const ip = r.string("serverIP");
		const port = r.port("serverPort", 443);
		const password = r.string("password", "");
		const minBatteryLevel = r.number("minBatteryLevel", 0, 0, 100);
		if (r.error !== undefined) return r.error;
		if (/^[a-z]+:\/\//i.test(ip) || ip.includes("/")) return `sources.${NAME}.serverIP: give the gateway's address only (e.g. "192.168.1.40"), not a URL (got ${JSON.stringify(ip)})`;
		const base = `https://${ip}:${port}`;
		const state = new Powerwall();
		const { clock, log } = context;
		const get = (path: string) => {
			const headers: Record<string, string> = { Accept: "application/json" };
			if (state.cookie !== "") headers.Cookie = state.cookie;
			if (state.token !== "") headers.Authorization = `Bearer ${state.token}`;
			return { method: "GET" as const, url: base + path, headers, acceptSelfSigned: true };
		};
		const refused = (answer: Answer) => answer.status === 401 || answer.status === 403;
		return new AskingSource(NAME, 10, context, (ask, finish) => {
			const read = () =>
				ask(get("/api/meters/aggregates"), (aggregates) => {
					if (aggregates.error !== undefined) {
						if (refused(aggregates)) {
							state.loginUntil = 0; // log in again at the next poll
							return finish(password === "" ? `${aggregates.error}: the gateway wants a login (set sources.${NAME}.password)` : `${aggregates.error}: the login was not accepted, trying again at the next poll`, emptyReading());
						}
						return finish(aggregates.error, emptyReading());
					}
					const parsed = powerwallAggregates(aggregates.json);
					if ("error" in parsed) return finish(`${aggregates.url}: ${parsed.error}`, emptyReading());
					const reading = parsed.reading;
					ask(get("/api/system_status/soe"), (soe) => {
						if (soe.error === undefined) reading.socPercent = powerwallSoc(soe.json) ?? null;
						ask(get("/api/system_status/grid_status"), (grid) => {
							if (grid.error === undefined) noteGrid(state, log, grid);
							if (minBatteryLevel > 0 && reading.socPercent !== null) {
								if (reading.socPercent > minBatteryLevel * 1.05) state.generationAllowed = true;
								else if (reading.socPercent < minBatteryLevel * 0.95) state.generationAllowed = false;
								if (!state.generationAllowed && reading.generationW !== null) reading.generationW = 0;
							}
							finish(undefined, reading);
						});
					});
				});
			if (password === "" || clock.now() < state.loginUntil) return read();
			const body = JSON.stringify({ username: "customer", password, force_sm_off: false });
			ask({ method: "POST", url: `${base}/api/login/Basic`, headers: { "Content-Type": "application/json" }, body, acceptSelfSigned: true }, (login) => {
				if (login.error !== undefined) {
					state.cookie = "";
					state.token = "";
					return finish(refused(login) ? `${login.error}: the gateway refused the password (sources.${NAME}.password)` : `login: ${login.error}`, emptyReading());
				}
				state.cookie = cookiesFrom(login.headers?.["set-cookie"]);
				const token = valueAt(login.json, "token");
				state.token = typeof token === "string" ? token : "";
				state.loginUntil = clock.now() + LOGIN_VALID_MS;
				read();
			});
		});
	},
};
