/**
 * The core's HttpClient on Moddable's ECMA-419 HTTP client (`embedded:network/http/client`, from
 * the SDK's examples/io/tcp/httpclient) over `embedded:io/socket/tcp`, names resolved by the SDK's
 * UDP DNS resolver.
 *
 * As the core expects (src/platform/http-client.ts): the callback is called exactly once, with the
 * status and body or with an error; nothing is thrown into the core. A request gives up after its
 * timeout (default 10 s), a response body above `maxResponseBytes` (default 16 KiB) is an error
 * naming the cap (the RAM is small), and the connection is closed after each request.
 *
 * http:// only: https:// is refused with an error saying so. TLS would need the SDK's
 * `embedded:io/socket/tcp/tls` (manifest $(MODDABLE)/examples/io/tcp/tlssocket/manifest.json, CA
 * certificates as data) as the client's socket, and about 20 KB of free RAM per handshake; this
 * build does not include it. No socket is opened at module load (preloaded).
 */
import HTTPClient from "embedded:network/http/client";
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import Timer from "timer";
import type { HttpClient, HttpClientRequest, HttpClientResult } from "platform/http-client";

export interface ModdableHttpClientOptions {
	/** DNS servers asked for host names (default Cloudflare and Google). */
	dnsServers?: readonly string[];
	/** Largest response body kept (default 16 KiB). */
	maxResponseBytes?: number;
	/** Default timeout when a request gives none (10 s). */
	timeoutMs?: number;
}

/** The parts of an http:// URL the client needs, or an error text. */
export function parseHttpUrl(url: string): { host: string; port: number; path: string } | string {
	const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(url);
	if (match === null) return `not a URL: ${JSON.stringify(url.slice(0, 80))}`;
	const scheme = match[1].toLowerCase();
	if (scheme === "https") return `https is not supported on the device (no TLS in this build): use http:// (${url.slice(0, 80)})`;
	if (scheme !== "http") return `only http:// URLs are supported (got ${scheme}://)`;
	let authority = match[2];
	const at = authority.lastIndexOf("@");
	if (at >= 0) return "user:password@ in a URL is not supported: send an Authorization header";
	let port = 80;
	const colon = authority.lastIndexOf(":");
	if (colon >= 0 && !authority.endsWith("]")) {
		const text = authority.slice(colon + 1);
		port = Number(text);
		if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) return `bad port in URL: ${JSON.stringify(text)}`;
		authority = authority.slice(0, colon);
	}
	if (authority === "" || authority.startsWith("[")) return `bad or unsupported host in URL: ${JSON.stringify(authority)} (IPv6 is not supported)`;
	return { host: authority, port, path: match[3] === "" ? "/" : match[3] };
}

export class ModdableHttpClient implements HttpClient {
	readonly #dnsServers: string[];
	readonly #maxResponse: number;
	readonly #timeoutMs: number;

	constructor(options: ModdableHttpClientOptions = {}) {
		this.#dnsServers = [...(options.dnsServers ?? ["1.1.1.1", "8.8.8.8"])];
		this.#maxResponse = options.maxResponseBytes ?? 16 * 1024;
		this.#timeoutMs = options.timeoutMs ?? 10_000;
	}

	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void {
		let done = false;
		let client: HTTPClient | undefined;
		let timer: Timer | undefined;
		const finish = (result: HttpClientResult): void => {
			if (done) return;
			done = true;
			if (timer !== undefined) Timer.clear(timer);
			timer = undefined;
			const open = client;
			client = undefined;
			try {
				open?.close();
			} catch {
				// Closed already.
			}
			try {
				onDone(result);
			} catch (error) {
				trace(`error http-client: callback threw ${String(error)}\n`);
			}
		};
		const url = parseHttpUrl(request.url);
		if (typeof url === "string") {
			// Asynchronously, as for every other outcome.
			Timer.set(() => finish({ error: url }), 0);
			return;
		}
		const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
		timer = Timer.set(() => {
			timer = undefined;
			finish({ error: `timed out after ${timeoutMs} ms (${url.host}:${url.port})` });
		}, timeoutMs);

		const headers = new Map<string, string>();
		for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
		const body = request.method === "POST" && request.body !== undefined ? ArrayBuffer.fromString(request.body) : undefined;
		if (body !== undefined) headers.set("content-length", String(body.byteLength));
		headers.set("connection", "close");
		const chunks: ArrayBuffer[] = [];
		let received = 0;
		let status: number | undefined;
		let sent = 0;
		const maxResponse = this.#maxResponse;
		try {
			client = new HTTPClient({
				host: url.host,
				port: url.port,
				dns: { io: Resolver, servers: this.#dnsServers, socket: { io: UDP } },
				socket: { io: TCP },
				onError: () => finish({ error: `cannot reach ${url.host}:${url.port} (name not found, refused or lost)` }),
			});
			client.request({
				method: request.method,
				path: url.path,
				headers,
				onHeaders(code: number) {
					status = code;
				},
				onWritable(count: number) {
					if (body === undefined || sent >= body.byteLength) return;
					const n = Math.min(count, body.byteLength - sent);
					this.write(body.slice(sent, sent + n));
					sent += n;
				},
				onReadable(count: number) {
					const piece = this.read(count);
					if (piece === undefined || done) return;
					received += piece.byteLength;
					if (received > maxResponse) {
						finish({ status, error: `response larger than ${maxResponse} bytes (the device's cap): not read` });
						return;
					}
					chunks.push(piece);
				},
				onDone(error: Error | null) {
					if (error) {
						finish({ error: status === undefined ? `cannot reach ${url.host}:${url.port} (refused, lost or not an HTTP server)` : `connection lost during the response (status ${status})` });
						return;
					}
					let text = "";
					try {
						text = chunks.length === 0 ? "" : String.fromArrayBuffer(join(chunks, received));
					} catch {
						finish({ status, error: "the response body is not UTF-8 text" });
						return;
					}
					finish({ status, body: text });
				},
			});
		} catch (error) {
			finish({ error: `request failed: ${String(error)}` });
		}
	}
}

function join(chunks: readonly ArrayBuffer[], total: number): ArrayBuffer {
	if (chunks.length === 1) return chunks[0];
	const out = new Uint8Array(total);
	let at = 0;
	for (const chunk of chunks) {
		out.set(new Uint8Array(chunk), at);
		at += chunk.byteLength;
	}
	return out.buffer;
}
