import test from "ava";
import { WifiPolicy, type WifiCredentials } from "../../../src/device/wifi-policy.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";

/** A simulated radio: records what the policy asks, at which virtual time. */
function world(options: { failConnect?: boolean } = {}) {
	const clock = new VirtualClock(0);
	const calls: { at: number; what: string }[] = [];
	const lines: string[] = [];
	const log: Log = { write: (level: LogLevel, topic: string, message: string) => void lines.push(`${level} ${topic}: ${message}`) };
	const policy = new WifiPolicy({
		clock,
		log,
		actions: {
			connect: (c: WifiCredentials) => {
				calls.push({ at: clock.now(), what: `connect ${c.ssid}` });
				if (options.failConnect) throw new Error("radio busy");
			},
			disconnect: () => void calls.push({ at: clock.now(), what: "disconnect" }),
			startAccessPoint: () => void calls.push({ at: clock.now(), what: "ap on" }),
			stopAccessPoint: () => void calls.push({ at: clock.now(), what: "ap off" }),
		},
	});
	const connects = () => calls.filter((c) => c.what.startsWith("connect")).map((c) => c.at);
	return { clock, policy, calls, lines, connects };
}

/** The fields of `actual` that `expected` names (t.like is not in the XS shim). */
function pick(actual: object, expected: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(expected)) out[key] = (actual as Record<string, unknown>)[key];
	return out;
}

const HOME = { ssid: "home", password: "secret-password" };

test("first boot without a network: the setup access point at once, and it stays open", (t) => {
	const { clock, policy, calls } = world();
	policy.start(undefined);
	t.is(policy.status.mode, "accessPoint");
	t.is(policy.status.reason, "no network configured");
	t.deepEqual(calls, [{ at: 0, what: "ap on" }]);
	clock.advance(3 * 60 * 60_000);
	t.deepEqual(calls, [{ at: 0, what: "ap on" }], "nothing else to try: the access point stays");
	t.is(policy.status.mode, "accessPoint");
});

test("a network that never answers: retries after 1, 2, 4 … 60 s, then the access point after 5 minutes", (t) => {
	const { clock, policy, connects, calls } = world();
	policy.start(HOME);
	t.is(policy.status.mode, "connecting");
	// Each attempt fails at once (the radio reports "disconnect").
	const fail = () => {
		if (policy.status.mode === "connecting") policy.disconnected("wrong password?");
	};
	fail();
	for (let step = 0; step < 400; step++) {
		clock.advance(1000);
		fail();
	}
	const at = connects();
	const gaps = at.slice(1).map((time, i) => time - at[i]);
	t.deepEqual(gaps.slice(0, 7), [1000, 2000, 4000, 8000, 16000, 32000, 60000], "doubling pauses, capped at 60 s");
	t.true(gaps.every((gap) => gap <= 60_000));
	t.true(at.every((time) => time < 5 * 60_000), "no attempt after the access point opened");
	const apOn = calls.find((c) => c.what === "ap on");
	t.is(apOn?.at, 5 * 60_000, "access point exactly 5 minutes after the start");
	t.is(policy.status.mode, "accessPoint");
	t.is(policy.status.reason, "no network for 5 minutes");
});

test("an attempt that brings no IP address fails after 30 s and is retried", (t) => {
	const { clock, policy, connects, calls } = world();
	policy.start(HOME);
	clock.advance(30_000);
	t.is(policy.status.mode, "waiting");
	t.regex(policy.status.reason ?? "", /no IP address within 30 s/);
	t.true(calls.some((c) => c.what === "disconnect" && c.at === 30_000), "the stuck attempt is stopped");
	clock.advance(1000);
	t.deepEqual(connects(), [0, 31_000]);
});

