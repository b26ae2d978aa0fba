#!/usr/bin/env node
/**
 * `npm test`: type-checks (each tsconfig counts as one test), ava on Node, then the core tests on
 * XS (tests/xs/run-xs.mjs). The last line is "N passed, N failed" over all three; exit status 1
 * if anything failed. A runner that crashes or whose output cannot be read counts as a failure.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const node = process.execPath;
const results = []; // [label, passed, failed, note]

/** Runs a command; `echo` gets each output line as it arrives (stdout and stderr together). */
function run(args, echo) {
	return new Promise((resolve) => {
		const child = spawn(node, args, { cwd: root, env: { ...process.env, FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"] });
		let output = "";
		let partial = "";
		const onData = (chunk) => {
			output += chunk;
			if (!echo) return;
			const lines = (partial + chunk).split("\n");
			partial = lines.pop();
			for (const line of lines) echo(line);
		};
		child.stdout.setEncoding("utf8").on("data", onData);
		child.stderr.setEncoding("utf8").on("data", onData);
		child.on("error", (error) => resolve({ code: -1, output: `${output}\n${error.message}` }));
		child.on("close", (code, signal) => {
			if (echo && partial) echo(partial);
			resolve({ code: code ?? `signal ${signal}`, output });
		});
	});
}

const hasTs = (dir) =>
	fs.existsSync(path.join(root, dir)) &&
	fs.readdirSync(path.join(root, dir), { recursive: true }).some((f) => f.endsWith(".ts") && !f.includes("node_modules"));

const seconds = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

async function typeCheck() {
	const start = performance.now();
	const projects = ["tsconfig.json"];
	if (fs.existsSync(path.join(root, "host-sim/tsconfig.json")) && (hasTs("host-sim") || hasTs("tests/host"))) projects.push("host-sim/tsconfig.json");
	if (fs.existsSync(path.join(root, "modules/tsconfig.json"))) projects.push("modules/tsconfig.json");
	console.log(`== type-check: tsc on ${projects.join(", ")} (about 20 s)`);
	const tsc = path.join(root, "node_modules/typescript/bin/tsc");
	const runs = await Promise.all(projects.map((p) => run([tsc, "-p", p, "--noEmit", "--pretty", "false"])));
	let passed = 0;
	runs.forEach(({ code, output }, i) => {
		if (code === 0) passed++;
		console.log(`  ${code === 0 ? "✔" : "✘"} tsc -p ${projects[i]}`);
		if (code !== 0) console.log(output.trimEnd().replace(/^/gm, "      "));
	});
	results.push(["type-check", passed, projects.length - passed, seconds(start)]);
}

/** ava's default reporter is read rather than --tap: ava 6's TAP reporter crashes on a timeout. */
async function nodeTests() {
	const start = performance.now();
	console.log("\n== node (ava): every tests/**/*.test.ts on Node (about a minute)");
	const { code, output } = await run([path.join(root, "node_modules/ava/entrypoints/cli.mjs")], (line) => console.log(line));
	// The summary follows the last "─" rule; ava prints "N tests passed" only when nothing failed.
	const summary = output.slice(output.lastIndexOf("─"));
	const count = (re) => Number(summary.match(re)?.[1] ?? 0);
	const reported = summary.match(/^\s*(\d+) tests? passed/m);
	const passed = reported ? Number(reported[1]) : output.split("\n").filter((l) => /^\s*✔ /.test(l)).length;
	let failed = [/^\s*(\d+) tests? failed/m, /^\s*(\d+) hooks? failed/m, /^\s*(\d+) unhandled rejections?/m, /^\s*(\d+) uncaught exceptions?/m, /^\s*(\d+) tests? remained pending/m]
		.reduce((sum, re) => sum + count(re), 0);
	let note = seconds(start);
	if (code !== 0 && failed === 0) {
		failed = 1;
		note += `; ava exited with ${code} without a failure count (counted as 1 failure)`;
	}
	const skipped = count(/^\s*(\d+) tests? skipped/m) + count(/^\s*(\d+) tests? todo/m);
	if (skipped) note += `; ${skipped} skipped/todo`;
	results.push(["node (ava)", passed, failed, note]);
}

async function xsTests() {
	const start = performance.now();
	console.log("\n== xs (@agoric/xsnap): the core tests again, inside the XS engine of the device (a few minutes; progress below)");
	const last = /^(\d+) passed, (\d+) failed$/;
	// Its own final line would look like ours: show it as "xs: …".
	const { code, output } = await run([path.join(root, "tests/xs/run-xs.mjs")], (line) => console.log(last.test(line) ? `xs: ${line}` : line));
	const match = output.trimEnd().split("\n").at(-1).match(last);
	let [passed, failed] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
	let note = seconds(start);
	if (!match || (code !== 0 && failed === 0)) {
		failed += 1;
		note += `; the XS runner exited with ${code} without a failure count (counted as 1 failure)`;
	}
	results.push(["xs", passed, failed, note]);
}

const started = performance.now();
await typeCheck();
await nodeTests();
await xsTests();

console.log("\n== summary");
for (const [label, passed, failed, note] of results) console.log(`  ${label}: ${passed} passed, ${failed} failed (${note})`);
console.log(`  total time ${seconds(started)}`);
const passed = results.reduce((sum, r) => sum + r[1], 0);
const failed = results.reduce((sum, r) => sum + r[2], 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
