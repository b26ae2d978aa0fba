/**
 * Small helpers shared by the HTTP sources of this folder: the device's address from a
 * `serverIP`/`serverPort` pair, a power value read from a text answer ("1234.5 W", "1.2 kW"), and
 * base64 for HTTP Basic auth (XS has no btoa).
 */
import type { SectionReader } from "../source-values.js";

/**
 * `http(s)://<serverIP>:<port>` from a section. `serverIP` is an address or host name; a URL given
 * there (TWCManager builds the URL itself) is refused with a hint. `portKey` undefined: the system
 * has no port key in TWCManager, so `serverPort` is read as an optional extension, and a port
 * written into `serverIP` ("192.168.1.20:8080") is kept as it is.
 */
export function deviceBase(r: SectionReader, name: string, https: boolean, defaultPort: number | undefined, portKey = "serverPort"): string {
	const ip = r.string("serverIP");
	if (/^[a-z]+:\/\//i.test(ip) || ip.includes("/")) {
		r.error ??= `sources.${name}.serverIP: give the device's address only (e.g. "192.168.1.20"), not a URL (got ${JSON.stringify(ip)})`;
	}
	const scheme = https ? "https" : "http";
	if (defaultPort === undefined) {
		const port = r.port(portKey, 0);
		return port === 0 ? `${scheme}://${ip}` : `${scheme}://${ip}:${port}`;
	}
	return `${scheme}://${ip}:${r.port(portKey, defaultPort)}`;
}

/** Power units a text or JSON answer may carry, to watts. */
const POWER_UNITS: Readonly<Record<string, number>> = { "": 1, w: 1, watt: 1, watts: 1, kw: 1000, mw: 1_000_000 };

/** The factor from `unit` to watts, or undefined when it is not a power unit (kWh, A, V...). */
export function powerUnitFactor(unit: string): number | undefined {
	const key = unit.trim().toLowerCase();
	return Object.prototype.hasOwnProperty.call(POWER_UNITS, key) ? POWER_UNITS[key] : undefined;
}

/**
 * Watts from a plain-text answer: the first word is the number (as TWCManager reads openHAB and
 * URL answers), an optional second word its unit (W, kW). An error text says what was wrong.
 */
export function powerFromText(body: string, what: string): { watts: number } | { error: string } {
	const text = body.trim();
	if (text === "") return { error: `${what}: empty answer` };
	if (text.startsWith("<")) return { error: `${what}: the answer is an HTML page, not a value (wrong address?)` };
	const words = text.split(/\s+/);
	if (words[0] === "NULL" || words[0] === "UNDEF") return { error: `${what}: the item's state is ${words[0]} (it has no value yet)` };
	const value = Number(words[0]);
	if (words[0] === "" || !Number.isFinite(value)) return { error: `${what}: the answer is not a number (${JSON.stringify(text.slice(0, 40))})` };
	const unit = words.length > 1 ? words[1] : "";
	const factor = powerUnitFactor(unit);
	if (factor === undefined) return { error: `${what}: the value is in ${JSON.stringify(unit)}, not a power (W or kW)` };
	return { watts: value * factor };
}

/** Encodes text as UTF-8 bytes (no TextEncoder on every XS host). */
export function utf8Bytes(text: string): number[] {
	const bytes: number[] = [];
	for (let i = 0; i < text.length; i++) {
		let c = text.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
			const low = text.charCodeAt(i + 1);
			if (low >= 0xdc00 && low <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
				i++;
			}
		}
		if (c < 0x80) bytes.push(c);
		else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
		else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
		else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
	}
	return bytes;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 of the UTF-8 bytes of `text` (RFC 4648, with padding). */
export function base64(text: string): string {
	const b = utf8Bytes(text);
	let out = "";
	for (let i = 0; i < b.length; i += 3) {
		const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
		out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63];
		out += i + 1 < b.length ? BASE64[(n >> 6) & 63] : "=";
		out += i + 2 < b.length ? BASE64[n & 63] : "=";
	}
	return out;
}

/** `Authorization` header value for HTTP Basic auth. */
export function basicAuth(user: string, password: string): string {
	return `Basic ${base64(`${user}:${password}`)}`;
}

/** Percent-encodes a value for a query string or a form body. */
export function formValue(value: string): string {
	return encodeURIComponent(value);
}
