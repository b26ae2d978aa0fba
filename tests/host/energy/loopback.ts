/**
 * Host tests of the HTTP energy sources: a real node:http server on 127.0.0.1 answering as the
 * device does, the real NodeHttpClient, and the standard failures every source must turn into
 * `ok: false` with a reason (garbage, a timeout, HTTP 401, a value beyond physical bounds).
 */
import type { ExecutionContext, TestFn } from "ava";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeHttpClient } from "../../../host-sim/node-http-client.js";
import type { PollResult, SourceDefinition } from "../../../src/energy/source.js";
import type { HttpClient } from "../../../src/platform/http-client.js";
import { silentLog } from "../../../src/platform/log.js";

export interface SeenRequest {
	method: string;
	url: string;
	headers: IncomingMessage["headers"];
	body: string;
}

export type Handler = (request: SeenRequest, response: ServerResponse) => void;

export interface Peer {
	port: number;
	requests: SeenRequest[];
	close(): Promise<void>;
}

export async function startPeer(handler: Handler): Promise<Peer> {
	const requests: SeenRequest[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
			requests.push(seen);
			handler(seen, res);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		port,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Answers `body` with `status` and a content type. */
export function reply(res: ServerResponse, body: string, status = 200, type = "application/json"): void {
	res.writeHead(status, { "content-type": type });
	res.end(body);
}

/** The real client, with timeouts shortened so a test of a silent device takes half a second. */
export function shortTimeoutClient(maxMs = 500): HttpClient {
	const real = new NodeHttpClient();
	return { request: (request, done) => real.request({ ...request, timeoutMs: Math.min(request.timeoutMs ?? 10_000, maxMs) }, done) };
}

/** Creates the source from `section` and polls it once. */
export async function pollOnce(definition: SourceDefinition, section: Record<string, unknown>, http: HttpClient = new NodeHttpClient()): Promise<PollResult> {
	const source = definition.create(section, { clock: new NodeClock(), log: silentLog, http });
	if (typeof source === "string") throw new Error(source);
	try {
		return await new Promise<PollResult>((resolve) => source.poll(resolve));
	} finally {
		source.close();
	}
}

export interface FailureCase {
	definition: SourceDefinition;
	/** The section, pointing at the peer's port. */
	section(port: number): Record<string, unknown>;
	/** An answer in the device's own format holding a value beyond physical bounds. */
	outOfBounds: { body: string; type?: string } | Handler;
	/** What the out-of-bounds error says (e.g. /beyond any house/). */
	outOfBoundsError?: RegExp;
}

function answer(a: { body: string; type?: string }): Handler {
	return (_req, res) => reply(res, a.body, 200, a.type ?? "application/json");
}

async function withPeer(t: ExecutionContext, handler: Handler, run: (peer: Peer) => Promise<void>): Promise<void> {
	const peer = await startPeer(handler);
	t.teardown(() => peer.close());
	await run(peer);
}

/** Registers the four failure tests for a source. */
export function failureTests(test: TestFn, c: FailureCase): void {
	const name = c.definition.name;
	test(`${name}: a garbage answer is ok:false with a reason`, (t) =>
		withPeer(t, (_req, res) => reply(res, "\u0000\u0013garbage{{", 200, "application/octet-stream"), async (peer) => {
			const result = await pollOnce(c.definition, c.section(peer.port));
			t.false(result.ok);
			if (!result.ok) {
				t.true(result.error.startsWith(`${name}: `), result.error);
				t.regex(result.error, /not valid JSON|not a number|not "<value> W"|no line starting|not a/i);
			}
		}));
	test(`${name}: a device that never answers times out with a reason`, (t) =>
		withPeer(t, () => undefined, async (peer) => {
			const result = await pollOnce(c.definition, c.section(peer.port), shortTimeoutClient());
			t.false(result.ok);
			if (!result.ok) t.regex(result.error, new RegExp(`^${name}: http://127\\.0\\.0\\.1:${peer.port}/.*: timed out after 0\\.5 s$`));
		}));
	test(`${name}: HTTP 401 is ok:false naming the status and what to check`, (t) =>
		withPeer(t, (_req, res) => reply(res, '{"message":"401: Unauthorized"}', 401), async (peer) => {
			const result = await pollOnce(c.definition, c.section(peer.port));
			t.false(result.ok);
			if (!result.ok) t.regex(result.error, new RegExp(`^${name}: http://127\\.0\\.0\\.1:${peer.port}/.*: HTTP 401 \\(check the (user name|username)`));
		}));
	test(`${name}: a value beyond physical bounds is refused with a reason`, (t) =>
		withPeer(t, typeof c.outOfBounds === "function" ? c.outOfBounds : answer(c.outOfBounds), async (peer) => {
			const result = await pollOnce(c.definition, c.section(peer.port));
			t.false(result.ok);
			if (!result.ok) t.regex(result.error, c.outOfBoundsError ?? /beyond any house/);
		}));
}
