import test from "ava";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { NodeHttpClient } from "../../../host-sim/node-http-client.js";
import { Harness, utc } from "./harness.js";

interface Hit {
	method: string;
	path: string;
	body: string;
}

/** A real HTTP server standing in for the user's webhook receiver. */
async function receiver(): Promise<{ url: string; hits: Hit[]; close(): void }> {
	const hits: Hit[] = [];
	const server = createServer((req: IncomingMessage, res) => {
		let body = "";
		req.on("data", (chunk) => (body += chunk));
		req.on("end", () => {
			hits.push({ method: req.method ?? "", path: req.url ?? "", body });
			res.writeHead(req.url === "/broken" ? 500 : 200).end("ok");
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}`, hits, close: () => server.close() };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

test("policy webhooks: enter and exit on a policy change, start when a car starts, with the status as JSON", async (t) => {
	const hook = await receiver();
	t.teardown(hook.close);
	const h = new Harness({
		slaves: 1,
		startMs: utc(2026, 1, 10, 2, 0), // night: Non Scheduled Charging
		httpClient: new NodeHttpClient(),
		document: {
			policy: {
				extend: {
					webhooks: {
						"Charge Now": { enter: `${hook.url}/enter`, start: `${hook.url}/start`, exit: `${hook.url}/exit` },
						"Non Scheduled Charging": { enter: `${hook.url}/broken` },
					},
				},
			},
		},
	});
	h.advance(5000);
	await settle();
	t.deepEqual(hook.hits.map((x) => x.path), ["/broken"], "entering the first policy");
	t.true(h.log.lines.some((l) => /webhook enter .*\/broken failed: HTTP 500/.test(l.message)), "a failing webhook is logged");

	t.is(h.request("POST", "/api/chargeNow", JSON.stringify({ chargeNowRate: 32, chargeNowDuration: 120 })).status, 200);
	h.advance(2000);
	await settle();
	const enter = hook.hits.find((x) => x.path === "/enter");
	t.truthy(enter);
	t.is(enter!.method, "POST");
	t.is(JSON.parse(enter!.body).currentPolicy, "Charge Now", "the body is getStatus");
	h.advance(30_000);
	await settle();
	t.truthy(hook.hits.find((x) => x.path === "/start"), "the car started charging under Charge Now");
	h.advance(120_000);
	await settle();
	t.truthy(hook.hits.find((x) => x.path === "/exit"), "Charge Now ended by itself");
});

test("webhookMethod GET sends no body", async (t) => {
	const hook = await receiver();
	t.teardown(hook.close);
	const h = new Harness({
		slaves: 1,
		startMs: utc(2026, 1, 10, 2, 0),
		httpClient: new NodeHttpClient(),
		config: { webhookMethod: "GET" },
		document: { policy: { extend: { webhooks: { "Non Scheduled Charging": { enter: `${hook.url}/enter` } } } } },
	});
	h.advance(5000);
	await settle();
	t.deepEqual(hook.hits, [{ method: "GET", path: "/enter", body: "" }]);
});
