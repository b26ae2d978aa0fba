/**
 * TWC gen2 bus framing (reference twcmanager-core.md §1.2–§1.5): a frame is C0, the escaped body, C0.
 * The body is opcode + IDs + payload + checksum; checksum = sum of every body byte after the first,
 * mod 256. Escapes: C0 → DB DC, DB → DB DD. Real units send one extra byte after the closing C0
 * (FE, FF, F8 or FC): it is noise between frames and never part of a frame.
 */

export const FRAME_DELIMITER = 0xc0;
const ESCAPE = 0xdb;
const ESCAPED_DELIMITER = 0xdc;
const ESCAPED_ESCAPE = 0xdd;

/** Shortest and longest body (with checksum) we accept: 13 (JN queries) to 20 (fw 4.5.3 data replies). */
export const MIN_BODY_LENGTH = 13;
export const MAX_BODY_LENGTH = 20;

/** A partial frame with no new byte for this long is dropped (TWCManager: 2 s, §1.5). */
export const PARTIAL_FRAME_TIMEOUT_MS = 2000;

/** At 9600 baud 8N1 a byte takes 10 bits: 1.0417 ms on the wire. */
export const BYTE_TIME_MS = 10_000 / 9600;

/** Sum of body[1 .. end-1] mod 256: what the checksum byte at `end` must be. */
export function checksumOf(body: Uint8Array, end: number): number {
	let sum = 0;
	for (let i = 1; i < end; i++) sum += body[i];
	return sum & 0xff;
}

/** True when the last byte of `body` is the checksum of the bytes before it. */
export function hasValidChecksum(body: Uint8Array): boolean {
	return body.length >= 2 && body[body.length - 1] === checksumOf(body, body.length - 1);
}

/**
 * Frames a message: appends the checksum to `message` (opcode, IDs, payload), escapes, and adds
 * the delimiters. Returns the bytes to put on the wire.
 */
export function encodeFrame(message: Uint8Array): Uint8Array {
	const cs = checksumOf(message, message.length);
	let escapes = 0;
	for (const b of message) if (b === FRAME_DELIMITER || b === ESCAPE) escapes++;
	if (cs === FRAME_DELIMITER || cs === ESCAPE) escapes++;
	const out = new Uint8Array(message.length + 1 + escapes + 2);
	let o = 0;
	out[o++] = FRAME_DELIMITER;
	const put = (b: number) => {
		if (b === FRAME_DELIMITER) {
			out[o++] = ESCAPE;
			out[o++] = ESCAPED_DELIMITER;
		} else if (b === ESCAPE) {
			out[o++] = ESCAPE;
			out[o++] = ESCAPED_ESCAPE;
		} else out[o++] = b;
	};
	for (const b of message) put(b);
	put(cs);
	out[o++] = FRAME_DELIMITER;
	return out;
}

/** Counters of what the decoder saw; they only ever grow. */
export interface FrameStats {
	/** Checksum-valid frames of an accepted length, handed on. */
	frames: number;
	/** Complete frames whose checksum did not match. */
	badChecksum: number;
	/** Complete frames shorter or longer than any message. */
	badLength: number;
	/** Frames with DB followed by something other than DC / DD. */
	badEscape: number;
	/**
	 * Checksum-valid frames whose first byte is not FB, FC or FD. The checksum leaves the first byte
	 * out (§1.3), so a collision can change it unseen: such a frame is damaged, not a new message.
	 */
	badType: number;
	/** Partial frames abandoned: a new frame started, too long without a delimiter, or a 2 s silence. */
	abandoned: number;
	/** Bytes between frames (trailing end bytes, noise). */
	noiseBytes: number;
}

export type FrameListener = (body: Uint8Array) => void;

const IDLE = 0;
const IN_FRAME = 1;

/**
 * Streaming decoder: bytes in any chunking → checksum-valid frame bodies. It never throws on
 * input; everything odd is counted in `stats`. The body handed to the listener is a view of an
 * internal buffer, valid only during the call (no allocation per frame).
 *
 * Every C0 may close one frame and open the next, so a burst of noise costs at most the frame it
 * hit, and senders that share one C0 between two frames are understood. A candidate too short to be
 * a frame is dropped and its closing C0 opens a new one (§1.5: started listening mid-frame, or noise
 * containing C0); right after a good frame such a candidate is the unit's trailing end byte, counted
 * as noise.
 */
