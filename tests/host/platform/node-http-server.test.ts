import test from "ava";
import { createServer } from "node:net";
import type { HttpHandler, HttpRequest, HttpResponse } from "../../../src/platform/http-server.js";
import type { LogLevel } from "../../../src/platform/log.js";
import { NodeHttpServer } from "../../../host-sim/node-http-server.js";

function recordingLog() {
	const entries: [LogLevel, string, string][] = [];
	return { entries, write: (level: LogLevel, topic: string, message: string) => void entries.push([level, topic, message]) };
}

async function start(t: { teardown(fn: () => void): void }, handler: HttpHandler = echo) {
	const log = recordingLog();
	const server = new NodeHttpServer({ port: 0, host: "127.0.0.1", log });
	t.teardown(() => server.close());
	server.serve(handler);
	const port = await server.listening;
	return { server, port, log, base: `http://127.0.0.1:${port}` };
}

function echo(request: HttpRequest): HttpResponse {
	if (request.path === "/missing") return { status: 404, contentType: "application/json", body: '{"error":"not found"}' };
	if (request.path === "/throw") throw new Error("handler broke");
	return {
		status: 200,
		contentType: "application/json",
		headers: { "x-extra": "1" },
		body: JSON.stringify({
			method: request.method,
			path: request.path,
			query: Object.fromEntries(request.query),
			contentType: request.headers.get("content-type"),
			custom: request.headers.get("x-custom"),
			body: request.body,
		}),
	};
}

test("round trip: method, path, decoded query, lower-case headers, body, response headers", async (t) => {
	const { base, port } = await start(t);
	t.true(port > 0);
	const response = await fetch(`${base}/api/chargeNow?rate=32&name=a%20b&flag`, {
		method: "POST",
		headers: { "Content-Type": "application/json", "X-Custom": "Yes" },
		body: '{"chargeNowRate":32,"note":"é"}',
	});
	t.is(response.status, 200);
	t.is(response.headers.get("content-type"), "application/json");
	t.is(response.headers.get("x-extra"), "1");
	t.deepEqual(await response.json(), {
		method: "POST",
		path: "/api/chargeNow",
		query: { rate: "32", name: "a b", flag: "" },
		contentType: "application/json",
		custom: "Yes",
		body: '{"chargeNowRate":32,"note":"é"}',
	});
	const get = await fetch(`${base}/api/getStatus`);
	t.like(await get.json(), { method: "GET", path: "/api/getStatus", query: {}, body: "" });
});

test("the handler's 404 is passed through", async (t) => {
	const { base } = await start(t);
	const response = await fetch(`${base}/missing`);
	t.is(response.status, 404);
	t.deepEqual(await response.json(), { error: "not found" });
});

test("a body over 256 KiB is refused with 413 and a JSON error", async (t) => {
	let calls = 0;
	const { base } = await start(t, (request) => (calls++, echo(request)));
	const response = await fetch(`${base}/api/setSetting`, { method: "POST", body: "x".repeat(256 * 1024 + 1) });
	t.is(response.status, 413);
	t.regex(((await response.json()) as { error: string }).error, /larger than 262144 bytes/);
	t.is(calls, 0);
	// Exactly the limit is fine (TWCManager's tests send 100 KB commands and expect the route's answer).
	const ok = await fetch(`${base}/api/setSetting`, { method: "POST", body: "y".repeat(256 * 1024) });
	t.is(ok.status, 200);
	t.is(((await ok.json()) as { body: string }).body.length, 256 * 1024);
});

test("a chunked body over the limit (no Content-Length) is refused too", async (t) => {
	const { base } = await start(t);
	const chunk = new TextEncoder().encode("z".repeat(16 * 1024));
	let sent = 0;
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (sent++ < 20) controller.enqueue(chunk);
			else controller.close();
		},
	});
	const response = await fetch(`${base}/upload`, { method: "POST", body, duplex: "half" } as RequestInit);
	t.is(response.status, 413);
});

test("a handler exception becomes a 500 with a JSON error, and the server keeps serving", async (t) => {
	const { base, log } = await start(t);
	const response = await fetch(`${base}/throw`);
	t.is(response.status, 500);
	t.deepEqual(await response.json(), { error: "handler broke" });
	t.true(log.entries.some(([level, topic, message]) => level === "error" && topic === "http" && message.includes("handler broke")));
	const next = await fetch(`${base}/after`);
	t.is(next.status, 200);
	t.like(await next.json(), { path: "/after" });
});

test("a response the handler got wrong (bad status) is a 500 too", async (t) => {
	const { base } = await start(t, () => ({ status: 42, headers: { "x-a": "1" } }));
	const response = await fetch(`${base}/`);
	t.is(response.status, 500);
	t.is(response.headers.get("x-a"), null);
});

test("a port in use is an error naming the port; the next port is not taken", async (t) => {
	const blocker = createServer();
	await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
	t.teardown(() => blocker.close());
	const busy = (blocker.address() as { port: number }).port;
	const log = recordingLog();
	const server = new NodeHttpServer({ port: busy, host: "127.0.0.1", log });
	t.teardown(() => server.close());
	server.serve(echo);
	await t.throwsAsync(server.listening, {
		message: `HTTP port ${busy} is in use (another instance of this program, or another server): choose another with --http-port or control.HTTP.listenPort`,
	});
	t.false(log.entries.some(([, , message]) => message.includes("listening on")), "nothing else was bound");
});

test("close() stops the server", async (t) => {
	const { server, base } = await start(t);
	t.is((await fetch(`${base}/`)).status, 200);
	server.close();
	await t.throwsAsync(fetch(`${base}/`));
});
