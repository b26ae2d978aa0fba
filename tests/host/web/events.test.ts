/**
 * GET /api/v1/events over the host's real HTTP server: the response stays open and carries the
 * state events as they come; a client that leaves frees its place. And the host binds loopback
 * unless --listen says otherwise.
 */
import test from "ava";
import { get } from "node:http";
import { EventHub, addEventsRoute } from "../../../src/api/events.js";
import { Router } from "../../../src/api/router.js";
import { silentLog } from "../../../src/platform/log.js";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeHttpServer } from "../../../host-sim/node-http-server.js";
import { parseCommandLine } from "../../../host-sim/cli.js";

test("the event stream stays open over HTTP and brings a state event per interval", async (t) => {
	const router = new Router(silentLog);
	let n = 0;
	const hub = new EventHub({ clock: new NodeClock(), log: silentLog, snapshot: () => JSON.stringify({ n: ++n }), intervalMs: 100 });
	addEventsRoute(router, hub);
	const server = new NodeHttpServer({ port: 0, host: "127.0.0.1" });
	server.serve(router.handle);
	const port = await server.listening;
	const text = await new Promise<{ type: string | undefined; body: string }>((resolve, reject) => {
		const req = get({ host: "127.0.0.1", port, path: "/api/v1/events" }, (res) => {
			let body = "";
			res.setEncoding("utf8");
			res.on("data", (chunk: string) => {
				body += chunk;
				if ((body.match(/event: state/g) ?? []).length >= 3) {
					req.destroy();
					resolve({ type: res.headers["content-type"], body });
				}
			});
		});
		req.on("error", reject);
	});
	t.is(text.type, "text/event-stream");
	t.regex(text.body, /^retry: 3000\n\nevent: state\ndata: \{"n":1\}\n\nevent: state\ndata: \{"n":2\}\n\n/);
	// The server notices the client left.
	for (let i = 0; i < 50 && hub.clients > 0; i++) await new Promise((r) => setTimeout(r, 20));
	t.is(hub.clients, 0);
	server.close();
});

test("npm start binds loopback unless --listen says otherwise", (t) => {
	t.is(parseCommandLine([]).listen, "127.0.0.1");
	t.is(parseCommandLine(["--listen", "0.0.0.0"]).listen, "0.0.0.0");
	t.is(parseCommandLine(["--listen", "[::]"]).listen, "::");
	t.throws(() => parseCommandLine(["--listen", "a b"]), { message: /--listen must be an IP address/ });
});
