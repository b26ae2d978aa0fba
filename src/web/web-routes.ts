/**
 * The phone page, the password and the live updates on one router (issue 12, items 2 and 3):
 * GET / serves the bundled page (bundle.generated.ts), the guard and /api/v1/auth* come from
 * api/auth.ts, GET /api/v1/events from api/events.ts with GET /api/v1/state as its `state` event.
 */
import { addAuth, Auth, type AuthOptions } from "../api/auth.js";
import { addEventsRoute, EventHub } from "../api/events.js";
import type { Router } from "../api/router.js";
import { PAGE_HTML, PAGE_SCRIPT_SHA256 } from "./bundle.generated.js";

export interface WebOptions extends AuthOptions {
	/** Seconds between `state` events (default 2). */
	eventIntervalMs?: number;
	/** Event streams at once (default 4: each holds one of the device's few sockets). */
	maxEventStreams?: number;
}

export function addWeb(router: Router, options: WebOptions): { auth: Auth; events: EventHub } {
	const auth = new Auth(options);
	addAuth(router, auth);
	const events = new EventHub({
		clock: options.clock,
		log: options.log,
		intervalMs: options.eventIntervalMs,
		maxClients: options.maxEventStreams,
		// From inside the program (no remoteAddress): the guard already let the stream's request in.
		snapshot: () => router.handle({ method: "GET", path: "/api/v1/state", query: new Map(), headers: new Map(), body: "" }).body ?? "{}",
	});
	addEventsRoute(router, events);
	router.get("/", () => ({
		status: 200,
		contentType: "text/html; charset=utf-8",
		body: PAGE_HTML,
		headers: {
			"Cache-Control": "no-cache",
			"Content-Security-Policy": `default-src 'none'; script-src 'sha256-${PAGE_SCRIPT_SHA256}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
			"X-Frame-Options": "DENY",
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer",
		},
	}));
	return { auth, events };
}
