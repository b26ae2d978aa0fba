/**
 * The password guard (issue 12, item 2) on a Router, as a client on the network sees it: which
 * routes need the password, first-run setup, sessions, bearer tokens, Host/Origin checks, the login
 * rate limit, open reads and open addresses, and that no secret is stored in clear or served back.
 * Runs under Node and XS.
 */
import test from "ava";
import { sha256, hmacSha256, pbkdf2Sha256, sha256Hex, toHex, utf8 } from "../../../src/api/auth-crypto.js";
import { addAuth, Auth, AUTH_DOCUMENT, type AuthOptions } from "../../../src/api/auth.js";
import { EventHub, frame } from "../../../src/api/events.js";
import { json, Router } from "../../../src/api/router.js";
import type { HttpRequest, HttpResponse, ResponseStream } from "../../../src/platform/http-server.js";
import { silentLog } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { MemoryStorage } from "../support/app-world.js";

const PASSWORD = "correct horse";

function setup(options: Partial<AuthOptions> = {}) {
	const clock = new VirtualClock(1_800_000_000_000);
	const storage = new MemoryStorage();
	const router = new Router(silentLog);
	const auth = new Auth({ clock, log: silentLog, random: seededRandom(1), storage, names: () => ["twc-1a2b.local"], ...options });
	addAuth(router, auth);
	let charged = 0;
	router.get("/api/getStatus", () => json(200, { ok: true }));
	router.post("/api/chargeNow", () => {
		charged++;
		return json(200, { status: "success" });
	});
	router.get("/api/v1/settings", () => json(200, { secret: "settings" }));
	const send = (method: string, path: string, body: unknown = undefined, headers: Record<string, string> = {}, from = "192.168.1.50"): HttpResponse =>
		router.handle({
			method,
			path,
			query: new Map(),
			headers: new Map(Object.entries({ host: "192.168.1.10", ...headers })),
			body: body === undefined ? "" : JSON.stringify(body),
			remoteAddress: from,
		});
	const cookieOf = (r: HttpResponse) => /twc_session=([^;]*)/.exec(r.headers?.["Set-Cookie"] ?? "")?.[1] ?? "";
	return { clock, storage, router, auth, send, cookieOf, charged: () => charged };
}

const body = (r: HttpResponse) => JSON.parse(r.body ?? "{}");