test("joined: the status shows the address; a lost network is retried from 1 s and the 5 minutes count from the loss", (t) => {
	const { clock, policy, connects, calls } = world();
	policy.start(HOME);
	clock.advance(2000);
	policy.connected("192.168.1.40", -61);
	t.deepEqual(pick(policy.status, { mode: "connected", ssid: "home", ip: "192.168.1.40", rssi: -61, since: 2000, failures: 0 }), { mode: "connected", ssid: "home", ip: "192.168.1.40", rssi: -61, since: 2000, failures: 0 });
	clock.advance(60 * 60_000); // an hour connected: no access point
	t.false(calls.some((c) => c.what === "ap on"));
	const lostAt = clock.now();
	policy.disconnected("beacon timeout");
	t.is(policy.status.mode, "waiting");
	t.is(policy.status.ip, undefined);
	t.is(policy.status.offlineSince, lostAt);
	clock.advance(1000);
	t.is(connects().at(-1), lostAt + 1000, "first retry after 1 s");
	// The router stays away: access point 5 minutes after the loss, not after the start.
	for (let i = 0; i < 300; i++) {
		clock.advance(1000);
		if (policy.status.mode === "connecting") policy.disconnected("no AP found");
	}
	t.is(calls.find((c) => c.what === "ap on")?.at, lostAt + 5 * 60_000);
});

test("a network that comes back within 5 minutes is joined and no access point opens", (t) => {
	const { clock, policy, calls } = world();
	policy.start(HOME);
	for (let i = 0; i < 200; i++) {
		clock.advance(1000);
		if (policy.status.mode === "connecting") {
			if (clock.now() >= 150_000) policy.connected("10.0.0.7");
			else policy.disconnected("no AP found");
		}
	}
	t.is(policy.status.mode, "connected");
	clock.advance(10 * 60_000);
	t.false(calls.some((c) => c.what === "ap on"));
});

test("access point after an outage: back to station mode after 5 minutes unless a phone is attached", (t) => {
	const { clock, policy, calls, connects } = world();
	policy.start(HOME);
	for (let i = 0; i < 300; i++) {
		clock.advance(1000);
		if (policy.status.mode === "connecting") policy.disconnected("no AP found");
	}
	t.is(policy.status.mode, "accessPoint");
	const opened = clock.now();
	policy.apClients(1); // a phone joins the setup network
	clock.advance(5 * 60_000);
	t.is(policy.status.mode, "accessPoint", "stays while the phone is attached");
	policy.apClients(0);
	clock.advance(5 * 60_000);
	t.is(policy.status.mode, "connecting", "nobody attached: station mode again");
	const apOff = calls.find((c) => c.what === "ap off");
	t.is(apOff?.at, opened + 10 * 60_000);
	t.is(connects().at(-1), opened + 10 * 60_000);
	policy.connected("10.0.0.9");
	t.is(policy.status.mode, "connected");
});

test("after setup: from the access point back to station mode with the new network", (t) => {
	const { clock, policy, calls } = world();
	policy.start(undefined);
	clock.advance(60_000);
	policy.configure({ ssid: "new-net", password: "another-password" });
	t.deepEqual(
		calls.map((c) => c.what),
		["ap on", "ap off", "connect new-net"],
	);
	t.is(policy.status.mode, "connecting");
	t.is(policy.status.ssid, "new-net");
	policy.connected("192.168.4.20");
	t.deepEqual(pick(policy.status, { mode: "connected", ip: "192.168.4.20", since: 60_000 }), { mode: "connected", ip: "192.168.4.20", since: 60_000 });
});

test("a radio that throws does not stop the policy: logged, and retried later", (t) => {
	const { clock, policy, connects, lines } = world({ failConnect: true });
	policy.start(HOME);
	t.is(policy.status.mode, "waiting");
	clock.advance(1000 + 2000);
	t.deepEqual(connects(), [0, 1000, 3000]);
	t.true(lines.some((line) => line.includes("could not join \"home\": Error: radio busy")));
});

test("late news from a stopped attempt is ignored while the access point is open", (t) => {
	const { clock, policy } = world();
	policy.start(HOME);
	clock.advance(5 * 60_000);
	t.is(policy.status.mode, "accessPoint");
	policy.connected("10.1.1.1");
	policy.disconnected("late");
	t.is(policy.status.mode, "accessPoint");
	t.is(policy.status.ip, undefined);
});
