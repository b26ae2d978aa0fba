/**
 * Shared helpers of the energy sources: reading a `sources.<Name>` config section the way
 * TWCManager's users write it (a port as a string or a number, reference §0.5), reading numbers out
 * of device answers, and refusing readings outside physical bounds.
 */
import type { SourceReading } from "./source.js";

/** Beyond this no house meter or inverter reads (1 MW). */
export const MAX_POWER_W = 1_000_000;

/** Reads one config section; the first problem found is kept in `error`, naming the key. */
export class SectionReader {
	readonly #section: Readonly<Record<string, unknown>>;
	readonly #prefix: string;
	error: string | undefined;

	constructor(name: string, section: Readonly<Record<string, unknown>>) {
		this.#section = section;
		this.#prefix = `sources.${name}`;
	}

	#fail(key: string, message: string): void {
		this.error ??= `${this.#prefix}.${key}: ${message}`;
	}

	#raw(key: string): unknown {
		return Object.prototype.hasOwnProperty.call(this.#section, key) ? this.#section[key] : undefined;
	}

	/** A text value; `fallback` when absent (required when there is none). */
	string(key: string, fallback?: string): string {
		const value = this.#raw(key);
		if (value === undefined || value === null || value === "") {
			if (fallback === undefined) this.#fail(key, "required");
			return fallback ?? "";
		}
		if (typeof value === "number" && Number.isFinite(value)) return String(value);
		if (typeof value !== "string") {
			this.#fail(key, `must be text (got ${JSON.stringify(value)})`);
			return fallback ?? "";
		}
		return value.trim();
	}

	/** A TCP port, given as a number or as text ("80": TWCManager's sample config quotes them). */
	port(key: string, fallback: number): number {
		const value = this.#raw(key);
		if (value === undefined || value === null || value === "") return fallback;
		const n = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
		if (!Number.isInteger(n) || n < 1 || n > 65535) {
			this.#fail(key, `must be a port number from 1 to 65535 (got ${JSON.stringify(value)})`);
			return fallback;
		}
		return n;
	}

	/** A number (text holding a number is accepted), within [min, max]. */
	number(key: string, fallback: number, min = -Infinity, max = Infinity): number {
		const value = this.#raw(key);
		if (value === undefined || value === null || value === "") return fallback;
		const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
		if (!Number.isFinite(n) || n < min || n > max) {
			this.#fail(key, `must be a number${Number.isFinite(min) ? ` from ${min}` : ""}${Number.isFinite(max) ? ` to ${max}` : ""} (got ${JSON.stringify(value)})`);
			return fallback;
		}
		return n;
	}

	boolean(key: string, fallback: boolean): boolean {
		const value = this.#raw(key);
		if (value === undefined || value === null || value === "") return fallback;
		if (typeof value === "boolean") return value;
		if (value === "true" || value === 1 || value === "1") return true;
		if (value === "false" || value === 0 || value === "0") return false;
		this.#fail(key, `must be true or false (got ${JSON.stringify(value)})`);
		return fallback;
	}

	/** A list of text values; a single text is a list of one. */
	strings(key: string): string[] {
		const value = this.#raw(key);
		if (value === undefined || value === null || value === "") return [];
		if (typeof value === "string") return [value.trim()];
		if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) return value.map((v) => String(v).trim());
		this.#fail(key, `must be text or a list of text (got ${JSON.stringify(value)})`);
		return [];
	}
}

/**
 * A number from a device's answer: a JSON number, or text holding one ("1234.5", " 12 "). Anything
 * else (null, "unavailable", "NaN") is undefined: the caller says which value was missing.
 */
export function numberFrom(value: unknown): number | undefined {
	if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
	if (typeof value === "string" && value.trim() !== "") {
		const n = Number(value.trim());
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

/** The value at a path such as "Body.Data.Site.P_PV" or "production[1].wNow" in parsed JSON. */
export function valueAt(root: unknown, path: string): unknown {
	let node: unknown = root;
	for (const part of path.match(/[^.[\]]+/g) ?? []) {
		if (node === null || typeof node !== "object") return undefined;
		if (Array.isArray(node)) {
			const index = Number(part);
			node = Number.isInteger(index) ? node[index] : undefined;
		} else node = Object.prototype.hasOwnProperty.call(node, part) ? (node as Record<string, unknown>)[part] : undefined;
	}
	return node;
}

/** Parses a JSON answer; a string error says it was not JSON (an HTML login page, a proxy's error...). */
export function parseJsonAnswer(body: string | undefined, what: string): unknown | { error: string } {
	if (body === undefined || body.trim() === "") return { error: `${what}: empty answer` };
	const text = body.trimStart();
	if (text.startsWith("<")) return { error: `${what}: the answer is an HTML page, not JSON (wrong address, or a firmware that does not serve this API)` };
	try {
		return JSON.parse(body) as unknown;
	} catch {
		return { error: `${what}: the answer is not valid JSON (starts ${JSON.stringify(text.slice(0, 40))})` };
	}
}

export function isAnswerError(value: unknown): value is { error: string } {
	return value !== null && typeof value === "object" && !Array.isArray(value) && typeof (value as { error?: unknown }).error === "string" && Object.keys(value as object).length === 1;
}

/** Why a reading is outside physical bounds, or undefined when it is plausible. */
export function implausible(reading: SourceReading): string | undefined {
	for (const key of ["generationW", "consumptionW", "gridW", "batteryW"] as const) {
		const v = reading[key];
		if (v !== null && (!Number.isFinite(v) || Math.abs(v) > MAX_POWER_W)) return `${key} ${v} W is beyond any house (±${MAX_POWER_W / 1000} kW)`;
	}
	if (reading.generationW !== null && reading.generationW < -1000) return `generation ${reading.generationW} W is negative beyond an inverter's standby draw`;
	if (reading.consumptionW !== null && reading.consumptionW < 0) return `consumption ${reading.consumptionW} W is negative`;
	const v = reading.voltageV;
	if (v !== null && (!Number.isFinite(v) || v < 50 || v > 500)) return `voltage ${v} V is outside 50 to 500 V`;
	const soc = reading.socPercent;
	if (soc !== null && (!Number.isFinite(soc) || soc < 0 || soc > 100)) return `state of charge ${soc} % is outside 0 to 100 %`;
	return undefined;
}

/** Rounds to 3 decimals (the answer keys' precision), keeping null. */
export function round3(value: number | null): number | null {
	return value === null ? null : Math.round(value * 1000) / 1000;
}
