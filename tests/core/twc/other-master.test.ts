/**
 * Another master on the bus (issue: two instances of this program on one bus, both with ID 7777,
 * held 52 A on a 40 A circuit and reported nothing). See src/twc/other-master.ts.
 */
import test from "ava";
import { allocate } from "../../../src/charge/allocation.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { encodeFrame } from "../../../src/twc/frame.js";
import { LISTEN_BEFORE_LINK_MS, Master, type MasterEvent, type OfferSource } from "../../../src/twc/master.js";
import { encodeMasterHeartbeat, encodeSlaveHeartbeat, type Message } from "../../../src/twc/messages.js";
import { OTHER_MASTER_HOLD_MS } from "../../../src/twc/other-master.js";
import type { SlaveRecord } from "../../../src/twc/slave.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { ScriptedPort, ScriptedSlave } from "../support/scripted-bus.js";

type Heartbeat = Extract<Message, { kind: "masterHeartbeat" }>;

class RecordingLog implements Log {
	readonly lines: { level: LogLevel; message: string }[] = [];
	write(level: LogLevel, _topic: string, message: string): void {
		this.lines.push({ level, message });
	}
	find(re: RegExp, level: LogLevel): unknown[] {
		return this.lines.filter((l) => l.level === level && re.test(l.message));
	}
}

function setup(total = 40, perTwc = 32) {
	const clock = new VirtualClock();
	const port = new ScriptedPort(clock);
	const events: MasterEvent[] = [];
	const log = new RecordingLog();
	let master: Master | undefined;
	// The charging logic wants equal shares of the whole total for the linked units (Charge Now).
	const offers: OfferSource = {
		offerFor(slave: SlaveRecord) {
			const claimants = master!.slaves.map((s) => ({ id: s.id, cap: Math.min(Math.floor(s.maxAmps), perTwc), min: 1, wants: true, hold: false }));
			return allocate(total, claimants).get(slave.id)?.amps ?? 0;
		},
	};
	master = new Master({ clock, log, port, offers, random: seededRandom(5), wiringMaxAmpsAllTWCs: total, wiringMaxAmpsPerTWC: perTwc, onEvent: (e) => events.push(e) });
	return { clock, port, master, events, log };
}

/** The limit last commanded to `id` on the wire (05/09), or undefined. */
function lastLimit(port: ScriptedPort, id: number): number | undefined {
	const limits = port.heartbeatsTo(id).filter((f) => [0x05, 0x09].includes((f.message as Heartbeat).command));
	const last = limits[limits.length - 1];
	return last ? (last.message as Heartbeat).centiamps / 100 : undefined;
}

/** Links two units drawing all they are offered; returns them once both hold 20 A. */
function twoCharging(s: ReturnType<typeof setup>) {
	s.master.start();
	s.clock.advance(LISTEN_BEFORE_LINK_MS + 600);
	const a = new ScriptedSlave(s.port, s.clock, { id: 0x1001, draw: 32 });
	const b = new ScriptedSlave(s.port, s.clock, { id: 0x1002, draw: 32 });
	a.linkReady();
	s.clock.advance(300);
	b.linkReady();
	s.clock.advance(10_000);
	return { a, b };
}

/** What a second controller with our ID does: heartbeats a unit, which answers (to "us"). */
function otherMasterHeartbeat(port: ScriptedPort, unit: number, amps: number): void {
	port.injectMessage(encodeMasterHeartbeat(0x7777, unit, 0x09, amps * 100));
	port.injectMessage(encodeSlaveHeartbeat(unit, 0x7777, 0x01, amps * 100, amps * 100, 2));
}

