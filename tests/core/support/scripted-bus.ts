/**
 * A scripted bus for the core tests (portable: runs under Node and XS). The master writes to a
 * ScriptedPort; the test sees every frame it sent, with its time, and injects bytes back.
 * ScriptedSlave answers heartbeats and queries the way a wall connector would, in the fewest lines.
 */
import type { BytePort, BytePortListener } from "../../../src/platform/byte-port.js";
import type { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { encodeFrame, FrameDecoder } from "../../../src/twc/frame.js";
import {
	decodeMessage,
	encodeMeterReply,
	encodeSlaveHeartbeat,
	encodeSlaveLinkReady,
	encodeStartStopAck,
	encodeVinReply,
	type Message,
	type ProtocolVersion,
} from "../../../src/twc/messages.js";

export interface SentFrame {
	at: number;
	body: Uint8Array;
	message: Message;
}

export class ScriptedPort implements BytePort {
	readonly sent: SentFrame[] = [];
	#listener: BytePortListener | undefined;
	#decoder: FrameDecoder;
	#clock: VirtualClock;
	#taps: ((frame: SentFrame) => void)[] = [];
	open = true;

	constructor(clock: VirtualClock) {
		this.#clock = clock;
		this.#decoder = new FrameDecoder((body) => {
			const copy = body.slice();
			const frame = { at: this.#clock.now(), body: copy, message: decodeMessage(copy) };
			this.sent.push(frame);
			for (const tap of this.#taps) tap(frame);
		});
	}

	listen(listener: BytePortListener): void {
		this.#listener = listener;
	}

	write(bytes: Uint8Array): boolean {
		if (!this.open) return false;
		this.#decoder.push(bytes, this.#clock.now());
		return true;
	}

	close(): void {}

	/** Calls `tap` with every frame the master sends from now on. */
	onSent(tap: (frame: SentFrame) => void): void {
		this.#taps.push(tap);
	}

	/** Delivers raw bytes to the master now. */
	inject(bytes: Uint8Array): void {
		this.#listener?.onBytes(bytes);
	}

	/** Delivers a framed message (checksum added), with a trailing end byte like a real unit. */
	injectMessage(message: Uint8Array): void {
		const frame = encodeFrame(message);
		const bytes = new Uint8Array(frame.length + 1);
		bytes.set(frame);
		bytes[frame.length] = 0xfc;
		this.inject(bytes);
	}

	status(open: boolean, reason: string): void {
		this.open = open;
		this.#listener?.onStatus?.(open, reason);
	}

	/** Frames of a kind, optionally to one receiver. */
	heartbeatsTo(id: number): SentFrame[] {
		return this.sent.filter((f) => f.message.kind === "masterHeartbeat" && f.message.receiver === id);
	}
}

export interface ScriptedSlaveOptions {
	id: number;
	protocol?: ProtocolVersion;
	maxAmps?: number;
	/** Amps the car draws: a number, or a function of the limit the slave holds. */
	draw?: number | ((limit: number) => number);
	vin?: string;
	replyDelayMs?: number;
	/** Stop answering (a unit that went silent). */
	silent?: boolean;
	/** Its link-ready's maximum in centiamps, exactly (overrides maxAmps; 0 … 65535). */
	maxCentiamps?: number;
	/** The state byte of its heartbeat replies, from the limit held and the amps drawn (default 01 at 1 A, else 00). */
	state?: (limitAmps: number, amps: number) => number;
	/** The limit its replies report, in centiamps, from the one it holds (default: what it holds). */
	reportedLimit?: (heldCentiamps: number) => number;
	/** Hears nothing (a broken receiver): keeps the limit it holds, answers nothing. */
	deaf?: boolean;
	/** Hears and obeys, but sends nothing (a broken transmitter). */
	mute?: boolean;
	/** Acknowledges FC B1 / FC B2 (firmware 4.5.3+). */
	acksStartStop?: boolean;
	/** Does not answer meter, VIN, firmware and serial queries. */
	ignoresQueries?: boolean;
	/** Misses a frame (noise) when this returns true: neither obeys nor answers it. */
	misses?: () => boolean;
}

export class ScriptedSlave {
	readonly options: ScriptedSlaveOptions;
	limitCentiamps = 0;
	heartbeats = 0;
	/** When it last heard a heartbeat addressed to it (-Infinity: never). */
	lastHeardAt = -Infinity;
	#port: ScriptedPort;
	#clock: VirtualClock;

	constructor(port: ScriptedPort, clock: VirtualClock, options: ScriptedSlaveOptions) {
		this.options = options;
		this.#port = port;
		this.#clock = clock;
		port.onSent((frame) => this.#hear(frame.message));
	}

	get protocol(): ProtocolVersion {
		return this.options.protocol ?? 2;
	}

	/** The maximum its link-ready carries, in centiamps. */
	get maxCentiamps(): number {
		return this.options.maxCentiamps ?? (this.options.maxAmps ?? 32) * 100;
	}

	linkReady(): void {
		if (this.options.mute) return;
		this.#port.injectMessage(encodeSlaveLinkReady(this.options.id, 0x52, this.maxCentiamps, this.protocol));
	}

	#reply(message: Uint8Array): void {
		this.#clock.setTimer(this.options.replyDelayMs ?? 15, () => {
			if (!this.options.silent && !this.options.mute) this.#port.injectMessage(message);
		});
	}

	#hear(m: Message): void {
		if (this.options.silent || this.options.deaf) return;
		const id = this.options.id;
		if ("receiver" in m && m.receiver === id && this.options.misses?.()) return;
		if (m.kind === "masterHeartbeat" && m.receiver === id) {
			this.heartbeats++;
			this.lastHeardAt = this.#clock.now();
			if (m.command === 0x05 || m.command === 0x09) this.limitCentiamps = m.centiamps;
			const limit = this.limitCentiamps / 100;
			const draw = this.options.draw;
			const amps = typeof draw === "function" ? draw(limit) : Math.min(draw ?? 0, limit);
			const state = this.options.state ? this.options.state(limit, amps) : amps >= 1 ? 0x01 : 0x00;
			const reported = this.options.reportedLimit ? this.options.reportedLimit(this.limitCentiamps) : this.limitCentiamps;
			this.#reply(encodeSlaveHeartbeat(id, m.sender, state & 0xff, centiamps(reported), centiamps(amps * 100), this.protocol));
		} else if ((m.kind === "startCharging" || m.kind === "stopCharging") && m.receiver === id) {
			if (this.options.acksStartStop) this.#reply(encodeStartStopAck(m.kind === "startCharging", id));
		} else if (m.kind === "query" && m.receiver === id && !this.options.ignoresQueries) {
			const vin = this.options.vin ?? "";
			if (m.opcode === 0xfbeb) this.#reply(encodeMeterReply(id, 1234, [240, 0, 0], [0, 0, 0]));
			else if (m.opcode === 0xfbee) this.#reply(encodeVinReply(id, 0, vin.slice(0, 7)));
			else if (m.opcode === 0xfbef) this.#reply(encodeVinReply(id, 1, vin.slice(7, 14)));
			else if (m.opcode === 0xfbf1) this.#reply(encodeVinReply(id, 2, vin.slice(14, 17)));
		}
	}
}

/** A 16-bit centiamp field: rounded, within 0 … 65535 (NaN reads as 65535, the "no reading" pattern). */
function centiamps(value: number): number {
	if (Number.isNaN(value)) return 0xffff;
	return Math.max(0, Math.min(0xffff, Math.round(value)));
}
