import test from "ava";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import type { TimerHandle } from "../../../src/platform/clock.js";
import { BYTE_TIME_MS, encodeFrame, FrameDecoder } from "../../../src/twc/frame.js";
import {
	decodeMessage,
	encodeMasterHeartbeat,
	encodeMasterLinkReady,
	encodeQuery,
	encodeStartStop,
	HeartbeatCommand,
	Opcode,
	SlaveState,
	type HeartbeatCommandCode,
	type Message,
} from "../../../src/twc/messages.js";
import { assembleVin } from "../../../src/twc/vin.js";
import { SimulatedBus, type SimulatedBusPort } from "../../../host-sim/sim/bus.js";
import { DEFAULT_VIN, SimulatedCar } from "../../../host-sim/sim/car.js";
import { SimulatedWallConnector, type WallConnectorOptions } from "../../../host-sim/sim/wall-connector.js";

const MASTER = 0x7777;
const SLAVE = 0x1234;

type Received = { at: number; length: number; message: Message };
/** The message variant of one kind (an intersection also narrows the start/stop-ack variant). */
type Of<K extends Message["kind"]> = Message & { kind: K };

/** A hand-written master, just enough to drive one wall connector (not the real master). */
class TinyMaster {
	readonly received: Received[] = [];
	readonly #clock: VirtualClock;
	readonly #port: SimulatedBusPort;
	#timer: TimerHandle | undefined;

	constructor(clock: VirtualClock, port: SimulatedBusPort) {
		this.#clock = clock;
		this.#port = port;
		const decoder = new FrameDecoder((body) =>
			this.received.push({ at: clock.now(), length: body.length, message: decodeMessage(body) }),
		);
		port.listen({ onBytes: (bytes) => decoder.push(bytes, clock.now()) });
	}

	send(message: Uint8Array): void {
		this.#port.write(encodeFrame(message));
	}
	heartbeat(slave: number, command: HeartbeatCommandCode = 0, amps = 0): void {
		this.send(encodeMasterHeartbeat(MASTER, slave, command, amps * 100));
	}
	query(opcode: number, slave = SLAVE): void {
		this.send(encodeQuery(opcode, MASTER, slave));
	}
	/** Heartbeats `slave` every second with the given command until stopped. */
	beat(slave: number, command: () => [HeartbeatCommandCode, number] = () => [0, 0]): void {
		const tick = () => {
			const [c, a] = command();
			this.heartbeat(slave, c, a);
			this.#timer = this.#clock.setTimer(1000, tick);
		};
		tick();
	}
	stopBeating(): void {
		if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
		this.#timer = undefined;
	}
	of<K extends Message["kind"]>(kind: K): (Received & { message: Of<K> })[] {
		return this.received.filter((r) => r.message.kind === kind) as (Received & { message: Of<K> })[];
	}
	last<K extends Message["kind"]>(kind: K): Of<K> {
		const all = this.of(kind);
		if (all.length === 0) throw new Error(`no ${kind} received`);
		return all[all.length - 1].message;
	}
}

function setup(options: Partial<WallConnectorOptions> = {}, car?: SimulatedCar) {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = new TinyMaster(clock, bus.attach("master", "master"));
	const twc = new SimulatedWallConnector(clock, bus.attach("twc", "slave"), {
		id: SLAVE,
		sign: 0x42,
		firstLinkReadyMs: 1000,
		car,
		...options,
	});
	return { clock, bus, master, twc };
}

test("alone, it sends a link-ready every 10 s (v2: 16 bytes, its max amps)", (t) => {
	const { clock, master, twc } = setup();
	clock.advance(35_000);
	const lr = master.of("slaveLinkReady");
	t.deepEqual(
		lr.map((r) => Math.round(r.at / 1000)),
		[1, 11, 21, 31],
	);
	t.is(lr[0].length, 16);
	t.deepEqual(lr[0].message, { kind: "slaveLinkReady", sender: SLAVE, sign: 0x42, maxCentiamps: 3200, protocol: 2 });
	t.is(twc.firstLinkReadyAt, 1000);
	t.is(twc.counts.linkReadySent, 4);
});