test("SHA-256, HMAC and PBKDF2 give the published test vectors", (t) => {
	t.is(toHex(sha256(utf8(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	t.is(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	t.is(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	t.is(toHex(utf8("é€😀")), "c3a9e282acf09f9880");
	// RFC 4231 case 2.
	t.is(toHex(hmacSha256(utf8("Jefe"), utf8("what do ya want for nothing?"))), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	// RFC 7914 §11 (PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1), first 32 bytes.
	t.is(toHex(pbkdf2Sha256(utf8("passwd"), utf8("salt"), 1)), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
	t.is(toHex(pbkdf2Sha256(utf8("password"), utf8("salt"), 2)), "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
});

test("before a password is set only the open routes answer; the first password is set by the API", (t) => {
	const { send, cookieOf, storage } = setup();
	t.is(send("GET", "/api/getStatus").status, 403);
	t.regex(body(send("POST", "/api/chargeNow", {})).error, /no password is set yet/);
	t.like(body(send("GET", "/api/v1/auth")), { passwordSet: false, loggedIn: false });
	t.is(send("POST", "/api/v1/auth/password", { password: "short" }).status, 400);
	const set = send("POST", "/api/v1/auth/password", { password: PASSWORD });
	t.is(set.status, 201);
	const cookie = set.headers?.["Set-Cookie"] ?? "";
	t.regex(cookie, /HttpOnly/);
	t.regex(cookie, /SameSite=Strict/);
	t.is(send("POST", "/api/chargeNow", {}, { cookie: `twc_session=${cookieOf(set)}` }).status, 200);
	// Stored salted and hashed, never in clear.
	const stored = storage.documents.get(AUTH_DOCUMENT) ?? "";
	t.false(stored.includes(PASSWORD));
	t.regex(stored, /"salt":"[0-9a-f]{32}"/);
	// A second "first" password needs the current one.
	t.is(send("POST", "/api/v1/auth/password", { password: "another password" }).status, 401);
});

test("every change and the settings need the password; status only when reads are open", (t) => {
	const { send, auth, charged } = setup();
	auth.setPassword(PASSWORD, undefined, "x");
	const refused = send("POST", "/api/chargeNow", {});
	t.is(refused.status, 401);
	t.regex(refused.headers?.["WWW-Authenticate"] ?? "", /Bearer/);
	t.is(charged(), 0, "the handler never ran");
	t.is(send("GET", "/api/getStatus").status, 401);
	t.deepEqual(auth.setAccess({ openReads: true }), []);
	t.is(send("GET", "/api/getStatus").status, 200);
	t.is(send("GET", "/api/v1/settings").status, 401, "settings stay closed with open reads");
	t.is(send("POST", "/api/chargeNow", {}).status, 401);
	// 404, 405 and OPTIONS are unchanged.
	t.is(send("GET", "/nope").status, 404);
	t.is(send("GET", "/api/chargeNow").status, 405);
	t.is(send("OPTIONS", "/api/chargeNow").status, 204);
	// HEAD is judged as the GET it stands for.
	t.is(send("HEAD", "/api/v1/settings").status, 401);
});

test("login: session cookie, wrong passwords rate-limited with a growing wait", (t) => {
	const { send, cookieOf, clock, auth } = setup();
	auth.setPassword(PASSWORD, undefined, "x");
	for (let i = 0; i < 5; i++) t.is(send("POST", "/api/v1/auth/login", { password: "wrong" }).status, 401);
	const locked = send("POST", "/api/v1/auth/login", { password: PASSWORD });
	t.is(locked.status, 429, "even the right password waits");
	t.is(locked.headers?.["Retry-After"], "60");
	clock.advance(61_000);
	t.is(send("POST", "/api/v1/auth/login", { password: "wrong" }).status, 401);
	t.is(send("POST", "/api/v1/auth/login", { password: PASSWORD }).headers?.["Retry-After"], "120", "the wait doubles");
	// Another address is not locked out by the first one's failures.
	const other = send("POST", "/api/v1/auth/login", { password: PASSWORD }, {}, "192.168.1.77");
	t.is(other.status, 200);
	t.is(send("GET", "/api/getStatus", undefined, { cookie: `a=b; twc_session=${cookieOf(other)}` }).status, 200);
	t.is(send("GET", "/api/getStatus", undefined, { cookie: "twc_session=forged" }).status, 401);
	// Logged out: the cookie no longer works.
	send("POST", "/api/v1/auth/logout", {}, { cookie: `twc_session=${cookieOf(other)}` });
	t.is(send("GET", "/api/getStatus", undefined, { cookie: `twc_session=${cookieOf(other)}` }).status, 401);
});

test("bearer tokens: made logged in, shown once, stored hashed, deleted", (t) => {
	const { send, cookieOf, storage, auth } = setup();
	const cookie = `twc_session=${cookieOf(send("POST", "/api/v1/auth/password", { password: PASSWORD }))}`;
	t.is(send("POST", "/api/v1/auth/tokens", { name: "HA" }).status, 401);
	const made = body(send("POST", "/api/v1/auth/tokens", { name: "Home Assistant" }, { cookie }));
	t.regex(made.token, /^[0-9a-f]{40}$/);
	t.false((storage.documents.get(AUTH_DOCUMENT) ?? "").includes(made.token));
	t.is(send("POST", "/api/chargeNow", {}, { authorization: `Bearer ${made.token}` }).status, 200);
	t.is(send("POST", "/api/chargeNow", {}, { authorization: "Bearer 00" }).status, 401);
	const listed = send("GET", "/api/v1/auth/tokens", undefined, { cookie });
	t.false((listed.body ?? "").includes(made.token), "the list never shows a token");
	t.deepEqual(body(listed).tokens.map((x: { name: string }) => x.name), ["Home Assistant"]);
	t.is(send("POST", "/api/v1/auth/tokens/delete", { id: made.id }, { cookie }).status, 200);
	t.is(send("POST", "/api/chargeNow", {}, { authorization: `Bearer ${made.token}` }).status, 401);
	// Survives a restart: a new Auth on the same storage knows the password.
	const again = new Auth({ clock: new VirtualClock(0), log: silentLog, random: seededRandom(2), storage });
	t.true(again.passwordSet);
	t.false(auth.openWarning !== undefined);
});

test("a foreign Host (DNS rebinding) and a cross-site Origin (CSRF) are refused", (t) => {
	const { send, cookieOf } = setup();
	const cookie = `twc_session=${cookieOf(send("POST", "/api/v1/auth/password", { password: PASSWORD }))}`;
	t.is(send("GET", "/api/getStatus", undefined, { cookie, host: "evil.example:8080" }).status, 403);
	t.is(send("GET", "/api/getStatus", undefined, { cookie, host: "twc-1a2b.local" }).status, 200);
	t.is(send("GET", "/api/getStatus", undefined, { cookie, host: "[fe80::1]:80" }).status, 200);
	const csrf = send("POST", "/api/chargeNow", {}, { cookie, origin: "http://evil.example" });
	t.is(csrf.status, 403);
	t.regex(body(csrf).error, /another origin/);
	t.is(send("POST", "/api/chargeNow", {}, { cookie, "sec-fetch-site": "cross-site" }).status, 403);
	t.is(send("POST", "/api/v1/auth/login", { password: PASSWORD }, { origin: "http://evil.example" }).status, 403);
	t.is(send("POST", "/api/chargeNow", {}, { cookie, origin: "http://192.168.1.10:8080" }).status, 200);
});

test("open to given addresses or everyone: TWCManager's clients work without a token, with a warning", (t) => {
	const { send, auth } = setup({ defaults: { openTo: "addresses", openAddresses: ["127.0.0.1", "::1"] } });
	t.is(send("POST", "/api/chargeNow", {}, {}, "::ffff:127.0.0.1").status, 200, "the demo: loopback is open");
	t.is(send("POST", "/api/chargeNow", {}, {}, "192.168.1.50").status, 403, "others: no password yet");
	t.regex(body(send("GET", "/api/v1/auth")).warning, /open without a password to 127\.0\.0\.1, ::1/);
	t.deepEqual(auth.setAccess({ openTo: "sometimes" }), ['openTo: "nobody", "addresses" or "everyone" (got "sometimes")']);
	t.deepEqual(auth.setAccess({ openTo: "everyone" }), []);
	t.is(send("POST", "/api/chargeNow", {}, {}, "10.0.0.9").status, 200);
	t.regex(auth.openWarning ?? "", /open to everyone/);
	t.is(send("POST", "/api/v1/auth/access", { openAddresses: ["not an address"] }).status, 400);
});

test("requests from inside the program (no remote address) pass: the webhook status", (t) => {
	const { router, auth } = setup();
	auth.setPassword(PASSWORD, undefined, "x");
	const inside: HttpRequest = { method: "GET", path: "/api/getStatus", query: new Map(), headers: new Map(), body: "" };
	t.is(router.handle(inside).status, 200);
});

test("event stream: the state on connect and every interval, until the client leaves", (t) => {
	const clock = new VirtualClock(0);
	let n = 0;
	const hub = new EventHub({ clock, log: silentLog, snapshot: () => JSON.stringify({ n: ++n }), intervalMs: 1000, maxClients: 1 });
	const response = hub.respond();
	t.is(response.contentType, "text/event-stream");
	const written: string[] = [];
	let closed: (() => void) | undefined;
	const out: ResponseStream = { write: (text) => (written.push(text), true), end() {}, onClose: (cb) => (closed = cb) };
	response.stream!(out);
	t.regex(written[0], /^retry: 3000\n\nevent: state\ndata: \{"n":1\}\n\n$/);
	t.is(hub.respond().status, 503, "one stream at most here");
	clock.advance(1000);
	t.is(written[1], 'event: state\ndata: {"n":2}\n\n');
	closed!();
	clock.advance(5000);
	t.is(written.length, 2, "nothing after the client left");
	t.is(frame("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
});
