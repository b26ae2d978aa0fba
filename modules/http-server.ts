/**
 * The core's HttpServer on Moddable's ECMA-419 HTTP server (`embedded:network/http/server`, from
 * the SDK's examples/io/listener/httpserver): the same Router as the host answers every request.
 *
 * Like the host's binding (host-sim/node-http-server.ts): header names in lower case, the query
 * decoded, request bodies capped (64 KiB: 413 beyond), response headers sent (e.g. `Allow`), no
 * body for HEAD, a failing handler answers 500. Besides:
 * - one request at a time per connection and the connection closes after the answer (the SDK's
 *   server has no keep-alive); at most `maxConnections` at once, further ones are closed at once;
 * - a connection with no progress for `idleTimeoutMs` is closed (a silent client must not hold one
 *   of the few sockets an ESP32 has);
 * - the response body goes out as the socket takes it (onWritable), never in one blocking write,
 *   and each turn does little work: the RS485 RX FIFO holds only 133 ms of bus traffic.
 * - Streamed answers (Server-Sent Events, GET /api/v1/events) go out chunked as the socket takes
 *   them; a slow client keeps only the newest pieces (each event is the whole state).
 * - Uploads (`addUpload`): a PUT or POST to that path streams its body to an UploadSink chunk by
 *   chunk instead of buffering it (OTA images are far larger than the RAM).
 * The SDK's server refuses requests that are not HTTP/1.1 (it closes the connection) and does not
 * send `100 Continue` (curl waits 1 s, then sends the body anyway).
 *
 * Nothing happens at module load (preloaded): the listener opens in `serve()`.
 */
import HTTPServer, { type HTTPConnection, type HTTPRequest, type HTTPResponse } from "embedded:network/http/server";
import Listener from "embedded:io/socket/listener";
import Timer from "timer";
import type { HttpHandler, HttpRequest, HttpResponse, HttpServer, ResponseStream } from "platform/http-server";
import type { Log } from "platform/log";
import { joinBuffers } from "./buffers.js";

/** Where an upload's body goes (the OTA engineer's firmware image writer, for one). */
export interface UploadSink {
	/** The upload starts; `contentLength` when the client sent one. An error text refuses it (400). */
	begin(contentLength: number | undefined): string | undefined;
	/** The next piece of the body. An error text aborts the upload (500). */
	write(chunk: ArrayBuffer): string | undefined;
	/** The whole body was written: the answer to send. */
	end(): { status: number; body?: string; contentType?: string };
	/** The upload will not finish (connection lost, timeout, a write error); `reason` says why. */
	abort(reason: string): void;
}

export interface ModdableHttpServerOptions {
	port: number;
	log: Log;
	/** Largest request body buffered for the router (default 64 KiB, as on the host). */
	maxBodyBytes?: number;
	/** A connection without progress this long is closed (default 15 s). */
	idleTimeoutMs?: number;
	/** Connections served at once (default 4; an ESP32 has about 10 sockets for everything). */
	maxConnections?: number;
	/** Measures each callback as a JavaScript turn ("http"): see turn-meter.ts. */
	turns?: { run<T>(kind: string, work: () => T): T };
}

/** Bytes read from the socket in one piece. */
const READ_PIECE = 2048;
/** Bytes of a refused body drained before the connection is simply closed. */
const DISCARD_LIMIT = 4 * 1024 * 1024;

type Mode = "buffer" | "upload" | "discard";

/** One request on one connection. */
interface Exchange {
	connection: HTTPConnection;
	method: string;
	target: string;
	headers: Map<string, string>;
	mode: Mode;
	chunks: ArrayBuffer[];
	received: number;
	sink: UploadSink | undefined;
	/** The answer decided before the body was in (413, a refused or failed upload). */
	answer: HttpResponse | undefined;
	/** The response body being sent, and how much of it is out. */
	out: ArrayBuffer | undefined;
	sent: number;
	timer: Timer | undefined;
	finished: boolean;
	/** A streamed answer (Server-Sent Events): chunked, written as the socket takes it. */
	stream: StreamState | undefined;
}

interface StreamState {
	start: (out: ResponseStream) => void;
	started: boolean;
	/** Pieces waiting for room in the socket, oldest first (bounded: see STREAM_QUEUE). */
	queue: ArrayBuffer[];
	/** Bytes the connection takes now (what onWritable last said, less what went out since). */
	writable: number;
	ending: boolean;
	onClose: (() => void)[];
}

/** Pieces a slow stream client may have waiting; older ones are dropped (each event is the whole state). */
const STREAM_QUEUE = 2;

