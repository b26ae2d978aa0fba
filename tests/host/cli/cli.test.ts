import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine, run } from "../../../host-sim/cli.js";

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
	const child = spawn(process.execPath, ["--import=tsx", "host-sim/cli.ts", "--http-port", "0", "--log-level", "info"], {
		stdio: ["ignore", "pipe", "pipe"],
	});
	t.teardown(() => child.kill("SIGTERM"));
	let output = "";
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no port announced:\n${output}`)), 20_000);
		const read = (chunk: Buffer) => {
			output += chunk.toString();
			const match = /web API on http:\/\/localhost:(\d+)\//.exec(output);
			if (match) {
				clearTimeout(timer);
				resolve(Number(match[1]));
			}
		};
		child.stdout.on("data", read);
		child.stderr.on("data", read);
	});
	// Simulated units send link-ready within 10 s, or right after the master's burst.
	let slaves: Record<string, { maxAmps: number; lastAmpsOffered: number; version: number }> = {};
	for (let i = 0; i < 60 && Object.keys(slaves).length < 3; i++) {
		await new Promise((r) => setTimeout(r, 250));
		slaves = (await (await fetch(`http://127.0.0.1:${port}/api/getSlaveTWCs`)).json()) as typeof slaves;
	}
	const ids = Object.keys(slaves).filter((k) => k !== "total");
	t.is(ids.length, 2, output);
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
