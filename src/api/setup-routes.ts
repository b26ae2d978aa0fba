/**
 * The setup page and the network state.
 *
 * GET  /setup            a small HTML form (inline CSS, no scripts from elsewhere, fits a phone):
 *                        the network, its password, the admin password and the two wiring limits.
 * POST /setup            takes that form (application/x-www-form-urlencoded) or the same fields as
 *                        JSON. Every field is checked (the wiring limits with the same rules as the
 *                        configuration: without both no car charges); errors name the field, nothing
 *                        is stored then, and the form comes back with what was typed. Valid values go
 *                        to the device's `save` callback; the answer says what happens next.
 * GET  /api/v1/network   mode, ssid, ip, rssi, hostname, since.
 */
import { parseConfig } from "../config/config.js";
import type { HttpRequest, HttpResponse } from "../platform/http-server.js";
import { json, type Router } from "./router.js";

/** What the setup form stores. */
export interface SetupValues {
	ssid: string;
	/** "" for an open network. */
	password: string;
	adminPassword: string;
	wiringMaxAmpsAllTWCs: number;
	wiringMaxAmpsPerTWC: number;
	/** The mDNS name without ".local"; absent: keep the current one. */
	hostname?: string;
}

export interface NetworkState {
	/** "station" (connected), "connecting", "waiting" (between attempts), "accessPoint", "off". */
	mode: string;
	ssid: string;
	ip?: string;
	rssi?: number;
	/** The mDNS name, e.g. "twc-1a2b.local". */
	hostname: string;
	/** When the current mode began (UTC ms). */
	since: number;
	/** Why the access point is open or the last attempt failed. */
	reason?: string;
}

export interface SetupSource {
	network(): NetworkState;
	/** Values to fill the form with (never the passwords). */
	current(): { ssid?: string; hostname?: string; wiringMaxAmpsAllTWCs?: number; wiringMaxAmpsPerTWC?: number; minAmpsPerTWC?: number };
	/** Networks seen nearby, strongest first (may be empty). */
	networks?(): readonly { ssid: string; rssi?: number }[];
	/** Stores the values; returns an error text when they could not be stored (nothing changed then). */
	save(values: SetupValues): string | undefined;
	/** What happens after a successful save, in words (e.g. the restart into station mode). */
	next(values: SetupValues): string;
	/**
	 * Whether this request may see and change the setup: undefined = yes, else why not (answered 401
	 * with a Basic challenge, so a browser asks for the password). The device lets anyone in while no
	 * admin password is stored (first boot) and asks for it afterwards (user "admin"), also on its
	 * access point: someone in radio range must not be able to change the wiring limits.
	 */
	authorize?(request: HttpRequest): string | undefined;
}

export interface FieldError {
	field: string;
	message: string;
}

export const SETUP_FIELDS = Object.freeze(["ssid", "password", "adminPassword", "wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC", "hostname"] as const);

/** Request bodies larger than this are refused (the form is a few hundred bytes). */
const MAX_BODY = 4096;

export function addSetupRoutes(router: Router, source: SetupSource): void {
	router.get("/setup", (request) => {
		const refusal = source.authorize?.(request);
		return refusal === undefined ? page(source, {}, []) : challenge(html(401, shell("Password required", `<p class="err">${escape(refusal)}</p>`)));
	});
	router.post("/setup", (request) => postSetup(request, source));
	router.get("/api/v1/network", () => json(200, source.network()));
}

