import test from "ava";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine, run } from "../../../host-sim/cli.js";
import { startCli } from "./start-cli.js";

test("command line: defaults, --slaves range, --bus implies no simulated slaves", (t) => {
	t.like(parseCommandLine([]), { slaves: 2, bus: undefined, httpPort: undefined });
	t.like(parseCommandLine(["--slaves", "3", "--http-port", "9000"]), { slaves: 3, httpPort: 9000 });
	t.like(parseCommandLine(["--bus", "/dev/ttyUSB0"]), { slaves: 0, bus: "/dev/ttyUSB0" });
	t.like(parseCommandLine(["--bus", "socket://10.0.0.5:4001", "--slaves", "1"]), { slaves: 1 });
	t.throws(() => parseCommandLine(["--slaves", "4"]), { message: /--slaves must be a whole number from 0 to 3/ });
	t.throws(() => parseCommandLine(["--slaves", "two"]), { message: /--slaves/ });
	t.throws(() => parseCommandLine(["--nonsense"]));
});

function tempConfig(text: string): string {
	const dir = mkdtempSync(join(tmpdir(), "twc-cli-"));
	const file = join(dir, "config.json");
	writeFileSync(file, text);
	return file;
}

test("on a real bus the master refuses to start without the wiring limits, and says which key", (t) => {
	const lines: string[] = [];
	const file = tempConfig(`{ "config": { "minAmpsPerTWC": 6 } }`);
	const running = run({ ...parseCommandLine(["--bus", "socket://127.0.0.1:1", "--config", file]), logLevel: "error" }, (l) => lines.push(l));
	t.is(running, undefined);
	t.true(lines.some((l) => l.includes("config.wiringMaxAmpsAllTWCs: required")));
	t.true(lines.some((l) => l.includes("config.wiringMaxAmpsPerTWC: required")));
});

test("a broken config file is reported with the key and the master does not start", (t) => {
	const lines: string[] = [];
	const file = tempConfig(`{ "config": { "wiringMaxAmpsAllTWCs": "forty" } }`);
	t.is(run({ ...parseCommandLine(["--config", file]), logLevel: "error" }, (l) => lines.push(l)), undefined);
	t.true(lines.some((l) => l.includes('config.wiringMaxAmpsAllTWCs: must be a number from 1 to 500 (got "forty")')));
});

test("npm start: the demo links two simulated wall connectors and serves TWCManager's API", async (t) => {
	const cli = startCli([], (fn) => t.teardown(fn), 20_000);
	const port = await cli.port;
	// Simulated units send link-ready within 10 s, or right after the master's burst.
	let slaves: Record<string, { maxAmps: number; lastAmpsOffered: number; version: number }> = {};
	for (let i = 0; i < 60 && Object.keys(slaves).length < 3; i++) {
		await new Promise((r) => setTimeout(r, 250));
		slaves = (await (await fetch(`http://127.0.0.1:${port}/api/getSlaveTWCs`)).json()) as typeof slaves;
	}
	const ids = Object.keys(slaves).filter((k) => k !== "total");
	t.is(ids.length, 2, cli.output());
	for (const id of ids) {
		t.regex(id, /^[0-9A-F]{4}$/);
		t.is(slaves[id].maxAmps, 32);
		t.is(slaves[id].version, 2);
	}
	// Charge Now through the API: the demo config's 40 A circuit is shared 20 / 20 once both have had a heartbeat.
	const started = await fetch(`http://127.0.0.1:${port}/api/chargeNow`, { method: "POST", body: JSON.stringify({ chargeNowRate: 40, chargeNowDuration: 3600 }) });
	t.deepEqual(await started.json(), { status: "success", rate: 40, duration: 3600 });
	await new Promise((r) => setTimeout(r, 2500));
	slaves = (await (await fetch(`http://127.0.0.1:${port}/api/getSlaveTWCs`)).json()) as typeof slaves;
	t.is(slaves.total.lastAmpsOffered, 40);
	const status = (await (await fetch(`http://127.0.0.1:${port}/api/getStatus`)).json()) as Record<string, unknown>;
	t.is(status.maxAmpsToDivideAmongSlaves, "40.00");
	t.true(Array.isArray(status.chargerLoadAmps));
	const missing = await fetch(`http://127.0.0.1:${port}/api/noSuchThing`);
	t.is(missing.status, 404);
});

