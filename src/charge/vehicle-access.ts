/**
 * VIN access control and per-VIN charge sessions (reference twcmanager-core.md §6,
 * `TWCMaster.checkVINEntitlement`, `recordVehicleVIN`, HTTPControl `/vehicle/groupMgmt`).
 * Pure: the groups and the Vehicles record come in and updated copies go out; SettingsStore keeps
 * and saves them.
 */
import { isValidVin } from "../twc/vin.js";
import { ALLOW_GROUP, DENY_GROUP, type VehicleGroup, type VehicleRecord } from "./settings.js";

/** May this car charge, and why (for the log and the status). */
export type Entitlement = { allowed: boolean; reason: string };

function isMember(groups: Readonly<Record<string, VehicleGroup>>, group: string, vin: string): boolean {
	const members = groups[group]?.Members;
	return Array.isArray(members) && members.some((m) => typeof m === "string" && m.toUpperCase() === vin);
}

/**
 * §6 checkVINEntitlement: mode 1 = allowed unless in "Deny Charging"; 2 = denied unless in
 * "Allow Charging"; no VIN ("") → allowed with reason "no VIN (not reported by the car)".
 */
export function checkVinEntitlement(vin: string, mode: 1 | 2, groups: Readonly<Record<string, VehicleGroup>>): Entitlement {
	const id = vin.trim().toUpperCase();
	if (id === "") return { allowed: true, reason: "no VIN (not reported by the car)" };
	if (mode === 2) {
		return isMember(groups, ALLOW_GROUP, id)
			? { allowed: true, reason: `VIN ${id} is in "${ALLOW_GROUP}"` }
			: { allowed: false, reason: `VIN ${id} is not in "${ALLOW_GROUP}" (chargeAuthorizationMode 2: only vehicles in that group charge)` };
	}
	return isMember(groups, DENY_GROUP, id)
		? { allowed: false, reason: `VIN ${id} is in "${DENY_GROUP}"` }
		: { allowed: true, reason: `VIN ${id} is not in "${DENY_GROUP}" (chargeAuthorizationMode 1: vehicles charge unless denied)` };
}

function copyGroups(groups: Readonly<Record<string, VehicleGroup>>): Record<string, VehicleGroup> {
	const result: Record<string, VehicleGroup> = {};
	for (const [name, group] of Object.entries(groups)) result[name] = { ...group, Members: [...group.Members] };
	return result;
}

/**
 * POST /vehicle/groupMgmt semantics (§6): operation "add" | "remove". Returns the new groups
 * object (the input is not changed) or an error naming what is wrong: unknown group or operation,
 * invalid VIN, a VIN already in the opposite built-in group, removing a VIN that is not a member.
 * Adding a member twice changes nothing.
 */
export function manageGroup(
	groups: Readonly<Record<string, VehicleGroup>>,
	group: string,
	operation: string,
	vin: string,
): { groups?: Record<string, VehicleGroup>; error?: string } {
	if (!Object.prototype.hasOwnProperty.call(groups, group)) {
		const known = Object.keys(groups).map((g) => JSON.stringify(g)).join(", ");
		return { error: `unknown group ${JSON.stringify(group)} (groups: ${known})` };
	}
	if (operation !== "add" && operation !== "remove") return { error: `unknown operation ${JSON.stringify(operation)} (allowed: "add", "remove")` };
	const id = typeof vin === "string" ? vin.trim().toUpperCase() : "";
	if (!isValidVin(id)) return { error: `${JSON.stringify(vin)} is not a valid VIN (17 characters with the ISO 3779 check digit)` };
	const result = copyGroups(groups);
	const members = result[group].Members;
	if (operation === "add") {
		const opposite = group === ALLOW_GROUP ? DENY_GROUP : group === DENY_GROUP ? ALLOW_GROUP : undefined;
		if (opposite && isMember(groups, opposite, id)) {
			return { error: `VIN ${id} is in "${opposite}"; remove it there before adding it to "${group}"` };
		}
		if (!members.includes(id)) members.push(id);
		return { groups: result };
	}
	const index = members.findIndex((m) => m.toUpperCase() === id);
	if (index < 0) return { error: `VIN ${id} is not in ${JSON.stringify(group)}` };
	members.splice(index, 1);
	return { groups: result };
}

/** A charge session in progress on one wall connector. */
export interface ActiveSession {
	vin: string;
	/** Lifetime meter (kWh) at the start; undefined until the first meter reading arrives. */
	startkWh: number | undefined;
	/** Epoch ms. */
	startedAt: number;
}

/**
 * The outcome of a session step: the updated copy of settings.Vehicles when something is to be
 * stored, and a line for the log ("" when there is nothing worth saying).
 */
export interface SessionChange {
	vehicles?: Record<string, VehicleRecord>;
	note: string;
}

/** A meter that moves more than this in one session is not believed (no wall connector delivers it). */
export const MAX_SESSION_KWH = 200;

interface Session extends ActiveSession {
	/** Last lifetime meter reading seen during the session. */
	lastkWh: number | undefined;
}

function reading(kwh: number | undefined): number | undefined {
	return typeof kwh === "number" && Number.isFinite(kwh) && kwh >= 0 ? kwh : undefined;
}

const kwhText = (kwh: number) => `${Math.round(kwh * 1000) / 1000} kWh`;

/**
 * Per-VIN charge sessions (§6 recordVehicleVIN, session end): a session begins when a wall
 * connector reports a car's VIN (chargeSessions += 1, startkWh from its lifetime meter, or from
 * the first reading that follows when none is known yet), and ends when the car leaves or the
 * unit is dropped (totalkWh += lifetimekWh − startkWh). A meter that went backwards or jumped by
 * more than MAX_SESSION_KWH is not counted, with the reason in the note.
 *
 * Each step takes the Vehicles record now in the settings and returns an updated copy.
 */
