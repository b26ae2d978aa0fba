/**
 * Growatt (reference §A.5): the Growatt cloud, the way the growattServer library that TWCManager
 * uses talks to it (a reverse-engineered app API that Growatt changes now and then):
 *
 *  1. `POST <server>newTwoLoginAPI.do`, form `userName`, `password` = MD5 hex of the password with
 *     every "0" at an even position replaced by "c" → `back.success`, `back.user.id`; session cookies.
 *  2. `GET PlantListAPI.do?userId=<id>` → `back.data[0].plantId` (or `back[0]`).
 *  3. `GET newTwoPlantAPI.do?op=getAllDeviceListTwo&plantId=<p>&pageNum=1&pageSize=1` →
 *     `deviceList[0].deviceAilas` [sic] and `.deviceSn`.
 *  4. Every poll: `POST newMixApi.do?op=getSystemStatus_KW&mixId=<deviceAilas>&plantId=<p>` → `obj`
 *     (`ppv` generation kW, `pLocalLoad` consumption kW, `SOC` %, `vAc1` V, `pactouser`/`pactogrid`
 *     grid import/export kW, `pdisCharge1`/`chargePower` battery kW); the same for `deviceSn` when
 *     it differs, for `SOC`, as TWCManager does.
 *
 * TWCManager logs in on every refresh; here steps 1–3 are kept and redone only after a failure,
 * which spares the cloud (and its login rate limit). Battery boost, as TWCManager: when the state of
 * charge is above the threshold and the local time is between 00:00 and `useBatteryBefore`,
 * `batteryMaxOutput` W is added to the generation and the threshold becomes `useBatteryTill`;
 * otherwise it is `useBatteryAt` (a hysteresis).
 */
import type { TimeZone } from "../../charge/local-time.js";
import type { HttpClientRequest, HttpClientResult } from "../../platform/http-client.js";
import { emptyReading, type EnergySource, type PollResult, type SourceContext, type SourceDefinition, type SourceReading } from "../source.js";
import { implausible, isAnswerError, numberFrom, parseJsonAnswer, SectionReader, valueAt } from "../source-values.js";
import { md5Hex } from "./md5.js";

const NAME = "Growatt";
const TIMEOUT_MS = 10_000;
const USER_AGENT = "Dalvik/2.1.0 (Linux; U; Android 12; twc-master)";

/** Growatt's password hash: MD5 hex, a "0" at an even index becomes "c". */
export function growattPasswordHash(password: string): string {
	const hex = md5Hex(password);
	let out = "";
	for (let i = 0; i < hex.length; i++) out += i % 2 === 0 && hex[i] === "0" ? "c" : hex[i];
	return out;
}

/** The "name=value" pairs of Set-Cookie headers (joined by "\n"), as one Cookie header. */
function cookieHeader(setCookie: string | undefined, previous: string): string {
	if (setCookie === undefined || setCookie === "") return previous;
	const jar = new Map<string, string>();
	for (const pair of previous.split("; ")) if (pair.includes("=")) jar.set(pair.slice(0, pair.indexOf("=")), pair);
	for (const line of setCookie.split("\n")) {
		const pair = line.split(";")[0].trim();
		if (pair.includes("=")) jar.set(pair.slice(0, pair.indexOf("=")), pair);
	}
	return [...jar.values()].join("; ");
}

interface Session {
	cookie: string;
	plantId: string;
	mixId: string;
	deviceSn: string;
}

export interface GrowattOptions {
	server: string;
	username: string;
	password: string;
	useBatteryAt: number;
	useBatteryTill: number;
	batteryMaxOutput: number;
	/** Seconds after local midnight. */
	useBatteryBefore: number;
}