test("protocol 1 link-ready is 14 bytes; the default first one comes within 10 s", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = new TinyMaster(clock, bus.attach("master", "master"));
	const twc = new SimulatedWallConnector(clock, bus.attach("twc", "slave"), { id: 0xabcd, protocol: 1, maxAmps: 80 });
	clock.advance(10_100);
	const lr = master.of("slaveLinkReady");
	t.is(lr.length, 1);
	t.is(lr[0].length, 14);
	t.is(lr[0].message.maxCentiamps, 8000);
	t.true(twc.firstLinkReadyAt! < 10_000);
});

test("answers a heartbeat addressed to it, in v2 or v1 form, and stops link-readies", (t) => {
	for (const protocol of [2, 1] as const) {
		const { clock, master, twc } = setup({ protocol });
		clock.advance(1500);
		master.heartbeat(0x9999); // someone else's
		clock.advance(200);
		t.is(master.of("slaveHeartbeat").length, 0);
		const sentAt = clock.now();
		master.heartbeat(SLAVE);
		clock.advance(200);
		const hb = master.of("slaveHeartbeat");
		t.is(hb.length, 1);
		t.is(hb[0].length, protocol === 2 ? 16 : 14);
		t.deepEqual(hb[0].message, {
			kind: "slaveHeartbeat",
			sender: SLAVE,
			receiver: MASTER,
			state: SlaveState.Ready,
			limitCentiamps: 0,
			actualCentiamps: 0,
			protocol,
		});
		// Request on the wire (18 bytes), 15 ms turnaround, reply on the wire (+ trailing byte).
		const replyBytes = (protocol === 2 ? 18 : 16) + 1;
		t.true(Math.abs(hb[0].at - (sentAt + 18 * BYTE_TIME_MS + 15 + replyBytes * BYTE_TIME_MS)) < 1e-6);
		t.is(twc.linkedMaster, MASTER);
		t.is(twc.firstHeartbeatAt, sentAt + 18 * BYTE_TIME_MS);
		master.beat(SLAVE);
		clock.advance(25_000);
		t.is(master.of("slaveLinkReady").length, 1, "no link-ready while heartbeats come");
	}
});

test("follows 09 limits; the car ramps to them (08 then 01); a v2 unit ignores 05 once charging", (t) => {
	const car = new SimulatedCar();
	const { clock, master, twc } = setup({}, car);
	let amps = 16;
	let command: HeartbeatCommandCode = HeartbeatCommand.LimitV2;
	master.beat(SLAVE, () => [command, amps]);
	clock.advance(500);
	t.is(master.last("slaveHeartbeat").state, SlaveState.Ready, "no car plugged in");
	twc.plugIn();
	clock.advance(1000);
	t.is(master.last("slaveHeartbeat").state, SlaveState.PluggedReady);
	t.is(master.last("slaveHeartbeat").limitCentiamps, 1600);
	clock.advance(3000); // the car started at ~3 s
	t.is(master.last("slaveHeartbeat").state, SlaveState.Starting);
	clock.advance(10_000);
	t.deepEqual(
		[master.last("slaveHeartbeat").state, master.last("slaveHeartbeat").actualCentiamps],
		[SlaveState.Charging, 1600],
	);
	command = HeartbeatCommand.LimitV1;
	amps = 10;
	clock.advance(5000);
	t.is(twc.limitAmps, 16, "05 is ignored while charging (§2.3)");
	t.true(twc.counts.ignoredLimitCommands > 0);
	command = HeartbeatCommand.LimitV2;
	clock.advance(5000);
	t.is(twc.limitAmps, 10);
	t.is(master.last("slaveHeartbeat").actualCentiamps, 1000);
	t.is(twc.actualAmps, 10);
});

test("a v1 unit follows 05 while charging and ignores 09", (t) => {
	const car = new SimulatedCar();
	const { clock, master, twc } = setup({ protocol: 1 }, car);
	let command: HeartbeatCommandCode = HeartbeatCommand.LimitV1;
	let amps = 20;
	twc.plugIn();
	master.beat(SLAVE, () => [command, amps]);
	clock.advance(20_000);
	t.is(master.last("slaveHeartbeat").actualCentiamps, 2000);
	amps = 12;
	clock.advance(5000);
	t.is(master.last("slaveHeartbeat").actualCentiamps, 1200);
	command = HeartbeatCommand.LimitV2;
	amps = 30;
	clock.advance(5000);
	t.is(twc.limitAmps, 12);
	t.true(twc.counts.ignoredLimitCommands >= 4);
});

