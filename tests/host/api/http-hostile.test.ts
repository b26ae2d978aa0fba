/** What depends on HTTP itself, through the real Node server: HEAD, the Allow header, a 60 KB body. */
import test from "ava";
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import { silentLog } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { NodeHttpServer } from "../../../host-sim/node-http-server.js";
import { ScriptedPort } from "../../core/support/scripted-bus.js";

async function start(t: { teardown(fn: () => void): void }) {
	const clock = new VirtualClock();
	const { config } = parseConfig({ config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32 } });
	// As `npm start` on loopback: the API is open to this computer (the password is another test's).
	const app = new App({ clock, log: silentLog, random: seededRandom(1), bus: new ScriptedPort(clock) }, config!, {
		web: { access: { openTo: "addresses", openAddresses: ["127.0.0.1", "::1", "::ffff:127.0.0.1"] } },
	});
	app.start();
	clock.advance(1500);
	const server = new NodeHttpServer({ port: 0, host: "127.0.0.1" });
	t.teardown(() => {
		server.close();
		app.stop();
	});
	server.serve(app.router.handle);
	const port = await server.listening;
	return { app, base: `http://127.0.0.1:${port}` };
}

test("HEAD on a GET route: the GET status and content type, no body", async (t) => {
	const { base } = await start(t);
	const get = await fetch(`${base}/api/getStatus`);
	t.is(get.status, 200);
	await get.text();
	const head = await fetch(`${base}/api/getStatus`, { method: "HEAD" });
	t.is(head.status, 200);
	t.is(head.headers.get("content-type"), get.headers.get("content-type"));
	t.is(await head.text(), "");
});

test("a known path with the wrong method: 405 with an Allow header and a JSON error", async (t) => {
	const { base } = await start(t);
	const r = await fetch(`${base}/api/chargeNow`);
	t.is(r.status, 405);
	t.is(r.headers.get("allow"), "POST, OPTIONS");
	t.regex(((await r.json()) as { error: string }).error, /does not take GET/);
	const put = await fetch(`${base}/api/getSlaveTWCs`, { method: "PUT", body: "{}" });
	t.is(put.status, 405);
	t.is(put.headers.get("allow"), "GET, HEAD, OPTIONS");
	await put.text();
	const options = await fetch(`${base}/api/v1/settings`, { method: "OPTIONS" });
	t.is(options.status, 204);
	t.is(options.headers.get("allow"), "GET, POST, HEAD, OPTIONS");
});

test("a 60 KB body of 30,000 nested arrays: 400 \"nests too deeply\", settings unchanged, the server keeps serving", async (t) => {
	const { app, base } = await start(t);
	const before = JSON.stringify(app.settings.current);
	const nested = "[".repeat(30_000) + "]".repeat(30_000);
	for (const [path, body] of [
		["/api/setSetting", `{"setting":"chargeNowAmps","value":${nested}}`],
		["/api/chargeNow", `{"chargeNowRate":16,"chargeNowDuration":${nested}}`],
	]) {
		const r = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
		t.is(r.status, 400, path);
		t.regex(((await r.json()) as { error: string }).error, /^JSON body nests too deeply/);
	}
	t.is(JSON.stringify(app.settings.current), before);
	t.is((await fetch(`${base}/api/getStatus`)).status, 200);
});
