/**
 * What the master knows about one wall connector on the bus. Plain data, written by the master
 * (master.ts) from the slave's frames, read by the charging logic and the API.
 */
import type { ProtocolVersion } from "./messages.js";

/** A slave counts as charging from 1.0 A, and stops counting after 5 s below it (§4.2 step 6). */
export const CHARGING_THRESHOLD_AMPS = 1.0;
export const CHARGING_DEBOUNCE_MS = 5000;

export class SlaveRecord {
	readonly id: number;
	sign: number;
	protocol: ProtocolVersion;
	/** The unit's own maximum from its link-ready (FDE2 bytes 5–6). */
	maxAmps: number;
	linkedAt: number;
	lastRxAt: number;

	/** From its last heartbeat (FD E0). */
	state = 0;
	reportedLimitAmps = 0;
	actualAmps = 0;
	heartbeatsReceived = 0;

	/** The limit we last commanded (whole amps); undefined before the first heartbeat. */
	commandedAmps: number | undefined = undefined;
	lastCommandChangeAt = 0;
	/** Its heartbeat slot (once a second), when the next one goes out (slot ± jitter), and the last one. */
	heartbeatSlot: number;
	nextHeartbeatAt: number;
	lastHeartbeatAt = 0;
	heartbeatsSent = 0;
	repliesMissed = 0;

	/** Charging (≥ 1.0 A, debounced) and since when. */
	charging = false;
	chargingSince = 0;
	#belowSince = 0;

	/** From meter replies (FD EB). */
	lifetimeCounter: number | undefined = undefined;
	volts: [number, number, number] = [0, 0, 0];
	phaseAmps: [number, number, number] | undefined = undefined;
	lastMeterAt = 0;
	/** Why the lifetime counter looks wrong (unit unverified on some firmware), if it does. */
	meterWarning: string | undefined = undefined;

	firmware: string | undefined = undefined;
	serial: string | undefined = undefined;

	/** VIN of the car now connected, and of the last one. */
	currentVin = "";
	lastVin = "";
	vinParts: string[] = ["", "", ""];
	vinAttempts = 0;
	/** The car gave an all-zero VIN (not a Tesla, or CAN off): do not ask again this session. */
	vinUnavailable = false;

	/** No heartbeats or queries to it before this time (chargeStopMode 2, §4.5): 0 = none. */
	silencedUntil = 0;

	/** Start/stop (FC B1 / FC B2) acknowledged by this unit: undefined until learned. */
	acksStartStop: boolean | undefined = undefined;

	constructor(id: number, sign: number, maxAmps: number, protocol: ProtocolVersion, now: number) {
		this.id = id;
		this.sign = sign;
		this.maxAmps = maxAmps;
		this.protocol = protocol;
		this.linkedAt = now;
		this.lastRxAt = now;
		this.heartbeatSlot = now;
		this.nextHeartbeatAt = now;
	}

	/** The floor a car accepts from this unit: 5 A for protocol 1, 6 A for protocol 2 (§1.4). */
	get minAmps(): number {
		return this.protocol === 1 ? 5 : 6;
	}

	/**
	 * Records a heartbeat's figures; returns "started" or "stopped" when the charging state
	 * flips (after the debounce), else undefined.
	 */
	updateFromHeartbeat(state: number, limitAmps: number, actualAmps: number, now: number): "started" | "stopped" | undefined {
		this.state = state;
		this.reportedLimitAmps = limitAmps;
		this.actualAmps = actualAmps;
		this.lastRxAt = now;
		this.heartbeatsReceived++;
		if (actualAmps >= CHARGING_THRESHOLD_AMPS) {
			this.#belowSince = 0;
			if (!this.charging) {
				this.charging = true;
				this.chargingSince = now;
				return "started";
			}
		} else if (this.charging) {
			if (this.#belowSince === 0) this.#belowSince = now;
			if (now - this.#belowSince >= CHARGING_DEBOUNCE_MS) {
				this.charging = false;
				this.#belowSince = 0;
				return "stopped";
			}
		}
		return undefined;
	}
}