test("offered 0 A while charging: the car stops and the unit says 03; a new limit restarts it", (t) => {
	const car = new SimulatedCar();
	const { clock, bus, master, twc } = setup({}, car);
	let amps = 16;
	twc.plugIn();
	master.beat(SLAVE, () => [HeartbeatCommand.LimitV2, amps]);
	clock.advance(20_000);
	t.is(twc.state, SlaveState.Charging);
	amps = 0;
	clock.advance(2000);
	t.deepEqual(master.last("slaveHeartbeat"), {
		kind: "slaveHeartbeat",
		sender: SLAVE,
		receiver: MASTER,
		state: SlaveState.PluggedDoNotCharge,
		limitCentiamps: 0,
		actualCentiamps: 0,
		protocol: 2,
	});
	amps = 8;
	clock.advance(8000);
	t.is(twc.state, SlaveState.Charging);
	t.is(car.chargeStarts, 2);
	t.is(bus.stats.collisions.masterVsSlave, 0);
});

test("meter, VIN, firmware, serial and plug-state replies decode to what was configured", (t) => {
	const car = new SimulatedCar();
	const { clock, bus, master, twc } = setup(
		{ volts: 230, phases: 3, firmware: [4, 5, 3, 2], serial: "A1234567890", lifetimeKWh: 1234 },
		car,
	);
	twc.plugIn();
	master.beat(SLAVE, () => [HeartbeatCommand.LimitV2, 16]);
	clock.advance(60 * 60_000 + 500); // an hour at 16 A × 3 × 230 V ≈ 11 kWh
	master.stopBeating();
	for (const q of [
		Opcode.MeterQuery,
		Opcode.Vin1Query,
		Opcode.Vin2Query,
		Opcode.Vin3Query,
		Opcode.FirmwareQuery,
		Opcode.FirmwareQueryOld,
		Opcode.SerialQuery,
		Opcode.SerialQueryOld,
		Opcode.PlugStateQuery,
	]) {
		master.query(q, 0x4321); // not for us
		master.query(q);
		clock.advance(100);
	}
	t.is(bus.stats.collisions.masterVsSlave, 0);
	const meter = master.last("meter");
	t.is(meter.sender, SLAVE);
	t.is(meter.lifetimeCounter, 1234 + 11);
	t.deepEqual(meter.volts, [230, 230, 230]);
	t.deepEqual(meter.amps, [16, 16, 16]);
	const vin = master.of("vin").map((r) => r.message);
	t.deepEqual(vin.map((v) => v.part), [0, 1, 2]);
	t.deepEqual(assembleVin(vin.map((v) => v.text)), { kind: "vin", vin: DEFAULT_VIN });
	t.deepEqual(
		master.of("firmware").map((r) => r.message),
		[
			{ kind: "firmware", sender: SLAVE, version: "4.5.3.2" },
			{ kind: "firmware", sender: undefined, version: "4.5.3" },
		],
	);
	t.deepEqual(
		master.of("serial").map((r) => r.message),
		[
			{ kind: "serial", sender: SLAVE, serial: "A1234567890" },
			{ kind: "serial", sender: undefined, serial: "A1234567890" },
		],
	);
	t.deepEqual(master.last("plugState"), { kind: "plugState", sender: SLAVE, state: 1 });
	t.is(twc.counts.queriesAnswered, 9);
});

test("single phase meter reply: unused phases read 0 V and 0 A; the counter may be in Wh", (t) => {
	const car = new SimulatedCar();
	const { clock, master, twc } = setup({ meterUnit: "Wh" }, car);
	twc.plugIn();
	master.beat(SLAVE, () => [HeartbeatCommand.LimitV2, 32]);
	clock.advance(60 * 60_000 + 500);
	master.query(Opcode.MeterQuery);
	clock.advance(100);
	const meter = master.last("meter");
	t.deepEqual(meter.volts, [240, 0, 0]);
	t.deepEqual(meter.amps, [32, 0, 0]);
	t.is(meter.lifetimeCounter, Math.floor(twc.lifetimeWh));
	t.true(meter.lifetimeCounter > 7500 && meter.lifetimeCounter < 7680, `${meter.lifetimeCounter} Wh`);
});

