#!/usr/bin/env node
/**
 * How long an energy source's parse takes on XS (the engine of the device), against the time the
 * bus UART's 128-byte FIFO lasts at 9600 baud (133 ms): a JavaScript turn longer than that loses bus
 * bytes (issue 11: "a source never blocks the bus").
 *
 * Parsed through the same functions the sources use, in the xsnap worker of @agoric/xsnap (as
 * tests/xs/run-xs.mjs drives it):
 * - the largest JSON answer among the fixtures the sources read (an Envoy's production.json),
 *   parseJsonAnswer + enphaseProduction + implausible, as the Enphase source does per poll;
 * - the largest fixture of all (an old Envoy's HTML page, refused as not JSON);
 * - the largest plain DSMR telegram, framed byte by byte (DsmrFramer) and parsed with its CRC.
 * The ESP32 runs XS slower than this PC: the desktop build's figures (docs/esp32.md) and a factor
 * for the chip are what to compare; this gives the order of magnitude and catches a regression.
 *
 * `node host-sim/bench-xs-parse.mjs [--json] [--runs=N]`; npm run bench runs it as its last part.
 * Runs in a child process of its own: @endo/init (which xsnap needs) locks down the process.
 */
import { build, stop } from "esbuild";
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import tmp from "tmp";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = path.resolve(root, "../shared/fixtures");
const args = process.argv.slice(2);
const json = args.includes("--json");
const runs = Number(args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 50);
/** The bus FIFO's time at 9600 8N1 (modules/turn-meter.ts FIFO_FILL_MS). */
const FIFO_FILL_MS = 133;

const CASES = [
	{ name: "Enphase production.json (largest JSON answer)", kind: "enphase", file: "enphase/pyenphase/8.3.5167_3rd-pv/production.json" },
	{ name: "Enphase 3.9 HTML page (largest fixture, refused)", kind: "enphase", file: "enphase/pyenphase/3.9.36/production.json" },
	{ name: "DSMR 5 telegram (largest, framed + CRC)", kind: "dsmr", file: "dsmr/dsmr_parser/TELEGRAM_V5_EON_HU.txt" },
];

const ENTRY = `
import { parseJsonAnswer, implausible } from "./src/energy/source-values.ts";
import { enphaseProduction } from "./src/energy/sources/enphase.ts";
import { DsmrFramer, parseTelegram } from "./src/energy/dsmr.ts";
import { dsmrReading } from "./src/energy/sources/dsmr.ts";
const cases = __CASES__;
function once(c) {
	if (c.kind === "enphase") {
		const json = parseJsonAnswer(c.text, "production.json");
		if (json !== null && typeof json === "object" && "error" in json) return "refused: " + json.error.slice(0, 60);
		const r = enphaseProduction(json);
		return "error" in r ? r.error : "generation " + r.reading.generationW + " W" + (implausible(r.reading) ?? "");
	}
	const bytes = new Uint8Array(c.text.length);
	for (let i = 0; i < bytes.length; i++) bytes[i] = c.text.charCodeAt(i) & 0xff;
	const framer = new DsmrFramer();
	let out = "no telegram";
	for (const event of [...framer.push(bytes), ...framer.flush()]) {
		if ("error" in event) { out = event.error; continue; }
		const t = parseTelegram(event.telegram);
		const r = typeof t === "string" ? t : dsmrReading(t, false);
		out = typeof r === "string" ? r : "import " + r.consumptionW + " W";
	}
	return out;
}
globalThis.handleCommand = (message) => {
	const runs = Number(String.fromCharCode(...new Uint8Array(message)));
	const results = [];
	for (const c of cases) {
		const result = once(c); // warm-up, and what it read
		const times = [];
		for (let i = 0; i < runs; i++) {
			const start = performance.now();
			once(c);
			times.push(performance.now() - start);
		}
		times.sort((a, b) => a - b);
		results.push({ name: c.name, bytes: c.text.length, result, medianMs: times[times.length >> 1], maxMs: times[times.length - 1] });
	}
	const text = JSON.stringify(results);
	const out = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
	return { result: out.buffer };
};
`;

async function main() {
	const cases = CASES.map((c) => ({ ...c, text: fs.readFileSync(path.join(fixtures, c.file), "latin1") }));
	const result = await build({
		absWorkingDir: root,
		stdin: { contents: ENTRY, resolveDir: root, sourcefile: "bench-xs-parse-entry.js", loader: "js" },
		bundle: true,
		format: "iife",
		target: "es2022",
		platform: "neutral",
		define: { __CASES__: JSON.stringify(cases.map(({ name, kind, text }) => ({ name, kind, text }))) },
		write: false,
		logLevel: "silent",
	});
	await stop();
	const code = result.outputFiles[0].text;
	await import("@endo/init/debug.js");
	const { xsnap } = await import("@agoric/xsnap");
	const worker = await xsnap({ name: "bench-xs-parse", os: os.type(), spawn, fs: { ...fs, ...fsp, tmpName: tmp.tmpName }, stdout: "inherit", stderr: "inherit", meteringLimit: 0 });
	try {
		await worker.evaluate(code);
		const { reply } = await worker.issueStringCommand(String(runs));
		const rows = JSON.parse(reply);
		if (json) {
			console.log(JSON.stringify({ runs, fifoFillMs: FIFO_FILL_MS, parses: rows }));
			return;
		}
		console.log(`Source parses on XS (xsnap, ${runs} runs each; the bus UART FIFO holds ${FIFO_FILL_MS} ms at 9600 baud):`);
		for (const row of rows) {
			console.log(`  ${row.name}: ${row.bytes} bytes, ${row.medianMs.toFixed(2)} ms per parse (slowest ${row.maxMs.toFixed(2)} ms), ${((row.maxMs / FIFO_FILL_MS) * 100).toFixed(1)}% of ${FIFO_FILL_MS} ms — ${row.result}`);
		}
	} finally {
		await worker.terminate();
	}
}

main().catch((error) => {
	console.error(`bench-xs-parse: ${error?.stack ?? error}`);
	process.exit(1);
});