function postSetup(request: HttpRequest, source: SetupSource): HttpResponse {
	const type = (request.headers.get("content-type") ?? "").toLowerCase();
	const asJson = type.startsWith("application/json") || (!type.includes("form") && request.body.trimStart().startsWith("{"));
	const refusal = source.authorize?.(request);
	if (refusal !== undefined) return challenge(asJson ? json(401, { error: refusal, errors: [{ field: "authorization", message: refusal }] }) : html(401, shell("Password required", `<p class="err">${escape(refusal)}</p>`)));
	if (request.body.length > MAX_BODY) return reply(asJson, source, {}, [{ field: "body", message: `the request is too large (${request.body.length} bytes, at most ${MAX_BODY})` }], 413);
	const fields = asJson ? jsonFields(request.body) : formFields(request.body);
	if ("error" in fields) return reply(asJson, source, {}, [{ field: "body", message: fields.error }], 400);
	const checked = checkSetup(fields.values, source.current().minAmpsPerTWC);
	if ("errors" in checked) return reply(asJson, source, fields.values, checked.errors, 400);
	let error: string | undefined;
	try {
		error = source.save(checked.values);
	} catch (thrown) {
		error = String(thrown);
	}
	if (error !== undefined) return reply(asJson, source, fields.values, [{ field: "storage", message: `not saved: ${error}` }], 500);
	const next = source.next(checked.values);
	if (asJson) return json(200, { saved: true, next, warnings: checked.warnings });
	return html(200, shell("Saved", `<p class="ok">Saved.</p><p>${escape(next)}</p>${checked.warnings.map((w) => `<p class="warn">${escape(w)}</p>`).join("")}`));
}

/**
 * Checks the setup fields (strings as a form sends them, or JSON values). The wiring limits go
 * through the configuration's own rules (parseConfig with the limits required).
 */
export function checkSetup(raw: Readonly<Record<string, unknown>>, minAmpsPerTWC?: number): { values: SetupValues; warnings: string[] } | { errors: FieldError[] } {
	const errors: FieldError[] = [];
	const text = (field: string): string => {
		const value = raw[field];
		if (value === undefined || value === null) return "";
		if (typeof value !== "string") {
			errors.push({ field, message: `${field}: must be text (got ${JSON.stringify(value)})` });
			return "";
		}
		return value;
	};
	const ssid = text("ssid").trim();
	const password = text("password");
	const adminPassword = text("adminPassword");
	const hostname = text("hostname").trim().toLowerCase();
	if (ssid === "") errors.push({ field: "ssid", message: "ssid: choose the Wi-Fi network to join" });
	else if (utf8Length(ssid) > 32) errors.push({ field: "ssid", message: `ssid: at most 32 bytes (got ${utf8Length(ssid)})` });
	if (password !== "" && (password.length < 8 || password.length > 63) && !/^[0-9a-fA-F]{64}$/.test(password)) {
		errors.push({ field: "password", message: `password: a WPA2 password has 8 to 63 characters (got ${password.length}); leave it empty for an open network` });
	}
	if (adminPassword.length < 8) errors.push({ field: "adminPassword", message: `adminPassword: required, at least 8 characters (got ${adminPassword.length}); it protects the settings and updates` });
	else if (adminPassword.length > 64) errors.push({ field: "adminPassword", message: `adminPassword: at most 64 characters (got ${adminPassword.length})` });
	if (hostname !== "" && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(hostname)) {
		errors.push({ field: "hostname", message: `hostname: letters, digits and "-" only, 1 to 63 characters, not starting or ending with "-" (got "${hostname}")` });
	}

	// The wiring limits: the configuration's rules, and both are required (no car charges without them).
	const limits: Record<string, unknown> = {};
	for (const key of ["wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC"]) {
		const value = raw[key];
		if (value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "")) limits[key] = value;
	}
	if (minAmpsPerTWC !== undefined) limits.minAmpsPerTWC = minAmpsPerTWC;
	const parsed = parseConfig({ config: limits }, { requireWiringLimits: true });
	const warnings: string[] = [];
	for (const problem of parsed.errors) {
		const field = wiringField(problem);
		if (field !== undefined) errors.push({ field, message: problem.replace(/config\./g, "") + (problem.includes("required") ? "; no car charges until both wiring limits are set" : "") });
	}
	for (const warning of parsed.warnings) if (wiringField(warning) !== undefined) warnings.push(warning.replace(/config\./g, ""));
	if (errors.length > 0) return { errors };
	const values: SetupValues = {
		ssid,
		password,
		adminPassword,
		wiringMaxAmpsAllTWCs: Number(limits.wiringMaxAmpsAllTWCs),
		wiringMaxAmpsPerTWC: Number(limits.wiringMaxAmpsPerTWC),
	};
	if (hostname !== "") values.hostname = hostname;
	return { values, warnings };
}

