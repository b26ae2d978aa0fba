import test from "ava";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { seededRandom } from "../../../src/platform/random.js";
import { BYTE_TIME_MS, encodeFrame, FrameDecoder } from "../../../src/twc/frame.js";
import {
	decodeMessage,
	encodeMasterHeartbeat,
	encodeSlaveHeartbeat,
	encodeSlaveLinkReady,
	HeartbeatCommand,
} from "../../../src/twc/messages.js";
import { SimulatedBus, type SimulatedBusPort } from "../../../host-sim/sim/bus.js";

/** Records what a port receives: raw chunks with their arrival time, and decoded frames. */
function recorder(clock: VirtualClock, port: SimulatedBusPort) {
	const chunks: { at: number; bytes: number[] }[] = [];
	const frames: { at: number; body: number[] }[] = [];
	const decoder = new FrameDecoder((body) => frames.push({ at: clock.now(), body: [...body] }));
	const status: boolean[] = [];
	port.listen({
		onBytes(bytes) {
			chunks.push({ at: clock.now(), bytes: [...bytes] });
			decoder.push(bytes, clock.now());
		},
		onStatus(open) {
			status.push(open);
		},
	});
	return { chunks, frames, decoder, status };
}

const heartbeat = () => encodeFrame(encodeMasterHeartbeat(0x7777, 0x1234, HeartbeatCommand.LimitV2, 1600));
const slaveHeartbeat = (id = 0x1234) => encodeFrame(encodeSlaveHeartbeat(id, 0x7777, 1, 1600, 1590, 2));

test("a frame arrives whole, once, when its last byte has crossed the wire", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = bus.attach("master", "master");
	const slave = bus.attach("slave", "slave");
	const m = recorder(clock, master);
	const s = recorder(clock, slave);
	const frame = heartbeat();
	t.is(frame.length, 18); // 16-byte body + two C0
	t.true(master.write(frame));
	clock.advance(18 * BYTE_TIME_MS - 0.01);
	t.is(s.chunks.length, 0, "nothing before the end of the frame");
	clock.advance(1);
	t.is(s.chunks.length, 1);
	t.deepEqual(s.chunks[0].bytes, [...frame]);
	t.true(Math.abs(s.chunks[0].at - 18.75) < 1e-9, "18 bytes × 1.0417 ms");
	t.is(s.frames.length, 1);
	t.deepEqual(decodeMessage(new Uint8Array(s.frames[0].body)), {
		kind: "masterHeartbeat",
		sender: 0x7777,
		receiver: 0x1234,
		command: 9,
		centiamps: 1600,
		masterPluggedIn: false,
	});
	t.is(m.chunks.length, 0, "no echo by default");
	t.deepEqual(bus.stats.frames, { master: 1, slave: 0 });
	t.is(bus.stats.bytesDelivered, 18);
	t.deepEqual(s.status, [true], "ports report open after listen");
});

test("echoToSender makes the sender hear its own frame", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock, { echoToSender: true });
	const master = bus.attach("master", "master");
	const slave = bus.attach("slave", "slave", { echo: false });
	const m = recorder(clock, master);
	const s = recorder(clock, slave);
	master.write(heartbeat());
	clock.advance(50);
	slave.write(slaveHeartbeat());
	clock.advance(100);
	t.is(m.frames.length, 2, "master hears its own frame and the slave's");
	t.is(s.frames.length, 1, "the slave port opted out of the echo");
});

test("one sender's frames go out back to back, not on top of each other", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = bus.attach("master", "master");
	const s = recorder(clock, bus.attach("slave", "slave"));
	master.write(heartbeat());
	master.write(heartbeat());
	clock.advance(100);
	t.is(s.frames.length, 2);
	t.true(Math.abs(s.frames[1].at - 36 * BYTE_TIME_MS) < 1e-9);
	t.deepEqual(bus.stats.collisions, { masterVsSlave: 0, slaveVsSlave: 0, masterVsMaster: 0 });
});

test("a reply written the instant the request arrives does not collide with it", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = bus.attach("master", "master");
	const slave = bus.attach("slave", "slave");
	const m = recorder(clock, master);
	slave.listen({ onBytes: () => slave.write(slaveHeartbeat()) });
	master.write(heartbeat());
	clock.advance(100);
	t.is(m.frames.length, 1);
	t.is(bus.stats.collisions.masterVsSlave, 0);
});

test("overlapping master and slave frames garble each other and count as masterVsSlave", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = bus.attach("master", "master");
	const slave = bus.attach("slave", "slave");
	const listener = recorder(clock, bus.attach("sniffer", "slave"));
	master.write(heartbeat());
	clock.advance(5);
	slave.write(slaveHeartbeat());
	clock.advance(100);
	t.is(listener.chunks.length, 2, "both frames are delivered, garbled");
	t.is(listener.frames.length, 0, "neither decodes");
	t.deepEqual(bus.stats.collisions, { masterVsSlave: 1, slaveVsSlave: 0, masterVsMaster: 0 });
	t.is(bus.stats.garbledFrames, 2);
	// Bytes before the overlap are intact.
	t.deepEqual(listener.chunks[0].bytes.slice(0, 4), [...heartbeat().slice(0, 4)]);
});

