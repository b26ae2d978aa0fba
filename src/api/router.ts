/**
 * A small router over the HttpServer interface: routes by method and exact path, JSON helpers,
 * and one place that turns a failing handler into a 500 with a reason (the master keeps running).
 * A known path asked with a method it does not take answers 405 with `Allow`; HEAD runs the GET
 * route and sends no body; OPTIONS answers 204 with `Allow`.
 *
 * Every route has an access class: "open" (the setup, the login, the page), "read" (status) or
 * "write" (every change, and the settings). GET routes are "read" and the others "write" unless
 * `setAccess` says otherwise. One guard (auth.ts, when installed) sees every request that found
 * its route, with the route's class, before the handler: it answers instead (401, 403, 429) or
 * lets it through. 404, 405 and OPTIONS answer without it: they change nothing and say nothing.
 */
import type { HttpHandler, HttpRequest, HttpResponse } from "../platform/http-server.js";
import type { Log } from "../platform/log.js";
import { parseJsonBody } from "./json-body.js";

export type RouteHandler = (request: HttpRequest) => HttpResponse;

export type Access = "open" | "read" | "write";

/** Answers instead of the route (a refusal), or undefined to let the request through. */
export type RouteGuard = (request: HttpRequest, access: Access) => HttpResponse | undefined;

export class Router {
	/** path → method → handler. */
	#routes = new Map<string, Map<string, RouteHandler>>();
	#log: Log;
	/** "METHOD path" → class, where it is not the default. */
	#access = new Map<string, Access>();
	#guard: RouteGuard | undefined;

	constructor(log: Log) {
		this.#log = log;
	}

	get(path: string, handler: RouteHandler): this {
		return this.#add("GET", path, handler);
	}

	post(path: string, handler: RouteHandler): this {
		return this.#add("POST", path, handler);
	}

	/** The class of `method path` (GET also covers HEAD), whether or not the route exists yet. */
	setAccess(method: string, path: string, access: Access): this {
		this.#access.set(`${method} ${path}`, access);
		return this;
	}

	/** The class a request to `method path` is judged by. */
	accessOf(method: string, path: string): Access {
		const m = method === "HEAD" ? "GET" : method;
		return this.#access.get(`${m} ${path}`) ?? (m === "GET" ? "read" : "write");
	}

	/** The one guard every routed request passes (replaces any earlier one). */
	setGuard(guard: RouteGuard | undefined): this {
		this.#guard = guard;
		return this;
	}

	/** Whether `path` has a route for `method` (HEAD: GET). */
	has(method: string, path: string): boolean {
		return this.#routes.get(path)?.has(method === "HEAD" ? "GET" : method) ?? false;
	}

	#add(method: string, path: string, handler: RouteHandler): this {
		let methods = this.#routes.get(path);
		if (!methods) {
			methods = new Map();
			this.#routes.set(path, methods);
		}
		methods.set(method, handler);
		return this;
	}

	/** The methods `path` takes, as the `Allow` header lists them. */
	#allow(methods: ReadonlyMap<string, RouteHandler>): string {
		const names = [...methods.keys()];
		if (methods.has("GET")) names.push("HEAD");
		names.push("OPTIONS");
		return names.join(", ");
	}

	/** The handler to give the HttpServer. */
	readonly handle: HttpHandler = (request) => {
		const methods = this.#routes.get(request.path);
		if (!methods) return json(404, { error: `no such route: ${request.method} ${request.path}` });
		const head = request.method === "HEAD";
		const route = methods.get(head ? "GET" : request.method);
		if (!route) {
			const allow = this.#allow(methods);
			if (request.method === "OPTIONS") return { status: 204, headers: { Allow: allow } };
			return { ...json(405, { error: `${request.path} does not take ${request.method} (allowed: ${allow})` }), headers: { Allow: allow } };
		}
		let response: HttpResponse;
		try {
			const refused = this.#guard?.(request, this.accessOf(request.method, request.path));
			response = refused ?? route(request);
		} catch (error) {
			this.#log.write("error", "http", `${request.method} ${request.path} failed: ${String(error)}`);
			response = json(500, { error: `internal error: ${String(error)}` });
		}
		// HEAD: the GET answer's status and headers, without its body.
		if (!head) return response;
		const bare: HttpResponse = { status: response.status };
		if (response.contentType !== undefined) bare.contentType = response.contentType;
		if (response.headers !== undefined) bare.headers = response.headers;
		// A stream's status and headers without its events.
		return bare;
	};
}

export function json(status: number, value: unknown): HttpResponse {
	return { status, contentType: "application/json", body: JSON.stringify(value) };
}

/** Parses a JSON object body (see json-body.ts); a string error says what is wrong. */
export function parseJsonObject(request: HttpRequest): Record<string, unknown> | string {
	const parsed = parseJsonBody(request.body);
	return parsed.ok ? parsed.value : parsed.error;
}
