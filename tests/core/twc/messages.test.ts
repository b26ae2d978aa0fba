import test from "ava";
import { seededRandom } from "../../../src/platform/random.js";
import { fromHex, toHex } from "../../../src/twc/frame.js";
import {
	decodeMessage,
	encodeFirmwareReply,
	encodeMasterHeartbeat,
	encodeMasterLinkReady,
	encodeMeterReply,
	encodeQuery,
	encodeSerialReply,
	encodeSlaveHeartbeat,
	encodeSlaveLinkReady,
	encodeStartStop,
	encodeVinReply,
	formatTwcId,
	HeartbeatCommand,
	isSafeMasterMessage,
	Opcode,
	QUERY_OPCODES,
	type HeartbeatCommandCode,
	type Message,
} from "../../../src/twc/messages.js";
import { assembleVin, isValidVin } from "../../../src/twc/vin.js";
import { capturedFrames, type CapturedFrame } from "../support/fixtures.js";
import { cases } from "../support/runtime.js";

const frames = capturedFrames();

function body(frame: CapturedFrame): Uint8Array {
	return fromHex(frame.body_hex.replace(/XX/g, "00"))!;
}

/** Appends a checksum-position byte so a checksum-less message decodes like a body. */
function asBody(message: Uint8Array): Uint8Array {
	const b = new Uint8Array(message.length + 1);
	b.set(message);
	return b;
}

function hexId(id: number | undefined): string | undefined {
	return id === undefined ? undefined : formatTwcId(id);
}

test("every captured frame decodes to what its SOURCES note says", (t) => {
	let checked = 0;
	for (const frame of frames) {
		const d = frame.decoded;
		if (!d || frame.body_hex.split(" ").length < 13) continue; // the payload-only line has its own test
		const m = decodeMessage(body(frame));
		const type = String(d.type);
		t.is(toHex(Uint8Array.of(...fromHex(type)!)), toHex(body(frame).subarray(0, 2)), `${frame.id} opcode`);
		switch (m.kind) {
			case "masterLinkReady":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(m.sign.toString(16).toUpperCase().padStart(2, "0"), d.sign, frame.id);
				t.is(m.which, type === "FCE1" ? 1 : 2, frame.id);
				break;
			case "slaveLinkReady":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(m.maxCentiamps / 100, d.max_amps, frame.id);
				t.is(m.protocol, d.protocol, frame.id);
				t.is(m.sign.toString(16).toUpperCase(), d.sign, frame.id);
				break;
			case "masterHeartbeat":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(hexId(m.receiver), d.receiver, frame.id);
				t.is(m.command, parseInt(String(d.state), 16), frame.id);
				t.is(m.centiamps / 100, d.amps_a, frame.id);
				break;
			case "slaveHeartbeat":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(hexId(m.receiver), d.receiver, frame.id);
				t.is(m.state, parseInt(String(d.state), 16), frame.id);
				t.is(m.limitCentiamps / 100, d.amps_a, frame.id);
				t.is(m.actualCentiamps / 100, d.amps_b, frame.id);
				t.is(m.protocol, d.protocol, frame.id);
				break;
			case "query":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(hexId(m.receiver), d.receiver, frame.id);
				break;
			case "firmware":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(m.version, d.version, frame.id);
				break;
			case "vin":
				t.is(hexId(m.sender), d.sender, frame.id);
				t.is(m.allZero, d.all_zero, frame.id);
				t.is(m.text, "", frame.id);
				break;
			case "meter":
				if (d.sender !== null) t.is(hexId(m.sender), d.sender, frame.id);
				t.is(m.lifetimeCounter, d.lifetime_counter, frame.id);
				t.deepEqual(m.volts, d.volts, frame.id);
				t.truthy(m.amps, `${frame.id}: 20-byte replies carry per-phase amps`);
				break;
			default:
				t.fail(`${frame.id} decoded as ${m.kind}`);
		}
		checked++;
	}
	t.is(checked, frames.length - 1);
});

test("the payload-only capture N298-3 is a real master's error heartbeat (command 02), which we can never send", (t) => {
	const payload = frames.find((f) => f.id === "N298-3")!;
	const message = new Uint8Array(6 + 9);
	message.set([0xfb, 0xe0, 0x60, 0x90, 0x77, 0x77]);
	message.set(fromHex(payload.body_hex)!, 6);
	const m = decodeMessage(asBody(message)) as Extract<Message, { kind: "masterHeartbeat" }>;
	t.is(m.kind, "masterHeartbeat");
	t.is(m.command, 0x02);
	t.is(m.centiamps >> 8, 0x05, "error code 05 in byte 7");
	t.false(isSafeMasterMessage(message));
	t.throws(() => encodeMasterHeartbeat(0x7777, 0x6090, 0x02 as HeartbeatCommandCode, 0x500));
});

