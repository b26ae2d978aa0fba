#!/usr/bin/env node
/**
 * Runs every tests/core/**\/*.test.ts inside the XS engine (the xsnap worker from @agoric/xsnap).
 *
 * 1. esbuild bundles all test files into one IIFE (dist/xs/tests.js), with `ava` aliased to
 *    tests/xs/ava-shim.ts; each file is a lazy `import()`, so one file that throws while loading
 *    fails alone.
 * 2. The bundle is evaluated in a worker; "load" imports the files and lists the tests, then
 *    "run <i>" runs them one by one. Each command has a time limit; a test that hangs or kills
 *    the worker fails, and the runner starts a fresh worker for the next one.
 *
 * Prints what it is doing (bundling, starting XS, a progress line every XS_PROGRESS_EVERY tests or
 * 10 s: the run takes minutes), each failure, then a last line "N passed, N failed". Exit status 1
 * if anything failed.
 * Env: XS_TEST_TIMEOUT_MS (default 60000) per test; XS_PROGRESS_EVERY (default 25);
 * XS_TEST_FILTER: only the test files whose path contains this text (e.g. tests/core/config/);
 * XS_TEST_TIMES=1: print every test's time in XS; a test slower than XS_SLOW_MS (default 10000) is
 * always named with its time.
 */
import { build, stop } from "esbuild";
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import tmp from "tmp";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const timeoutMs = Number(process.env.XS_TEST_TIMEOUT_MS ?? 60_000);
const progressEvery = Math.max(1, Number(process.env.XS_PROGRESS_EVERY ?? 25) || 25);
const filter = process.env.XS_TEST_FILTER ?? "";
const printTimes = Boolean(process.env.XS_TEST_TIMES);
const slowMs = Number(process.env.XS_SLOW_MS ?? 10_000);
const counts = { passed: 0, failed: 0, skipped: 0 };
let worker; // the xsnap worker in use

function findTests(dir) {
	if (!fs.existsSync(path.join(root, dir))) return [];
	return fs
		.readdirSync(path.join(root, dir), { recursive: true })
		.map((name) => path.join(dir, name).split(path.sep).join("/"))
		.filter((name) => name.endsWith(".test.ts"))
		.sort();
}

function fail(label, message) {
	counts.failed++;
	console.log(`  ✘ [xs] ${label}`);
	if (message) console.log(message.replace(/^/gm, "      "));
}

/**
 * XS has no file system: every fixture that a file of tests/core names in a literal
 * `readFixture("...")` call is read here (from ../shared/fixtures) and bundled as __FIXTURES__.
 */