export class FrameDecoder {
	readonly stats: FrameStats = { frames: 0, badChecksum: 0, badLength: 0, badEscape: 0, badType: 0, abandoned: 0, noiseBytes: 0 };
	#listener: FrameListener;
	#buffer = new Uint8Array(MAX_BODY_LENGTH + 4);
	#length = 0;
	#state = IDLE;
	#escaping = false;
	#badEscape = false;
	#overflow = false;
	/** Bytes received since the last C0 (raw, before unescaping). */
	#raw = 0;
	/** The candidate began at the closing C0 of a good frame. */
	#afterGood = false;
	#lastByteAt = 0;

	constructor(listener: FrameListener) {
		this.#listener = listener;
	}

	/** Feeds received bytes; `nowMs` is when they arrived (for the partial-frame timeout). */
	push(bytes: Uint8Array, nowMs: number): void {
		if (this.#state === IN_FRAME && this.#raw > 0 && nowMs - this.#lastByteAt >= PARTIAL_FRAME_TIMEOUT_MS) {
			this.#dropCandidate();
			this.#state = IDLE;
		}
		if (bytes.length > 0) this.#lastByteAt = nowMs;
		for (let i = 0; i < bytes.length; i++) this.#byte(bytes[i]);
	}

	/** Forgets any partial frame (e.g. the port was reopened). */
	reset(): void {
		this.#startFrame(false);
		this.#state = IDLE;
	}

	#startFrame(afterGood: boolean): void {
		this.#state = IN_FRAME;
		this.#afterGood = afterGood;
		this.#raw = 0;
		this.#length = 0;
		this.#escaping = false;
		this.#badEscape = false;
		this.#overflow = false;
	}

	#byte(b: number): void {
		if (this.#state === IDLE) {
			if (b === FRAME_DELIMITER) this.#startFrame(false);
			else this.stats.noiseBytes++;
			return;
		}
		if (b === FRAME_DELIMITER) {
			this.#endFrame();
			return;
		}
		this.#raw++;
		if (this.#overflow) return;
		if (this.#escaping) {
			this.#escaping = false;
			if (b === ESCAPED_DELIMITER) b = FRAME_DELIMITER;
			else if (b === ESCAPED_ESCAPE) b = ESCAPE;
			else this.#badEscape = true;
		} else if (b === ESCAPE) {
			this.#escaping = true;
			return;
		}
		if (this.#length >= this.#buffer.length) {
			// Far too long for any message: a lost delimiter. Wait for the next C0.
			this.#overflow = true;
			return;
		}
		this.#buffer[this.#length++] = b;
	}

	/** Counts a candidate that is not a frame: noise after a good frame, else an abandoned partial. */
	#dropCandidate(): void {
		if (this.#afterGood) this.stats.noiseBytes += this.#raw;
		else this.stats.abandoned++;
	}

	#endFrame(): void {
		const length = this.#length;
		if (this.#raw === 0) {
			// C0 C0: a closing delimiter followed by an opening one. Stay ready for a frame.
			this.#startFrame(false);
			return;
		}
		if ((length < MIN_BODY_LENGTH && !this.#overflow) || (this.#overflow && this.#afterGood)) {
			// Not a frame: we joined mid-frame, or noise. This C0 opens the next candidate.
			this.#dropCandidate();
			this.#startFrame(false);
			return;
		}
		const body = this.#buffer.subarray(0, length);
		let good = false;
		if (this.#overflow || length > MAX_BODY_LENGTH) this.stats.badLength++;
		else if (this.#badEscape) this.stats.badEscape++;
		else if (!hasValidChecksum(body)) this.stats.badChecksum++;
		else if (body[0] < 0xfb || body[0] > 0xfd) this.stats.badType++;
		else good = true;
		// This C0 may also open the next frame (see the class comment).
		this.#startFrame(good);
		if (good) {
			this.stats.frames++;
			this.#listener(body);
		}
	}
}

/** Bytes as "FD E2 18 39 …" for logs. */
export function toHex(bytes: Uint8Array): string {
	let s = "";
	for (let i = 0; i < bytes.length; i++) {
		if (i > 0) s += " ";
		s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16).toUpperCase();
	}
	return s;
}

/** "FD E2 18 39" or "fde21839" → bytes; undefined if it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
	const clean = text.replace(/\s+/g, "");
	if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
	const out = new Uint8Array(clean.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
	return out;
}
