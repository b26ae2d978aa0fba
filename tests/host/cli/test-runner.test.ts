import test from "ava";
import { spawnSync } from "node:child_process";

test("the XS test runner says what it is doing: bundling, starting XS, how many tests, progress", (t) => {
	const result = spawnSync(process.execPath, ["tests/xs/run-xs.mjs"], {
		env: { ...process.env, XS_TEST_FILTER: "tests/core/config/", XS_PROGRESS_EVERY: "5" },
		encoding: "utf8",
		timeout: 120_000,
	});
	const lines = result.stdout.trimEnd().split("\n");
	t.is(result.status, 0, result.stdout + result.stderr);
	t.regex(lines[0], /^xs: bundling 1 core test files with esbuild \(XS_TEST_FILTER=tests\/core\/config\/\)$/);
	t.true(lines.some((l) => /^xs: starting the XS engine \(xsnap\)/.test(l)), result.stdout);
	const running = lines.map((l) => /^xs: running (\d+) core tests in XS/.exec(l)).find(Boolean);
	t.truthy(running, result.stdout);
	const total = Number(running![1]);
	t.true(total >= 5);
	t.true(lines.some((l) => l.startsWith(`xs: 5/${total} tests run, 0 failed (`)), result.stdout);
	t.is(lines.at(-1), `${total} passed, 0 failed`);
});