test("VIN is all zeros without a car, unplugged, or for a non-Tesla; plug state follows the car", (t) => {
	for (const car of [undefined, new SimulatedCar({ vin: null })]) {
		const { clock, master, twc } = setup({}, car);
		twc.plugIn();
		for (const q of [Opcode.PlugStateQuery, Opcode.Vin1Query, Opcode.Vin2Query, Opcode.Vin3Query]) {
			master.query(q);
			clock.advance(100);
		}
		t.deepEqual(
			master.of("vin").map((r) => r.message.allZero),
			[true, true, true],
		);
		t.is(master.last("plugState").state, car ? 3 : 0);
	}
});

test("forbidden commands are recorded; heartbeat command 02 makes the unit answer 02 and go silent", (t) => {
	const { clock, master, twc } = setup({ firstLinkReadyMs: 60_000 });
	const raw = (bytes: number[]) => master.send(new Uint8Array([...bytes, ...new Array(16 - bytes.length - 1).fill(0)]));
	raw([0xfc, 0x19, 0x77, 0x77, 0x12, 0x34]);
	raw([0xfc, 0x1a, 0x77, 0x77, 0x12, 0x34]);
	raw([0xfb, 0xe8, 0x77, 0x77, 0x12, 0x34]);
	raw([0xfb, 0xe0, 0x77, 0x77, 0x99, 0x99, 0x02, 0x01]); // to someone else
	clock.advance(200);
	t.is(twc.counts.forbiddenReceived, 4);
	t.false(twc.isHalted);
	raw([0xfb, 0xe0, 0x77, 0x77, 0x12, 0x34, 0x02, 0x01]);
	clock.advance(200);
	t.is(twc.counts.forbiddenReceived, 5);
	t.true(twc.isHalted);
	t.is(master.last("slaveHeartbeat").state, SlaveState.Error);
	master.beat(SLAVE);
	clock.advance(100_000);
	t.is(master.of("slaveHeartbeat").length, 1, "silent after answering 02");
	t.is(master.of("slaveLinkReady").length, 0);
	twc.reset();
	clock.advance(3000);
	t.false(twc.isHalted);
	t.is(master.last("slaveHeartbeat").state, SlaveState.Ready);
});

test("losing the master: the car faults after 26 s, link-ready resumes after 30 s, heartbeats recover it", (t) => {
	const car = new SimulatedCar();
	const { clock, master, twc } = setup({}, car);
	twc.plugIn();
	master.beat(SLAVE, () => [HeartbeatCommand.LimitV2, 16]);
	clock.advance(20_000);
	t.is(twc.actualAmps, 16);
	master.stopBeating();
	clock.advance(100);
	const lastBeat = twc.lastHeartbeatAt!;
	const linkReadies = master.of("slaveLinkReady").length;
	clock.runUntil(lastBeat + 25_900);
	t.is(twc.actualAmps, 16, "still charging at 25.9 s");
	clock.runUntil(lastBeat + 26_100);
	t.is(twc.actualAmps, 0);
	t.is(car.fault, "charge cable fault");
	t.is(twc.state, SlaveState.Starting, "08 after the master vanished mid-charge (§3.5)");
	clock.runUntil(lastBeat + 29_900);
	t.is(master.of("slaveLinkReady").length, linkReadies);
	clock.runUntil(lastBeat + 50_100);
	t.is(twc.state, SlaveState.Error);
	const lr = master.of("slaveLinkReady").slice(linkReadies);
	t.deepEqual(
		lr.map((r) => Math.round((r.at - lastBeat) / 100) / 10),
		[30, 40, 50],
	);
	let amps = 0;
	master.beat(SLAVE, () => [amps ? HeartbeatCommand.LimitV2 : HeartbeatCommand.NoChange, amps]);
	clock.advance(100);
	t.is(master.last("slaveHeartbeat").state, SlaveState.Error, "the first answer reports the error");
	clock.advance(1000);
	t.deepEqual(
		[master.last("slaveHeartbeat").state, master.last("slaveHeartbeat").limitCentiamps],
		[SlaveState.Starting, 0],
		"asks for a fresh limit",
	);
	amps = 16;
	clock.advance(10_000);
	t.is(twc.state, SlaveState.Charging);
	t.is(twc.actualAmps, 16);
	t.is(car.fault, undefined);
	clock.advance(30_000);
	t.is(master.of("slaveLinkReady").length, linkReadies + 3, "no link-ready once linked again");
});