/** Fills a reading from getSystemStatus_KW's `obj` (and the SOC from the second one). */
export function growattValues(status: unknown, socStatus: unknown, reading: SourceReading): string | undefined {
	const ppv = numberFrom(valueAt(status, "ppv"));
	const load = numberFrom(valueAt(status, "pLocalLoad"));
	if (ppv === undefined || load === undefined) return `the system status has no ppv or pLocalLoad (is the first device a Mix/storage inverter?)`;
	reading.generationW = Math.abs(ppv) * 1000;
	reading.consumptionW = Math.abs(load) * 1000;
	const toUser = numberFrom(valueAt(status, "pactouser"));
	const toGrid = numberFrom(valueAt(status, "pactogrid"));
	if (toUser !== undefined && toGrid !== undefined) reading.gridW = (toUser - toGrid) * 1000;
	const discharge = numberFrom(valueAt(status, "pdisCharge1"));
	const charge = numberFrom(valueAt(status, "chargePower"));
	if (discharge !== undefined && charge !== undefined) reading.batteryW = (discharge - charge) * 1000;
	const volts = numberFrom(valueAt(status, "vAc1"));
	if (volts !== undefined && volts > 0) reading.voltageV = volts;
	const soc = numberFrom(valueAt(socStatus, "SOC"));
	if (soc !== undefined) reading.socPercent = soc;
	return undefined;
}

class GrowattSource implements EnergySource {
	readonly name = NAME;
	readonly intervalS = 30;
	readonly #options: GrowattOptions;
	readonly #context: SourceContext;
	#session: Session | undefined;
	#dischargingTill: number;
	#busy = false;
	#closed = false;

	constructor(options: GrowattOptions, context: SourceContext) {
		this.#options = options;
		this.#context = context;
		this.#dischargingTill = options.useBatteryAt;
	}

