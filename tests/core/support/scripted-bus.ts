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
}

export class ScriptedSlave {
	readonly options: ScriptedSlaveOptions;
	limitCentiamps = 0;
	heartbeats = 0;
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

	linkReady(): void {
		this.#port.injectMessage(encodeSlaveLinkReady(this.options.id, 0x52, (this.options.maxAmps ?? 32) * 100, this.protocol));
	}

	#reply(message: Uint8Array): void {
		this.#clock.setTimer(this.options.replyDelayMs ?? 15, () => {
			if (!this.options.silent) this.#port.injectMessage(message);
		});
	}

	#hear(m: Message): void {
		if (this.options.silent) return;
		const id = this.options.id;
		if (m.kind === "masterHeartbeat" && m.receiver === id) {
			this.heartbeats++;
			if (m.command === 0x05 || m.command === 0x09) this.limitCentiamps = m.centiamps;
			const limit = this.limitCentiamps / 100;
			const draw = this.options.draw;
			const amps = typeof draw === "function" ? draw(limit) : Math.min(draw ?? 0, limit);
			const state = amps >= 1 ? 0x01 : 0x00;
			this.#reply(encodeSlaveHeartbeat(id, m.sender, state, this.limitCentiamps, Math.round(amps * 100), this.protocol));
		} else if (m.kind === "query" && m.receiver === id) {
			const vin = this.options.vin ?? "";
			if (m.opcode === 0xfbeb) this.#reply(encodeMeterReply(id, 1234, [240, 0, 0], [0, 0, 0]));
			else if (m.opcode === 0xfbee) this.#reply(encodeVinReply(id, 0, vin.slice(0, 7)));
			else if (m.opcode === 0xfbef) this.#reply(encodeVinReply(id, 1, vin.slice(7, 14)));
			else if (m.opcode === 0xfbf1) this.#reply(encodeVinReply(id, 2, vin.slice(14, 17)));
		}
	}
}
