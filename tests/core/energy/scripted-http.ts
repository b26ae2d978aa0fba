/**
 * An HttpClient for core tests of the energy sources: it answers from a table (by "METHOD url"),
 * at once, and records every request. Runs in Node and in XS.
 */
import type { HttpClient, HttpClientRequest, HttpClientResult } from "../../../src/platform/http-client.js";
import type { EnergySource, PollResult, SourceContext, SourceDefinition } from "../../../src/energy/source.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { silentLog, type Log } from "../../../src/platform/log.js";

export type Answer = HttpClientResult | ((request: HttpClientRequest) => HttpClientResult);

export class ScriptedHttp implements HttpClient {
	readonly requests: HttpClientRequest[] = [];
	readonly answers = new Map<string, Answer>();

	/** JSON answered with 200 for `method url`. */
	json(method: string, url: string, body: unknown): this {
		this.answers.set(`${method} ${url}`, { status: 200, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
		return this;
	}

	text(method: string, url: string, body: string, status = 200): this {
		this.answers.set(`${method} ${url}`, { status, body });
		return this;
	}

	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void {
		this.requests.push(request);
		const answer = this.answers.get(`${request.method} ${request.url}`);
		if (answer === undefined) return onDone({ status: 404, body: "not found" });
		onDone(typeof answer === "function" ? answer(request) : answer);
	}
}

export function contextWith(http: HttpClient, clock = new VirtualClock(), log: Log = silentLog): SourceContext {
	return { clock, log, http };
}

/** Builds a source, failing the test with the config error if there is one. */
export function build(definition: SourceDefinition, section: Record<string, unknown>, context: SourceContext): EnergySource {
	const created = definition.create(section, context);
	if (typeof created === "string") throw new Error(created);
	return created;
}

/** One poll; the scripted client answers at once, so the result is there on return. */
export function pollNow(source: EnergySource): PollResult {
	let result: PollResult | undefined;
	source.poll((r) => (result = r));
	if (result === undefined) throw new Error("the poll did not finish at once");
	return result;
}
