/** `npm run sources`: usage and config errors exit 2 with a clear message; stdout holds JSON only. */
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../host-sim/sources.js";

function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
	return new Promise((resolve) => {
		const out: string[] = [];
		const err: string[] = [];
		main(argv, (t) => out.push(t), (t) => err.push(t), (code) => resolve({ code, out, err }));
	});
}

function config(text: string): string {
	const file = join(mkdtempSync(join(tmpdir(), "twc-sources-")), "config.json");
	writeFileSync(file, text);
	return file;
}

test("sources command: usage and config errors exit 2 and say what is wrong", async (t) => {
	let r = await run([]);
	t.is(r.code, 2);
	t.regex(r.err.join("\n"), /--config is required/);
	r = await run(["--config", "/no/such/file.json", "--once"]);
	t.is(r.code, 2);
	t.regex(r.err.join("\n"), /cannot read \/no\/such\/file\.json/);
	r = await run(["--config", config('{"sources": {"NoSuchMeter": {"enabled": true}}}'), "--once"]);
	t.is(r.code, 2);
	t.regex(r.err.join("\n"), /sources\.NoSuchMeter: unknown energy system/);
	t.regex(r.err.join("\n"), /no enabled energy source/);
	r = await run(["--config", config('{"sources": {,}}'), "--once"]);
	t.is(r.code, 2);
	t.regex(r.err.join("\n"), /config error/);
	t.deepEqual(r.out, [], "nothing but JSON ever goes to stdout");
	r = await run(["--bogus"]);
	t.is(r.code, 2);
});