/** The wiring field a configuration message is about (the first one it names), if any. */
function wiringField(problem: string): string | undefined {
	const all = problem.indexOf("wiringMaxAmpsAllTWCs");
	const per = problem.indexOf("wiringMaxAmpsPerTWC");
	if (all < 0 && per < 0) return undefined;
	if (all < 0) return "wiringMaxAmpsPerTWC";
	if (per < 0) return "wiringMaxAmpsAllTWCs";
	return all < per ? "wiringMaxAmpsAllTWCs" : "wiringMaxAmpsPerTWC";
}

function jsonFields(body: string): { values: Record<string, unknown> } | { error: string } {
	let value: unknown;
	try {
		value = JSON.parse(body);
	} catch (error) {
		return { error: `the body is not valid JSON: ${String(error)}` };
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "the body must be a JSON object with the setup fields" };
	const values: Record<string, unknown> = {};
	const source = value as Record<string, unknown>;
	for (const key of SETUP_FIELDS) if (Object.prototype.hasOwnProperty.call(source, key)) values[key] = source[key];
	return { values };
}

/** Parses application/x-www-form-urlencoded; only the setup fields are kept. */
export function formFields(body: string): { values: Record<string, string> } | { error: string } {
	const values: Record<string, string> = {};
	const known: readonly string[] = SETUP_FIELDS;
	for (const part of body.split("&")) {
		if (part === "") continue;
		const eq = part.indexOf("=");
		const rawName = eq < 0 ? part : part.slice(0, eq);
		const rawValue = eq < 0 ? "" : part.slice(eq + 1);
		let name: string;
		let value: string;
		try {
			name = decodeURIComponent(rawName.replace(/\+/g, " "));
			value = decodeURIComponent(rawValue.replace(/\+/g, " "));
		} catch {
			return { error: `${safeName(rawName)}: badly encoded form value` };
		}
		if (known.includes(name)) values[name] = value;
	}
	return { values };
}

function safeName(raw: string): string {
	return raw.replace(/[^A-Za-z0-9_]/g, "").slice(0, 40) || "form";
}

function reply(asJson: boolean, source: SetupSource, typed: Readonly<Record<string, unknown>>, errors: FieldError[], status: number): HttpResponse {
	if (asJson) return json(status, { error: errors.map((e) => e.message).join("; "), errors });
	return page(source, typed, errors, status);
}

function page(source: SetupSource, typed: Readonly<Record<string, unknown>>, errors: readonly FieldError[], status = 200): HttpResponse {
	const current = source.current();
	const network = source.network();
	const value = (field: string, fallback: unknown) => {
		const v = typed[field] ?? fallback;
		return v === undefined || v === null ? "" : escape(String(v));
	};
	const errorFor = (field: string) =>
		errors
			.filter((e) => e.field === field)
			.map((e) => `<span class="err">${escape(e.message)}</span>`)
			.join("");
	const general = errors.filter((e) => !(SETUP_FIELDS as readonly string[]).includes(e.field));
	const nearby = source.networks?.() ?? [];
	const options = nearby
		.slice(0, 20)
		.map((n) => `<option value="${escape(n.ssid)}">${n.rssi !== undefined ? `${n.rssi} dBm` : ""}</option>`)
		.join("");
	const field = (name: string, label: string, input: string, hint = "") =>
		`<label for="${name}">${label}</label>${input}${hint === "" ? "" : `<small>${hint}</small>`}${errorFor(name)}`;
	const body =
		`<p>This wall connector master is in <b>${escape(network.mode)}</b> mode${network.reason ? ` (${escape(network.reason)})` : ""}. ` +
		`Choose the network it joins and the limits of your wiring.</p>` +
		general.map((e) => `<p class="err">${escape(e.message)}</p>`).join("") +
		`<form method="post" action="/setup">` +
		field("ssid", "Wi-Fi network", `<input id="ssid" name="ssid" list="nets" required maxlength="32" autocapitalize="none" value="${value("ssid", current.ssid)}"><datalist id="nets">${options}</datalist>`) +
		field("password", "Wi-Fi password", `<input id="password" name="password" type="password" maxlength="64" value="${value("password", "")}">`, "empty for an open network") +
		field("adminPassword", "Admin password", `<input id="adminPassword" name="adminPassword" type="password" required minlength="8" maxlength="64" value="${value("adminPassword", "")}">`, "protects settings and updates; at least 8 characters") +
		field("wiringMaxAmpsAllTWCs", "Wiring limit, all wall connectors (A)", `<input id="wiringMaxAmpsAllTWCs" name="wiringMaxAmpsAllTWCs" type="number" inputmode="decimal" min="1" max="500" step="any" required value="${value("wiringMaxAmpsAllTWCs", current.wiringMaxAmpsAllTWCs)}">`, "80 % of the breaker feeding all of them") +
		field("wiringMaxAmpsPerTWC", "Wiring limit, each wall connector (A)", `<input id="wiringMaxAmpsPerTWC" name="wiringMaxAmpsPerTWC" type="number" inputmode="decimal" min="1" max="80" step="any" required value="${value("wiringMaxAmpsPerTWC", current.wiringMaxAmpsPerTWC)}">`, "80 % of each one's own breaker") +
		field("hostname", "Name on the network", `<input id="hostname" name="hostname" maxlength="63" autocapitalize="none" value="${value("hostname", current.hostname)}">`, "reached as NAME.local") +
		`<button type="submit">Save and restart</button></form>`;
	return html(status, shell("TWC master setup", body));
}

