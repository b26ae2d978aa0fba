/** The core's HttpClient on Node's fetch (Node 20), with a timeout. */
import type { HttpClient, HttpClientRequest, HttpClientResult } from "../src/platform/http-client.js";

export class NodeHttpClient implements HttpClient {
	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void {
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), request.timeoutMs ?? 10_000);
		fetch(request.url, { method: request.method, headers: request.headers, body: request.method === "POST" ? request.body : undefined, signal: controller.signal })
			.then(async (response) => ({ status: response.status, body: await response.text() }))
			.catch((error: unknown) => ({ error: controller.signal.aborted ? "timed out" : describe(error) }))
			.then((result: HttpClientResult) => {
				clearTimeout(timer);
				onDone(result);
			});
	}
}

function describe(error: unknown): string {
	const cause = (error as { cause?: { code?: string; message?: string } }).cause;
	return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