export class ModdableHttpServer implements HttpServer {
	readonly #port: number;
	readonly #log: Log;
	readonly #maxBody: number;
	readonly #idleMs: number;
	readonly #maxConnections: number;
	readonly #turns: { run<T>(kind: string, work: () => T): T } | undefined;
	#server: HTTPServer | undefined;
	#handler: HttpHandler | undefined;
	#uploads = new Map<string, UploadSink>();
	#open = 0;

	constructor(options: ModdableHttpServerOptions) {
		this.#port = options.port;
		this.#log = options.log;
		this.#maxBody = options.maxBodyBytes ?? 64 * 1024;
		this.#idleMs = options.idleTimeoutMs ?? 15_000;
		this.#maxConnections = options.maxConnections ?? 4;
		this.#turns = options.turns;
	}

	/** Starts listening. A port that cannot be bound is logged as an error (the master runs on without its API). */
	serve(handler: HttpHandler): void {
		this.#handler = handler;
		if (this.#server !== undefined) return;
		try {
			this.#server = new HTTPServer({ io: Listener, port: this.#port, onConnect: (connection: HTTPConnection) => this.#onConnect(connection) });
		} catch (error) {
			this.#log.write("error", "http", `HTTP port ${this.#port}: cannot listen (${String(error)}); set another with device.httpPort`);
			return;
		}
		this.#log.write("info", "http", `listening on port ${this.#port}`);
	}

	close(): void {
		this.#server?.close();
		this.#server = undefined;
	}

	/** A PUT or POST to `path` streams its body to `sink` (the router never sees it). */
	addUpload(path: string, sink: UploadSink): void {
		this.#uploads.set(path, sink);
	}

	#onConnect(connection: HTTPConnection): void {
		if (this.#open >= this.#maxConnections) {
			connection.close();
			return;
		}
		this.#open++;
		const exchange: Exchange = {
			connection,
			method: "",
			target: "",
			headers: new Map(),
			mode: "buffer",
			chunks: [],
			received: 0,
			sink: undefined,
			answer: undefined,
			out: undefined,
			sent: 0,
			timer: undefined,
			finished: false,
			stream: undefined,
		};
		this.#touch(exchange);
		connection.accept({
			onRequest: (request: HTTPRequest) => this.#guard(exchange, () => this.#onRequest(exchange, request)),
			onReadable: (count: number) => this.#guard(exchange, () => this.#onReadable(exchange, count)),
			onResponse: (response: HTTPResponse) => this.#guard(exchange, () => this.#onResponse(exchange, response)),
			onWritable: (count: number) => this.#guard(exchange, () => this.#onWritable(exchange, count)),
			onDone: () => this.#finish(exchange, undefined),
			onError: () => this.#finish(exchange, "connection lost or request malformed"),
		});
	}

	/** An exception must not escape into the SDK's socket callbacks: log it and drop the connection. */
	#guard(exchange: Exchange, action: () => void): void {
		try {
			if (this.#turns !== undefined) this.#turns.run("http", action);
			else action();
		} catch (error) {
			this.#log.write("error", "http", `${exchange.method} ${exchange.target}: ${String(error)}`);
			this.#finish(exchange, `server error: ${String(error)}`);
			exchange.connection.close();
		}
	}

	/** Restarts the idle timer: the connection made progress. */
	#touch(exchange: Exchange): void {
		if (exchange.timer !== undefined) Timer.clear(exchange.timer);
		exchange.timer = Timer.set(() => {
			exchange.timer = undefined;
			this.#log.write("warn", "http", `${exchange.method || "connection"} ${exchange.target}: no progress for ${this.#idleMs} ms, closed`);
			this.#finish(exchange, "timed out");
			exchange.connection.close();
		}, this.#idleMs);
	}

