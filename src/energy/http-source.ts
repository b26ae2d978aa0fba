/**
 * The shape most sources share (reference §0.3): ask one or more URLs over HTTP, parse each answer,
 * turn them into a reading. One poll at a time; a failure names the URL and what went wrong
 * (refused, timeout, HTTP 401, not JSON, a value missing) and never throws.
 */
import type { HttpClient, HttpClientRequest, HttpClientResult } from "../platform/http-client.js";
import { emptyReading, PollGuard, type EnergySource, type PollResult, type SourceContext, type SourceReading } from "./source.js";
import { implausible, isAnswerError, parseJsonAnswer } from "./source-values.js";

/** How long a device may take to answer (TWCManager uses 2–10 s). */
export const HTTP_TIMEOUT_MS = 5000;

export interface HttpStep {
	request: HttpClientRequest;
	/** "json" (default) parses the body; "text" hands it over as it is. */
	format?: "json" | "text";
}

export interface HttpSourceOptions {
	name: string;
	intervalS: number;
	context: SourceContext;
	/** The requests of one poll, in order (most sources need one). */
	steps(): HttpStep[];
	/**
	 * Turns the answers (parsed JSON, or text) into a reading, filling `reading`; returns an error
	 * text when the answers do not hold what is needed.
	 */
	read(answers: unknown[], reading: SourceReading): string | undefined;
	/** Called with each raw result before it is read (e.g. to keep a login cookie). */
	onResult?(step: number, result: HttpClientResult): void;
}

export class HttpSource implements EnergySource {
	readonly name: string;
	readonly intervalS: number;
	readonly #options: HttpSourceOptions;
	readonly #http: HttpClient | undefined;
	readonly #guard = new PollGuard();

	constructor(options: HttpSourceOptions) {
		this.name = options.name;
		this.intervalS = options.intervalS;
		this.#options = options;
		this.#http = options.context.http;
	}

	poll(done: (result: PollResult) => void): void {
		const http = this.#http;
		if (http === undefined) return done({ ok: false, error: `${this.name}: no HTTP client on this platform` });
		const end = this.#guard.start(this.name, done);
		if (end === undefined) return;
		const steps = this.#options.steps();
		const answers: unknown[] = [];
		const finish = end;
		const next = (i: number): void => {
			if (i >= steps.length) {
				const reading = emptyReading();
				let error: string | undefined;
				try {
					error = this.#options.read(answers, reading);
				} catch (e) {
					error = `${this.name}: the answer could not be read (${e instanceof Error ? e.message : String(e)})`;
				}
				if (error === undefined) error = implausible(reading);
				return finish(error === undefined ? { ok: true, reading } : { ok: false, error: error.startsWith(this.name) ? error : `${this.name}: ${error}` });
			}
			const step = steps[i];
			const url = step.request.url;
			http.request({ timeoutMs: HTTP_TIMEOUT_MS, ...step.request }, (result) => {
				this.#options.onResult?.(i, result);
				if (result.error !== undefined) return finish({ ok: false, error: `${this.name}: ${url}: ${result.error}` });
				if (result.status === undefined || result.status < 200 || result.status > 299) {
					const hint = result.status === 401 || result.status === 403 ? " (check the user name, password or token)" : result.status === 404 ? " (check the address: this device does not serve that path)" : "";
					return finish({ ok: false, error: `${this.name}: ${url}: HTTP ${result.status}${hint}` });
				}
				if (step.format === "text") answers.push(result.body ?? "");
				else {
					const parsed = parseJsonAnswer(result.body, url);
					if (isAnswerError(parsed)) return finish({ ok: false, error: `${this.name}: ${parsed.error}` });
					answers.push(parsed);
				}
				next(i + 1);
			});
		};
		next(0);
	}

	close(): void {
		this.#guard.close();
	}
}
