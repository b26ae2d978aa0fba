import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { HttpHandler, HttpRequest, HttpResponse, HttpServer, ResponseStream } from "../src/platform/http-server.js";
import { silentLog, type Log } from "../src/platform/log.js";

/** The host's request-body cap. */
export const HOST_MAX_BODY_BYTES = 256 * 1024;

export interface NodeHttpServerOptions {
	/** Port to listen on; 0 picks a free one (tests). */
	port: number;
	/** Address to bind (default: Node's, i.e. "::" with IPv4 mapped in, like TWCManager). */
	host?: string;
	log?: Log;
	/** Largest accepted request body in bytes (default 64 KiB). */
	maxBodyBytes?: number;
}

class BodyTooLarge extends Error {}

/** The core's HttpServer on node:http. */
export class NodeHttpServer implements HttpServer {
	/**
	 * The port actually bound. Rejects when the port cannot be bound: a port in use is an error (not
	 * TWCManager's move to the next port, which lets a second instance start by accident).
	 */
	readonly listening: Promise<number>;
	#options: NodeHttpServerOptions;
	#log: Log;
	#maxBody: number;
	#server?: Server;
	#handler?: HttpHandler;
	#closed = false;
	#resolve!: (port: number) => void;
	#reject!: (error: Error) => void;

	constructor(options: NodeHttpServerOptions) {
		this.#options = options;
		this.#log = options.log ?? silentLog;
		// 256 KiB: TWCManager's own API tests send a 100 KB debug command and expect the route's 400,
		// not 413; the device keeps 64 KiB (modules/http-server.ts).
		this.#maxBody = options.maxBodyBytes ?? HOST_MAX_BODY_BYTES;
		this.listening = new Promise<number>((resolve, reject) => {
			this.#resolve = resolve;
			this.#reject = reject;
		});
		// The owner reports the failure (the CLI prints it and exits); unobserved, it must not crash the process.
		this.listening.catch(() => {});
	}

	serve(handler: HttpHandler): void {
		this.#handler = handler;
		if (this.#server || this.#closed) return;
		const server = createServer((req, res) => this.#onRequest(req, res));
		this.#server = server;
		this.#listen(server, this.#options.port);
	}

	close(): void {
		this.#closed = true;
		this.#reject(new Error("http server closed before it was listening"));
		const server = this.#server;
		if (!server) return;
		server.close();
		server.closeAllConnections();
	}

	#listen(server: Server, port: number): void {
		const host = this.#options.host;
		const onError = (error: NodeJS.ErrnoException): void => {
			server.off("listening", onListening);
			if (this.#closed) return;
			this.#reject(new Error(error.code === "EADDRINUSE"
				? `HTTP port ${port} is in use (another instance of this program, or another server): choose another with --http-port or control.HTTP.listenPort`
				: `HTTP port ${port}: cannot listen: ${error.message}`));
		};
		const onListening = (): void => {
			server.off("error", onError);
			const address = server.address();
			const bound = typeof address === "object" && address ? address.port : port;
			this.#log.write("info", "http", `listening on ${host ?? "*"}:${bound}`);
			this.#resolve(bound);
			if (this.#closed) server.close();
		};
		server.once("error", onError);
		server.once("listening", onListening);
		server.listen(port, host);
	}

	#onRequest(req: IncomingMessage, res: ServerResponse): void {
		readBody(req, this.#maxBody).then(
			(body) => this.#respond(req, res, body),
			(error: unknown) => {
				if (error instanceof BodyTooLarge) {
					// Closing the connection also discards the rest of the body.
					res.setHeader("connection", "close");
					sendJson(res, 413, { error: `request body larger than ${this.#maxBody} bytes` });
				} else {
					res.destroy();
				}
			},
		);
	}

	#respond(req: IncomingMessage, res: ServerResponse, body: string): void {
		const url = req.url ?? "/";
		const q = url.indexOf("?");
		const request: HttpRequest = {
			method: req.method ?? "GET",
			path: q < 0 ? url : url.slice(0, q),
			query: new Map(new URLSearchParams(q < 0 ? "" : url.slice(q + 1))),
			headers: headerMap(req),
			body,
			// Always set: a request without it would count as one from inside the program.
			remoteAddress: req.socket.remoteAddress ?? "unknown",
		};
		try {
			// serve() sets the handler before the server exists.
			writeResponse(res, this.#handler!(request));
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			this.#log.write("error", "http", `${request.method} ${request.path} failed: ${message}`);
			if (res.headersSent) {
				res.destroy();
				return;
			}
			for (const name of res.getHeaderNames()) res.removeHeader(name);
			sendJson(res, 500, { error: message });
		}
	}
}

function headerMap(req: IncomingMessage): Map<string, string> {
	const headers = new Map<string, string>();
	for (const [name, value] of Object.entries(req.headers)) {
		if (value !== undefined) headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
	}
	return headers;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const declared = Number(req.headers["content-length"]);
		if (declared > limit) {
			reject(new BodyTooLarge());
			return;
		}
		const chunks: Buffer[] = [];
		let size = 0;
		let failed = false;
		req.on("data", (chunk: Buffer) => {
			if (failed) return;
			size += chunk.length;
			if (size > limit) {
				failed = true;
				chunks.length = 0;
				reject(new BodyTooLarge());
			} else {
				chunks.push(chunk);
			}
		});
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}

function writeResponse(res: ServerResponse, response: HttpResponse): void {
	if (response.stream !== undefined) {
		writeStream(res, response, response.stream);
		return;
	}
	const body = response.body ?? "";
	// setHeader and writeHead throw on a bad header or status before anything is sent: the caller
	// turns that into a 500. setHeader is case-insensitive, so contentType wins over a header.
	for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
	if (response.contentType !== undefined || !res.hasHeader("content-type")) {
		res.setHeader("content-type", response.contentType ?? "text/plain; charset=utf-8");
	}
	res.setHeader("content-length", Buffer.byteLength(body));
	res.writeHead(response.status);
	res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
	writeResponse(res, { status, contentType: "application/json", body: JSON.stringify(value) });
}

/** A streamed answer (Server-Sent Events): headers now, no length, then writes until either side ends. */
function writeStream(res: ServerResponse, response: HttpResponse, start: (out: ResponseStream) => void): void {
	for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
	res.setHeader("content-type", response.contentType ?? "text/plain; charset=utf-8");
	res.writeHead(response.status);
	res.flushHeaders();
	// Events must go out as written, not wait for more.
	res.socket?.setNoDelay(true);
	const open = () => !res.destroyed && !res.writableEnded;
	const out: ResponseStream = {
		write(text) {
			if (!open()) return false;
			res.write(text);
			return true;
		},
		end() {
			if (open()) res.end();
		},
		onClose(callback) {
			if (!open()) callback();
			else res.once("close", callback);
		},
	};
	start(out);
}
