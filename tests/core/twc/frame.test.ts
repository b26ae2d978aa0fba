import test from "ava";
import { seededRandom } from "../../../src/platform/random.js";
import {
	checksumOf,
	encodeFrame,
	FrameDecoder,
	fromHex,
	hasValidChecksum,
	MAX_BODY_LENGTH,
	MIN_BODY_LENGTH,
	toHex,
} from "../../../src/twc/frame.js";
import { capturedFrames } from "../support/fixtures.js";
import { cases } from "../support/runtime.js";

/** Decodes a byte stream fed in the given chunks; returns the bodies as hex and the decoder. */
function decodeAll(chunks: Uint8Array[], startMs = 0, stepMs = 1) {
	const bodies: string[] = [];
	const decoder = new FrameDecoder((body) => bodies.push(toHex(body)));
	let t = startMs;
	for (const chunk of chunks) decoder.push(chunk, (t += stepMs));
	return { bodies, decoder };
}

function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

const checkedFrames = capturedFrames().filter((f) => f.checksum_ok === true);

test("the checksum rule matches every captured frame whose checksum could be checked", (t) => {
	t.true(checkedFrames.length >= 20);
	for (const frame of checkedFrames) {
		const body = fromHex(frame.body_hex)!;
		t.true(hasValidChecksum(body), frame.id);
		t.is(checksumOf(body, body.length - 1), body[body.length - 1], frame.id);
	}
});

test("encodeFrame reproduces the captured frames byte for byte", (t) => {
	for (const frame of checkedFrames) {
		const body = fromHex(frame.body_hex)!;
		const wire = encodeFrame(body.subarray(0, body.length - 1));
		t.is(toHex(wire), toHex(concat(Uint8Array.of(0xc0), body, Uint8Array.of(0xc0))), frame.id);
	}
});

test("C0 and DB inside a message are escaped and come back", (t) => {
	const message = fromHex("FD E0 C0 DB 77 77 DB C0 00 00 00 00 00 00 00")!;
	const wire = encodeFrame(message);
	t.is(wire.indexOf(0xc0, 1), wire.length - 1, "no bare C0 inside the frame");
	t.true(toHex(wire).includes("DB DC"));
	t.true(toHex(wire).includes("DB DD"));
	const { bodies } = decodeAll([wire]);
	t.deepEqual(bodies, [toHex(message) + " " + toHex(Uint8Array.of(checksumOf(concat(message, Uint8Array.of(0)), message.length)))]);
});

test("every captured frame decodes from the wire with its trailing end byte, in any chunking", (t) => {
	const random = seededRandom(7);
	const trailers = [0xfe, 0xff, 0xf8, 0xfc];
	const stream: Uint8Array[] = [];
	const expected: string[] = [];
	for (const [i, frame] of checkedFrames.entries()) {
		const body = fromHex(frame.body_hex)!;
		stream.push(encodeFrame(body.subarray(0, body.length - 1)), Uint8Array.of(trailers[i % 4]));
		expected.push(toHex(body));
	}
	const all = concat(...stream);
	for (let run = 0; run < 20; run++) {
		const chunks: Uint8Array[] = [];
		for (let i = 0; i < all.length; ) {
			const n = 1 + Math.floor(random.next() * 12);
			chunks.push(all.subarray(i, i + n));
			i += n;
		}
		const { bodies, decoder } = decodeAll(chunks);
		t.deepEqual(bodies, expected);
		t.is(decoder.stats.badChecksum, 0);
		// Each trailing byte is noise between frames (the last one waits for the next C0 to be judged).
		t.is(decoder.stats.noiseBytes, checkedFrames.length - 1);
	}
});

test("the D9-2 capture: a frame followed by a stray FF is still one good frame", (t) => {
	const d92 = capturedFrames().find((f) => f.id === "D9-2")!;
	const body = fromHex(d92.body_hex)!;
	const wire = concat(Uint8Array.of(0xc0), body, Uint8Array.of(0xc0));
	const { bodies, decoder } = decodeAll([wire, Uint8Array.of(0xff), wire]);
	t.deepEqual(bodies, [toHex(body), toHex(body)]);
	t.is(decoder.stats.noiseBytes, 1);
});