test("FC B2 stops (03, ack FD B2) and FC B1 restarts (ack FD B1)", (t) => {
	const car = new SimulatedCar();
	const { clock, master, twc } = setup({}, car);
	twc.plugIn();
	master.beat(SLAVE, () => [HeartbeatCommand.LimitV2, 16]);
	clock.advance(15_500);
	master.send(encodeStartStop(false, MASTER, SLAVE));
	clock.advance(2000);
	t.is(master.last("stopAck").sender, SLAVE);
	t.is(twc.state, SlaveState.PluggedDoNotCharge);
	t.is(twc.actualAmps, 0);
	master.send(encodeStartStop(true, MASTER, SLAVE));
	clock.advance(10_000);
	t.is(master.last("startAck").sender, SLAVE);
	t.is(twc.state, SlaveState.Charging);
	t.deepEqual([twc.counts.startCommands, twc.counts.stopCommands], [1, 1]);
});

test("without start/stop support FC B1/B2 get no ack and change nothing", (t) => {
	const car = new SimulatedCar();
	const { clock, master, twc } = setup({ supportsStartStop: false }, car);
	twc.plugIn();
	master.beat(SLAVE, () => [HeartbeatCommand.LimitV2, 16]);
	clock.advance(15_500);
	master.send(encodeStartStop(false, MASTER, SLAVE));
	clock.advance(2000);
	t.is(master.of("stopAck").length, 0);
	t.is(twc.state, SlaveState.Charging);
});

test("a link-ready2 burst: answered ~0.2 s after the second FB E2; slaves answering together collide", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = new TinyMaster(clock, bus.attach("master", "master"));
	const burst = { count: 5, delayMs: 200, spacingMs: 100, jitterMs: 0 };
	const a = new SimulatedWallConnector(clock, bus.attach("a", "slave"), { id: 0x1111, firstLinkReadyMs: 60_000, linkReadyBurst: burst });
	new SimulatedWallConnector(clock, bus.attach("b", "slave"), { id: 0x2222, firstLinkReadyMs: 60_000, linkReadyBurst: burst });
	master.send(encodeMasterLinkReady(2, MASTER, 0x77));
	clock.advance(1000);
	t.is(a.counts.linkReadySent, 0, "the first FB E2 is ignored");
	master.send(encodeMasterLinkReady(2, MASTER, 0x77));
	clock.advance(1000);
	t.is(a.counts.linkReadySent, 5);
	t.is(bus.stats.collisions.slaveVsSlave, 5, "identical timing: every pair collides");
	t.is(master.of("slaveLinkReady").length, 0);
});

test("with jitter, burst link-readies from two slaves mostly get through", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = new TinyMaster(clock, bus.attach("master", "master"));
	new SimulatedWallConnector(clock, bus.attach("a", "slave"), { id: 0x1111, firstLinkReadyMs: 60_000 });
	new SimulatedWallConnector(clock, bus.attach("b", "slave"), { id: 0x2222, firstLinkReadyMs: 60_000 });
	master.send(encodeMasterLinkReady(2, MASTER, 0x77));
	clock.advance(100);
	master.send(encodeMasterLinkReady(2, MASTER, 0x77));
	clock.advance(1000);
	const senders = master.of("slaveLinkReady").map((r) => r.message.sender);
	t.deepEqual(new Set(senders), new Set([0x1111, 0x2222]));
	t.is(senders.length + 2 * bus.stats.collisions.slaveVsSlave, 10);
	t.true(bus.stats.collisions.slaveVsSlave < 5);
});

test("a heartbeat ends the link-ready burst", (t) => {
	const { clock, master, twc } = setup({ firstLinkReadyMs: 60_000 });
	master.send(encodeMasterLinkReady(2, MASTER, 0x77));
	clock.advance(100);
	master.send(encodeMasterLinkReady(2, MASTER, 0x77));
	clock.advance(295); // between the first burst link-ready (≤ 374 ms) and the second (≥ 414 ms)
	t.is(twc.counts.linkReadySent, 1);
	master.heartbeat(SLAVE);
	clock.advance(1000);
	t.is(twc.counts.linkReadySent, 1, "the rest of the burst was cancelled");
	t.is(master.of("slaveHeartbeat").length, 1);
});

test("stop() silences the unit", (t) => {
	const { clock, master, twc } = setup();
	twc.stop();
	master.heartbeat(SLAVE);
	clock.advance(60_000);
	t.is(master.received.length, 0);
});
