/**
 * A source that asks its device step by step and decides the next request from the last answer
 * (a login first, an older firmware's path when the new one is not served, optional extras). The
 * simple one-shot sources use HttpSource; this is for Fronius, Enphase, Powerwall, P1 Monitor,
 * Efergy and SolarEdge. Errors are worded as HttpSource words them (the URL, the HTTP status and a
 * hint) and never thrown; a reading is checked against physical bounds before it is handed on.
 */
import type { HttpClient, HttpClientRequest } from "../../platform/http-client.js";
import { HTTP_TIMEOUT_MS } from "../http-source.js";
import { emptyReading, type EnergySource, type PollResult, type SourceContext, type SourceReading } from "../source.js";
import { implausible, isAnswerError, parseJsonAnswer } from "../source-values.js";

/** One answer: parsed JSON (or the text), or why there is none. */
export interface Answer {
	url: string;
	status?: number;
	json?: unknown;
	text?: string;
	headers?: Readonly<Record<string, string>>;
	/** Why the answer cannot be used (names the URL). */
	error?: string;
	/**
	 * The device does not serve this path (HTTP 404, or an HTML page where JSON was asked): an older
	 * or newer firmware, so another path may be tried.
	 */
	notServed?: boolean;
}

export type Ask = (request: HttpClientRequest, done: (answer: Answer) => void, format?: "json" | "text") => void;

/** Runs one poll: ask as often as needed, then finish with a reading or an error text. */
export type PollScript = (ask: Ask, finish: (error: string | undefined, reading: SourceReading) => void) => void;

function hintFor(status: number): string {
	if (status === 401 || status === 403) return " (check the user name, password or token)";
	if (status === 404) return " (check the address: this device does not serve that path)";
	if (status === 429) return " (too many requests: the service's request budget is used up)";
	if (status >= 300 && status < 400) return " (the device redirects: it may want https, e.g. serverPort 443)";
	return "";
}

/** Asks one URL; the answer says what came back or why nothing usable did. */
export function askJson(http: HttpClient, request: HttpClientRequest, done: (answer: Answer) => void, format: "json" | "text" = "json"): void {
	const url = request.url;
	http.request({ timeoutMs: HTTP_TIMEOUT_MS, ...request }, (result) => {
		if (result.error !== undefined) return done({ url, error: `${url}: ${result.error}` });
		const status = result.status;
		const headers = result.headers;
		if (status === undefined || status < 200 || status > 299) {
			return done({ url, status, headers, error: `${url}: HTTP ${status}${hintFor(status ?? 0)}`, notServed: status === 404 });
		}
		if (format === "text") return done({ url, status, headers, text: result.body ?? "" });
		const parsed = parseJsonAnswer(result.body, url);
		if (isAnswerError(parsed)) return done({ url, status, headers, error: parsed.error, notServed: (result.body ?? "").trimStart().startsWith("<") });
		done({ url, status, headers, json: parsed });
	});
}

export class AskingSource implements EnergySource {
	readonly name: string;
	readonly intervalS: number;
	readonly #http: HttpClient | undefined;
	readonly #script: PollScript;
	#busy = false;
	#closed = false;

	constructor(name: string, intervalS: number, context: SourceContext, script: PollScript) {
		this.name = name;
		this.intervalS = intervalS;
		this.#http = context.http;
		this.#script = script;
	}

	poll(done: (result: PollResult) => void): void {
		const http = this.#http;
		if (http === undefined) return done({ ok: false, error: `${this.name}: no HTTP client on this platform` });
		if (this.#busy) return done({ ok: false, error: `${this.name}: the previous request has not finished yet` });
		this.#busy = true;
		let finished = false;
		const finish = (error: string | undefined, reading: SourceReading) => {
			if (finished) return;
			finished = true;
			this.#busy = false;
			if (error === undefined) error = implausible(reading);
			if (this.#closed) return;
			if (error === undefined) done({ ok: true, reading });
			else done({ ok: false, error: error.startsWith(`${this.name}:`) ? error : `${this.name}: ${error}` });
		};
		const ask: Ask = (request, onAnswer, format) =>
			askJson(
				http,
				request,
				(answer) => {
					if (finished) return;
					try {
						onAnswer(answer);
					} catch (e) {
						finish(`the answer of ${answer.url} could not be read (${e instanceof Error ? e.message : String(e)})`, emptyReading());
					}
				},
				format,
			);
		try {
			this.#script(ask, finish);
		} catch (e) {
			finish(`the request could not be made (${e instanceof Error ? e.message : String(e)})`, emptyReading());
		}
	}

	close(): void {
		this.#closed = true;
	}
}

/** Adds b to a, where null means "not given": a sum of what was given, null when nothing was. */
export function addOrNull(a: number | null, b: number | null): number | null {
	if (b === null) return a;
	return a === null ? b : a + b;
}
