/**
 * API latency (issue 12, item 6): the simulator (npm start's demo, two simulated wall connectors,
 * real time) on a loopback port; GET /api/getStatus and GET /api/v1/state at a steady 50 requests/s
 * for a few seconds, p50/p99/max of each request's time, first with no event stream open, then with
 * one open /api/v1/events stream (a state event every 2 s, as the page has it).
 * `npm run bench -- --api` (with `--api-seconds=N`, default 4) runs it; `tsx host-sim/bench-api.ts` alone too.
 */
import { Agent, get, type ClientRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { parseCommandLine, run } from "./cli.js";

export interface ApiLatency {
	label: string;
	requests: number;
	failures: number;
	p50Ms: number;
	p99Ms: number;
	maxMs: number;
}

function percentile(sorted: number[], p: number): number {
	return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function benchApi(seconds = 4, rate = 50): Promise<ApiLatency[]> {
	const running = run({ ...parseCommandLine(["--http-port", "0"]), logLevel: "error" }, () => {});
	if (!running) throw new Error("the simulator did not start");
	// The demo is open on loopback (TWCManager's clients send no token): host-sim/cli.ts.
	const port = await running.httpPort;
	const agent = new Agent({ keepAlive: true, maxSockets: 8 });
	const once = (path: string) =>
		new Promise<number>((resolve) => {
			const t0 = performance.now();
			get({ host: "127.0.0.1", port, path, agent }, (res) => {
				res.resume();
				res.on("end", () => resolve(res.statusCode === 200 ? performance.now() - t0 : -1));
			}).on("error", () => resolve(-1));
		});
	const series = async (label: string, path: string): Promise<ApiLatency> => {
		const times: Promise<number>[] = [];
		const n = Math.round(seconds * rate);
		const start = performance.now();
		for (let i = 0; i < n; i++) {
			const due = start + (i * 1000) / rate;
			const wait = due - performance.now();
			if (wait > 0) await new Promise((r) => setTimeout(r, wait));
			times.push(once(path));
		}
		const all = await Promise.all(times);
		const ok = all.filter((x) => x >= 0).sort((a, b) => a - b);
		return { label, requests: n, failures: n - ok.length, p50Ms: percentile(ok, 50), p99Ms: percentile(ok, 99), maxMs: ok[ok.length - 1] ?? NaN };
	};
	const results: ApiLatency[] = [];
	await new Promise((r) => setTimeout(r, 3000)); // the units link first
	for (const path of ["/api/getStatus", "/api/v1/state"]) results.push(await series(`${path}, no event stream`, path));
	let events = 0;
	const stream: ClientRequest = get({ host: "127.0.0.1", port, path: "/api/v1/events" }, (res) => res.on("data", (c: Buffer) => (events += (c.toString().match(/event: state/g) ?? []).length)));
	stream.on("error", () => {});
	for (const path of ["/api/getStatus", "/api/v1/state"]) results.push(await series(`${path}, one event stream open`, path));
	stream.destroy();
	agent.destroy();
	running.stop();
	if (events === 0) throw new Error("the event stream brought no event during the run");
	return results;
}

export function printApi(results: readonly ApiLatency[], seconds: number): void {
	const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
	console.log(`\nAPI latency: the simulator on loopback, 50 requests/s for ${seconds} s each\n`);
	console.log("| requests | n | failed | p50 (ms) | p99 (ms) | max (ms) |");
	console.log("|---|---|---|---|---|---|");
	for (const r of results) console.log(`| ${r.label} | ${r.requests} | ${r.failures} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs)} |`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const seconds = Number(process.argv.find((a) => a.startsWith("--api-seconds="))?.slice(14) ?? 4);
	printApi(await benchApi(seconds), seconds);
	process.exit(0);
}
