/**
 * The configuration document through the API (the device's: its config.json on flash).
 *
 * GET /api/v1/config answers the stored document, with every secret (a password, a token) shown
 * as "(set)". POST /api/v1/config takes a patch in the document's own shape (RFC 7396 merge patch:
 * objects merge, `null` removes a key, "(set)" for a secret keeps it), checks the WHOLE resulting
 * document with the owner's checks (the host's config.json checks plus the device's keys), stores
 * it and answers what changed. The running master keeps the configuration it started with (the
 * wiring limits never change under a running master): `restartRequired: true` says a restart
 * applies it. A refusal is a 400 whose `error` names the key; nothing is stored then.
 */
import { json, parseJsonObject, type Router } from "./router.js";

/** Where the document lives and how it is judged; the owner (modules/device-config.ts) binds it. */
export interface ConfigStore {
	/** The stored document's text; undefined when there is none yet. */
	read(): string | undefined;
	/** Stores a checked document's text, atomically (the old text stays on failure). Throws when it cannot. */
	write(text: string): void;
	/** Checks a whole document: each error starts with the key it is about ("device.httpPort: …"). */
	validate(document: Record<string, unknown>): { errors: readonly string[]; warnings: readonly string[] };
}

/** What a secret's value is shown as. */
export const SECRET_SHOWN = "(set)";
/** The largest document stored (flash is small; the manifest's block is a few hundred bytes). */
export const MAX_CONFIG_BYTES = 8192;

/** Keys whose values are never shown: a password, a secret, an API key, a token. */
export function isSecretKey(path: string): boolean {
	const name = path.slice(path.lastIndexOf(".") + 1);
	return /(password|secret|apikey|api_key|token)$/i.test(name);
}

export function addConfigRoutes(router: Router, store: ConfigStore): void {
	/** A change was stored since the start: the running configuration is not the stored one. */
	let pending = false;

	router.get("/api/v1/config", () => {
		const current = readDocument(store);
		if (typeof current === "string") return json(500, { error: current });
		return json(200, { config: redact(current, ""), restartRequired: pending });
	});

	router.post("/api/v1/config", (request) => {
		const patch = parseJsonObject(request);
		if (typeof patch === "string") return json(400, { error: patch });
		const stored = readDocument(store);
		// A stored document that cannot be read is replaced by a patch that makes a whole valid one.
		const current = typeof stored === "string" ? {} : stored;
		const merged = mergePatch(current, patch, "");
		if (typeof merged === "string") return json(400, { error: merged });
		const checked = store.validate(merged);
		if (checked.errors.length > 0) {
			return json(400, { error: checked.errors[0], errors: [...checked.errors], warnings: [...checked.warnings], saved: false });
		}
		const changed = changes(current, merged);
		if (Object.keys(changed).length === 0) {
			return json(200, { saved: false, changed, restartRequired: pending, warnings: [...checked.warnings], note: "nothing changed" });
		}
		const text = JSON.stringify(merged);
		if (text.length > MAX_CONFIG_BYTES) {
			return json(400, { error: `the configuration would be ${text.length} bytes, more than ${MAX_CONFIG_BYTES}: remove keys it does not need`, saved: false });
		}
		try {
			store.write(text);
		} catch (error) {
			return json(500, { error: `configuration NOT saved: ${String(error)}; the stored one is unchanged`, saved: false });
		}
		pending = true;
		return json(200, { saved: true, changed, restartRequired: true, warnings: [...checked.warnings] });
	});
}

/** The stored document as an object ({} when none), or a sentence saying why it cannot be read. */
function readDocument(store: ConfigStore): Record<string, unknown> | string {
	let text: string | undefined;
	try {
		text = store.read();
	} catch (error) {
		return `cannot read the stored configuration: ${String(error)}`;
	}
	if (text === undefined) return {};
	try {
		const value: unknown = JSON.parse(text);
		if (isObject(value)) return value;
		return "the stored configuration is not a JSON object";
	} catch (error) {
		return `the stored configuration is not valid JSON (${String(error)}): POST a whole configuration to replace it`;
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets a key as plain data ("__proto__" included: never the prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A new document: `base` with `patch` merged in (RFC 7396). Neither is changed. A secret given as
 * "(set)" (what GET shows) keeps its stored value. Top-level values must be sections (objects) or
 * null: the document is sectioned like config.json.
 */
function mergePatch(base: Record<string, unknown>, patch: Record<string, unknown>, prefix: string): Record<string, unknown> | string {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(base)) put(out, key, base[key]);
	for (const key of Object.keys(patch)) {
		const path = prefix === "" ? key : `${prefix}.${key}`;
		const value = patch[key];
		if (prefix === "" && value !== null && !isObject(value)) {
			return `${path}: must be an object of keys (a section such as "config" or "device"), or null to remove it`;
		}
		if (value === null) {
			delete out[key];
		} else if (isObject(value)) {
			const merged = mergePatch(isObject(out[key]) ? (out[key] as Record<string, unknown>) : {}, value, path);
			if (typeof merged === "string") return merged;
			put(out, key, merged);
		} else if (value === SECRET_SHOWN && isSecretKey(path)) {
			// GET's placeholder sent back: keep the stored secret.
		} else {
			put(out, key, value);
		}
	}
	return out;
}

/** A copy with every non-empty secret shown as "(set)". */
function redact(node: Record<string, unknown>, prefix: string): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(node)) {
		const path = prefix === "" ? key : `${prefix}.${key}`;
		const value = node[key];
		if (isObject(value)) put(out, key, redact(value, path));
		else put(out, key, shown(path, value));
	}
	return out;
}

function shown(path: string, value: unknown): unknown {
	if (!isSecretKey(path) || value === undefined || value === "" || value === null) return value;
	return SECRET_SHOWN;
}

/** Every leaf as "section.key" → value (arrays are leaves). */
function leaves(node: Record<string, unknown>, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
	for (const key of Object.keys(node)) {
		const path = prefix === "" ? key : `${prefix}.${key}`;
		const value = node[key];
		if (isObject(value)) leaves(value, path, out);
		else out.set(path, value);
	}
	return out;
}

/** What differs between two documents: key → { from, to } (absent values left out, secrets shown as "(set)"). */
function changes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from?: unknown; to?: unknown }> {
	const a = leaves(before, "", new Map());
	const b = leaves(after, "", new Map());
	const out: Record<string, { from?: unknown; to?: unknown }> = {};
	const keys = [...a.keys()];
	for (const key of b.keys()) if (!a.has(key)) keys.push(key);
	for (const key of keys) {
		const from = a.get(key);
		const to = b.get(key);
		if (JSON.stringify(from) === JSON.stringify(to)) continue;
		const change: { from?: unknown; to?: unknown } = {};
		if (a.has(key)) change.from = shown(key, from);
		if (b.has(key)) change.to = shown(key, to);
		put(out, key, change);
	}
	return out;
}
