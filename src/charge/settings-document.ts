/**
 * The stored text of the settings (reference §8) and back.
 *
 * Stored document: a JSON object with the keys of `Settings` (in `SETTINGS_KEYS` order, tab
 * indented) plus `"_checksum"`, the CRC-32 (IEEE 802.3, as zlib's crc32) in 8 lowercase hex
 * digits of the UTF-8 bytes of the document's canonical text: the document without `_checksum`,
 * every object's keys sorted (UTF-16 code-unit order), serialised by JSON.stringify without
 * spaces. The checksum so covers the values, not the layout, and can be checked with any
 * CRC-32 tool. A document without `_checksum` (a TWCManager file) is accepted.
 */
import { crc32 } from "./crc32.js";
import { isObject, message, show } from "./settings-data.js";
import { SETTINGS_KEYS, type Settings } from "./settings-schema.js";

export const CHECKSUM_KEY = "_checksum";

/** JSON text with every object's keys sorted: the same values give the same text. */
export function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonical(v))).join(",")}]`;
	if (isObject(value)) {
		const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
		return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
	}
	return JSON.stringify(value) ?? "null";
}

function checksumOf(document: Readonly<Record<string, unknown>>): string {
	const rest: Record<string, unknown> = {};
	for (const key of Object.keys(document)) if (key !== CHECKSUM_KEY) rest[key] = document[key];
	return crc32(canonical(rest)).toString(16).padStart(8, "0");
}

/**
 * The stored text of `settings`: keys in SETTINGS_KEYS order, tab indented, `_checksum` last.
 * `settings` must be data made at run time (JSON.stringify of a preloaded object fails in XS).
 */
export function settingsToText(settings: Readonly<Settings>): string {
	const document: Record<string, unknown> = {};
	for (const key of SETTINGS_KEYS) document[key] = settings[key];
	document[CHECKSUM_KEY] = checksumOf(document);
	return `${JSON.stringify(document, null, "\t")}\n`;
}

/** One stored copy, judged: missing, rejected (with the reason), or a usable object. */
export type StoredCopy = { kind: "none" } | { kind: "bad"; reason: string } | { kind: "good"; document: Record<string, unknown> };

/** Reads and judges one copy: a read that throws, bad JSON, not an object, or a wrong checksum is "bad". */
export function readStoredCopy(read: () => string | undefined): StoredCopy {
	let text: string | undefined;
	try {
		text = read();
	} catch (error) {
		return { kind: "bad", reason: `could not be read: ${message(error)}` };
	}
	if (text === undefined) return { kind: "none" };
	let document: unknown;
	try {
		document = JSON.parse(text);
	} catch (error) {
		return { kind: "bad", reason: `not valid JSON: ${message(error)}` };
	}
	if (!isObject(document)) return { kind: "bad", reason: `not a JSON object (${show(document)})` };
	const stored = document[CHECKSUM_KEY];
	if (stored !== undefined) {
		if (typeof stored !== "string" || !/^[0-9a-f]{8}$/.test(stored)) return { kind: "bad", reason: `${CHECKSUM_KEY} ${show(stored)} is not 8 lowercase hex digits` };
		const computed = checksumOf(document);
		if (stored !== computed) {
			return { kind: "bad", reason: `checksum mismatch: stored ${stored}, content gives ${computed}; after editing the file by hand, delete "${CHECKSUM_KEY}"` };
		}
	}
	return { kind: "good", document };
}
