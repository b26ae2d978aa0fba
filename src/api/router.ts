/**
 * A small router over the HttpServer interface: routes by method and exact path, JSON helpers,
 * and one place that turns a failing handler into a 500 with a reason (the master keeps running).
 */
import type { HttpHandler, HttpRequest, HttpResponse } from "../platform/http-server.js";
import type { Log } from "../platform/log.js";

export type RouteHandler = (request: HttpRequest) => HttpResponse;

export class Router {
	#routes = new Map<string, RouteHandler>();
	#log: Log;

	constructor(log: Log) {
		this.#log = log;
	}

	get(path: string, handler: RouteHandler): this {
		this.#routes.set(`GET ${path}`, handler);
		return this;
	}

	post(path: string, handler: RouteHandler): this {
		this.#routes.set(`POST ${path}`, handler);
		return this;
	}

	/** The handler to give the HttpServer. */
	readonly handle: HttpHandler = (request) => {
		const route = this.#routes.get(`${request.method} ${request.path}`);
		if (!route) {
			const other = request.method === "GET" ? "POST" : "GET";
			if (this.#routes.has(`${other} ${request.path}`)) return json(405, { error: `${request.path} does not take ${request.method}` });
			return json(404, { error: `no such route: ${request.method} ${request.path}` });
		}
		try {
			return route(request);
		} catch (error) {
			this.#log.write("error", "http", `${request.method} ${request.path} failed: ${String(error)}`);
			return json(500, { error: `internal error: ${String(error)}` });
		}
	};
}

export function json(status: number, value: unknown): HttpResponse {
	return { status, contentType: "application/json", body: JSON.stringify(value) };
}

/** Parses a JSON object body; a string error says what is wrong. */
export function parseJsonObject(request: HttpRequest): Record<string, unknown> | string {
	let value: unknown;
	try {
		value = JSON.parse(request.body);
	} catch {
		return "body is not valid JSON";
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) return "body must be a JSON object";
	return value as Record<string, unknown>;
}
