/**
 * GET /api/v1/events: Server-Sent Events (text/event-stream) for the page and any other client.
 *
 * On connect and then every `intervalMs` while anyone listens, an event `state` carries the same
 * document as GET /api/v1/state (one JSON line; serialised once per tick for all clients). A comment
 * line every tick keeps proxies from closing a quiet stream. `retry: 3000` tells EventSource to come
 * back 3 s after a lost connection. At most `maxClients` streams at once (each holds a socket, of
 * which an ESP32 has few): one more gets 503 with Retry-After.
 */
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { HttpResponse, ResponseStream } from "../platform/http-server.js";
import type { Log } from "../platform/log.js";
import { json, type Router } from "./router.js";

export interface EventsOptions {
	clock: Clock;
	log: Log;
	/** The `state` event's data: a JSON document on one line. */
	snapshot: () => string;
	/** Default 2000 ms. */
	intervalMs?: number;
	/** Default 4. */
	maxClients?: number;
}

export class EventHub {
	#options: EventsOptions;
	#clients = new Set<ResponseStream>();
	#timer: TimerHandle | undefined;
	#interval: number;
	#max: number;

	constructor(options: EventsOptions) {
		this.#options = options;
		this.#interval = options.intervalMs ?? 2000;
		this.#max = options.maxClients ?? 4;
	}

	get clients(): number {
		return this.#clients.size;
	}

	/** The route's answer: a stream, or 503 when full. */
	respond(): HttpResponse {
		if (this.#clients.size >= this.#max) {
			return { ...json(503, { error: `at most ${this.#max} event streams at once: close another page or client` }), headers: { "Retry-After": "10" } };
		}
		return {
			status: 200,
			contentType: "text/event-stream",
			headers: { "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
			stream: (out) => this.#add(out),
		};
	}

	/** Sends one event to every client now (e.g. a change that should not wait for the tick). */
	publish(event: string, data: string): void {
		const text = frame(event, data);
		for (const client of [...this.#clients]) if (!client.write(text)) this.#clients.delete(client);
	}

	/** Ends every stream (the master stops). */
	close(): void {
		for (const client of [...this.#clients]) client.end();
		this.#clients.clear();
		this.#stop();
	}

	#add(out: ResponseStream): void {
		this.#clients.add(out);
		out.onClose(() => {
			this.#clients.delete(out);
			if (this.#clients.size === 0) this.#stop();
		});
		if (!out.write(`retry: 3000\n\n${frame("state", this.#snapshot())}`)) {
			this.#clients.delete(out);
			return;
		}
		if (this.#timer === undefined) this.#schedule();
	}

	#snapshot(): string {
		try {
			return this.#options.snapshot();
		} catch (error) {
			this.#options.log.write("error", "http", `event stream: state failed: ${String(error)}`);
			return JSON.stringify({ error: String(error) });
		}
	}

	#schedule(): void {
		this.#timer = this.#options.clock.setTimer(this.#interval, () => {
			this.#timer = undefined;
			if (this.#clients.size === 0) return;
			this.publish("state", this.#snapshot());
			if (this.#clients.size > 0) this.#schedule();
		});
	}

	#stop(): void {
		if (this.#timer !== undefined) this.#options.clock.clearTimer(this.#timer);
		this.#timer = undefined;
	}
}

/** One event; data lines split at line breaks, as the format requires. */
export function frame(event: string, data: string): string {
	return `event: ${event}\ndata: ${data.split(/\r\n|\r|\n/).join("\ndata: ")}\n\n`;
}

export function addEventsRoute(router: Router, hub: EventHub): void {
	router.get("/api/v1/events", () => hub.respond());
}
