/**
 * The table-driven fixture tests of the HTTP sources: every captured file of a system (under
 * ../shared/fixtures/<system>) is served on loopback at the path the source asks, and the reading
 * is compared with answer_keys.json. The table of each test must name every file of the system:
 * `assertCoversEveryFile` fails when a file is added and not walked.
 */
import type { ExecutionContext } from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PollResult, SourceReading } from "../../../src/energy/source.js";
import { reply, type Handler } from "./loopback.js";

export const FIXTURES = resolve("../shared/fixtures");

/** Every file of a system's fixtures, as "fronius/ha-core/symo/...". */
export function fixtureFiles(system: string): string[] {
	const out: string[] = [];
	const walk = (dir: string) => {
		for (const name of readdirSync(join(FIXTURES, dir)).sort()) {
			const rel = `${dir}/${name}`;
			if (statSync(join(FIXTURES, rel)).isDirectory()) walk(rel);
			else out.push(rel);
		}
	};
	walk(system);
	return out;
}

const KEYS = JSON.parse(readFileSync(join(FIXTURES, "answer_keys.json"), "utf8")) as Record<string, Record<string, unknown>>;

/** The answer key of a file (undefined when it has none). */
export function answerKey(file: string): Record<string, unknown> | undefined {
	return KEYS[file];
}

export function fixtureText(file: string): string {
	return readFileSync(join(FIXTURES, file), "utf8");
}

/** Serves fixture files by path (the query string ignored); anything else is a 404. */
export function serveFiles(routes: Readonly<Record<string, string>>, type = "application/json"): Handler {
	return (req, res) => {
		const path = req.url.split("?")[0];
		const file = Object.prototype.hasOwnProperty.call(routes, path) ? routes[path] : undefined;
		if (file === undefined) return reply(res, '{"error":"not found"}', 404);
		const text = fixtureText(file);
		reply(res, text, 200, text.trimStart().startsWith("<") ? "text/html" : type);
	};
}

export type Expected = Partial<SourceReading> | { error: RegExp };

/** Compares a poll with what is expected (powers to 1 mW, the answer keys' precision). */
export function assertResult(t: ExecutionContext, label: string, result: PollResult, expected: Expected): void {
	if ("error" in expected) {
		t.false(result.ok, `${label}: expected ok:false, got ${JSON.stringify(result)}`);
		if (!result.ok) t.regex(result.error, expected.error, label);
		return;
	}
	if (!result.ok) return void t.fail(`${label}: ${result.error}`);
	for (const [key, want] of Object.entries(expected) as [keyof SourceReading, number | null][]) {
		const got: number | null = result.reading[key];
		if (want === null || got === null) t.is(got, want, `${label}: ${key}`);
		else t.true(Math.abs(got - want) < 0.001, `${label}: ${key} is ${got}, the answer key says ${want}`);
	}
}

/** Fails unless the table walks exactly every file of the system. */
export function assertCoversEveryFile(t: ExecutionContext, system: string, walked: Iterable<string>, count: number): void {
	const files = fixtureFiles(system);
	t.is(files.length, count, `${system}: SOURCES.md counts ${count} files`);
	t.deepEqual([...new Set(walked)].sort(), files.slice().sort(), `${system}: every fixture file is walked`);
}

/** A number (or null) from an answer key. */
export function keyNumber(key: Record<string, unknown> | undefined, field: string): number | null {
	const v = key?.[field];
	if (v === undefined) throw new Error(`answer key has no ${field}`);
	return v as number | null;
}