test("slaves answering together collide as slaveVsSlave", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const m = recorder(clock, bus.attach("master", "master"));
	const a = bus.attach("a", "slave");
	const b = bus.attach("b", "slave");
	const c = bus.attach("c", "slave");
	a.write(encodeFrame(encodeSlaveLinkReady(0x1111, 1, 3200, 2)));
	clock.advance(3);
	b.write(encodeFrame(encodeSlaveLinkReady(0x2222, 2, 3200, 2)));
	clock.advance(3);
	c.write(encodeFrame(encodeSlaveLinkReady(0x3333, 3, 3200, 2)));
	clock.advance(100);
	t.is(m.frames.length, 0);
	t.deepEqual(bus.stats.collisions, { masterVsSlave: 0, slaveVsSlave: 3, masterVsMaster: 0 });
});

test("no overlap of any offset lets a garbled frame through", (t) => {
	const frames = [heartbeat(), slaveHeartbeat(), encodeFrame(encodeSlaveLinkReady(0x1234, 0x55, 3200, 1))];
	let checked = 0;
	for (const first of frames) {
		for (const second of frames) {
			for (let offset = 0; offset < first.length * BYTE_TIME_MS; offset += 0.25) {
				const clock = new VirtualClock(0);
				const bus = new SimulatedBus(clock);
				const listener = recorder(clock, bus.attach("sniffer", "slave"));
				bus.attach("a", "master").write(first);
				clock.advance(offset);
				bus.attach("b", "slave").write(second);
				clock.advance(100);
				t.is(listener.frames.length, 0, `offset ${offset}`);
				checked++;
			}
		}
	}
	t.true(checked > 500);
});

test("a closed port neither sends nor receives", (t) => {
	const clock = new VirtualClock(0);
	const bus = new SimulatedBus(clock);
	const master = bus.attach("master", "master");
	const slave = bus.attach("slave", "slave");
	const s = recorder(clock, slave);
	slave.close();
	t.false(slave.write(slaveHeartbeat()));
	t.true(master.write(heartbeat()));
	clock.advance(100);
	t.is(s.chunks.length, 0);
	t.is(bus.stats.frames.slave, 0);
});

test("noise: random bytes between frames do not hide frames; bit flips break them (or byte 0)", (t) => {
	const clock = new VirtualClock(0);
	const noisy = new SimulatedBus(clock, { random: seededRandom(7), noise: { byteProbability: 1, maxBytes: 3 } });
	const master = noisy.attach("master", "master");
	const s = recorder(clock, noisy.attach("slave", "slave"));
	for (let i = 0; i < 50; i++) {
		master.write(heartbeat());
		clock.advance(100);
	}
	t.true(noisy.stats.noiseBytes >= 50);
	// Up to 3 bytes are too few to pass for a frame; even a noise C0 only opens a candidate that the next C0 drops.
	t.is(s.frames.length, 50);

	const flippy = new SimulatedBus(clock, { random: seededRandom(8), noise: { bitFlipProbability: 1 } });
	const m2 = flippy.attach("master", "master");
	const s2 = recorder(clock, flippy.attach("slave", "slave"));
	for (let i = 0; i < 20; i++) {
		m2.write(heartbeat());
		clock.advance(100);
	}
	t.is(flippy.stats.bitFlips, 20);
	// The checksum does not cover the first byte (§1.3): a flip there passes, with a wrong opcode.
	const original = [...heartbeat().subarray(1, 17)];
	for (const f of s2.frames) {
		t.notDeepEqual(f.body, original);
		t.deepEqual(f.body.slice(1), original.slice(1), "only byte 0 may differ");
	}
	t.true(s2.frames.length < 5);
});

test("monitor sees every frame with its timing and collision flag", (t) => {
	const clock = new VirtualClock(1000);
	const bus = new SimulatedBus(clock);
	const seen: { sender: string; start: number; collided: boolean }[] = [];
	const stop = bus.monitor((x) => seen.push({ sender: x.sender, start: x.startMs, collided: x.collided }));
	bus.attach("m", "master").write(heartbeat());
	clock.advance(100);
	bus.attach("s", "slave").write(slaveHeartbeat());
	clock.advance(100);
	stop();
	bus.attach("s2", "slave").write(slaveHeartbeat());
	clock.advance(100);
	t.deepEqual(seen, [
		{ sender: "m", start: 1000, collided: false },
		{ sender: "s", start: 1100, collided: false },
	]);
	t.true(bus.busyUntil < clock.now());
});
