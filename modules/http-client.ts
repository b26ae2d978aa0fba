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
 * https:// goes through the SDK's TLS socket (`embedded:io/socket/tcp/tls`, TLS 1.2, RSA and ECDHE_RSA
 * key exchange; examples/io/tcp/tlssocket). `acceptSelfSigned` means NO certificate verification
 * (the SDK's `verify: false`): the link is encrypted, but anyone on the home network who can answer
 * for that address (ARP or DNS spoofing) sees the request, its password or token included, and can
 * send false values. That is the price of talking to a Powerwall or an Envoy, which have no other
 * certificate. Without it the server's chain is checked against the few root CAs the manifest
 * bundles (Let's Encrypt, DigiCert, GlobalSign, GTS, Sectigo/USERTrust, GoDaddy, Starfield) and
 * their validity dates, so a verified request needs the clock set (SNTP): before it is, it fails
 * saying so. A handshake costs RSA/ECDHE arithmetic and a 16 KB record buffer: measured on the
 * desktop build, about 40 KB of chunk heap while it runs (docs/esp32.md, "Energy sources on the
 * device"); one request at a time is what the ESP32's heap allows.
 */
import HTTPClient from "embedded:network/http/client";
import TCP from "embedded:io/socket/tcp";
// mcconfig's generated tsconfig maps the SDK's tls.d.ts under "embedded:io/socket/tls" (not the
// module's name), so its own compile finds no types here; modules/tsconfig.json checks it (tls.d.ts).
// @ts-ignore TS7016 under mcconfig only
import TLSSocket from "embedded:io/socket/tcp/tls";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import Timer from "timer";
import { HTTP_MAX_BYTES, type HttpClient, type HttpClientRequest, type HttpClientResult } from "platform/http-client";
import { joinBuffers } from "./buffers.js";

export interface ModdableHttpClientOptions {
	/** DNS servers asked for host names (default Cloudflare and Google). */
	dnsServers?: readonly string[];
	/** Largest response body kept (default 16 KiB). */
	maxResponseBytes?: number;
	/** Default timeout when a request gives none (10 s). */
	timeoutMs?: number;
	/** Measures each answer's callback (where a source parses it) as a JavaScript turn ("http-client"). */
	turns?: { run<T>(kind: string, work: () => T): T };
}

/** A verified certificate's validity dates mean something only once the clock is set: 2024-01-01. */
export const CLOCK_SET_AFTER_MS = Date.UTC(2024, 0, 1);

/** The parts of an http:// or https:// URL the client needs, or an error text. */
export function parseHttpUrl(url: string): { host: string; port: number; path: string; secure: boolean } | string {
	const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(url);
	if (match === null) return `not a URL: ${JSON.stringify(url.slice(0, 80))}`;
	const scheme = match[1].toLowerCase();
	if (scheme !== "http" && scheme !== "https") return `only http:// and https:// URLs are supported (got ${scheme}://)`;
	const secure = scheme === "https";
	let authority = match[2];
	const at = authority.lastIndexOf("@");
	if (at >= 0) return "user:password@ in a URL is not supported: send an Authorization header";
	let port = secure ? 443 : 80;
	const colon = authority.lastIndexOf(":");
	if (colon >= 0 && !authority.endsWith("]")) {
		const text = authority.slice(colon + 1);
		port = Number(text);
		if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) return `bad port in URL: ${JSON.stringify(text)}`;
		authority = authority.slice(0, colon);
	}
	if (authority === "" || authority.startsWith("[")) return `bad or unsupported host in URL: ${JSON.stringify(authority)} (IPv6 is not supported)`;
	return { host: authority, port, path: match[3] === "" ? "/" : match[3], secure };
}

/**
 * The TCP socket under the TLS socket, with its callbacks guarded: the SDK's TLS layer runs the
 * handshake inside them and throws (an untrusted certificate, an alert), and an exception escaping
 * a native callback aborts the VM (seen on the desktop build). The exception is handed to
 * `onException` and the socket reports an error instead, which ends the request.
 */
class GuardedTCP {
	constructor(options: Record<string, unknown>) {
		const onError = options.onError as (() => void) | undefined;
		const onException = options.onException as ((error: unknown) => void) | undefined;
		const guard = (callback: unknown) => {
			if (typeof callback !== "function") return callback;
			return (count: number) => {
				try {
					(callback as (count: number) => void)(count);
				} catch (error) {
					try {
						onException?.(error);
						onError?.();
					} catch {
						// The request is finished already.
					}
				}
			};
		};
		return new (TCP as unknown as new (o: Record<string, unknown>) => object)({ ...options, onReadable: guard(options.onReadable), onWritable: guard(options.onWritable) });
	}
}

export class ModdableHttpClient implements HttpClient {
	readonly #dnsServers: string[];
	readonly #maxResponse: number;
	readonly #timeoutMs: number;
	readonly #turns: ModdableHttpClientOptions["turns"];

	constructor(options: ModdableHttpClientOptions = {}) {
		this.#dnsServers = [...(options.dnsServers ?? ["1.1.1.1", "8.8.8.8"])];
		this.#maxResponse = options.maxResponseBytes ?? 16 * 1024;
		this.#timeoutMs = options.timeoutMs ?? 10_000;
		this.#turns = options.turns;
	}

	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void {
		let done = false;
		const turns = this.#turns;
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
				if (turns !== undefined) turns.run("http-client", () => onDone(result));
				else onDone(result);
			} catch (error) {
				trace(`error http-client: callback threw ${String(error)}\n`);
			}
		};
		let url = parseHttpUrl(request.url);
		if (typeof url !== "string" && url.secure && request.acceptSelfSigned !== true && Date.now() < CLOCK_SET_AFTER_MS) {
			url = `cannot check ${url.host}'s certificate: the device clock is not set yet (no network time), so its dates cannot be verified`;
		}
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
		// The request's cap, but never above the device's (its RAM).
		const maxResponse = Math.min(request.maxBytes ?? HTTP_MAX_BYTES, this.#maxResponse);
		const secure = url.secure;
		let tlsError: string | undefined;
		const socket = secure
			? {
					io: TLSSocket,
					TCP: { io: GuardedTCP },
					secure: { verify: request.acceptSelfSigned !== true },
					onException: (error: unknown) => {
						tlsError = String((error as { message?: unknown })?.message ?? error);
					},
				}
			: { io: TCP };
		try {
			client = new HTTPClient({
				host: url.host,
				port: url.port,
				dns: { io: Resolver, servers: this.#dnsServers, socket: { io: UDP } },
				socket,
				onError: () =>
					finish({
						error: tlsError !== undefined
							? `TLS with ${url.host}:${url.port} failed: ${tlsError}${request.acceptSelfSigned === true ? "" : " (an untrusted or expired certificate? a device with its own certificate needs acceptSelfSigned)"}`
							: secure
							? `cannot reach ${url.host}:${url.port} over https (name not found, refused, TLS handshake failed${request.acceptSelfSigned === true ? "" : " or certificate not trusted"})`
							: `cannot reach ${url.host}:${url.port} (name not found, refused or lost)`,
					}),
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
						finish({
							error: tlsError !== undefined
								? `TLS with ${url.host}:${url.port} failed: ${tlsError}`
								: status === undefined
								? `cannot reach ${url.host}:${url.port} (refused, lost or not an HTTP${secure ? "S" : ""} server${secure ? `; TLS handshake failed${request.acceptSelfSigned === true ? "" : " or certificate not trusted"}` : ""})`
								: `connection lost during the response (status ${status})`,
						});
						return;
					}
					let text = "";
					try {
						text = chunks.length === 0 ? "" : String.fromArrayBuffer(joinBuffers(chunks, received));
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