export class ChargeSessions {
	readonly #sessions = new Map<number, Session>();

	/** The session on a wall connector, if any. */
	active(slaveId: number): ActiveSession | undefined {
		const s = this.#sessions.get(slaveId);
		return s && { vin: s.vin, startkWh: s.startkWh, startedAt: s.startedAt };
	}

	/**
	 * A car reported its VIN on `slaveId`. The same VIN again changes nothing; another VIN first
	 * ends the previous session. An empty VIN is not tracked.
	 */
	begin(slaveId: number, vin: string, lifetimeKwh: number | undefined, nowMs: number, vehicles: Readonly<Record<string, VehicleRecord>>): SessionChange {
		const id = vin.trim().toUpperCase();
		const running = this.#sessions.get(slaveId);
		if (running && running.vin === id) {
			this.#meterOnly(running, lifetimeKwh);
			return { note: "" };
		}
		const notes: string[] = [];
		let current: Readonly<Record<string, VehicleRecord>> = vehicles;
		let changed = false;
		if (running) {
			const ended = this.end(slaveId, lifetimeKwh, nowMs, vehicles);
			if (ended.vehicles) {
				current = ended.vehicles;
				changed = true;
			}
			if (ended.note) notes.push(ended.note);
		}
		if (id === "") return { vehicles: changed ? { ...current } : undefined, note: notes.join("; ") };

		const start = reading(lifetimeKwh);
		const next = copyVehicles(current);
		const record = next[id] ?? { chargeSessions: 0, startkWh: 0, totalkWh: 0 };
		record.chargeSessions += 1;
		if (start !== undefined) record.startkWh = start;
		record.lastSeen = Math.floor(nowMs / 1000);
		next[id] = record;
		this.#sessions.set(slaveId, { vin: id, startkWh: start, startedAt: nowMs, lastkWh: start });
		notes.push(
			start !== undefined
				? `session ${record.chargeSessions} of ${id} begins at ${kwhText(start)}`
				: `session ${record.chargeSessions} of ${id} begins; no meter reading yet, the start is taken from the first one`,
		);
		return { vehicles: next, note: notes.join("; ") };
	}

	/**
	 * A meter reading from `slaveId`. It starts the count of a session that began without one;
	 * with `vehicles`, that start is also stored as the record's startkWh.
	 */
	meter(slaveId: number, lifetimeKwh: number | undefined, nowMs: number, vehicles?: Readonly<Record<string, VehicleRecord>>): SessionChange {
		const session = this.#sessions.get(slaveId);
		const kwh = reading(lifetimeKwh);
		if (!session || kwh === undefined) return { note: "" };
		if (session.startkWh !== undefined) {
			session.lastkWh = kwh;
			return { note: "" };
		}
		session.startkWh = kwh;
		session.lastkWh = kwh;
		const note = `session of ${session.vin}: first meter reading ${kwhText(kwh)} taken as the start`;
		if (!vehicles) return { note };
		const next = copyVehicles(vehicles);
		const record = next[session.vin] ?? { chargeSessions: 1, startkWh: 0, totalkWh: 0 };
		record.startkWh = kwh;
		record.lastSeen = Math.floor(nowMs / 1000);
		next[session.vin] = record;
		return { vehicles: next, note };
	}

	/**
	 * The car left `slaveId` (or the unit was dropped): adds the session's energy to totalkWh.
	 * Without a reading now, the last one seen during the session counts. No session: nothing.
	 */
	end(slaveId: number, lifetimeKwh: number | undefined, nowMs: number, vehicles: Readonly<Record<string, VehicleRecord>>): SessionChange {
		const session = this.#sessions.get(slaveId);
		if (!session) return { note: "" };
		this.#sessions.delete(slaveId);
		const next = copyVehicles(vehicles);
		const record = next[session.vin] ?? { chargeSessions: 1, startkWh: 0, totalkWh: 0 };
		record.lastSeen = Math.floor(nowMs / 1000);
		next[session.vin] = record;
		const endkWh = reading(lifetimeKwh) ?? session.lastkWh;
		const start = session.startkWh;
		const minutes = Math.max(0, Math.round((nowMs - session.startedAt) / 60_000));
		const label = `session of ${session.vin} ended after ${minutes} min`;
		if (start === undefined || endkWh === undefined) {
			return { vehicles: next, note: `${label}: no meter reading, nothing added to totalkWh` };
		}
		record.startkWh = start;
		const delivered = endkWh - start;
		if (delivered < 0) {
			return { vehicles: next, note: `${label}: the meter went backwards (${kwhText(start)} → ${kwhText(endkWh)}), nothing added to totalkWh` };
		}
		if (delivered > MAX_SESSION_KWH) {
			return { vehicles: next, note: `${label}: the meter jumped by ${kwhText(delivered)} (more than ${MAX_SESSION_KWH} kWh in one session), nothing added to totalkWh` };
		}
		record.totalkWh = Math.round((record.totalkWh + delivered) * 1000) / 1000;
		return { vehicles: next, note: `${label}: ${kwhText(delivered)} delivered, ${kwhText(record.totalkWh)} in total` };
	}

	#meterOnly(session: Session, lifetimeKwh: number | undefined): void {
		const kwh = reading(lifetimeKwh);
		if (kwh === undefined) return;
		if (session.startkWh === undefined) session.startkWh = kwh;
		session.lastkWh = kwh;
	}
}

function copyVehicles(vehicles: Readonly<Record<string, VehicleRecord>>): Record<string, VehicleRecord> {
	const result: Record<string, VehicleRecord> = {};
	for (const [vin, record] of Object.entries(vehicles)) result[vin] = { ...record };
	return result;
}
