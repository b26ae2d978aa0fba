/**
 * The one way a route reads a JSON body. A body that nests too deeply is refused before anything
 * recursive touches it (JSON.parse on XS, the settings checks, JSON.stringify of an error): 30,000
 * nested arrays fit in 60 KB and would overflow the stack, a 500 instead of a clear 400.
 */

/** Deeper than any document the API takes (settings: 4 levels) and far from any stack limit. */
export const MAX_JSON_DEPTH = 32;

/** The JSON object of a body, or a sentence saying what is wrong with it. */
export type JsonBody = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/**
 * The deepest nesting of [ and { in `text` outside strings, counting stops once past `limit`.
 * Iterative, so any text is safe to scan.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c) i++; // backslash: the next character is escaped
			else if (c === 0x22) inString = false;
		} else if (c === 0x22) {
			inString = true;
		} else if (c === 0x5b || c === 0x7b) {
			depth++;
			if (depth > deepest) {
				deepest = depth;
				if (deepest > limit) return deepest;
			}
		} else if (c === 0x5d || c === 0x7d) {
			depth--;
		}
	}
	return deepest;
}

/** Parses `text` as any JSON value; refuses over-deep or malformed text with a reason. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
	if (jsonDepth(text) > MAX_JSON_DEPTH) return { ok: false, error: `JSON body nests too deeply (more than ${MAX_JSON_DEPTH} levels of arrays or objects)` };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch (error) {
		const detail = error instanceof Error && error.message ? `: ${error.message}` : "";
		return { ok: false, error: text.trim() === "" ? "malformed JSON body: the body is empty" : `malformed JSON body${detail}` };
	}
}

/** Parses a body that must be a JSON object. */
export function parseJsonBody(text: string): JsonBody {
	const parsed = parseJsonText(text);
	if (!parsed.ok) return parsed;
	const value = parsed.value;
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		return { ok: false, error: `JSON body must be an object (got ${value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`})` };
	}
	return { ok: true, value: value as Record<string, unknown> };
}
