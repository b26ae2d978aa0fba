import test from "ava";
import { silentLog, type Log } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { encodeFrame } from "../../../src/twc/frame.js";
import { DROPPED_RESERVE_MS, LISTEN_BEFORE_LINK_MS, Master, type MasterEvent, type OfferSource } from "../../../src/twc/master.js";
import { encodeMasterLinkReady, encodeMasterHeartbeat, encodeSlaveHeartbeat, encodeSlaveLinkReady, type Message } from "../../../src/twc/messages.js";
import type { SlaveRecord } from "../../../src/twc/slave.js";
import { allocate } from "../../../src/charge/allocation.js";
import { OTHER_MASTER_HOLD_MS } from "../../../src/twc/other-master.js";
import { cases } from "../support/runtime.js";
import { ScriptedPort, ScriptedSlave, type SentFrame } from "../support/scripted-bus.js";

type Heartbeat = Extract<Message, { kind: "masterHeartbeat" }>;

/** Equal shares of the wiring total among the linked slaves, the way issue 2's master offers. */
function equalShares(total: number, perTwc: number): OfferSource & { master?: Master } {
	const source: OfferSource & { master?: Master } = {
		offerFor(slave: SlaveRecord) {
			const slaves = source.master!.slaves;
			const claimants = slaves.map((s) => ({ id: s.id, cap: Math.min(Math.floor(s.maxAmps), perTwc), min: 1, wants: true, hold: false }));
			return allocate(total, claimants).get(slave.id)?.amps ?? 0;
		},
	};
	return source;
}

function setup(options: { total?: number; perTwc?: number; offers?: OfferSource; log?: Log } = {}) {
	const clock = new VirtualClock();
	const port = new ScriptedPort(clock);
	const events: MasterEvent[] = [];
	const droppedAt = new Map<number, number>();
	const offers = options.offers ?? equalShares(options.total ?? 32, options.perTwc ?? 32);
	const master = new Master({
		clock,
		log: options.log ?? silentLog,
		port,
		offers,
		random: seededRandom(11),
		wiringMaxAmpsAllTWCs: options.total ?? 32,
		wiringMaxAmpsPerTWC: options.perTwc ?? 32,
		onEvent: (e) => {
			events.push(e);
			if (e.type === "dropped") droppedAt.set(e.slave.id, clock.now());
			if (e.type === "linked") droppedAt.delete(e.slave.id);
		},
	});
	(offers as { master?: Master }).master = master;
	return { clock, port, master, events, droppedAt };
}

/**
 * Tracks the limit last commanded to each slave (from the frames on the wire) and checks, at every
 * heartbeat, that their sum is within the total. With `droppedAt`, a slave the master dropped counts
 * for DROPPED_RESERVE_MS more (it may still hold its limit), then no longer.
 */
function watchSum(port: ScriptedPort, total: number, onViolation: (text: string) => void, droppedAt?: Map<number, number>) {
	const commanded = new Map<number, number>();
	port.onSent((f: SentFrame) => {
		if (f.message.kind !== "masterHeartbeat") return;
		const hb = f.message;
		if (hb.command === 0x05 || hb.command === 0x09) commanded.set(hb.receiver, hb.centiamps / 100);
		let sum = 0;
		for (const [id, v] of commanded) {
			const dropped = droppedAt?.get(id);
			if (dropped !== undefined && f.at - dropped >= DROPPED_RESERVE_MS) commanded.delete(id);
			else sum += v;
		}
		if (sum > total) onViolation(`at ${f.at}: sum of limits ${sum} A > ${total} A: ${JSON.stringify([...commanded])}`);
		if (![0x00, 0x05, 0x09].includes(hb.command)) onViolation(`command ${hb.command} sent`);
	});
	return commanded;
}

