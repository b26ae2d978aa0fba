/**
 * The core's HttpClient on Node's http and https modules: a timeout, a response-size cap (the
 * request is aborted past it), response headers, and self-signed certificates accepted only when
 * the request asks for it (a Powerwall's or an Envoy's own certificate).
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { HTTP_MAX_BYTES, type HttpClient, type HttpClientRequest, type HttpClientResult } from "../src/platform/http-client.js";

export class NodeHttpClient implements HttpClient {
	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void {
		let finished = false;
		const finish = (result: HttpClientResult) => {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			onDone(result);
		};
		let url: URL;
		try {
			url = new URL(request.url);
		} catch {
			onDone({ error: `not a valid URL: ${request.url}` });
			return;
		}
		if (url.protocol !== "http:" && url.protocol !== "https:") {
			onDone({ error: `only http:// and https:// URLs are supported (got ${url.protocol})` });
			return;
		}
		const maxBytes = request.maxBytes ?? HTTP_MAX_BYTES;
		const timeoutMs = request.timeoutMs ?? 10_000;
		const body = request.method === "POST" ? (request.body ?? "") : undefined;
		const headers: Record<string, string> = { ...request.headers };
		if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
		const options = { method: request.method, headers, rejectUnauthorized: !request.acceptSelfSigned };
		const send = url.protocol === "https:" ? httpsRequest : httpRequest;
		const req = send(url, options, (response: IncomingMessage) => {
			const chunks: Buffer[] = [];
			let size = 0;
			response.on("data", (chunk: Buffer) => {
				size += chunk.length;
				if (size > maxBytes) {
					req.destroy();
					finish({ error: `the answer is larger than ${maxBytes} bytes` });
					return;
				}
				chunks.push(chunk);
			});
			response.on("end", () => finish({ status: response.statusCode, body: Buffer.concat(chunks).toString("utf8"), headers: headersOf(response) }));
			response.on("error", (error) => finish({ error: describe(error) }));
		});
		const timer = setTimeout(() => {
			req.destroy();
			finish({ error: `timed out after ${timeoutMs / 1000} s` });
		}, timeoutMs);
		req.on("error", (error) => finish({ error: describe(error) }));
		req.end(body);
	}
}

function headersOf(response: IncomingMessage): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(response.headers)) {
		if (value === undefined) continue;
		headers[name.toLowerCase()] = Array.isArray(value) ? value.join("\n") : value;
	}
	return headers;
}

function describe(error: unknown): string {
	const e = error as { code?: string; message?: string };
	if (e.code === "ECONNREFUSED") return "connection refused (is the device on, and the address and port right?)";
	if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `the host name is not known (${e.message ?? e.code})`;
	if (e.code === "DEPTH_ZERO_SELF_SIGNED_CERT" || e.code === "SELF_SIGNED_CERT_IN_CHAIN") return "the device's certificate is self-signed";
	return e.code ?? e.message ?? String(error);
}
