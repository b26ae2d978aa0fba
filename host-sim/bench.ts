/**
 * npm run bench: the figures the README quotes. Runs in virtual time; `--json` prints raw results.
 */
import { benchBus, type BusBenchResult } from "./bench-bus.js";

const json = process.argv.includes("--json");
const hours = Number(process.argv.find((a) => a.startsWith("--hours="))?.slice(8) ?? 1);

const results: BusBenchResult[] = [1, 2, 3].map((n) => benchBus(n, hours * 3_600_000));
if (json) {
	process.stdout.write(JSON.stringify(results, null, 2) + "\n");
} else {
	const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
	console.log(`Bus benchmark: the master with simulated wall connectors, ${hours} simulated hour(s) each\n`);
	console.log("| slaves | heartbeat interval per slave: mean / p99 / max (ms) | reply collisions | link-ready collisions | slave-vs-slave | first link-ready → first heartbeat: mean / max (ms) | missed replies | CPU (ms) |");
	console.log("|---|---|---|---|---|---|---|---|");
	for (const r of results) {
		const h = r.heartbeatInterval;
		console.log(
			`| ${r.slaves} | ${f(h.mean)} / ${f(h.p99)} / ${f(h.max)} | ${r.replyCollisions} | ${r.linkReadyCollisions} | ${r.slaveVsSlaveCollisions} | ${f(r.linkUp.mean)} / ${f(r.linkUp.max)} | ${r.heartbeatsMissed} | ${r.cpuMs.toFixed(0)} |`,
		);
	}
}