function shell(title: string, body: string): string {
	return (
		`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title>` +
		`<style>body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:30em;padding:1em;color:#222}h1{font-size:1.3em}` +
		`label{display:block;margin-top:1em;font-weight:600}input,button{box-sizing:border-box;width:100%;font-size:1em;padding:.6em;margin-top:.3em}` +
		`button{margin-top:1.5em;background:#1565c0;color:#fff;border:0;border-radius:4px}small{color:#666}.err{display:block;color:#b00020}.ok{color:#1b5e20;font-weight:600}.warn{color:#8a6d00}</style>` +
		`</head><body><h1>${escape(title)}</h1>${body}</body></html>`
	);
}

function challenge(response: HttpResponse): HttpResponse {
	return { ...response, headers: { ...(response.headers ?? {}), "WWW-Authenticate": 'Basic realm="TWC master setup", charset="UTF-8"' } };
}

/** The password of an `Authorization: Basic` header (any user name), or undefined. */
export function basicPassword(request: HttpRequest): string | undefined {
	const header = request.headers.get("authorization") ?? "";
	const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
	if (match === null) return undefined;
	const text = latin1FromBase64(match[1]);
	if (text === undefined) return undefined;
	const colon = text.indexOf(":");
	if (colon < 0) return undefined;
	const raw = text.slice(colon + 1);
	try {
		// Browsers send UTF-8 (charset="UTF-8" in the challenge): decode it.
		return decodeURIComponent(raw.replace(/%/g, "%25").replace(/[\x80-\xff]/g, (c) => "%" + c.charCodeAt(0).toString(16)));
	} catch {
		return raw;
	}
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function latin1FromBase64(text: string): string | undefined {
	const clean = text.replace(/=+$/, "");
	if (clean.length % 4 === 1) return undefined;
	let out = "";
	let bits = 0;
	let value = 0;
	for (let i = 0; i < clean.length; i++) {
		const digit = BASE64.indexOf(clean[i]);
		if (digit < 0) return undefined;
		value = (value << 6) | digit;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out += String.fromCharCode((value >> bits) & 0xff);
		}
	}
	return out;
}

function html(status: number, body: string): HttpResponse {
	return { status, contentType: "text/html; charset=utf-8", body, headers: { "Cache-Control": "no-store" } };
}

export function escape(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function utf8Length(text: string): number {
	let n = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c < 0x80) n += 1;
		else if (c < 0x800) n += 2;
		else if (c >= 0xd800 && c <= 0xdbff) {
			n += 4;
			i++;
		} else n += 3;
	}
	return n;
}
