/**
 * Another master on the bus, and what the master does while it is there.
 *
 * Wall connectors follow whichever heartbeat came last (§3.2), so two masters each keeping their
 * own limits within the wiring total can still add up past it: two instances of this program on
 * one bus (a multi-client RS485-to-Ethernet converter, a board and a PC) linked the same units and
 * held 52 A on a 40 A circuit. A second master shows itself by:
 * - a master frame with our ID that is not a byte-exact echo of one we just wrote (an adapter's
 *   echo is; a second instance with the same config sends the same ID);
 * - a master frame with another ID (a wall connector whose rotary switch is not on F, §3.6);
 * - a slave heartbeat addressed to our ID from a unit we never linked (slaves only answer heartbeats);
 * - a slave reporting, twice within REPORT_WINDOW_MS, a limit we never commanded it (it mirrors
 *   the limit of the last heartbeat it heard, §2 "Bytes 7-8 semantics").
 * While one is heard, and HOLD_MS after, no limit is raised and no unit gets more than an equal share
 * of wiringMaxAmpsAllTWCs among every unit seen on the bus: then whoever's heartbeat came last, the
 * sum stays within the total (two instances with one config), and the other's units are counted.
 */

/** How long after the last sign of another master its restrictions last. */
export const OTHER_MASTER_HOLD_MS = 60_000;
/** An adapter's echo arrives while or just after we write; a TCP converter may add a little. */
const ECHO_WINDOW_MS = 500;
const SENT_KEPT = 8;
/** Units (slave IDs) seen on the bus are counted this long after their last frame. */
const UNIT_SEEN_MS = OTHER_MASTER_HOLD_MS;
const UNITS_KEPT = 16;
/** Two reports of a limit we never commanded within this time mean another master. */
const REPORT_WINDOW_MS = 10_000;
/** The limits last commanded to a unit that its reports are checked against. */
const COMMANDED_KEPT = 8;

export interface OtherMaster {
	/** Its bus ID (ours when it is a second controller with the same ID). */
	id: number;
	sameId: boolean;
	/** How it showed itself, in words. */
	evidence: string;
	firstSeenAt: number;
	lastSeenAt: number;
}

/** What the master remembers of a unit's limits to check its reports against. */
export class CommandedLimits {
	#centiamps: number[] = [];
	/** It has confirmed a limit of ours at least once (before that it may hold one from before). */
	confirmed = false;
	#strangeAt = -Infinity;

	noteCommanded(centiamps: number): void {
		const list = this.#centiamps;
		const i = list.indexOf(centiamps);
		if (i >= 0) list.splice(i, 1);
		list.push(centiamps);
		if (list.length > COMMANDED_KEPT) list.shift();
	}

	/**
	 * Checks a reported limit; true when it is the second report within REPORT_WINDOW_MS of a limit
	 * we never commanded. 0 is a request for a limit (§2), never strange.
	 */
	isStrange(reportedCentiamps: number, maxCentiamps: number, now: number): boolean {
		// Above the unit's own maximum no master would command: a garbled or lying report, not a master.
		if (reportedCentiamps === 0 || reportedCentiamps > maxCentiamps) return false;
		if (this.#centiamps.includes(reportedCentiamps)) {
			if (reportedCentiamps === this.#centiamps[this.#centiamps.length - 1]) this.confirmed = true;
			return false;
		}
		if (!this.confirmed) return false;
		const second = now - this.#strangeAt <= REPORT_WINDOW_MS;
		this.#strangeAt = now;
		return second;
	}

	shift(delta: number): void {
		this.#strangeAt += delta;
	}
}

export class OtherMasterWatch {
	readonly #ourId: number;
	#sent: { bytes: Uint8Array; at: number }[] = [];
	#units = new Map<number, number>();
	#other: OtherMaster | undefined;

	constructor(ourId: number) {
		this.#ourId = ourId;
	}

	/** Call just before a frame goes out (its echo may arrive during the write). `message` has no checksum. */
	noteSent(message: Uint8Array, now: number): void {
		this.#sent.push({ bytes: message.slice(), at: now });
		if (this.#sent.length > SENT_KEPT) this.#sent.shift();
	}

	/** True when `body` (checksum included) is the echo of a frame we wrote; each write is one echo. */
	isEcho(body: Uint8Array, now: number): boolean {
		for (let i = 0; i < this.#sent.length; i++) {
			const sent = this.#sent[i];
			if (now - sent.at > ECHO_WINDOW_MS || now < sent.at) continue;
			if (!sameBytes(sent.bytes, body, body.length - 1)) continue;
			this.#sent.splice(i, 1);
			return true;
		}
		return false;
	}

	/** A frame from (or a heartbeat to) a wall connector. */
	noteUnit(id: number, now: number): void {
		if (id === this.#ourId) return;
		this.#units.delete(id);
		this.#units.set(id, now);
		if (this.#units.size > UNITS_KEPT) this.#units.delete(this.#units.keys().next().value as number);
	}

	/** Records a sign of another master; true when it starts a new episode (not heard in the last HOLD_MS). */
	heard(id: number, evidence: string, now: number): boolean {
		const fresh = !this.active(now);
		// An episode keeps the first evidence, so the report does not change every second.
		if (fresh || !this.#other) this.#other = { id, sameId: id === this.#ourId, evidence, firstSeenAt: now, lastSeenAt: now };
		else this.#other.lastSeenAt = now;
		return fresh;
	}

	/** The other master heard in the last HOLD_MS, if any. */
	current(now: number): OtherMaster | undefined {
		return this.active(now) ? this.#other : undefined;
	}

	/** The last one ever heard (kept for the state after the hold ends). */
	get last(): OtherMaster | undefined {
		return this.#other;
	}

	active(now: number): boolean {
		return this.#other !== undefined && now - this.#other.lastSeenAt < OTHER_MASTER_HOLD_MS;
	}

	/** Distinct units seen on the bus in the last minute, ours included. */
	unitsSeen(now: number, linked: Iterable<number>): number {
		const ids = new Set<number>(linked);
		for (const [id, at] of this.#units) if (now - at < UNIT_SEEN_MS) ids.add(id);
		return Math.max(1, ids.size);
	}

	/** The most one unit may be offered while another master is heard. */
	shareAmps(totalAmps: number, now: number, linked: Iterable<number>): number {
		return Math.floor(totalAmps / this.unitsSeen(now, linked));
	}

	/** The clock stepped by `delta` ms (see Master #followClock). */
	shift(delta: number): void {
		for (const sent of this.#sent) sent.at += delta;
		for (const [id, at] of this.#units) this.#units.set(id, at + delta);
		if (this.#other) {
			this.#other.firstSeenAt += delta;
			this.#other.lastSeenAt += delta;
		}
	}
}

function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
	if (a.length !== length) return false;
	for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
	return true;
}