function fixtures() {
	const found = {};
	for (const file of fs.readdirSync(path.join(root, "tests/core"), { recursive: true })) {
		if (!file.endsWith(".ts")) continue;
		const source = fs.readFileSync(path.join(root, "tests/core", file), "utf8");
		for (const [, , name] of source.matchAll(/\breadFixture\(\s*(["'`])([^"'`]+)\1\s*\)/g)) {
			const fixture = path.resolve(root, "../shared/fixtures", name);
			if (fs.existsSync(fixture)) found[name] = fs.readFileSync(fixture, "utf8");
		}
	}
	return found;
}

async function bundle(files) {
	const contents = [
		`import { __addTestFile, __serve } from "./tests/xs/ava-shim.ts";`,
		`__serve();`,
		...files.map((f) => `__addTestFile(${JSON.stringify(f)}, () => import(${JSON.stringify(`./${f}`)}));`),
	].join("\n");
	const outfile = path.join(root, "dist/xs/tests.js");
	await build({
		absWorkingDir: root,
		stdin: { contents, resolveDir: root, sourcefile: "xs-entry.ts", loader: "ts" },
		bundle: true,
		format: "iife",
		target: "es2022",
		platform: "neutral", // a core test that imports node:* or an npm package fails to bundle
		alias: { ava: "./tests/xs/ava-shim.ts" },
		define: { __XS_TEST__: "true", __FIXTURES__: JSON.stringify(fixtures()) },
		outfile,
		logLevel: "silent", // errors are reported below
	});
	await stop();
	return fs.readFileSync(outfile, "utf8");
}

async function main() {
	const files = findTests("tests/core").filter((f) => f.includes(filter));
	const started = performance.now();
	const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
	console.log(`xs: bundling ${files.length} core test files with esbuild${filter ? ` (XS_TEST_FILTER=${filter})` : ""}`);
	let code;
	try {
		code = await bundle(files);
	} catch (error) {
		fail("esbuild could not bundle the core tests", error.message);
		return;
	}

	// @endo/init locks down this process's intrinsics: load it only after esbuild is done.
	await import("@endo/init/debug.js");
	const { xsnap } = await import("@agoric/xsnap");

	const startWorker = async () => {
		worker = await xsnap({
			name: "xs-tests",
			os: os.type(),
			spawn,
			fs: { ...fs, ...fsp, tmpName: tmp.tmpName },
			stdout: "inherit",
			stderr: "inherit",
			meteringLimit: 0,
		});
		await worker.evaluate(code);
	};
	// Resolves to { reply } | { error } | { timedOut }; never rejects.
	const command = async (text) => {
		let timer;
		const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs)));
		const reply = worker.issueStringCommand(text).then(({ reply }) => ({ reply }), (error) => ({ error }));
		try {
			return await Promise.race([reply, timeout]);
		} finally {
			clearTimeout(timer);
		}
	};
	const restart = async () => {
		await worker.terminate();
		await startWorker();
		await command("load");
	};

	console.log(`xs: starting the XS engine (xsnap) and loading the bundle (${elapsed()})`);
	await startWorker();
	const loaded = await command("load");
	if (!loaded.reply) {
		fail("loading the test files", loaded.error?.message ?? `timed out after ${timeoutMs} ms`);
		return;
	}
	const { files: loadedFiles, tests, late: lateLoad } = JSON.parse(loaded.reply);
	for (const { file, error } of loadedFiles) if (error) fail(`${file} (failed to load)`, error);
	if (lateLoad.length) fail("loading the test files", lateLoad.join("\n"));

	console.log(`xs: running ${tests.length} core tests in XS, one by one (${elapsed()})`);
	let reportedAt = performance.now();
	for (let i = 0; i < tests.length; i++) {
		if (i > 0 && (i % progressEvery === 0 || performance.now() - reportedAt > 10_000)) {
			console.log(`xs: ${i}/${tests.length} tests run, ${counts.failed} failed (${elapsed()})`);
			reportedAt = performance.now();
		}
		const label = `${tests[i].file} › ${tests[i].title}`;
		const testStarted = performance.now();
		const result = await command(`run ${i}`);
		const testMs = Math.round(performance.now() - testStarted);
		if (printTimes || testMs > slowMs) console.log(`xs: ${testMs} ms${testMs > slowMs ? " (slow)" : ""}: ${label}`);
		if (result.timedOut || result.error) {
			fail(label, result.timedOut ? `timed out after ${timeoutMs} ms` : `the XS worker died: ${result.error.message}`);
			await restart();
			continue;
		}
		// No status: the worker ran out of jobs while the test's promise was still pending.
		const { status, errors = [], logs = [], late = [] } = result.reply ? JSON.parse(result.reply) : {};
		if (status === "passed" && late.length === 0) counts.passed++;
		else if (status === "skipped") counts.skipped++;
		else {
			const problems = [...logs.map((line) => `ℹ ${line}`), ...errors, ...late];
			if (!status) problems.push("the test's promise never settled (nothing left to run in XS)");
			fail(label, problems.join("\n"));
		}
	}
	const ms = Math.round(performance.now() - started);
	console.log(`xs: ${files.length} files, ${tests.length} tests, ${counts.skipped} skipped, ${ms} ms`);
}

try {
	await main();
} catch (error) {
	fail("the XS runner crashed", error?.stack ?? String(error));
} finally {
	await worker?.terminate();
}
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed > 0 ? 1 : 0);