test("at start it listens 1.5 s, then sends 5 × FC E1 then 5 × FB E2, 0.1 s apart, from ID 7777", (t) => {
	const { clock, port, master } = setup();
	master.start();
	clock.advance(LISTEN_BEFORE_LINK_MS - 1);
	t.is(port.sent.length, 0, "nothing before it has listened for another master");
	clock.advance(1001);
	const burst = port.sent.filter((f) => f.message.kind === "masterLinkReady");
	t.is(burst.length, 10);
	t.deepEqual(burst.map((f) => (f.message as { which: number }).which), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
	for (const f of burst) t.is((f.message as { sender: number }).sender, 0x7777);
	for (let i = 1; i < burst.length; i++) t.true(Math.abs(burst[i].at - burst[i - 1].at - 100) < 1);
});

test("a slave's link-ready registers it (protocol from length, max amps) and its first heartbeat follows at once with a limit", (t) => {
	const { clock, port, master, events } = setup({ total: 40, perTwc: 40 });
	master.start();
	clock.advance(1500);
	const v1 = new ScriptedSlave(port, clock, { id: 0x022c, protocol: 1, maxAmps: 32 });
	v1.linkReady();
	const linkedAt = clock.now();
	clock.advance(50);
	t.is(master.slaves.length, 1);
	const s = master.slaves[0];
	t.is(s.protocol, 1);
	t.is(s.maxAmps, 32);
	t.is(s.minAmps, 5);
	t.true(events.some((e) => e.type === "linked"));
	const first = port.heartbeatsTo(0x022c)[0];
	t.true(first.at - linkedAt < 25, "first heartbeat within 25 ms");
	t.is((first.message as Heartbeat).command, 0x05, "protocol 1 gets command 05");
	t.is((first.message as Heartbeat).centiamps, 3200, "capped by the unit's own 32 A");
	t.is(first.body.length, 16, "always the 16-byte form");
});

test("each of three slaves gets a heartbeat once per second (± 0.1 s) for an hour, with replies or without", (t) => {
	const { clock, port, master } = setup({ total: 48, perTwc: 32 });
	master.start();
	clock.advance(1500);
	const ids = [0x1111, 0x2222, 0x3333];
	const slaves = ids.map((id, i) => new ScriptedSlave(port, clock, { id, draw: 10, silent: i === 2 }));
	for (const s of slaves) {
		s.linkReady();
		clock.advance(7);
	}
	// The silent one stays linked only while it talks: make it answer link-ready every 10 s.
	let relink = () => {
		slaves[2].linkReady();
		clock.setTimer(10_000, relink);
	};
	relink();
	clock.advance(cases(3_600_000) === 3_600_000 ? 3_600_000 : 600_000);
	for (const id of ids) {
		const times = port.heartbeatsTo(id).map((f) => f.at).slice(5);
		t.true(times.length > 500, `slave ${id.toString(16)}: ${times.length} heartbeats`);
		let worst = 0;
		for (let i = 1; i < times.length; i++) worst = Math.max(worst, Math.abs(times[i] - times[i - 1] - 1000));
		t.true(worst <= 100, `slave ${id.toString(16)}: worst deviation ${worst.toFixed(1)} ms`);
	}
	t.is(master.slaves.length, 3);
	relink = () => {};
});

test("after a frame that expects a reply it waits for the reply or 100 ms before talking again", (t) => {
	const { clock, port, master } = setup();
	master.start();
	clock.advance(1500);
	const quick = new ScriptedSlave(port, clock, { id: 0x1000, replyDelayMs: 30 }); // answers 30 ms after our write
	const mute = new ScriptedSlave(port, clock, { id: 0x2000, silent: true });
	quick.linkReady();
	clock.advance(3);
	port.injectMessage(encodeSlaveLinkReady(0x2000, 0x11, 3200, 2));
	clock.advance(60_000);
	const frames = port.sent.filter((f) => f.at > 2000);
	const violations: string[] = [];
	for (let i = 1; i < frames.length; i++) {
		const prev = frames[i - 1];
		const expectsReply = prev.message.kind === "masterHeartbeat" || prev.message.kind === "query";
		if (!expectsReply) continue;
		const wireMs = (prev.body.length + 2) * (10_000 / 9600);
		const to = (prev.message as { receiver: number }).receiver;
		const gap = frames[i].at - prev.at - wireMs;
		if (to === 0x2000 && gap < 100) violations.push(`${i}: ${gap} after mute`); // the mute one: full 100 ms wait
		if (to === 0x1000 && gap < 30 - wireMs) violations.push(`${i}: ${gap} after quick`); // the quick one: after its reply
	}
	t.deepEqual(violations, []);
	t.true(mute.heartbeats === 0 && master.slaves.length <= 2);
});

test("two slaves share the wiring total equally; when the second links, the first is lowered before the second is raised", (t) => {
	const { clock, port, master } = setup({ total: 32, perTwc: 32 });
	const violations: string[] = [];
	watchSum(port, 32, (v) => violations.push(v));
	master.start();
	clock.advance(1500);
	const a = new ScriptedSlave(port, clock, { id: 0x0a0a, draw: 32 });
	a.linkReady();
	clock.advance(5000);
	t.is(a.limitCentiamps, 3200);
	const b = new ScriptedSlave(port, clock, { id: 0x0b0b, draw: (limit) => limit });
	b.linkReady();
	clock.advance(10_000);
	t.is(a.limitCentiamps, 1600);
	t.is(b.limitCentiamps, 1600);
	t.deepEqual(violations, []);
	const aLowered = port.heartbeatsTo(0x0a0a).find((f) => (f.message as Heartbeat).centiamps === 1600)!;
	const bRaised = port.heartbeatsTo(0x0b0b).find((f) => (f.message as Heartbeat).centiamps === 1600)!;
	t.true(aLowered.at < bRaised.at);
});

test("0 A is always sent as a limit command, never as no-change", (t) => {
	const zero: OfferSource = { offerFor: () => 0 };
	const { clock, port, master } = setup({ offers: zero });
	master.start();
	clock.advance(1500);
	new ScriptedSlave(port, clock, { id: 0x0101 }).linkReady();
	new ScriptedSlave(port, clock, { id: 0x0202, protocol: 1 }).linkReady();
	clock.advance(20_000);
	for (const f of port.heartbeatsTo(0x0101)) t.is((f.message as Heartbeat).command, 0x09);
	for (const f of port.heartbeatsTo(0x0202)) t.is((f.message as Heartbeat).command, 0x05);
});

test("a limit the slave already holds is not repeated (no-change), a new one is", (t) => {
	const { clock, port, master } = setup({ total: 20, perTwc: 20 });
	master.start();
	clock.advance(1500);
	new ScriptedSlave(port, clock, { id: 0x0101 }).linkReady();
	clock.advance(10_000);
	const commands = port.heartbeatsTo(0x0101).map((f) => (f.message as Heartbeat).command);
	t.is(commands[0], 0x09);
	t.true(commands.slice(2).every((c) => c === 0x00));
});

test("our own frames echoed by the adapter are ignored; another master is reported with the rotary switch advice", (t) => {
	const { clock, port, master, events } = setup();
	port.onSent((f) => port.inject(encodeFrame(f.body.subarray(0, f.body.length - 1)))); // echo everything
	master.start();
	clock.advance(3000);
	t.is(master.stats.echoes, 10);
	t.false(events.some((e) => e.type === "rivalMaster"));
	port.injectMessage(encodeMasterLinkReady(1, 0x035d, 0x39));
	const rival = events.find((e) => e.type === "rivalMaster") as Extract<MasterEvent, { type: "rivalMaster" }>;
	t.truthy(rival);
	t.regex(rival.message, /035D/);
	t.regex(rival.message, /rotary switch to F/);
	t.is(master.rivalMaster?.id, 0x035d);
	// Within the same episode the report keeps the first one; after it, another one is a new report.
	port.injectMessage(encodeMasterHeartbeat(0x4444, 0x1234, 0, 0));
	t.is(master.rivalMaster?.id, 0x035d);
	clock.advance(OTHER_MASTER_HOLD_MS);
	t.is(master.rivalMaster, undefined);
	port.injectMessage(encodeMasterHeartbeat(0x4444, 0x1234, 0, 0));
	t.is(master.rivalMaster?.id, 0x4444);
	t.is(events.filter((e) => e.type === "rivalMaster").length, 2);
});

test("a fourth slave is ignored and reported", (t) => {
	const { clock, port, master, events } = setup({ total: 64 });
	master.start();
	clock.advance(1500);
	for (const id of [0x1001, 0x1002, 0x1003, 0x1004]) {
		new ScriptedSlave(port, clock, { id }).linkReady();
		clock.advance(300);
	}
	clock.advance(5000);
	t.deepEqual(master.slaves.map((s) => s.id), [0x1001, 0x1002, 0x1003]);
	const report = events.find((e) => e.type === "tooManySlaves") as Extract<MasterEvent, { type: "tooManySlaves" }>;
	t.regex(report.message, /1004/);
	t.is(port.heartbeatsTo(0x1004).length, 0);
});

test("a slave silent for 26 s is dropped, its amps stay reserved a while, and it comes back with its next link-ready", (t) => {
	const { clock, port, master, events } = setup({ total: 32 });
	master.start();
	clock.advance(1500);
	const a = new ScriptedSlave(port, clock, { id: 0x0a0a, draw: 16 });
	const b = new ScriptedSlave(port, clock, { id: 0x0b0b, draw: 16 });
	a.linkReady();
	clock.advance(5);
	b.linkReady();
	clock.advance(5000);
	b.options.silent = true;
	clock.advance(25_000);
	t.is(master.slaves.length, 2, "still there after 25 s");
	clock.advance(2_000);
	t.is(master.slaves.length, 1, "dropped after 26 s");
	t.truthy(events.find((e) => e.type === "dropped"));
	t.is(master.reservedAmps, 16);
	clock.advance(5000);
	t.is(a.limitCentiamps, 1600, "the dropped slave's share is not handed on at once");
	clock.advance(60_000);
	t.is(a.limitCentiamps, 3200, "after the reserve it is");
	b.options.silent = false;
	b.linkReady();
	clock.advance(5000);
	t.is(master.slaves.length, 2);
	t.is(a.limitCentiamps + b.limitCentiamps, 3200);
});

test("a slave using our ID makes the master repeat the link-ready burst", (t) => {
	const { clock, port, master } = setup();
	master.start();
	clock.advance(2000);
	const before = master.stats.linkReadySent;
	port.injectMessage(encodeSlaveLinkReady(0x7777, 0x12, 3200, 2));
	clock.advance(2000);
	t.is(master.stats.linkReadySent - before, 10);
	t.is(master.slaves.length, 0);
});

test("meter queries about once a minute, VIN when a car starts drawing, all in the gaps", (t) => {
	const vin = "1M8GDM9AXKP042788";
	const { clock, port, master, events } = setup();
	master.start();
	clock.advance(1500);
	const car = new ScriptedSlave(port, clock, { id: 0x2019, draw: 0, vin });
	car.linkReady();
	clock.advance(10 * 60_000);
	const meters = port.sent.filter((f) => f.message.kind === "query" && f.message.opcode === 0xfbeb);
	t.true(meters.length >= 9 && meters.length <= 11, `${meters.length} meter queries in 10 min`);
	t.is(master.slaves[0].lifetimeCounter, 1234);
	t.deepEqual(master.slaves[0].volts, [240, 0, 0]);
	t.is(port.sent.filter((f) => f.message.kind === "query" && f.message.opcode === 0xfbee).length, 0, "no VIN query while no car draws");
	car.options.draw = 16;
	clock.advance(10_000);
	t.is(master.slaves[0].currentVin, vin);
	t.truthy(events.find((e) => e.type === "vin"));
	const firmware = port.sent.filter((f) => f.message.kind === "query" && (f.message.opcode === 0xfbec || f.message.opcode === 0xfb1b));
	t.is(firmware.length, 2, "FB EC once, then the old FB 1B once when it gets no answer");
});

test("a car that gives an all-zero VIN is not asked again", (t) => {
	const { clock, port, master } = setup();
	master.start();
	clock.advance(1500);
	new ScriptedSlave(port, clock, { id: 0x2019, draw: 10, vin: "" }).linkReady();
	clock.advance(10 * 60_000);
	t.is(port.sent.filter((f) => f.message.kind === "query" && f.message.opcode === 0xfbee).length, 1);
	t.true(master.slaves[0].vinUnavailable);
});

test("the bus port dropping and coming back is reported and the master announces itself again", (t) => {
	const { clock, port, master, events } = setup();
	master.start();
	clock.advance(2000);
	port.status(false, "converter closed the connection");
	clock.advance(5000);
	const before = master.stats.linkReadySent;
	port.status(true, "reconnected");
	clock.advance(LISTEN_BEFORE_LINK_MS + 2000);
	t.is(master.stats.linkReadySent - before, 10);
	t.deepEqual(events.filter((e) => e.type === "port").map((e) => (e as { open: boolean }).open), [false, true]);
});

test("property: random noise, corrupted frames and random slaves never crash the master or break the wiring limits", (t) => {
	const n = cases(300);
	for (let c = 0; c < n; c++) {
		const random = seededRandom(1000 + c);
		const total = 6 + Math.floor(random.next() * 75);
		const perTwc = 6 + Math.floor(random.next() * 75);
		const { clock, port, master, droppedAt } = setup({ total, perTwc });
		const violations: string[] = [];
		const commanded = watchSum(port, total, (v) => violations.push(v), droppedAt);
		port.onSent((f) => {
			if (f.message.kind !== "masterHeartbeat") return;
			const slave = master.slaves.find((s) => s.id === (f.message as Heartbeat).receiver);
			const amps = (f.message as Heartbeat).centiamps / 100;
			if (slave && amps > Math.min(slave.maxAmps, perTwc)) violations.push(`limit ${amps} above caps of ${slave.id}`);
		});
		master.start();
		const ids = [0x1111, 0x2222, 0x3333, 0x4444];
		const slaves = ids.map((id) =>
			new ScriptedSlave(port, clock, {
				id,
				protocol: random.next() < 0.3 ? 1 : 2,
				maxAmps: [16, 32, 40, 48, 80][Math.floor(random.next() * 5)],
				draw: (limit) => limit * random.next(),
				replyDelayMs: 2 + random.next() * 120,
			}),
		);
		for (let step = 0; step < 200; step++) {
			const r = random.next();
			if (r < 0.05) slaves[Math.floor(random.next() * 4)].linkReady();
			else if (r < 0.1) slaves[Math.floor(random.next() * 4)].options.silent = random.next() < 0.5;
			else if (r < 0.4) {
				const junk = new Uint8Array(Math.floor(random.next() * 40));
				for (let i = 0; i < junk.length; i++) junk[i] = random.next() < 0.2 ? 0xc0 : Math.floor(random.next() * 256);
				port.inject(junk);
			} else if (r < 0.5) {
				// A plausible heartbeat with nonsense amps from a random sender, checksum and all.
				const sender = ids[Math.floor(random.next() * 4)];
				port.injectMessage(encodeSlaveHeartbeat(sender, 0x7777, Math.floor(random.next() * 16), Math.floor(random.next() * 65536), Math.floor(random.next() * 65536), 2));
			}
			clock.advance(random.next() * 3000);
		}
		t.deepEqual(violations, [], `case ${c}`);
		t.true(commanded.size <= 4);
	}
});

test("without a checksum-valid frame nothing links and no limit is ever offered", (t) => {
	const random = seededRandom(5);
	const { clock, port, master } = setup();
	master.start();
	for (let i = 0; i < cases(2000); i++) {
		// Real link-ready frames with one bit flipped: all fail their checksum.
		const wire = encodeFrame(encodeSlaveLinkReady(0x1000 + i, 0x11, 3200, 2));
		wire[1 + Math.floor(random.next() * (wire.length - 2))] ^= 1 << Math.floor(random.next() * 8);
		port.inject(wire);
		clock.advance(50);
	}
	t.is(master.slaves.length, 0);
	t.is(port.sent.filter((f) => f.message.kind === "masterHeartbeat").length, 0);
	t.true(master.stats.decoder.badChecksum + master.stats.decoder.badEscape + master.stats.decoder.abandoned > 0);
});
