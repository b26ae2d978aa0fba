/**
 * The password, sessions, API tokens and who may do what (issue 12, item 2).
 *
 * - The password is set at first run (the page or POST /api/v1/auth/password); until then only the
 *   open routes answer, unless the API is opened to the asking address. It is stored as
 *   PBKDF2-HMAC-SHA-256 with a random salt, never in clear, never served back.
 * - The page logs in and gets a session cookie (HttpOnly, SameSite=Strict); sessions live in memory
 *   (a restart logs everyone out).
 * - API clients send `Authorization: Bearer <token>`; tokens are made on the page, shown once and
 *   stored as their SHA-256.
 * - `Host` must be one of the device's names or an IP address (DNS rebinding); a cross-site
 *   `Origin` or `Sec-Fetch-Site` is refused for every change (CSRF).
 * - Logins are rate-limited per address and in all: 5 failures in a row, then a wait that doubles
 *   with each further failure (1 min, 2 min, … at most an hour).
 * - "Open reads": status without a password. "Open to addresses / everyone": every route without a
 *   password from those addresses (TWCManager's clients cannot send a token); the page warns.
 * Settings live in their own document "auth" through the platform's Storage (in memory without one).
 */
import type { Clock } from "../platform/clock.js";
import type { HttpRequest, HttpResponse } from "../platform/http-server.js";
import type { Log } from "../platform/log.js";
import type { Random } from "../platform/random.js";
import type { Storage } from "../platform/storage.js";
import { fromHex, pbkdf2Sha256, sameText, sha256Hex, toHex, utf8 } from "./auth-crypto.js";
import { parseJsonBody } from "./json-body.js";
import { json, type Access, type Router } from "./router.js";

export const AUTH_DOCUMENT = "auth";
export const SESSION_COOKIE = "twc_session";
/**
 * PBKDF2 rounds. The hash runs in one JavaScript turn, and no turn may outlast the UART's 133 ms
 * of buffer (modules/turn-meter.ts): 256 rounds took 612–697 ms on a PC in the SDK's desktop build
 * (the turn meter logged it), so an ESP32 would lose bus bytes and could trip its watchdog at every
 * login. A few rounds of a salted HMAC keep a login well inside a turn; the hash never leaves the
 * device, and whoever reads its flash also reads the Wi-Fi password in clear.
 */
export const DEFAULT_ITERATIONS = 4;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 128;
const SESSION_MS = 30 * 24 * 3600 * 1000;
const MAX_SESSIONS = 16;
const MAX_TOKENS = 16;
const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 60_000;
const LONGEST_WAIT_MS = 3600_000;
/** Failures from all addresses together before the wait applies to every address. */
const GLOBAL_FREE_FAILURES = 20;

export type OpenTo = "nobody" | "addresses" | "everyone";

export interface AccessSettings {
	/** Status (the "read" routes) without a password. */
	openReads: boolean;
	/** Every route without a password: for nobody, for `openAddresses`, for everyone. */
	openTo: OpenTo;
	openAddresses: string[];
}

interface StoredPassword {
	salt: string;
	hash: string;
	iterations: number;
}

interface StoredToken {
	id: string;
	name: string;
	/** SHA-256 of the token, hex. */
	hash: string;
	createdMs: number;
}

interface AuthDocument extends AccessSettings {
	version: 1;
	password?: StoredPassword;
	tokens: StoredToken[];
}

export interface AuthOptions {
	clock: Clock;
	log: Log;
	/** Session ids, tokens and salts come from here: it must be a CSPRNG on a real installation. */
	random: Random;
	storage?: Storage;
	/** The names this device answers to besides IP addresses and "localhost" (e.g. "twc-1a2b.local"). */
	names?: () => readonly string[];
	/** The access settings before any are stored (the demo opens the API to loopback). */
	defaults?: Partial<AccessSettings>;
	iterations?: number;
}

/** Who a request is, as far as the guard knows. */
export type Caller = { kind: "session" | "token" | "open" | "internal"; tokenName?: string } | undefined;

export class Auth {
	#options: AuthOptions;
	#doc: AuthDocument;
	/** SHA-256 of a session id → when it ends (clock ms). */
	#sessions = new Map<string, number>();
	/** Address (or "*" for all) → failures in a row and the end of the wait. */
	#failures = new Map<string, { count: number; until: number }>();
	#iterations: number;