	/** The exchange is over (done, lost, timed out): once only. An unfinished upload is aborted. */
	#finish(exchange: Exchange, failure: string | undefined): void {
		if (exchange.finished) return;
		exchange.finished = true;
		this.#open--;
		if (exchange.timer !== undefined) Timer.clear(exchange.timer);
		exchange.timer = undefined;
		exchange.chunks = [];
		exchange.out = undefined;
		const stream = exchange.stream;
		exchange.stream = undefined;
		if (stream !== undefined) {
			for (const callback of stream.onClose) {
				try {
					callback();
				} catch (error) {
					this.#log.write("error", "http", `event stream close: ${String(error)}`);
				}
			}
		}
		const sink = exchange.sink;
		exchange.sink = undefined;
		if (sink !== undefined && failure !== undefined) {
			try {
				sink.abort(failure);
			} catch (error) {
				this.#log.write("error", "http", `upload ${exchange.target}: abort failed: ${String(error)}`);
			}
		}
	}

	#onRequest(exchange: Exchange, request: HTTPRequest): void {
		this.#touch(exchange);
		exchange.method = request.method;
		exchange.target = request.path;
		for (const [name, value] of request.headers) exchange.headers.set(name.toLowerCase(), value);
		const length = contentLength(exchange.headers);
		const path = pathOf(request.path);
		const sink = this.#uploads.get(path);
		if (sink !== undefined && (request.method === "PUT" || request.method === "POST")) {
			const refused = sink.begin(length);
			if (refused !== undefined) this.#refuse(exchange, 400, refused);
			else {
				exchange.mode = "upload";
				exchange.sink = sink;
			}
		} else if (length !== undefined && length > this.#maxBody) {
			this.#refuse(exchange, 413, `request body larger than ${this.#maxBody} bytes`);
		}
	}

	/** Answers `status` once the body is in; the rest of the body is read and dropped. */
	#refuse(exchange: Exchange, status: number, error: string): void {
		exchange.mode = "discard";
		exchange.chunks = [];
		exchange.answer = { status, contentType: "application/json", body: JSON.stringify({ error }) };
	}

	#onReadable(exchange: Exchange, count: number): void {
		this.#touch(exchange);
		const connection = exchange.connection;
		let left = count;
		while (left > 0) {
			const piece = connection.read(Math.min(left, READ_PIECE));
			if (piece === undefined || piece.byteLength === 0) break;
			left -= piece.byteLength;
			exchange.received += piece.byteLength;
			if (exchange.mode === "buffer") {
				if (exchange.received > this.#maxBody) this.#refuse(exchange, 413, `request body larger than ${this.#maxBody} bytes`);
				else exchange.chunks.push(piece);
			} else if (exchange.mode === "upload") {
				const failed = exchange.sink!.write(piece);
				if (failed !== undefined) {
					const sink = exchange.sink!;
					exchange.sink = undefined;
					sink.abort(failed);
					this.#refuse(exchange, 500, `upload failed: ${failed}`);
				}
			} else if (exchange.received > DISCARD_LIMIT) {
				this.#log.write("warn", "http", `${exchange.method} ${exchange.target}: refused body still coming after ${DISCARD_LIMIT} bytes, closed`);
				this.#finish(exchange, "refused body too long");
				connection.close();
				return;
			}
		}
	}

	#onResponse(exchange: Exchange, response: HTTPResponse): void {
		this.#touch(exchange);
		let answer = exchange.answer;
		if (answer === undefined && exchange.mode === "upload") {
			const sink = exchange.sink!;
			exchange.sink = undefined;
			const result = sink.end();
			answer = { status: result.status, body: result.body, contentType: result.contentType };
		}
		if (answer === undefined) answer = this.#handle(exchange);
		const head = exchange.method === "HEAD";
		const body = head || answer.body === undefined ? new ArrayBuffer(0) : ArrayBuffer.fromString(answer.body);
		response.status = answer.status;
		for (const [name, value] of Object.entries(answer.headers ?? {})) {
			const lower = name.toLowerCase();
			if (lower === "content-length" || lower === "transfer-encoding" || lower === "connection") continue;
			if (lower === "content-type" && answer.contentType !== undefined) continue;
			response.headers.set(name, value);
		}
		if (answer.contentType !== undefined || !hasHeader(answer.headers, "content-type")) {
			response.headers.set("content-type", answer.contentType ?? "text/plain; charset=utf-8");
		}
		if (answer.stream !== undefined && !head) {
			// Server-Sent Events: no length; the SDK's server frames each write as a chunk.
			response.headers.set("transfer-encoding", "chunked");
			response.headers.set("connection", "close");
			exchange.stream = { start: answer.stream, started: false, queue: [], writable: 0, ending: false, onClose: [] };
			exchange.connection.respond(response);
			return;
		}
		response.headers.set("content-length", body.byteLength);
		response.headers.set("connection", "close");
		exchange.out = body;
		exchange.sent = 0;
		exchange.connection.respond(response);
	}

	/** The router's answer to the buffered request; a bad query or body text is a 400, a throw a 500. */
	#handle(exchange: Exchange): HttpResponse {
		const chunks = exchange.chunks;
		exchange.chunks = [];
		let body = "";
		try {
			body = chunks.length === 0 ? "" : String.fromArrayBuffer(joinBuffers(chunks, exchange.received));
		} catch {
			return jsonAnswer(400, "the request body is not UTF-8 text");
		}
		const target = exchange.target;
		const q = target.indexOf("?");
		const query = parseQuery(q < 0 ? "" : target.slice(q + 1));
		if (typeof query === "string") return jsonAnswer(400, query);
		// The SDK's connection does not tell the peer's address: "unknown" still marks the request as
		// one from the network (without it the password guard would take it for the program's own).
		const request: HttpRequest = { method: exchange.method, path: q < 0 ? target : target.slice(0, q), query, headers: exchange.headers, body, remoteAddress: "unknown" };
		try {
			return this.#handler!(request);
		} catch (error) {
			this.#log.write("error", "http", `${request.method} ${request.path} failed: ${String(error)}`);
			return jsonAnswer(500, String(error));
		}
	}

	/** The stream a route writes to: pieces are queued and go out as the connection takes them. */
	#streamOut(exchange: Exchange, stream: StreamState): ResponseStream {
		return {
			write: (text: string) => {
				if (exchange.finished || stream.ending) return false;
				stream.queue.push(ArrayBuffer.fromString(text));
				// A slow client: drop whole waiting events (never the one being sent: index 0 may be under way).
				while (stream.queue.length > STREAM_QUEUE) stream.queue.splice(1, 1);
				this.#flush(exchange, stream);
				return true;
			},
			end: () => {
				if (exchange.finished || stream.ending) return;
				stream.ending = true;
				this.#flush(exchange, stream);
			},
			onClose: (callback: () => void) => {
				if (exchange.finished) callback();
				else stream.onClose.push(callback);
			},
		};
	}

	/**
	 * Writes what the connection can take now, a piece at a time (each becomes one HTTP chunk: an
	 * event larger than the socket's room goes out over several turns). `writable` is what the SDK
	 * says the body may take, its chunk framing already counted.
	 */
	#flush(exchange: Exchange, stream: StreamState): void {
		while (stream.queue.length > 0 && stream.writable > 0) {
			const head = stream.queue[0];
			const n = Math.min(head.byteLength, stream.writable);
			const piece = n === head.byteLength ? head : head.slice(0, n);
			if (n === head.byteLength) stream.queue.shift();
			else stream.queue[0] = head.slice(n);
			stream.writable = exchange.connection.write(piece);
			this.#touch(exchange);
		}
		if (stream.ending && stream.queue.length === 0) {
			stream.ending = false;
			exchange.connection.write(); // the last, empty chunk: the SDK ends the answer
		}
	}

	#onWritable(exchange: Exchange, count: number): void {
		this.#touch(exchange);
		const stream = exchange.stream;
		if (stream !== undefined) {
			stream.writable = count;
			if (!stream.started) {
				stream.started = true;
				stream.start(this.#streamOut(exchange, stream));
			}
			this.#flush(exchange, stream);
			return;
		}
		const out = exchange.out;
		if (out === undefined || count <= 0) return;
		const n = Math.min(count, out.byteLength - exchange.sent);
		if (n <= 0) return;
		const piece = exchange.sent === 0 && n === out.byteLength ? out : out.slice(exchange.sent, exchange.sent + n);
		exchange.sent += n;
		exchange.connection.write(piece);
	}
}

