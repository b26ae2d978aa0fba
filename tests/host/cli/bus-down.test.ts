/**
 * A converter that refuses connections (issue: "a refused TCP converter shows nothing in
 * /api/v1/state"): through `npm start -- --bus socket://…`, as a user sees it.
 */
import test from "ava";
import { copyFileSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCli } from "./start-cli.js";

test("a converter that refuses connections: the state shows the bus down with its reason and attempts, and after 10 s it is a problem", async (t) => {
	// A port nobody listens on.
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
	const closed = (probe.address() as { port: number }).port;
	await new Promise((resolve) => probe.close(resolve));
	const config = join(mkdtempSync(join(tmpdir(), "twc-busdown-")), "config.json");
	copyFileSync("host-sim/demo-config.json", config);

	const port = await startCli(["--bus", `socket://127.0.0.1:${closed}`, "--config", config], (fn) => t.teardown(fn)).port;
	const state = async () => (await (await fetch(`http://127.0.0.1:${port}/api/v1/state`)).json()) as { bus: Record<string, unknown>; problems: string[] };
	const early = await state();
	t.is(early.bus.state, "down");
	t.regex(String(early.bus.reason), /ECONNREFUSED/);
	await new Promise((resolve) => setTimeout(resolve, 11_000));
	const later = await state();
	t.is(later.bus.state, "down");
	t.true((later.bus.reconnectAttempts as number) >= 2, `attempts: ${later.bus.reconnectAttempts}`);
	t.true(
		later.problems.some((p) => /^the bus has been down for \d+ s \(\d+ reconnect attempts\): cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/.test(p)),
		JSON.stringify(later.problems),
	);
});