test("our encoders produce TWCManager's frames exactly (captured Tx frames)", (t) => {
	const tx = (id: string) => toHex(body(frames.find((f) => f.id === id)!).subarray(0, -1));
	t.is(toHex(encodeMasterLinkReady(1, 0x7777, 0x77)), tx("D9-1"));
	t.is(toHex(encodeMasterLinkReady(2, 0x7777, 0x77)), tx("D9-3"));
	t.is(toHex(encodeMasterHeartbeat(0x7777, 0x2019, HeartbeatCommand.NoChange, 0)), tx("N453-1"));
	t.is(toHex(encodeMasterHeartbeat(0x7777, 0x022c, HeartbeatCommand.LimitV1, 2200)), tx("N395-2"));
	t.is(toHex(encodeMasterHeartbeat(0x7777, 0x02bb, HeartbeatCommand.NoChange, 0)), tx("D6-3"));
	t.is(toHex(encodeQuery(Opcode.Vin1Query, 0x7777, 0x2019)), tx("N453-2"));
	t.is(toHex(encodeQuery(Opcode.Vin2Query, 0x7777, 0x2019)), tx("N453-3"));
	t.is(toHex(encodeQuery(Opcode.Vin3Query, 0x7777, 0x2019)), tx("N453-4"));
	t.is(toHex(encodeSlaveLinkReady(0x1839, 0x52, 3200, 2)), tx("D9-4"));
	t.is(toHex(encodeSlaveHeartbeat(0x2019, 0x7777, 0x08, 600, 528, 2)), tx("N453-5"));
	t.is(toHex(encodeSlaveHeartbeat(0x022c, 0x7777, 0x02, 0, 1686, 1)), tx("N395-1"));
	t.is(toHex(encodeFirmwareReply(0x6090, [4, 5, 3, 2], false)), tx("N298-1"));
	t.is(toHex(encodeVinReply(0x6090, 0, "")), tx("N298-2"));
	t.is(toHex(encodeMeterReply(0x6061, 0x00a320ec, [241, 0, 0], [0, 0, 0])), tx("WSQ-1"));
});

test("slave-side encoders round-trip through the decoder", (t) => {
	t.deepEqual(decodeMessage(asBody(encodeSlaveLinkReady(0x1234, 0x55, 8000, 1))), {
		kind: "slaveLinkReady", sender: 0x1234, sign: 0x55, maxCentiamps: 8000, protocol: 1,
	});
	t.deepEqual(decodeMessage(asBody(encodeMeterReply(0x1234, 924, [244, 240, 245], [10.5, 11, 0]))), {
		kind: "meter", sender: 0x1234, lifetimeCounter: 924, volts: [244, 240, 245], amps: [10.5, 11, 0],
	});
	t.deepEqual(decodeMessage(asBody(encodeVinReply(0x1234, 2, "123"))), { kind: "vin", sender: 0x1234, part: 2, text: "123", allZero: false });
	t.deepEqual(decodeMessage(asBody(encodeSerialReply(0x1234, "A1234567890", false))), { kind: "serial", sender: 0x1234, serial: "A1234567890" });
	t.deepEqual(decodeMessage(asBody(encodeSerialReply(0x1234, "A1234567890", true))), { kind: "serial", sender: undefined, serial: "A1234567890" });
	t.deepEqual(decodeMessage(asBody(encodeFirmwareReply(0x1234, [4, 5, 3], true))), { kind: "firmware", sender: undefined, version: "4.5.3" });
	t.deepEqual(decodeMessage(asBody(encodeStartStop(true, 0x7777, 0x1234))), { kind: "startCharging", sender: 0x7777, receiver: 0x1234 });
});

test("commands that can disable a unit are refused on the path to the wire", (t) => {
	const withOpcode = (op: number) => {
		const m = new Uint8Array(15);
		m[0] = op >> 8;
		m[1] = op & 0xff;
		return m;
	};
	t.false(isSafeMasterMessage(withOpcode(0xfc19)));
	t.false(isSafeMasterMessage(withOpcode(0xfc1a)));
	t.false(isSafeMasterMessage(withOpcode(0xfbe8)));
	for (const command of [0x02, 0x06, 0x07, 0x08, 0xff]) {
		const hb = encodeMasterHeartbeat(0x7777, 0x1234, 0, 0);
		hb[6] = command;
		t.false(isSafeMasterMessage(hb), `heartbeat command ${command}`);
	}
	for (const command of [0x00, 0x05, 0x09] as const) t.true(isSafeMasterMessage(encodeMasterHeartbeat(0x7777, 0x1234, command, 1600)));
	for (const op of QUERY_OPCODES) t.true(isSafeMasterMessage(encodeQuery(op, 0x7777, 0x1234)));
	t.throws(() => encodeQuery(0xfc19, 0x7777, 0x1234));
	t.throws(() => encodeQuery(0xfbe8, 0x7777, 0x1234));
});

test("property: any body decodes without throwing", (t) => {
	const random = seededRandom(3);
	for (let c = 0; c < cases(5000); c++) {
		const b = new Uint8Array(13 + Math.floor(random.next() * 8));
		for (let i = 0; i < b.length; i++) b[i] = Math.floor(random.next() * 256);
		if (c % 3 === 0) b[0] = 0xfd;
		const m = decodeMessage(b);
		t.truthy(m.kind);
	}
});

test("VIN check digit (ISO 3779) and assembly", (t) => {
	const valid = "1M8GDM9AXKP042788"; // the textbook example VIN
	t.true(isValidVin(valid));
	t.false(isValidVin("1M8GDM9A1KP042788"), "wrong check digit");
	t.false(isValidVin("1M8GDM9AXKP04278"), "16 characters");
	t.false(isValidVin("IM8GDM9AXKP042788"), "I is not allowed");
	t.deepEqual(assembleVin(["1M8GDM9", "AXKP042", "788"]), { kind: "vin", vin: valid });
	t.deepEqual(assembleVin(["", "", ""]), { kind: "none" });
	t.is(assembleVin(["1M8GDM9", "A1KP042", "788"]).kind, "invalid");
	t.is(assembleVin(["1M8GDM9", "AXKP", "788"]).kind, "invalid");
});