function pathOf(target: string): string {
	const q = target.indexOf("?");
	return q < 0 ? target : target.slice(0, q);
}

function contentLength(headers: ReadonlyMap<string, string>): number | undefined {
	const text = headers.get("content-length");
	if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
	return Number(text.trim());
}

function hasHeader(headers: Readonly<Record<string, string>> | undefined, lower: string): boolean {
	for (const name of Object.keys(headers ?? {})) if (name.toLowerCase() === lower) return true;
	return false;
}

function jsonAnswer(status: number, error: string): HttpResponse {
	return { status, contentType: "application/json", body: JSON.stringify({ error }) };
}


/** "a=1&b=x%20y" → Map, as URLSearchParams decodes it ("+" is a space); a bad %-escape is an error text. */
export function parseQuery(text: string): Map<string, string> | string {
	const query = new Map<string, string>();
	if (text === "") return query;
	for (const part of text.split("&")) {
		if (part === "") continue;
		const eq = part.indexOf("=");
		const rawName = eq < 0 ? part : part.slice(0, eq);
		const rawValue = eq < 0 ? "" : part.slice(eq + 1);
		try {
			const name = decodeURIComponent(rawName.replace(/\+/g, " "));
			// The last value of a repeated name wins, as the host's new Map(new URLSearchParams(...)) keeps it.
			query.set(name, decodeURIComponent(rawValue.replace(/\+/g, " ")));
		} catch {
			return `query: bad %-escape in ${JSON.stringify(part.slice(0, 40))}`;
		}
	}
	return query;
}
