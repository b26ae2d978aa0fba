/**
 * The bus is visible when it is sick (issue: 246,000 bad frames in 20 s logged nothing and left
 * problems empty; a refused TCP converter showed nothing in /api/v1/state).
 */
import test from "ava";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { BUS_DOWN_PROBLEM_MS } from "../../../src/twc/bus-health.js";
import { encodeFrame } from "../../../src/twc/frame.js";
import { LISTEN_BEFORE_LINK_MS, Master, type MasterEvent } from "../../../src/twc/master.js";
import { encodeSlaveHeartbeat } from "../../../src/twc/messages.js";
import { ScriptedPort, ScriptedSlave } from "../support/scripted-bus.js";

class RecordingLog implements Log {
	readonly lines: { at: number; level: LogLevel; topic: string; message: string }[] = [];
	constructor(readonly clock: VirtualClock) {}
	write(level: LogLevel, topic: string, message: string): void {
		this.lines.push({ at: this.clock.now(), level, topic, message });
	}
}

function setup() {
	const clock = new VirtualClock();
	const port = new ScriptedPort(clock);
	const log = new RecordingLog(clock);
	const events: MasterEvent[] = [];
	const master = new Master({
		clock,
		log,
		port,
		offers: { offerFor: () => 16 },
		random: seededRandom(3),
		wiringMaxAmpsAllTWCs: 40,
		wiringMaxAmpsPerTWC: 32,
		onEvent: (e) => events.push(e),
	});
	return { clock, port, log, events, master };
}

test("a port that cannot be opened shows as down with its reason and attempts, and is a problem after 10 s", (t) => {
	const s = setup();
	const startedAt = s.clock.now();
	s.master.start();
	// The binding reports every failed attempt (a converter refusing connections), once a second.
	for (let i = 0; i < 5; i++) {
		s.port.status(false, "cannot connect to socket://127.0.0.1:4001: connection refused");
		s.clock.advance(1000);
	}
	let status = s.master.busStatus();
	t.is(status.state, "down");
	t.is(status.reason, "cannot connect to socket://127.0.0.1:4001: connection refused");
	t.is(status.reconnectAttempts, 4, "the first failure takes it down, the next four are reconnect attempts");
	t.is(status.since, startedAt);
	t.deepEqual(s.master.busProblems(), [], "not yet a problem: a reconnect may take a few seconds");
	for (let i = 0; i < 6; i++) {
		s.port.status(false, "cannot connect to socket://127.0.0.1:4001: connection refused");
		s.clock.advance(1000);
	}
	t.true(s.clock.now() - startedAt >= BUS_DOWN_PROBLEM_MS);
	const problems = s.master.busProblems();
	t.is(problems.length, 1);
	t.regex(problems[0], /the bus has been down for 11 s \(10 reconnect attempts\): cannot connect to socket:\/\/127\.0\.0\.1:4001: connection refused/);
	t.deepEqual(
		s.events.filter((e) => e.type === "port").map((e) => (e as { open: boolean }).open),
		[false],
		"one event for the change, not one per attempt",
	);
	// Back: up, no problem, attempts reset.
	s.port.status(true, "connected to 127.0.0.1:4001");
	s.clock.advance(100);
	status = s.master.busStatus();
	t.is(status.state, "up");
	t.is(status.reconnectAttempts, 0);
	t.deepEqual(s.master.busProblems(), []);
});

test("a noisy bus: damaged frames per minute in the state, a problem naming what to check, and one log summary a minute at most", (t) => {
	const s = setup();
	s.master.start();
	s.clock.advance(LISTEN_BEFORE_LINK_MS + 2000);
	t.is(s.master.busStatus().state, "unknown", "a port that never said anything");
	// A wiring fault: 2,000 damaged frames a second for five minutes.
	const good = encodeFrame(encodeSlaveHeartbeat(0x1234, 0x5555, 0, 0, 0, 2));
	const bad = good.slice();
	bad[5] ^= 0x01; // checksum no longer matches
	const burst = new Uint8Array(bad.length * 200);
	for (let i = 0; i < 200; i++) burst.set(bad, i * bad.length);
	for (let second = 0; second < 300; second++) {
		for (let i = 0; i < 10; i++) s.port.inject(burst);
		s.clock.advance(1000);
	}
	const status = s.master.busStatus();
	t.true(status.badFramesLastMinute >= 100_000, `bad frames in the last minute: ${status.badFramesLastMinute}`);
	t.true(status.noisy);
	const problems = s.master.busProblems();
	t.is(problems.length, 1);
	t.regex(problems[0], /the bus is noisy: \d+ damaged frames in the last minute/);
	t.regex(problems[0], /A\/B wiring, the termination, the ground and the baud rate \(9600\)/);
	const summaries = s.log.lines.filter((l) => l.topic === "bus");
	t.true(summaries.length >= 4 && summaries.length <= 6, `${summaries.length} summaries in 5 minutes`);
	for (let i = 1; i < summaries.length; i++) t.true(summaries[i].at - summaries[i - 1].at >= 60_000);
	t.regex(summaries[1].message, /^bus in the last minute: \d+ damaged frames/);
	t.is(summaries[1].level, "warn");
	// The noise stops: within a minute and a bit the bus is healthy again; one last summary of the
	// noise not yet told, then nothing.
	s.clock.advance(80_000);
	t.false(s.master.busStatus().noisy);
	t.deepEqual(s.master.busProblems(), []);
	const after = s.log.lines.filter((l) => l.topic === "bus").length;
	t.true(after - summaries.length <= 1);
	s.clock.advance(300_000);
	t.is(s.log.lines.filter((l) => l.topic === "bus").length, after, "a healthy bus logs nothing");
});

test("replies missed are counted per unit for the last minute", (t) => {
	const s = setup();
	s.master.start();
	s.clock.advance(LISTEN_BEFORE_LINK_MS + 600);
	let missing = false;
	new ScriptedSlave(s.port, s.clock, { id: 0x1001, draw: 10, misses: () => missing }).linkReady();
	new ScriptedSlave(s.port, s.clock, { id: 0x1002, draw: 10 }).linkReady();
	s.clock.advance(70_000);
	let units = s.master.busStatus().units;
	t.deepEqual(units.map((u) => u.repliesMissedLastMinute), [0, 0]);
	missing = true;
	s.clock.advance(20_000);
	missing = false;
	units = s.master.busStatus().units;
	t.is(units[0].twcId, "1001");
	t.true(units[0].repliesMissedLastMinute >= 15, `unit 1001 missed ${units[0].repliesMissedLastMinute}`);
	t.is(units[1].repliesMissedLastMinute, 0);
	t.true(s.master.busStatus().repliesMissedLastMinute >= 15);
	s.clock.advance(90_000);
	t.is(s.master.busStatus().units[0].repliesMissedLastMinute, 0, "a minute later it has healed");
	t.true(s.master.busStatus().units[0].repliesMissed >= 15, "the running count stays");
});