test("noise, a bad checksum and a frame joined in the middle are counted, never thrown, and cost only themselves", (t) => {
	const good = fromHex("FD E0 20 19 77 77 08 02 58 02 10 00 00 00 00 7B")!;
	const goodWire = concat(Uint8Array.of(0xc0), good, Uint8Array.of(0xc0));
	const bad = good.slice();
	bad[8] ^= 0x01; // one flipped bit: checksum no longer matches
	const stream = concat(
		good.subarray(5), // joined mid-frame: the tail of a frame, then its closing C0
		Uint8Array.of(0xc0),
		Uint8Array.of(0x12, 0x34, 0x56), // noise
		goodWire,
		Uint8Array.of(0xfc),
		Uint8Array.of(0xc0), bad, Uint8Array.of(0xc0),
		goodWire,
	);
	const { bodies, decoder } = decodeAll([stream]);
	t.deepEqual(bodies, [toHex(good), toHex(good)]);
	t.is(decoder.stats.badChecksum, 1);
	t.true(decoder.stats.abandoned >= 1);
});

test("a partial frame followed by two seconds of silence is dropped", (t) => {
	const good = fromHex("FD E0 20 19 77 77 08 02 58 02 10 00 00 00 00 7B")!;
	const wire = concat(Uint8Array.of(0xc0), good, Uint8Array.of(0xc0));
	const decoder = new FrameDecoder(() => t.fail("no frame expected"));
	decoder.push(wire.subarray(0, 9), 0);
	decoder.push(wire.subarray(9), 2500); // the rest arrives much later: not the same frame
	t.is(decoder.stats.frames, 0);
	t.true(decoder.stats.abandoned >= 1);
});

test("bodies of 13 to 20 bytes are accepted, shorter or longer ones are not", (t) => {
	for (let length = 10; length <= 24; length++) {
		const message = new Uint8Array(length - 1);
		message[0] = 0xfd;
		message[1] = 0xe0;
		for (let i = 2; i < message.length; i++) message[i] = i;
		const { bodies, decoder } = decodeAll([encodeFrame(message)]);
		const accepted = length >= MIN_BODY_LENGTH && length <= MAX_BODY_LENGTH;
		t.is(bodies.length, accepted ? 1 : 0, `length ${length}`);
		if (!accepted && length > MAX_BODY_LENGTH) t.is(decoder.stats.badLength, 1);
	}
});

test("property: random bytes never throw and only checksum-valid bodies of an accepted length come out", (t) => {
	const random = seededRandom(42);
	const n = cases(2000);
	for (let c = 0; c < n; c++) {
		const bytes = new Uint8Array(Math.floor(random.next() * 200));
		for (let i = 0; i < bytes.length; i++) {
			const r = random.next();
			bytes[i] = r < 0.1 ? 0xc0 : r < 0.15 ? 0xdb : Math.floor(random.next() * 256);
		}
		const decoder = new FrameDecoder((body) => {
			if (!hasValidChecksum(body) || body.length < MIN_BODY_LENGTH || body.length > MAX_BODY_LENGTH) {
				t.fail(`bad body let through: ${toHex(body)}`);
			}
		});
		decoder.push(bytes, c);
	}
	t.pass();
});

test("property: frames survive random noise between them, and only the frames noise hits are lost", (t) => {
	const random = seededRandom(99);
	const n = cases(500);
	for (let c = 0; c < n; c++) {
		const parts: Uint8Array[] = [];
		const sent: string[] = [];
		const frames = 1 + Math.floor(random.next() * 8);
		for (let f = 0; f < frames; f++) {
			const message = new Uint8Array(13 + Math.floor(random.next() * 7));
			for (let i = 0; i < message.length; i++) message[i] = Math.floor(random.next() * 256);
			message[0] = 0xfb + Math.floor(random.next() * 3); // every message starts FB, FC or FD
			const wire = encodeFrame(message);
			parts.push(wire);
			sent.push(toHex(wire.subarray(1, wire.length - 1)));
			// Noise without a C0 between frames never costs a frame.
			const noise = new Uint8Array(Math.floor(random.next() * 5));
			for (let i = 0; i < noise.length; i++) noise[i] = 0x01 + Math.floor(random.next() * 0xbe);
			parts.push(noise);
		}
		const received: string[] = [];
		const decoder = new FrameDecoder((body) => {
			const wire = encodeFrame(body.subarray(0, body.length - 1));
			received.push(toHex(wire.subarray(1, wire.length - 1)));
		});
		decoder.push(concat(...parts), 0);
		t.deepEqual(received, sent);
	}
});