	constructor(options: AuthOptions) {
		this.#options = options;
		this.#iterations = options.iterations ?? DEFAULT_ITERATIONS;
		this.#doc = this.#load();
	}

	get passwordSet(): boolean {
		return this.#doc.password !== undefined;
	}

	get access(): AccessSettings {
		return { openReads: this.#doc.openReads, openTo: this.#doc.openTo, openAddresses: [...this.#doc.openAddresses] };
	}

	/** The warning the page shows while the API is open, or undefined. */
	get openWarning(): string | undefined {
		const d = this.#doc;
		if (d.openTo === "everyone") return "The API is open to everyone who can reach this device: anyone on the network can change the charging. Close it in Settings → Access.";
		if (d.openTo === "addresses" && d.openAddresses.length > 0) return `The API is open without a password to ${d.openAddresses.join(", ")}. Close it in Settings → Access.`;
		if (d.openReads) return "Status can be read without a password (open reads).";
		return undefined;
	}

	/** The guard: undefined lets the request through, else the refusal. */
	check(request: HttpRequest, access: Access): HttpResponse | undefined {
		// From inside the program (App's webhook status), never from the network.
		if (request.remoteAddress === undefined) return undefined;
		const host = request.headers.get("host");
		if (host !== undefined && !this.#ownHost(hostName(host))) {
			return json(403, { error: `Host "${host.slice(0, 80)}" is not one of this device's names: use its IP address or ${this.#names().join(", ")}` });
		}
		const write = access === "write" || (access === "open" && request.method !== "GET" && request.method !== "HEAD");
		if (write) {
			const crossSite = this.#crossSite(request);
			if (crossSite !== undefined) return json(403, { error: crossSite });
		}
		if (access === "open") return undefined;
		if (this.caller(request) !== undefined) return undefined;
		if (access === "read" && this.#doc.openReads) return undefined;
		if (!this.passwordSet) {
			return json(403, { error: "no password is set yet: set one on the page (/) or with POST /api/v1/auth/password {\"password\": …}", passwordSet: false });
		}
		return {
			...json(401, { error: access === "read" ? "log in to read the status (or open reads in Settings → Access)" : "log in, or send Authorization: Bearer <token> (tokens are made on the page)" }),
			headers: { "WWW-Authenticate": 'Bearer realm="twc-master"' },
		};
	}

	/** The caller a request authenticates as: its session, its token, or an open address. */
	caller(request: HttpRequest): Caller {
		if (request.remoteAddress === undefined) return { kind: "internal" };
		const session = cookie(request, SESSION_COOKIE);
		if (session !== undefined) {
			const key = sha256Hex(session);
			const ends = this.#sessions.get(key);
			if (ends !== undefined) {
				if (ends > this.#options.clock.now()) return { kind: "session" };
				this.#sessions.delete(key);
			}
		}
		const authorization = request.headers.get("authorization") ?? "";
		const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
		if (bearer !== null) {
			const hash = sha256Hex(bearer[1]);
			for (const token of this.#doc.tokens) if (sameText(token.hash, hash)) return { kind: "token", tokenName: token.name };
		}
		const d = this.#doc;
		if (d.openTo === "everyone") return { kind: "open" };
		if (d.openTo === "addresses" && d.openAddresses.includes(plainAddress(request.remoteAddress))) return { kind: "open" };
		return undefined;
	}

	/** Checks `password`, rate-limited per address: a session id, or why not (and the status). */
	login(password: string, address: string): { session: string } | { status: number; error: string; retryAfterS?: number } {
		const now = this.#options.clock.now();
		const wait = Math.max(this.#waitLeft(address, now), this.#waitLeft("*", now));
		if (wait > 0) {
			const s = Math.ceil(wait / 1000);
			return { status: 429, error: `too many wrong passwords: try again in ${s} s`, retryAfterS: s };
		}
		if (this.#doc.password === undefined) return { status: 403, error: "no password is set yet: set one first (POST /api/v1/auth/password)" };
		if (!this.#matches(password)) {
			this.#fail(address, now, FREE_FAILURES);
			this.#fail("*", now, GLOBAL_FREE_FAILURES);
			this.#options.log.write("warn", "auth", `wrong password from ${address}`);
			return { status: 401, error: "wrong password" };
		}
		this.#failures.delete(address);
		return { session: this.#newSession(now) };
	}

	logout(request: HttpRequest): void {
		const session = cookie(request, SESSION_COOKIE);
		if (session !== undefined) this.#sessions.delete(sha256Hex(session));
	}

	/**
	 * Sets the password: the first one by anyone (first run), later only with the current one.
	 * Every session ends; the answer is a fresh session for the caller.
	 */
	setPassword(password: unknown, current: unknown, address: string): { session: string } | { status: number; error: string; retryAfterS?: number } {
		if (typeof password !== "string") return { status: 400, error: `password: must be text of ${MIN_PASSWORD} to ${MAX_PASSWORD} characters` };
		if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
			return { status: 400, error: `password: ${MIN_PASSWORD} to ${MAX_PASSWORD} characters (got ${password.length})` };
		}
		if (this.#doc.password !== undefined) {
			const checked = this.login(typeof current === "string" ? current : "", address);
			if (!("session" in checked)) return checked.status === 401 ? { status: 401, error: "current: the current password is wrong" } : checked;
		}
		const salt = this.#bytes(16);
		const previous = this.#doc.password;
		this.#doc.password = { salt: toHex(salt), hash: toHex(pbkdf2Sha256(utf8(password), salt, this.#iterations)), iterations: this.#iterations };
		const saved = this.#save();
		if (saved !== undefined) {
			this.#doc.password = previous;
			return { status: 500, error: `password NOT saved: ${saved}` };
		}
		this.#sessions.clear();
		this.#options.log.write("info", "auth", previous === undefined ? "password set" : "password changed");
		return { session: this.#newSession(this.#options.clock.now()) };
	}

	tokens(): { id: string; name: string; createdMs: number }[] {
		return this.#doc.tokens.map((t) => ({ id: t.id, name: t.name, createdMs: t.createdMs }));
	}

	/** A new token: the only time its text is shown. */
	createToken(name: unknown): { id: string; name: string; token: string } | { status: number; error: string } {
		if (typeof name !== "string" || name.trim() === "" || name.length > 40) return { status: 400, error: "name: 1 to 40 characters saying who uses the token (e.g. \"Home Assistant\")" };
		if (this.#doc.tokens.length >= MAX_TOKENS) return { status: 400, error: `at most ${MAX_TOKENS} tokens: delete one first` };
		const token = toHex(this.#bytes(20));
		const id = toHex(this.#bytes(4));
		this.#doc.tokens.push({ id, name: name.trim(), hash: sha256Hex(token), createdMs: this.#options.clock.now() });
		const saved = this.#save();
		if (saved !== undefined) {
			this.#doc.tokens.pop();
			return { status: 500, error: `token NOT saved: ${saved}` };
		}
		return { id, name: name.trim(), token };
	}

	deleteToken(id: unknown): string | undefined {
		const at = this.#doc.tokens.findIndex((t) => t.id === id);
		if (at < 0) return `no token with id ${JSON.stringify(id)}`;
		const [removed] = this.#doc.tokens.splice(at, 1);
		const saved = this.#save();
		if (saved !== undefined) {
			this.#doc.tokens.splice(at, 0, removed);
			return `NOT deleted: ${saved}`;
		}
		return undefined;
	}

	/** Changes the access settings (a patch); errors name the field, nothing changes then. */
	setAccess(patch: Record<string, unknown>): string[] {
		const errors: string[] = [];
		const next = this.access;
		for (const key of Object.keys(patch)) {
			const value = patch[key];
			if (key === "openReads") {
				if (typeof value === "boolean") next.openReads = value;
				else errors.push(`openReads: true or false (got ${JSON.stringify(value)})`);
			} else if (key === "openTo") {
				if (value === "nobody" || value === "addresses" || value === "everyone") next.openTo = value;
				else errors.push(`openTo: "nobody", "addresses" or "everyone" (got ${JSON.stringify(value)})`);
			} else if (key === "openAddresses") {
				const list = typeof value === "string" ? value.split(/[\s,]+/).filter((a) => a !== "") : value;
				if (!Array.isArray(list) || list.length > 16 || !list.every((a) => typeof a === "string" && isIpAddress(a))) {
					errors.push(`openAddresses: up to 16 IP addresses such as "192.168.1.20" (got ${JSON.stringify(value).slice(0, 80)})`);
				} else next.openAddresses = list.map((a: string) => plainAddress(a));
			} else errors.push(`${key}: not an access setting (openReads, openTo, openAddresses)`);
		}
		if (errors.length > 0) return errors;
		const before = this.access;
		this.#doc.openReads = next.openReads;
		this.#doc.openTo = next.openTo;
		this.#doc.openAddresses = next.openAddresses;
		const saved = this.#save();
		if (saved !== undefined) {
			this.#doc.openReads = before.openReads;
			this.#doc.openTo = before.openTo;
			this.#doc.openAddresses = before.openAddresses;
			return [`NOT saved: ${saved}`];
		}
		this.#options.log.write("info", "auth", `access: open reads ${next.openReads ? "on" : "off"}, open to ${next.openTo}${next.openTo === "addresses" ? ` (${next.openAddresses.join(", ")})` : ""}`);
		return [];
	}

	#names(): string[] {
		return ["localhost", ...(this.#options.names?.() ?? [])];
	}

	#ownHost(name: string): boolean {
		if (isIpAddress(name)) return true;
		const lower = name.toLowerCase().replace(/\.$/, "");
		return this.#names().some((n) => n.toLowerCase() === lower);
	}

	/** Why a change request comes from another site, or undefined. */
	#crossSite(request: HttpRequest): string | undefined {
		const site = request.headers.get("sec-fetch-site");
		if (site === "cross-site" || site === "same-site") return `refused: a change requested by another site (Sec-Fetch-Site: ${site})`;
		const origin = request.headers.get("origin");
		if (origin === undefined) return undefined;
		const match = /^https?:\/\/(\[[^\]]+\]|[^/:]+)(:\d+)?$/i.exec(origin.trim());
		if (match === null || !this.#ownHost(match[1])) return `refused: a change requested from another origin (${origin.slice(0, 80)})`;
		return undefined;
	}

	#matches(password: string): boolean {
		const stored = this.#doc.password;
		const salt = stored === undefined ? undefined : fromHex(stored.salt);
		if (stored === undefined || salt === undefined) return false;
		return sameText(toHex(pbkdf2Sha256(utf8(password), salt, stored.iterations)), stored.hash);
	}

	#waitLeft(key: string, now: number): number {
		const entry = this.#failures.get(key);
		return entry === undefined ? 0 : Math.max(0, entry.until - now);
	}

	#fail(key: string, now: number, free: number): void {
		const entry = this.#failures.get(key) ?? { count: 0, until: 0 };
		entry.count++;
		if (entry.count >= free) entry.until = now + Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (entry.count - free));
		this.#failures.delete(key);
		this.#failures.set(key, entry);
		// Bounded: the oldest addresses go first (the global entry is rewritten on every failure).
		while (this.#failures.size > 64) this.#failures.delete(this.#failures.keys().next().value as string);
	}

	#newSession(now: number): string {
		const id = toHex(this.#bytes(24));
		this.#sessions.set(sha256Hex(id), now + SESSION_MS);
		while (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
		return id;
	}

	#bytes(n: number): Uint8Array {
		const out = new Uint8Array(n);
		for (let i = 0; i < n; i++) out[i] = Math.floor(this.#options.random.next() * 256) & 255;
		return out;
	}

	#load(): AuthDocument {
		const d = this.#options.defaults ?? {};
		const fresh: AuthDocument = {
			version: 1,
			tokens: [],
			openReads: d.openReads ?? false,
			openTo: d.openTo ?? "nobody",
			openAddresses: d.openAddresses ? [...d.openAddresses] : [],
		};
		const storage = this.#options.storage;
		if (storage === undefined) return fresh;
		for (const [which, text] of [["document", safeRead(() => storage.read(AUTH_DOCUMENT))], ["backup", safeRead(() => storage.readBackup(AUTH_DOCUMENT))]] as const) {
			if (text === undefined) continue;
			const parsed = parseDocument(text);
			if (typeof parsed !== "string") return parsed;
			this.#options.log.write("error", "auth", `the stored ${which} "${AUTH_DOCUMENT}" is unusable (${parsed})`);
		}
		return fresh;
	}

	/** Writes the document and its backup; an error text when it could not. */
	#save(): string | undefined {
		const storage = this.#options.storage;
		if (storage === undefined) return undefined;
		const d = this.#doc;
		// Copied field by field (never stringify a frozen or module-level object on XS).
		const copy: Record<string, unknown> = {
			version: 1,
			openReads: d.openReads,
			openTo: d.openTo,
			openAddresses: [...d.openAddresses],
			tokens: d.tokens.map((t) => ({ id: t.id, name: t.name, hash: t.hash, createdMs: t.createdMs })),
		};
		if (d.password !== undefined) copy.password = { salt: d.password.salt, hash: d.password.hash, iterations: d.password.iterations };
		const text = JSON.stringify(copy);
		try {
			storage.write(AUTH_DOCUMENT, text);
			storage.writeBackup(AUTH_DOCUMENT, text);
		} catch (error) {
			this.#options.log.write("error", "auth", `cannot store "${AUTH_DOCUMENT}": ${String(error)}`);
			return String(error);
		}
		return undefined;
	}
}

function safeRead(read: () => string | undefined): string | undefined {
	try {
		return read();
	} catch {
		return undefined;
	}
}

function parseDocument(text: string): AuthDocument | string {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return "not JSON";
	}
	if (typeof value !== "object" || value === null) return "not an object";
	const v = value as Record<string, unknown>;
	const doc: AuthDocument = {
		version: 1,
		openReads: v.openReads === true,
		openTo: v.openTo === "addresses" || v.openTo === "everyone" ? v.openTo : "nobody",
		openAddresses: Array.isArray(v.openAddresses) ? v.openAddresses.filter((a): a is string => typeof a === "string") : [],
		tokens: [],
	};
	const p = v.password as Record<string, unknown> | undefined;
	if (p !== undefined) {
		if (typeof p !== "object" || p === null || typeof p.salt !== "string" || typeof p.hash !== "string" || typeof p.iterations !== "number") return "password entry is damaged";
		doc.password = { salt: p.salt, hash: p.hash, iterations: p.iterations };
	}
	if (Array.isArray(v.tokens)) {
		for (const t of v.tokens as Record<string, unknown>[]) {
			if (typeof t?.id === "string" && typeof t.name === "string" && typeof t.hash === "string") doc.tokens.push({ id: t.id, name: t.name, hash: t.hash, createdMs: Number(t.createdMs) || 0 });
		}
	}
	return doc;
}

/** "host:port", "[::1]:8080" → the name or address alone. */
export function hostName(host: string): string {
	const text = host.trim();
	if (text.startsWith("[")) {
		const end = text.indexOf("]");
		return end < 0 ? text : text.slice(1, end);
	}
	const colon = text.indexOf(":");
	return colon < 0 ? text : text.slice(0, colon);
}

/** "::ffff:127.0.0.1" (IPv4 as Node reports it on an IPv6 socket) → "127.0.0.1". */
export function plainAddress(address: string): string {
	return address.toLowerCase().startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address.toLowerCase();
}

export function isIpAddress(text: string): boolean {
	if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text)) return text.split(".").every((n) => Number(n) <= 255);
	return text.includes(":") && /^[0-9a-f:.]+(%[\w.-]+)?$/i.test(text);
}

function cookie(request: HttpRequest, name: string): string | undefined {
	const header = request.headers.get("cookie");
	if (header === undefined) return undefined;
	for (const part of header.split(";")) {
		const eq = part.indexOf("=");
		if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
	}
	return undefined;
}

/** Set-Cookie for a session (no `Secure`: the device serves plain HTTP on the home network). */
export function sessionCookie(session: string | undefined): string {
	return session === undefined
		? `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
		: `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
}

/** The classes of routes whose class is not the default (GET read, others write). */
export const ROUTE_ACCESS: readonly (readonly [string, string, Access])[] = [
	["GET", "/", "open"],
	["GET", "/setup", "open"], // the device's setup page checks its own password
	["POST", "/setup", "open"],
	["GET", "/api/v1/auth", "open"],
	["POST", "/api/v1/auth/login", "open"],
	["POST", "/api/v1/auth/logout", "open"],
	["POST", "/api/v1/auth/password", "open"], // checks the current password itself
	// Settings are behind the password even when reads are open.
	["GET", "/api/getConfig", "write"],
	["GET", "/api/v1/config", "write"],
	["GET", "/api/v1/settings", "write"],
	["GET", "/api/v1/auth/tokens", "write"],
];

/** Installs the guard and the auth routes on `router`. */
export function addAuth(router: Router, auth: Auth): void {
	for (const [method, path, access] of ROUTE_ACCESS) router.setAccess(method, path, access);
	router.setGuard((request, access) => auth.check(request, access));
	/** A route taking a small JSON object body. */
	const withBody = (handler: (request: HttpRequest, data: Record<string, unknown>) => HttpResponse) => (request: HttpRequest): HttpResponse => {
		if (request.body.length > 4096) return json(413, { error: `request body larger than 4096 bytes` });
		const parsed = parseJsonBody(request.body === "" ? "{}" : request.body);
		return parsed.ok ? handler(request, parsed.value) : json(400, { error: parsed.error });
	};
	const address = (request: HttpRequest) => plainAddress(request.remoteAddress ?? "internal");
	const loggedIn = (status: number, session: string, extra: Record<string, unknown> = {}): HttpResponse => ({
		...json(status, { loggedIn: true, ...extra }),
		headers: { "Set-Cookie": sessionCookie(session), "Cache-Control": "no-store" },
	});
	const refused = (r: { status: number; error: string; retryAfterS?: number }): HttpResponse => ({
		...json(r.status, { error: r.error }),
		headers: r.retryAfterS === undefined ? {} : { "Retry-After": String(r.retryAfterS) },
	});

	router.get("/api/v1/auth", (request) => {
		const caller = auth.caller(request);
		const info: Record<string, unknown> = {
			passwordSet: auth.passwordSet,
			loggedIn: caller !== undefined,
			as: caller?.kind ?? null,
			openReads: auth.access.openReads,
			openTo: auth.access.openTo,
			warning: auth.openWarning ?? null,
		};
		// Who else is let in is for those already in.
		if (caller !== undefined) info.openAddresses = auth.access.openAddresses;
		return json(200, info);
	});
	router.post("/api/v1/auth/login", withBody((request, data) => {
		const result = auth.login(typeof data.password === "string" ? data.password : "", address(request));
		return "session" in result ? loggedIn(200, result.session) : refused(result);
	}));
	router.post("/api/v1/auth/logout", (request) => {
		auth.logout(request);
		return { ...json(200, { loggedIn: false }), headers: { "Set-Cookie": sessionCookie(undefined) } };
	});
	router.post("/api/v1/auth/password", withBody((request, data) => {
		const first = !auth.passwordSet;
		const result = auth.setPassword(data.password, data.current, address(request));
		return "session" in result ? loggedIn(first ? 201 : 200, result.session, { passwordSet: true }) : refused(result);
	}));
	router.get("/api/v1/auth/tokens", () => json(200, { tokens: auth.tokens() }));
	router.post("/api/v1/auth/tokens", withBody((request, data) => {
		const made = auth.createToken(data.name);
		return "token" in made ? json(201, { ...made, note: "shown only now: copy it into the client (Authorization: Bearer <token>)" }) : json(made.status, { error: made.error });
	}));
	router.post("/api/v1/auth/tokens/delete", withBody((request, data) => {
		const error = auth.deleteToken(data.id);
		return error === undefined ? json(200, { tokens: auth.tokens() }) : json(error.startsWith("NOT") ? 500 : 404, { error });
	}));
	router.post("/api/v1/auth/access", withBody((request, data) => {
		const errors = auth.setAccess(data);
		if (errors.length > 0) return json(errors[0].startsWith("NOT") ? 500 : 400, { error: errors.join("; "), errors });
		return json(200, { ...auth.access, warning: auth.openWarning ?? null });
	}));
}