	poll(done: (result: PollResult) => void): void {
		const http = this.#context.http;
		if (http === undefined) return done({ ok: false, error: `${NAME}: no HTTP client on this platform` });
		if (this.#busy) return done({ ok: false, error: `${NAME}: the previous request has not finished yet` });
		this.#busy = true;
		const finish = (result: PollResult) => {
			this.#busy = false;
			if (!result.ok) this.#session = undefined; // log in afresh next time
			if (!this.#closed) done(result);
		};
		const fail = (error: string) => finish({ ok: false, error: `${NAME}: ${error}` });
		let cookie = this.#session?.cookie ?? "";
		/** One request; `then` gets the parsed JSON. */
		const ask = (method: "GET" | "POST", page: string, body: string | undefined, then: (json: unknown) => void) => {
			const url = `${this.#options.server}${page}`;
			const headers: Record<string, string> = { "User-Agent": USER_AGENT };
			if (cookie !== "") headers.Cookie = cookie;
			if (method === "POST") headers["content-type"] = "application/x-www-form-urlencoded";
			const request: HttpClientRequest = { method, url, headers, timeoutMs: TIMEOUT_MS };
			if (body !== undefined) request.body = body;
			http.request(request, (result: HttpClientResult) => {
				if (result.error !== undefined) return fail(`${url}: ${result.error}`);
				cookie = cookieHeader(result.headers?.["set-cookie"], cookie);
				if (result.status === undefined || result.status < 200 || result.status > 299) {
					const hint = result.status === 401 || result.status === 403 ? " (check the username and password)" : "";
					return fail(`${url}: HTTP ${result.status}${hint}`);
				}
				const json = parseJsonAnswer(result.body, url);
				if (isAnswerError(json)) return fail(`${json.error} (logged out, or Growatt changed its API)`);
				try {
					then(json);
				} catch (e) {
					fail(`the answer of ${url} could not be read (${e instanceof Error ? e.message : String(e)})`);
				}
			});
		};
		const readStatus = (session: Session) => {
			const statusPage = (mixId: string) => `newMixApi.do?op=getSystemStatus_KW&mixId=${encodeURIComponent(mixId)}&plantId=${encodeURIComponent(session.plantId)}`;
			ask("POST", statusPage(session.mixId), "", (first) => {
				const status = valueAt(first, "obj");
				if (status === null || typeof status !== "object") return fail(`the system status has no "obj" (${JSON.stringify(first).slice(0, 60)})`);
				const complete = (socStatus: unknown) => {
					const reading = emptyReading();
					const error = growattValues(status, socStatus, reading) ?? this.#boost(reading);
					if (error !== undefined) return fail(error);
					const bad = implausible(reading);
					if (bad !== undefined) return fail(bad);
					this.#session = { ...session, cookie };
					finish({ ok: true, reading });
				};
				if (session.deviceSn === "" || session.deviceSn === session.mixId) return complete(status);
				ask("POST", statusPage(session.deviceSn), "", (second) => complete(valueAt(second, "obj")));
			});
		};
		if (this.#session !== undefined) return readStatus(this.#session);
		const form = `userName=${encodeURIComponent(this.#options.username)}&password=${growattPasswordHash(this.#options.password)}`;
		ask("POST", "newTwoLoginAPI.do", form, (login) => {
			if (valueAt(login, "back.success") !== true) {
				const msg = valueAt(login, "back.msg") ?? valueAt(login, "back.error");
				return fail(`login refused${msg !== undefined ? ` (msg ${JSON.stringify(msg)})` : ""}: check the username and password`);
			}
			const userId = valueAt(login, "back.user.id");
			if (typeof userId !== "string" && typeof userId !== "number") return fail("the login answer has no back.user.id");
			ask("GET", `PlantListAPI.do?userId=${encodeURIComponent(String(userId))}`, undefined, (plants) => {
				const back = valueAt(plants, "back");
				const list = Array.isArray(back) ? back : valueAt(back, "data");
				const plantId = Array.isArray(list) ? valueAt(list[0], "plantId") : undefined;
				if (typeof plantId !== "string" && typeof plantId !== "number") return fail("no plant in this Growatt account");
				const p = String(plantId);
				ask("GET", `newTwoPlantAPI.do?op=getAllDeviceListTwo&plantId=${encodeURIComponent(p)}&pageNum=1&pageSize=1`, undefined, (plant) => {
					const device = valueAt(plant, "deviceList[0]");
					const alias = valueAt(device, "deviceAilas");
					const sn = valueAt(device, "deviceSn");
					if (typeof alias !== "string" || alias === "") return fail(`no device in plant ${p}`);
					readStatus({ cookie, plantId: p, mixId: alias, deviceSn: typeof sn === "string" ? sn : "" });
				});
			});
		});
	}

	/** TWCManager's battery boost (see the top of the file). */
	#boost(reading: SourceReading): undefined {
		const soc = reading.socPercent;
		if (soc === null || reading.generationW === null) return undefined;
		const now = this.#context.clock.now();
		// SourceContext has no time zone yet: one passed along is used, else UTC.
		const zone = (this.#context as SourceContext & { timeZone?: TimeZone }).timeZone;
		let seconds: number;
		if (zone !== undefined) {
			const local = zone.toLocal(now);
			seconds = local.hour * 3600 + local.minute * 60 + local.second;
		} else seconds = Math.floor((((now / 1000) % 86400) + 86400) % 86400);
		const inTime = seconds > 0 && seconds < this.#options.useBatteryBefore;
		if (this.#dischargingTill < soc && inTime) {
			this.#dischargingTill = this.#options.useBatteryTill;
			reading.generationW += this.#options.batteryMaxOutput;
		} else this.#dischargingTill = this.#options.useBatteryAt;
		return undefined;
	}

	close(): void {
		this.#closed = true;
	}
}

export const growattSource: SourceDefinition = {
	name: NAME,
	summary: "Growatt inverter from the Growatt cloud (the app's API, login with username and password)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const username = r.string("username");
		const password = r.string("password");
		const useBatteryAt = r.number("useBatteryAt", 0, 0, 100);
		const useBatteryTill = r.number("useBatteryTill", 0, 0, 100);
		const batteryMaxOutput = r.number("batteryMaxOutput", 0, 0, 100_000);
		const before = r.string("useBatteryBefore", "00:00");
		// Not a TWCManager key: the API's address (a test server, or server.growatt.com for old accounts).
		let server = r.string("serverURL", "https://openapi.growatt.com/");
		if (!server.endsWith("/")) server += "/";
		const hm = /^(\d{1,2}):(\d{2})$/.exec(before);
		if (hm === null || Number(hm[1]) > 23 || Number(hm[2]) > 59) r.error ??= `sources.${NAME}.useBatteryBefore: must be a time HH:MM (got ${JSON.stringify(before)})`;
		if (!/^https?:\/\/[^/]/i.test(server)) r.error ??= `sources.${NAME}.serverURL: must start with https:// (got ${JSON.stringify(server)})`;
		if (r.error !== undefined) return r.error;
		const useBatteryBefore = Number(hm![1]) * 3600 + Number(hm![2]) * 60;
		return new GrowattSource({ server, username, password, useBatteryAt, useBatteryTill, batteryMaxOutput, useBatteryBefore }, context);
	},
};
