/**
 * The core in src/ must run unchanged on XS (ESP32) and Node: it imports only other files of src/
 * and reaches the world only through src/platform. This scans the sources and names file:line
 * for every import that leaves src/ and every use of a host API. Comments do not count; string
 * contents do not count for the API check.
 */
import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const srcDir = path.join(root, "src");

const forbidden: [RegExp, string][] = [
	[/\bDate\s*\.\s*now\b/, "Date.now (use platform Clock)"],
	[/\bnew\s+Date\s*(\(\s*\)|(?!\s*\())/, "new Date() (use platform Clock)"],
	[/\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval)\b/, "host timer (use platform Clock)"],
	[/\bMath\s*\.\s*random\b/, "Math.random (use platform Random)"],
	[/\bconsole\s*\./, "console (use platform Log)"],
	[/\bText(En|De)coder\b/, "TextEncoder/TextDecoder (not on every XS host)"],
	[/(?<![\w$.])require\s*\(/, "require()"],
];

/**
 * Returns the source twice, same length and line breaks: `code` has comments blanked, `bare`
 * also has the contents of string and template literals blanked (but not `${...}` inside them).
 */
export function strip(source: string): { code: string; bare: string } {
	let code = "";
	let bare = "";
	const blank = (text: string) => text.replace(/[^\n]/g, " ");
	const templates: number[] = []; // brace depth of each open `${`
	let depth = 0;
	let last = ""; // last significant character, to tell a regex literal from a division
	let i = 0;
	while (i < source.length) {
		const c = source[i];
		const two = source.slice(i, i + 2);
		if (two === "//" || two === "/*") {
			const close = two === "//" ? source.indexOf("\n", i) : source.indexOf("*/", i + 2);
			const end = close < 0 ? source.length : two === "//" ? close : close + 2;
			code += blank(source.slice(i, end));
			bare += blank(source.slice(i, end));
			i = end;
		} else if (c === '"' || c === "'" || c === "`" || (c === "}" && templates.at(-1) === depth)) {
			// A string, a template, or the rest of a template after its `${...}` closes.
			if (c === "}") templates.pop(), depth--;
			const quote = c === "}" ? "`" : c;
			let j = i + 1;
			while (j < source.length) {
				if (source[j] === "\\") j++;
				else if (source[j] === quote || (quote !== "`" && source[j] === "\n")) break;
				else if (quote === "`" && source.startsWith("${", j)) break;
				j++;
			}
			const opens = quote === "`" && source.startsWith("${", j);
			const end = Math.min(source.length, opens ? j + 2 : j + 1);
			const inner = source.slice(i + 1, opens ? end - 2 : j);
			code += source.slice(i, end);
			bare += c + blank(inner) + source.slice(i + 1 + inner.length, end);
			if (opens) templates.push(++depth);
			last = quote;
			i = end;
		} else if (c === "/" && (last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last) || /\b(return|typeof|case|in|of)\s*$/.test(code.slice(-20)))) {
			// A regex literal: skip to its closing slash (a slash inside [...] does not close it).
			let j = i + 1;
			let inClass = false;
			while (j < source.length && source[j] !== "\n" && (inClass || source[j] !== "/")) {
				if (source[j] === "\\") j++;
				else if (source[j] === "[") inClass = true;
				else if (source[j] === "]") inClass = false;
				j++;
			}
			const text = source.slice(i, j + 1);
			code += text;
			bare += "/" + blank(text.slice(1));
			last = "x"; // a slash right after a regex divides
			i = j + 1;
		} else {
			if (c === "{") depth++;
			if (c === "}") depth--;
			code += c;
			bare += c;
			if (!/\s/.test(c)) last = c;
			i++;
		}
	}
	return { code, bare };
}

function lineOf(text: string, index: number): number {
	let line = 1;
	for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
	return line;
}

