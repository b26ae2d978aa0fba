/**
 * Powerwall 2 against every captured gateway file (fixtures/powerwall, 12 files), served by a real
 * https server with a self-signed certificate made at test time (openssl), through the real client.
 */
import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeHttpClient } from "../../../host-sim/node-http-client.js";
import type { PollResult } from "../../../src/energy/source.js";
import { powerwall2Source } from "../../../src/energy/sources/powerwall2.js";
import type { LogLevel } from "../../../src/platform/log.js";
import { answerKey, assertCoversEveryFile, assertResult, fixtureFiles, fixtureText, keyNumber, type Expected } from "./fixture-table.js";
import type { SeenRequest } from "./loopback.js";

const dir = mkdtempSync(join(tmpdir(), "pw2-cert-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=powerwall"], { stdio: "ignore" });
const tls = { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };

interface Gateway {
	port: number;
	requests: SeenRequest[];
	close(): Promise<void>;
}

type Answer = { status: number; body: string; headers?: Record<string, string | string[]> };

async function gateway(answer: (req: SeenRequest) => Answer): Promise<Gateway> {
	const requests: SeenRequest[] = [];
	const server: Server = createServer(tls, (req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
			requests.push(seen);
			const a = answer(seen);
			res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
			res.end(a.body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		port: (server.address() as AddressInfo).port,
		requests,
		close: () => new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

function files(routes: Record<string, string>): (req: SeenRequest) => Answer {
	return (req) => {
		const file = routes[req.url.split("?")[0]];
		return file === undefined ? { status: 404, body: '{"code":404,"error":"Not Found"}' } : { status: 200, body: fixtureText(file) };
	};
}

async function poll(section: Record<string, unknown>, logs: string[] = [], source = powerwall2Source.create(section, { clock: new NodeClock(), log: { write: (level: LogLevel, _topic, m) => logs.push(`${level}: ${m}`) }, http: new NodeHttpClient() })): Promise<PollResult> {
	if (typeof source === "string") throw new Error(source);
	return new Promise<PollResult>((resolve) => source.poll(resolve));
}

const AGGREGATES = "powerwall/tesla_powerwall/meters_aggregates.json";

test("Powerwall2: every captured file yields its answer key, or ok:false with the reason", async (t) => {
	const rows = new Map<string, { routes: Record<string, string>; expected: Expected }>();
	for (const file of fixtureFiles("powerwall")) {
		const key = answerKey(file);
		if (file === AGGREGATES && key !== undefined) {
			rows.set(file, {
				routes: { "/api/meters/aggregates": file },
				expected: {
					generationW: keyNumber(key, "generation_W(solar.instant_power)"),
					consumptionW: keyNumber(key, "consumption_W(load.instant_power)"),
					gridW: keyNumber(key, "grid_W(site.instant_power,+import)"),
					batteryW: keyNumber(key, "battery_W(+discharge)"),
					voltageV: keyNumber(key, "voltage(site.instant_average_voltage)"),
					socPercent: null,
				},
			});
		} else if (file.endsWith("/grid_status.json")) {
			// Read beside the aggregates (a connected grid: nothing to report).
			rows.set(file, { routes: { "/api/meters/aggregates": AGGREGATES, "/api/system_status/grid_status": file }, expected: { generationW: 6099.032958984375 } });
		} else {
			// Other gateway answers (operation, site_info, status, meters, powerwalls...) are not
			// meter aggregates: served where the aggregates are asked, they are refused.
			rows.set(file, { routes: { "/api/meters/aggregates": file }, expected: { error: /^Powerwall2: https:\/\/127\.0\.0\.1:\d+\/api\/meters\/aggregates: the answer has no "site" meter/ } });
		}
	}
	assertCoversEveryFile(t, "powerwall", rows.keys(), 12);
	for (const [file, row] of rows) {
		const gw = await gateway(files(row.routes));
		try {
			assertResult(t, file, await poll({ enabled: true, serverIP: "127.0.0.1", serverPort: String(gw.port) }), row.expected);
		} finally {
			await gw.close();
		}
	}
});

test("Powerwall2: logs in with the password, sends the AuthCookie and UserRecord cookies, reads the state of charge and the grid status", async (t) => {
	const gw = await gateway((req) => {
		if (req.method === "POST" && req.url === "/api/login/Basic") {
			const body = JSON.parse(req.body) as Record<string, unknown>;
			if (body.username !== "customer" || body.password !== "S3cret!") return { status: 401, body: '{"code":401,"error":"bad credentials"}' };
			return { status: 200, body: '{"email":"","firstname":"Tesla","token":"tok123"}', headers: { "set-cookie": ["AuthCookie=abc123; Path=/; HttpOnly", "UserRecord=rec456; Path=/"] } };
		}
		if (req.headers.cookie !== "AuthCookie=abc123; UserRecord=rec456") return { status: 401, body: '{"code":401}' };
		if (req.url === "/api/system_status/soe") return { status: 200, body: '{"percentage":69.1675560298826}' };
		if (req.url === "/api/system_status/grid_status") return { status: 200, body: '{"grid_status":"SystemIslandedActive","grid_services_active":false}' };
		return files({ "/api/meters/aggregates": AGGREGATES })(req);
	});
	t.teardown(() => gw.close());
	const logs: string[] = [];
	const section = { enabled: true, serverIP: "127.0.0.1", serverPort: gw.port, password: "S3cret!" };
	const source = powerwall2Source.create(section, { clock: new NodeClock(), log: { write: (level, _topic, m) => logs.push(`${level}: ${m}`) }, http: new NodeHttpClient() });
	const result = await poll(section, logs, source);
	assertResult(t, "logged in", result, { generationW: 6099.032958984375, batteryW: -10, socPercent: (69.1675560298826 - 5) / 0.95 });
	t.deepEqual(logs, ["warn: Powerwall2: the grid status is SystemIslandedActive (the house is running off the grid)"]);
	t.deepEqual(gw.requests.map((r) => `${r.method} ${r.url}`), ["POST /api/login/Basic", "GET /api/meters/aggregates", "GET /api/system_status/soe", "GET /api/system_status/grid_status"]);
	// The login holds for an hour: the next poll does not log in again.
	await poll(section, logs, source);
	t.is(gw.requests.filter((r) => r.url === "/api/login/Basic").length, 1);
	const wrong = await poll({ ...section, password: "nope" });
	t.false(wrong.ok);
	if (!wrong.ok) t.regex(wrong.error, /^Powerwall2: https:\/\/127\.0\.0\.1:\d+\/api\/login\/Basic: HTTP 401 .*: the gateway refused the password \(sources\.Powerwall2\.password\)$/);
});

test("Powerwall2: minBatteryLevel holds generation at 0 until the battery is above it (5 % hysteresis)", async (t) => {
	let soe = 80;
	const gw = await gateway((req) => (req.url === "/api/system_status/soe" ? { status: 200, body: JSON.stringify({ percentage: soe }) } : files({ "/api/meters/aggregates": AGGREGATES })(req)));
	t.teardown(() => gw.close());
	const section = { enabled: true, serverIP: "127.0.0.1", serverPort: gw.port, minBatteryLevel: 90 };
	const source = powerwall2Source.create(section, { clock: new NodeClock(), log: { write: () => undefined }, http: new NodeHttpClient() });
	const gen = async () => {
		const r = await poll(section, [], source);
		return r.ok ? r.reading.generationW : r.error;
	};
	t.is(await gen(), 0, "app level 73.7 % < 90 % × 0.95");
	soe = 94; // app level 93.7 %: between 85.5 and 94.5, the state holds
	t.is(await gen(), 0);
	soe = 96; // app level 95.8 % > 94.5
	t.is(await gen(), 6099.032958984375);
	soe = 90; // 89.5 %: holds
	t.is(await gen(), 6099.032958984375);
});

test("Powerwall2: the gateway's certificate is not trusted by default elsewhere, but accepted here; a plain-http port fails with a reason", async (t) => {
	const gw = await gateway(files({ "/api/meters/aggregates": AGGREGATES }));
	t.teardown(() => gw.close());
	// The same request without acceptSelfSigned is refused by the client: the source must ask for it.
	const strict = await new Promise<string | undefined>((resolve) => new NodeHttpClient().request({ method: "GET", url: `https://127.0.0.1:${gw.port}/api/meters/aggregates` }, (r) => resolve(r.error)));
	t.regex(String(strict), /self-signed/);
	t.true((await poll({ enabled: true, serverIP: "127.0.0.1", serverPort: gw.port })).ok);
	const closed = await poll({ enabled: true, serverIP: "127.0.0.1", serverPort: 1 });
	t.false(closed.ok);
	if (!closed.ok) t.regex(closed.error, /^Powerwall2: https:\/\/127\.0\.0\.1:1\/api\/meters\/aggregates: connection refused/);
});