test("a heartbeat with our ID that we did not send is another master: reported once with the cure, limits held to an equal share of every unit on the bus, no raise, until 60 s after it is gone", (t) => {
	const s = setup();
	twoCharging(s);
	t.is(lastLimit(s.port, 0x1001), 20);
	t.is(lastLimit(s.port, 0x1002), 20);
	t.is(s.master.busProblems().length, 0);

	// Another controller with our ID drives a third unit for 30 s.
	for (let i = 0; i < 30; i++) {
		otherMasterHeartbeat(s.port, 0x1003, 32);
		s.clock.advance(1000);
	}
	const reports = s.events.filter((e) => e.type === "rivalMaster");
	t.is(reports.length, 1, "one report per episode, not one a second");
	const message = (reports[0] as { message: string }).message;
	t.regex(message, /our ID 7777/);
	t.regex(message, /only one master per bus/i);
	t.regex(message, /different masterId does not make two masters safe/);
	t.regex(message, /13 A \(3 units seen/);
	t.true(s.log.find(/our ID 7777/, "error").length >= 1, "in the log as an error");
	t.deepEqual(s.master.busProblems(), [message], "and in problems");
	t.is(s.master.rivalMaster?.sameId, true);
	// 40 A among the three units seen: 13 A each at most, for ours too.
	t.is(lastLimit(s.port, 0x1001), 13);
	t.is(lastLimit(s.port, 0x1002), 13);
	const status = s.master.busStatus();
	t.is(status.otherMaster?.shareAmps, 13);
	t.is(status.otherMaster?.unitsSeen, 3);

	// It goes away: the hold lasts 60 s after its last frame, then our units are raised again.
	s.clock.advance(OTHER_MASTER_HOLD_MS - 5000);
	t.is(lastLimit(s.port, 0x1001), 13, "still held within the minute");
	s.clock.advance(70_000);
	t.is(lastLimit(s.port, 0x1001), 20, "raised again once the other master is gone");
	t.is(lastLimit(s.port, 0x1002), 20);
	t.deepEqual(s.master.busProblems(), []);
	t.is(s.master.busStatus().otherMaster, null);
});

test("while another master is heard, a unit that links is offered nothing (no raise from 0 A)", (t) => {
	const s = setup();
	s.master.start();
	// The other controller's traffic is heard during the listening time, before our link-ready burst.
	for (let i = 0; i < 3; i++) {
		otherMasterHeartbeat(s.port, 0x1003, 16);
		s.clock.advance(500);
	}
	t.truthy(s.master.rivalMaster);
	const a = new ScriptedSlave(s.port, s.clock, { id: 0x1001, draw: 32 });
	a.linkReady();
	s.clock.advance(5000);
	t.is(s.master.slaves.length, 1);
	t.is(lastLimit(s.port, 0x1001), 0);
	t.is(a.limitCentiamps, 0);
});

test("the adapter's byte-exact echo of our frames is not another master; a frame with our ID and other bytes is", (t) => {
	const s = setup();
	s.port.onSent((f) => s.port.inject(encodeFrame(f.body.subarray(0, f.body.length - 1)))); // echo everything
	twoCharging(s);
	s.clock.advance(30_000);
	t.true(s.master.stats.echoes > 60, "heartbeats and queries were echoed");
	t.is(s.master.rivalMaster, undefined);
	t.false(s.events.some((e) => e.type === "rivalMaster"));
	// The same heartbeat a moment later, with another limit: not ours.
	s.port.injectMessage(encodeMasterHeartbeat(0x7777, 0x1001, 0x09, 3200));
	t.is(s.master.rivalMaster?.sameId, true);
	t.regex(s.master.rivalMaster!.evidence, /heartbeat from 7777 to 1001 with our ID that we did not send/);
});

test("a unit we never linked answering a heartbeat addressed to our ID means another master with our ID", (t) => {
	const s = setup();
	twoCharging(s);
	s.port.injectMessage(encodeSlaveHeartbeat(0x2222, 0x7777, 0x01, 1600, 1500, 2));
	t.is(s.master.rivalMaster?.id, 0x7777);
	t.regex(s.master.rivalMaster!.evidence, /2222, which we never linked/);
	// A heartbeat to another master's ID is none of our business.
	const s2 = setup();
	twoCharging(s2);
	s2.port.injectMessage(encodeSlaveHeartbeat(0x2222, 0x4444, 0x01, 1600, 1500, 2));
	t.is(s2.master.rivalMaster, undefined);
});

test("a unit reporting a limit we never commanded: once is a glitch, twice within 10 s is another master", (t) => {
	const s = setup();
	s.master.start();
	s.clock.advance(LISTEN_BEFORE_LINK_MS + 600);
	let strange = 0;
	const a = new ScriptedSlave(s.port, s.clock, {
		id: 0x1001,
		draw: 32,
		reportedLimit: (held) => (strange > 0 ? (strange--, 2500) : held),
	});
	a.linkReady();
	s.clock.advance(10_000);
	strange = 1;
	s.clock.advance(15_000);
	t.is(s.master.rivalMaster, undefined, "one odd report");
	strange = 2;
	s.clock.advance(5000);
	t.truthy(s.master.rivalMaster);
	t.regex(s.master.rivalMaster!.evidence, /reports a limit of 25 A, which we never commanded/);
	// 0 A is a unit asking for a limit (§2), never a sign of another master.
	const s2 = setup();
	s2.master.start();
	s2.clock.advance(LISTEN_BEFORE_LINK_MS + 600);
	new ScriptedSlave(s2.port, s2.clock, { id: 0x1001, draw: 32, reportedLimit: (held) => (s2.clock.now() % 3000 < 1000 ? 0 : held) }).linkReady();
	s2.clock.advance(60_000);
	t.is(s2.master.rivalMaster, undefined);
});

test("a wall connector acting as master (another ID) restricts the limits too", (t) => {
	const s = setup();
	twoCharging(s);
	s.port.injectMessage(encodeMasterHeartbeat(0x035d, 0x1003, 0x09, 1600));
	t.is(s.master.rivalMaster?.sameId, false);
	t.regex(s.master.busProblems()[0], /rotary switch to F/);
	s.clock.advance(3000);
	t.is(lastLimit(s.port, 0x1001), 13, "40 A among our two and its one");
});

test("right after our start, a unit's reply to the heartbeat of the instance we replace is not another master", (t) => {
	const s = setup();
	s.master.start();
	s.clock.advance(20);
	s.port.injectMessage(encodeSlaveHeartbeat(0x1001, 0x7777, 0x01, 1600, 1500, 2));
	t.is(s.master.rivalMaster, undefined);
	// A second later the same is a sign of another master with our ID.
	s.clock.advance(1000);
	s.port.injectMessage(encodeSlaveHeartbeat(0x1001, 0x7777, 0x01, 1600, 1500, 2));
	t.is(s.master.rivalMaster?.sameId, true);
});