/** Problems in one file, as "file:line: message". */
export function check(file: string, source: string): string[] {
	const { code, bare } = strip(source);
	const problems: string[] = [];
	// Matched on `bare` so that strings cannot fake an import; the specifier is read from `code`.
	const importPatterns = [
		/\b(?:import|export)\b[^;"'`]*?\bfrom\s*(["'])([^"'\n]*)\1/dg, // import x from "y", export * from "y"
		/\bimport\s*(["'])([^"'\n]*)\1/dg, // import "y"
		/\bimport\s*\(\s*(["'`])([^"'`\n]*)\1/dg, // import("y")
	];
	for (const pattern of importPatterns) {
		for (const match of bare.matchAll(pattern)) {
			const [start, end] = match.indices![2];
			const spec = code.slice(start, end);
			const target = path.resolve(path.dirname(file), spec);
			const inside = spec.startsWith(".") && target.startsWith(srcDir + path.sep);
			if (!inside) problems.push(`${path.relative(root, file)}:${lineOf(code, match.index)}: imports "${spec}" (only relative paths inside src/)`);
		}
	}
	for (const match of bare.matchAll(/\bimport\s*\(\s*(?!["'`])/g)) {
		problems.push(`${path.relative(root, file)}:${lineOf(code, match.index)}: dynamic import() of a computed name`);
	}
	bare.split("\n").forEach((text, n) => {
		for (const [pattern, message] of forbidden) {
			if (pattern.test(text)) problems.push(`${path.relative(root, file)}:${n + 1}: ${message}`);
		}
	});
	return problems;
}

function sources(dir: string): string[] {
	return readdirSync(dir, { recursive: true, encoding: "utf8" })
		.filter((name) => name.endsWith(".ts"))
		.map((name) => path.join(dir, name))
		.sort();
}

test("src/ imports only src/ and uses no host APIs", (t) => {
	const files = sources(srcDir);
	t.true(files.length > 0, "no .ts files found in src/");
	const problems = files.flatMap((file) => check(file, readFileSync(file, "utf8")));
	t.deepEqual(problems, [], `\n${problems.join("\n")}`);
});

test("the scanner finds what it should and ignores comments and strings", (t) => {
	const file = path.join(srcDir, "x", "sample.ts");
	const sample = [
		'import { a } from "../platform/clock.js";', // 1 fine
		'import fs from "node:fs";', // 2
		"import {", // 3
		"  b,", // 4
		'} from "some-package";', // 5 (reported at the `import` on line 3)
		'export * from "../../outside.js";', // 6
		"// setTimeout(f, 1); console.log(Date.now())", // 7 comment: fine
		'const s = "Math.random() and console.log";', // 8 string: fine
		"const u = `${Date.now()} ok`;", // 9
		"/* new Date()", // 10 comment: fine
		"   */ const v = x / 2; const w = /setTimeout/.test(s);", // 11 fine
		"const r = Math.random();", // 12
		"const e = new TextEncoder();", // 13
		"const d = new Date(); const z = Date.UTC(2026, 0, 1);", // 14 (Date.UTC is fine)
		'const m = require("x");', // 15
		'const y = await import("embedded:io/serial");', // 16
		"setInterval(tick, 5); console.error(1);", // 17 (twice)
	].join("\n");
	t.deepEqual(check(file, sample).sort(), [
		'src/x/sample.ts:13: TextEncoder/TextDecoder (not on every XS host)',
		"src/x/sample.ts:12: Math.random (use platform Random)",
		"src/x/sample.ts:14: new Date() (use platform Clock)",
		"src/x/sample.ts:15: require()",
		"src/x/sample.ts:16: imports \"embedded:io/serial\" (only relative paths inside src/)",
		"src/x/sample.ts:17: console (use platform Log)",
		"src/x/sample.ts:17: host timer (use platform Clock)",
		'src/x/sample.ts:2: imports "node:fs" (only relative paths inside src/)',
		'src/x/sample.ts:3: imports "some-package" (only relative paths inside src/)',
		'src/x/sample.ts:6: imports "../../outside.js" (only relative paths inside src/)',
		"src/x/sample.ts:9: Date.now (use platform Clock)",
	].sort());
});