test("interface.Dummy enabled with RS485 disabled: the simulated units, no serial port opened, no wiring limits needed", (t) => {
	const lines: string[] = [];
	const file = tempConfig(`{
	"interface": {
		"Dummy": { "enabled": true, "twcID": "AB" }, # TWCManager's dummy unit
		"RS485": { "enabled": false, "port": "/dev/ttyTWC-not-here" }
	},
	"control": { "HTTP": { "enabled": false } }
}`);
	const running = run({ ...parseCommandLine(["--config", file]), logLevel: "error" }, (l) => lines.push(l));
	t.truthy(running, lines.join("\n"));
	t.teardown(() => running?.stop());
	t.is(running!.busAddress, undefined);
	t.is(running!.world?.units.length, 2, "the demo's two simulated wall connectors");
	t.deepEqual(lines, []);
});

test("interface.Dummy comes first when RS485 is enabled too (TWCManager's order); --bus wins over both", (t) => {
	const file = tempConfig(`{
	"config": { "wiringMaxAmpsAllTWCs": 16, "wiringMaxAmpsPerTWC": 16 },
	"interface": { "Dummy": { "enabled": true }, "RS485": { "enabled": true, "port": "/dev/ttyTWC-not-here" } },
	"control": { "HTTP": { "enabled": false } }
}`);
	const running = run({ ...parseCommandLine(["--config", file, "--slaves", "1"]), logLevel: "error" }, () => {});
	t.teardown(() => running?.stop());
	t.is(running!.busAddress, undefined);
	t.is(running!.world?.units.length, 1);
	const withBus = run({ ...parseCommandLine(["--config", file, "--bus", "socket://127.0.0.1:1"]), logLevel: "error" }, () => {});
	t.teardown(() => withBus?.stop());
	t.is(withBus!.busAddress, "socket://127.0.0.1:1");
});

test("an error while building the platform (e.g. the settings directory in use) is printed and the master does not start", (t) => {
	const lines: string[] = [];
	const file = tempConfig(`{ "control": { "HTTP": { "enabled": false } } }`);
	const running = run({ ...parseCommandLine(["--config", file]), logLevel: "error" }, (l) => lines.push(l), {
		createPlatform: () => {
			throw new Error("settings directory /var/lib/twc is in use by another instance (pid 4242)");
		},
	});
	t.is(running, undefined);
	t.deepEqual(lines, ["settings directory /var/lib/twc is in use by another instance (pid 4242)", "the master did not start"]);
});

test("npm start with the HTTP port in use: an error naming the port, exit status 1 (no silent move to the next port)", async (t) => {
	const blocker = createServer();
	// Bound where the CLI binds (all addresses), so the CLI's listen really fails.
	await new Promise<void>((resolve) => blocker.listen(0, resolve));
	t.teardown(() => blocker.close());
	const busy = (blocker.address() as { port: number }).port;
	const child = spawn(process.execPath, ["--import=tsx", "host-sim/cli.ts", "--http-port", String(busy), "--log-level", "error"], {
		stdio: ["ignore", "pipe", "pipe"],
	});
	t.teardown(() => child.kill("SIGTERM"));
	let stderr = "";
	child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`still running:\n${stderr}`)), 20_000);
		child.on("exit", (status) => {
			clearTimeout(timer);
			resolve(status);
		});
	});
	t.is(code, 1, stderr);
	t.true(stderr.includes(`HTTP port ${busy} is in use (another instance of this program, or another server): choose another with --http-port or control.HTTP.listenPort`), stderr);
});
