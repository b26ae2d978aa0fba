import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReplayArgs, replayMain } from "../../../host-sim/replay.js";

const FIELDS = ["surplus_kwh", "car_kwh", "car_from_surplus_kwh", "grid_import_by_car_kwh", "starts"];

function tempDir(): string {
	return mkdtempSync(join(tmpdir(), "twc-replay-"));
}

function write(dir: string, name: string, text: string): string {
	const file = join(dir, name);
	writeFileSync(file, text);
	return file;
}

/** `npm run replay -- …` as a user runs it (without npm's banner). */
function replay(...args: string[]): { code: number | null; stdout: string; stderr: string } {
	const result = spawnSync(process.execPath, ["--import=tsx", "host-sim/replay.ts", ...args], { encoding: "utf8", timeout: 60_000 });
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** 20 minutes: 5 kW of surplus for 10, then nothing. */
const TRACE = "t_s,gen_w,cons_w\n# a comment\n0,5300,300\n600,0,300\n1200,0,300\n";

test("the JSON has the trace, ours, the ideal, both peers and baseline (= twcmanager), each with the five fields", (t) => {
	const dir = tempDir();
	const { code, stdout, stderr } = replay("--trace", write(dir, "sunny.csv", TRACE));
	t.is(code, 0, stderr);
	t.is(stderr, "");
	t.regex(stdout, /^\{\n {2}"trace": \{\n {4}"name"/, "2-space indent");
	const json = JSON.parse(stdout);
	t.deepEqual(Object.keys(json), ["trace", "ours", "ideal", "twcmanager", "openevse", "baseline"]);
	t.deepEqual(json.trace, { name: "sunny.csv", duration_s: 1800, rows: 3, errors: 0 });
	t.deepEqual(json.baseline, json.twcmanager, "baseline is kept for older scripts");
	for (const name of ["ours", "ideal", "twcmanager", "openevse", "baseline"]) {
		t.deepEqual(Object.keys(json[name]), FIELDS, name);
		for (const field of FIELDS) t.is(typeof json[name][field], "number", `${name}.${field}`);
		t.is(json[name].surplus_kwh, 0.833, `${name}: 5 kW for 10 min`);
		t.is(json[name].starts, 1, name);
	}
	t.true(json.ours.car_from_surplus_kwh > 0.6);
	t.true(json.ours.grid_import_by_car_kwh < 0.015);
});

test("--out writes one row per second with the exact header; bad rows are named on stderr and the good ones replayed", (t) => {
	const dir = tempDir();
	const file = write(dir, "messy.csv", "t_s,gen_w,cons_w\r\n0,5300,300\r\n300,abc,300\r\n600,0,300\r\n500,1,1\r\n700,1,2,3\r\n1200,0,300\r\n");
	const out = join(dir, "steps.csv");
	const { code, stdout, stderr } = replay("--trace", file, "--out", out, "--seed", "3");
	t.is(code, 0, stderr);
	t.regex(stderr, /messy\.csv line 3: gen_w "abc" is not a number/);
	t.regex(stderr, /messy\.csv line 5: t_s 500 is not after 600 \(line 4\)/);
	t.regex(stderr, /messy\.csv line 6: 4 columns, expected 3/);
	t.regex(stderr, /3 bad rows skipped, replaying the 3 good ones/);
	const json = JSON.parse(stdout);
	t.like(json.trace, { rows: 3, errors: 3, duration_s: 1800 });
	const lines = readFileSync(out, "utf8").trimEnd().split("\n");
	t.is(lines[0], "t_s,gen_w,cons_w,car_w,offered_a");
	t.is(lines.length, 1 + 1800);
	t.deepEqual(
		lines.slice(1).map((l) => Number(l.split(",")[0])),
		Array.from({ length: 1800 }, (_, i) => i),
	);
	t.is(lines[1], "0,5300,300,0,0");
	t.regex(lines[300], /^299,5300,300,4800,20$/, "20 A at 5 kW of surplus");
	t.regex(lines[1800], /^1799,0,300,0,0$/);
});

test("a missing trace file, a trace without a good row, a bad config: exit codes and messages", (t) => {
	const dir = tempDir();
	const missing = replay("--trace", join(dir, "nope.csv"));
	t.is(missing.code, 1);
	t.regex(missing.stderr, /cannot read trace file .*nope\.csv/);
	t.is(missing.stdout, "");

	const empty = replay("--trace", write(dir, "bad.csv", "time,gen,cons\n0,1,2\n"));
	t.is(empty.code, 1);
	t.regex(empty.stderr, /bad\.csv line 1: the header must be "t_s,gen_w,cons_w"/);
	t.regex(empty.stderr, /no good rows left/);

	const config = write(dir, "config.json", '{\n  // comments are allowed\n  "config": { "wiringMaxAmpsAllTWCs": "forty", },\n}\n');
	const bad = replay("--trace", write(dir, "ok.csv", TRACE), "--config", config);
	t.is(bad.code, 2);
	t.regex(bad.stderr, /config error: config\.wiringMaxAmpsAllTWCs: must be a number from 1 to 500 \(got "forty"\)/);
	t.is(bad.stdout, "");
});

test("a config with comments is read: its wiring limit caps the replay", (t) => {
	const dir = tempDir();
	const config = write(dir, "config.json", '{\n  # 16 A circuit\n  "config": { "wiringMaxAmpsAllTWCs": 16, "wiringMaxAmpsPerTWC": 16 },\n}\n');
	const out = join(dir, "steps.csv");
	const { code, stdout, stderr } = replay("--trace", write(dir, "ok.csv", TRACE), "--config", config, "--out", out);
	t.is(code, 0, stderr);
	const offered = readFileSync(out, "utf8").trimEnd().split("\n").slice(1).map((l) => Number(l.split(",")[4]));
	t.is(Math.max(...offered), 16);
	const json = JSON.parse(stdout);
	t.true(json.ideal.car_kwh <= (16 * 240 * 600) / 3_600_000 + 1e-9, "the ideal and the peers are held to the config too");
	// TWCManager holds the minimum for up to 65 s after the surplus ends (its startStopDelay dampening).
	t.true(json.twcmanager.car_kwh <= (16 * 240 * 600 + 6 * 240 * 65) / 3_600_000 + 1e-9);
	// OpenEVSE holds the minimum after the surplus ends while its slow smoothing falls: at most 16 A all along.
	t.true(json.openevse.car_kwh <= (16 * 240 * 1800) / 3_600_000 + 1e-9);
});

test("the command line: --trace or --day, --seed, --help, usage errors exit 2", (t) => {
	t.like(parseReplayArgs(["--trace", "a.csv"]), { trace: "a.csv", day: undefined, seed: 1, config: undefined, out: undefined, help: false });
	t.like(parseReplayArgs(["--day", "broken-cloud", "--seed", "3", "--out", "s.csv"]), { day: "broken-cloud", seed: 3, out: "s.csv" });
	t.throws(() => parseReplayArgs([]), { message: /--trace FILE \(or --day NAME\) is required/ });
	t.throws(() => parseReplayArgs(["--trace", "a.csv", "--day", "clear"]), { message: /not both/ });
	t.throws(() => parseReplayArgs(["--day", "rainy"]), { message: /--day must be one of clear, broken-cloud, winter, high-house-load, sudden-load/ });
	t.throws(() => parseReplayArgs(["--trace", "a.csv", "--seed", "x"]), { message: /--seed must be a whole number/ });
	t.throws(() => parseReplayArgs(["--trace", "a.csv", "--speed", "2"]));

	const out: string[] = [];
	const err: string[] = [];
	const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) };
	t.is(replayMain(["--help"], io), 0);
	t.regex(out.join(""), /--trace FILE/);
	t.is(replayMain(["--trace"], io), 2);
	t.regex(err.join(""), /Usage: npm run replay/);
});

/** The traces README's scoring of an --out file, on its own: per second, from its rows only. */
function scoreSteps(text: string) {
	let surplus = 0;
	let car = 0;
	let fromSurplus = 0;
	let imported = 0;
	let starts = 0;
	let drawing = false;
	for (const line of text.trimEnd().split("\n").slice(1)) {
		const [, gen, cons, carW] = line.split(",").map(Number);
		const s = Math.max(gen - cons, 0);
		surplus += s;
		car += carW;
		fromSurplus += Math.min(carW, s);
		imported += Math.max(carW - s, 0);
		if (carW > 50 && !drawing) starts++;
		drawing = carW > 50;
	}
	const kwh = (ws: number) => Math.round((ws / 3_600_000) * 1000) / 1000;
	return { surplus_kwh: kwh(surplus), car_kwh: kwh(car), car_from_surplus_kwh: kwh(fromSurplus), grid_import_by_car_kwh: kwh(imported), starts };
}

test("the figures printed for ours equal a scoring of the --out file on its own", (t) => {
	const dir = tempDir();
	// Two hours: a steady small surplus, dips, a deep cloud, a recovery, a load at the end.
	const rows = ["t_s,gen_w,cons_w"];
	for (let m = 0; m < 120; m++) {
		const gen = m < 10 ? 300 : m % 17 === 5 ? 900 : m >= 60 && m < 66 ? 200 : 1900 + ((m * 37) % 400);
		rows.push(`${m * 60},${gen},${m >= 110 ? 2500 : 300 + ((m * 13) % 90)}`);
	}
	const out = join(dir, "steps.csv");
	const { code, stdout, stderr } = replay("--trace", write(dir, "mixed.csv", rows.join("\n") + "\n"), "--out", out);
	t.is(code, 0, stderr);
	const json = JSON.parse(stdout);
	t.true(json.ours.starts >= 1 && json.ours.car_from_surplus_kwh > 0, JSON.stringify(json.ours));
	t.deepEqual(scoreSteps(readFileSync(out, "utf8")), json.ours);
});

test("a real day: ours equals the scoring of --out, and the peers' figures are there", (t) => {
	const trace = join(process.cwd(), "..", "shared", "traces", "T6_clear-autumn_sdt-taefc-20160929.csv");
	if (!existsSync(trace)) return t.pass("../shared/traces is not here");
	const dir = tempDir();
	const out = join(dir, "steps.csv");
	const { code, stdout, stderr } = replay("--trace", trace, "--out", out);
	t.is(code, 0, stderr);
	const json = JSON.parse(stdout);
	t.deepEqual(scoreSteps(readFileSync(out, "utf8")), json.ours);
	t.true(json.twcmanager.starts > 0 && json.openevse.starts > 0);
});
