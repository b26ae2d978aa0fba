/**
 * Two days of history in 5-minute buckets (generation, consumption, charging per wall connector)
 * and the last charge sessions per VIN, for TWCManager's /api/getHistory, the native API, the page's
 * chart and CSV.
 *
 * Bounded in RAM and on flash: a ring of HISTORY_BUCKETS slots per column, each an Int16 in tens
 * of watts (576 × 5 columns × 2 bytes ≈ 6 KB), and at most MAX_SESSIONS finished sessions. The
 * document "history.json" stores the columns as base64 (its size does not depend on the values),
 * is written when a bucket closes, at most once per SAVE_INTERVAL_MS, and stays below
 * MAX_HISTORY_BYTES (the device's storage refuses documents above 16 KiB). The storage writes it
 * atomically; a document that cannot be read is reported and the history starts empty.
 *
 * It samples through `read()` every SAMPLE_MS on the platform clock; a bucket's value is the mean
 * of its samples. Sessions are followed from the samples: a unit's session (VIN, start) that
 * appears, changes or goes away begins or ends a session record; its energy is the unit's
 * lifetime meter at the end minus the one at the start.
 */
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { Log } from "../platform/log.js";
import type { Storage } from "../platform/storage.js";
import { formatTwcId } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import { ampsToWatts, type Supply } from "./power.js";

export const BUCKET_MS = 5 * 60_000;
/** Two days of 5-minute buckets (TWCManager's getHistory: 48 × 12). */
export const HISTORY_BUCKETS = 576;
/** Per-unit columns: the bus links 3 wall connectors at most. */
export const MAX_HISTORY_UNITS = 3;
export const MAX_SESSIONS = 40;
export const SAMPLE_MS = 10_000;
export const SAVE_INTERVAL_MS = BUCKET_MS;
export const HISTORY_DOCUMENT = "history.json";
/** Well below the device storage's 16 KiB limit. */
export const MAX_HISTORY_BYTES = 15 * 1024;
/** Stored values are tens of watts in an Int16: ±327 kW. */
const SCALE_W = 10;
const MISSING = -32768;
const MAX_STORED = 32767;
/** A meter that moves more than this in one session is not believed (as vehicle-access.ts). */
const MAX_SESSION_KWH = 200;

/** One reading of the site and the units. */
export interface HistorySample {
	generationW: number;
	consumptionW: number;
	units: readonly HistoryUnitSample[];
}

export interface HistoryUnitSample {
	/** "ABCD". */
	twcId: string;
	/** What the unit delivers now. */
	watts: number;
	/** Lifetime meter, kWh, when known. */
	lifetimeKwh?: number;
	/** The charge session on this unit, if any (ChargeSessions.active). */
	session?: { vin: string; startedAt: number } | undefined;
}

/** A bucket as the API shows it; values in watts (means), undefined when not measured. */
export interface HistoryBucket {
	/** Epoch ms of the bucket's start. */
	start: number;
	generationW: number | undefined;
	consumptionW: number | undefined;
	/** Per unit ("ABCD" → W); units without data in the bucket are absent. */
	units: Record<string, number>;
	/** Sum of `units`; undefined when no unit has data. */
	chargingW: number | undefined;
	/** The bucket still being filled. */
	partial: boolean;
}

/** A charge session: on which unit, which car, when, how much. */
export interface SessionRecord {
	vin: string;
	twcId: string;
	/** Epoch seconds. */
	start: number;
	/** Epoch seconds; undefined while it runs. */
	end?: number;
	/** Energy delivered, kWh; undefined without two believable meter readings. */
	kWh?: number;
}

export interface HistoryOptions {
	clock: Clock;
	log: Log;
	storage?: Storage;
	read(): HistorySample;
	sampleMs?: number;
}

interface Tracked {
	vin: string;
	startedAt: number;
	startKwh: number | undefined;
	lastKwh: number | undefined;
}

export class History {
	readonly #clock: Clock;
	readonly #log: Log;
	readonly #storage: Storage | undefined;
	readonly #read: () => HistorySample;
	readonly #sampleMs: number;
	#gen: Int16Array = new Int16Array(HISTORY_BUCKETS).fill(MISSING);
	#cons: Int16Array = new Int16Array(HISTORY_BUCKETS).fill(MISSING);
	#unitColumns: Int16Array[] = [];
	#unitIds: string[] = [];
	/** Bucket number (epoch ms / BUCKET_MS) of the newest closed bucket; -1 = none. */
	#last = -1;
	#sessions: SessionRecord[] = [];
	#tracked = new Map<string, Tracked>();
	// The bucket being filled.
	#current = -1;
	#samples = 0;
	#genSum = 0;
	#consSum = 0;
	#unitSums = new Map<string, number>();
	#timer: TimerHandle | undefined;
	#dirty = false;
	#lastSaveAt = -Infinity;
	#loadProblem: string | undefined;

	constructor(options: HistoryOptions) {
		this.#clock = options.clock;
		this.#log = options.log;
		this.#storage = options.storage;
		this.#read = options.read;
		this.#sampleMs = options.sampleMs ?? SAMPLE_MS;
		this.#load();
	}

	/** Why the stored history could not be read at the start (it then started empty), or undefined. */
	get loadProblem(): string | undefined {
		return this.#loadProblem;
	}

	start(): void {
		if (this.#timer !== undefined) return;
		const tick = () => {
			this.#timer = this.#clock.setTimer(this.#sampleMs, tick);
			this.sample();
		};
		this.#timer = this.#clock.setTimer(0, tick);
	}

	/** Stops sampling and saves what closed since the last save. */
	stop(): void {
		if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
		this.#timer = undefined;
		if (this.#dirty) this.#save(this.#clock.now());
	}

	/** Takes one reading now (the timer calls it; tests may too). A failing reader is logged, not fatal. */
	sample(): void {
		const now = this.#clock.now();
		let reading: HistorySample;
		try {
			reading = this.#read();
		} catch (error) {
			this.#log.write("warn", "history", `no history sample: ${String(error)}`);
			return;
		}
		const bucket = Math.floor(now / BUCKET_MS);
		if (bucket !== this.#current) {
			this.#close();
			this.#current = bucket;
		}
		this.#samples++;
		this.#genSum += finite(reading.generationW);
		this.#consSum += finite(reading.consumptionW);
		for (const unit of reading.units) this.#unitSums.set(unit.twcId, (this.#unitSums.get(unit.twcId) ?? 0) + finite(unit.watts));
		this.#followSessions(reading.units, now);
		if (this.#dirty && now - this.#lastSaveAt >= SAVE_INTERVAL_MS) this.#save(now);
	}

	/** The buckets with data, oldest first, from `fromMs` on; the partial bucket last. */
	buckets(fromMs = -Infinity): HistoryBucket[] {
		const out: HistoryBucket[] = [];
		if (this.#last >= 0) {
			for (let b = this.#last - HISTORY_BUCKETS + 1; b <= this.#last; b++) {
				if (b < 0 || b * BUCKET_MS < fromMs - BUCKET_MS + 1) continue;
				const bucket = this.#stored(b);
				if (bucket) out.push(bucket);
			}
		}
		const partial = this.#partial();
		if (partial && partial.start >= fromMs - BUCKET_MS + 1) {
			const i = out.findIndex((b) => b.start === partial.start);
			if (i >= 0) out.splice(i, 1);
			out.push(partial);
		}
		return out;
	}

	/** Finished sessions (oldest first, at most MAX_SESSIONS) then the running ones. */
	sessions(): SessionRecord[] {
		const out = this.#sessions.map((s) => ({ ...s }));
		for (const [twcId, t] of this.#tracked) {
			const running: SessionRecord = { vin: t.vin, twcId, start: Math.floor(t.startedAt / 1000) };
			const kwh = sessionKwh(t);
			if (kwh !== undefined) running.kWh = kwh;
			out.push(running);
		}
		return out;
	}

	// ---- buckets ---------------------------------------------------------------------------------

	#stored(b: number): HistoryBucket | undefined {
		const slot = b % HISTORY_BUCKETS;
		const gen = this.#gen[slot];
		const cons = this.#cons[slot];
		const units: Record<string, number> = {};
		let charging: number | undefined;
		this.#unitIds.forEach((id, i) => {
			const v = this.#unitColumns[i][slot];
			if (v === MISSING) return;
			units[id] = v * SCALE_W;
			charging = (charging ?? 0) + v * SCALE_W;
		});
		if (gen === MISSING && cons === MISSING && charging === undefined) return undefined;
		return {
			start: b * BUCKET_MS,
			generationW: gen === MISSING ? undefined : gen * SCALE_W,
			consumptionW: cons === MISSING ? undefined : cons * SCALE_W,
			units,
			chargingW: charging,
			partial: false,
		};
	}

	#partial(): HistoryBucket | undefined {
		if (this.#samples === 0) return undefined;
		const n = this.#samples;
		const units: Record<string, number> = {};
		let charging: number | undefined;
		for (const [id, sum] of this.#unitSums) {
			units[id] = Math.round(sum / n);
			charging = (charging ?? 0) + units[id];
		}
		return { start: this.#current * BUCKET_MS, generationW: Math.round(this.#genSum / n), consumptionW: Math.round(this.#consSum / n), units, chargingW: charging, partial: true };
	}

	/** Closes the bucket being filled into the ring. */
	#close(): void {
		const b = this.#current;
		if (b < 0 || this.#samples === 0) {
			this.#resetCurrent();
			return;
		}
		// A bucket older than the ring (the clock stepped back two days) is dropped.
		if (this.#last >= 0 && b <= this.#last - HISTORY_BUCKETS) {
			this.#resetCurrent();
			return;
		}
		if (b > this.#last) {
			// Slots between the last bucket and this one hold data of two days ago: cleared.
			const from = this.#last < 0 ? b - HISTORY_BUCKETS + 1 : Math.max(this.#last + 1, b - HISTORY_BUCKETS + 1);
			for (let k = from; k < b; k++) this.#clearSlot(((k % HISTORY_BUCKETS) + HISTORY_BUCKETS) % HISTORY_BUCKETS);
			this.#last = b;
		}
		const slot = b % HISTORY_BUCKETS;
		const n = this.#samples;
		this.#gen[slot] = stored(this.#genSum / n);
		this.#cons[slot] = stored(this.#consSum / n);
		for (let i = 0; i < this.#unitColumns.length; i++) this.#unitColumns[i][slot] = MISSING;
		for (const [id, sum] of this.#unitSums) this.#column(id)[slot] = stored(sum / n);
		this.#dirty = true;
		this.#resetCurrent();
	}

	#resetCurrent(): void {
		this.#samples = 0;
		this.#genSum = 0;
		this.#consSum = 0;
		this.#unitSums = new Map();
	}

	#clearSlot(slot: number): void {
		this.#gen[slot] = MISSING;
		this.#cons[slot] = MISSING;
		for (const column of this.#unitColumns) column[slot] = MISSING;
	}

	/** The column of a unit; a 4th unit takes the column with the least data (cleared). */
	#column(id: string): Int16Array {
		const i = this.#unitIds.indexOf(id);
		if (i >= 0) return this.#unitColumns[i];
		if (this.#unitIds.length < MAX_HISTORY_UNITS) {
			this.#unitIds.push(id);
			const column = new Int16Array(HISTORY_BUCKETS).fill(MISSING);
			this.#unitColumns.push(column);
			return column;
		}
		let best = 0;
		let fewest = Infinity;
		this.#unitColumns.forEach((column, k) => {
			let count = 0;
			for (let s = 0; s < HISTORY_BUCKETS; s++) if (column[s] !== MISSING) count++;
			if (count < fewest) {
				fewest = count;
				best = k;
			}
		});
		this.#log.write("info", "history", `wall connector ${id} takes the history column of ${this.#unitIds[best]} (${MAX_HISTORY_UNITS} columns at most)`);
		this.#unitIds[best] = id;
		this.#unitColumns[best].fill(MISSING);
		return this.#unitColumns[best];
	}

	// ---- sessions --------------------------------------------------------------------------------

	#followSessions(units: readonly HistoryUnitSample[], now: number): void {
		const seen = new Set<string>();
		for (const unit of units) {
			seen.add(unit.twcId);
			const tracked = this.#tracked.get(unit.twcId);
			const session = unit.session;
			const kwh = meter(unit.lifetimeKwh);
			if (tracked && (!session || session.vin !== tracked.vin || session.startedAt !== tracked.startedAt)) {
				this.#endSession(unit.twcId, tracked, now);
			}
			if (!session || session.vin === "") continue;
			const current = this.#tracked.get(unit.twcId);
			if (current) {
				if (kwh !== undefined) {
					if (current.startKwh === undefined) current.startKwh = kwh;
					current.lastKwh = kwh;
				}
			} else {
				this.#tracked.set(unit.twcId, { vin: session.vin, startedAt: session.startedAt, startKwh: kwh, lastKwh: kwh });
			}
		}
		for (const [id, tracked] of this.#tracked) if (!seen.has(id)) this.#endSession(id, tracked, now);
	}

	#endSession(twcId: string, t: Tracked, now: number): void {
		this.#tracked.delete(twcId);
		const record: SessionRecord = { vin: t.vin, twcId, start: Math.floor(t.startedAt / 1000), end: Math.floor(now / 1000) };
		const kwh = sessionKwh(t);
		if (kwh !== undefined) record.kWh = kwh;
		this.#sessions.push(record);
		if (this.#sessions.length > MAX_SESSIONS) this.#sessions.splice(0, this.#sessions.length - MAX_SESSIONS);
		this.#dirty = true;
	}

	// ---- storage ---------------------------------------------------------------------------------

	/** The stored document's text (bounded by MAX_HISTORY_BYTES: the oldest sessions go first). */
	toText(): string {
		const sessions = this.#sessions.slice();
		const doc = (list: SessionRecord[]) =>
			JSON.stringify({
				version: 1,
				bucketSeconds: BUCKET_MS / 1000,
				scaleW: SCALE_W,
				last: this.#last,
				generation: toBase64(this.#gen),
				consumption: toBase64(this.#cons),
				units: this.#unitIds.slice(),
				charging: this.#unitColumns.map((c) => toBase64(c)),
				sessions: list,
			});
		let text = doc(sessions);
		while (text.length > MAX_HISTORY_BYTES && sessions.length > 0) {
			sessions.splice(0, Math.max(1, Math.ceil(sessions.length / 4)));
			text = doc(sessions);
		}
		return text;
	}

	#save(now: number): void {
		const storage = this.#storage;
		this.#lastSaveAt = now;
		if (!storage) {
			this.#dirty = false;
			return;
		}
		try {
			storage.write(HISTORY_DOCUMENT, this.toText());
			this.#dirty = false;
		} catch (error) {
			this.#log.write("warn", "history", `${HISTORY_DOCUMENT} not saved (${String(error)}); retrying in ${SAVE_INTERVAL_MS / 60_000} min`);
		}
	}

	#load(): void {
		const storage = this.#storage;
		if (!storage) return;
		let text: string | undefined;
		try {
			text = storage.read(HISTORY_DOCUMENT);
		} catch (error) {
			this.#problem(`cannot be read (${String(error)})`);
			return;
		}
		if (text === undefined) return;
		const problem = this.#fromText(text);
		if (problem) this.#problem(problem);
	}

	#problem(text: string): void {
		this.#loadProblem = `${HISTORY_DOCUMENT} ${text}: the history starts empty`;
		this.#log.write("warn", "history", this.#loadProblem);
	}

	/** Reads a stored document; a sentence when it is not one (nothing is taken from it then). */
	#fromText(text: string): string | undefined {
		let doc: unknown;
		try {
			doc = JSON.parse(text);
		} catch (error) {
			return `is not valid JSON (${String(error)})`;
		}
		if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "is not a JSON object";
		const d = doc as Record<string, unknown>;
		if (d.version !== 1 || d.bucketSeconds !== BUCKET_MS / 1000 || d.scaleW !== SCALE_W) return `has an unknown layout (version ${JSON.stringify(d.version)})`;
		if (typeof d.last !== "number" || !Number.isInteger(d.last) || d.last < -1) return "has no valid `last` bucket";
		const gen = fromBase64(d.generation);
		const cons = fromBase64(d.consumption);
		if (!gen || !cons) return "has damaged generation/consumption columns";
		const ids = d.units;
		const charging = d.charging;
		if (!Array.isArray(ids) || !Array.isArray(charging) || ids.length !== charging.length || ids.length > MAX_HISTORY_UNITS) return "has damaged unit columns";
		const columns: Int16Array[] = [];
		for (let i = 0; i < ids.length; i++) {
			const column = fromBase64(charging[i]);
			if (typeof ids[i] !== "string" || !column) return `has a damaged column for unit ${JSON.stringify(ids[i])}`;
			columns.push(column);
		}
		const sessions: SessionRecord[] = [];
		if (Array.isArray(d.sessions)) {
			for (const s of d.sessions.slice(-MAX_SESSIONS)) {
				if (typeof s !== "object" || s === null) continue;
				const r = s as Record<string, unknown>;
				if (typeof r.vin !== "string" || typeof r.twcId !== "string" || typeof r.start !== "number") continue;
				const record: SessionRecord = { vin: r.vin, twcId: r.twcId, start: r.start };
				if (typeof r.end === "number") record.end = r.end;
				if (typeof r.kWh === "number" && Number.isFinite(r.kWh)) record.kWh = r.kWh;
				sessions.push(record);
			}
		}
		this.#gen = gen;
		this.#cons = cons;
		this.#unitIds = ids.slice() as string[];
		this.#unitColumns = columns;
		this.#last = d.last;
		this.#sessions = sessions;
		return undefined;
	}
}

function finite(value: number): number {
	return Number.isFinite(value) ? value : 0;
}

function stored(watts: number): number {
	const v = Math.round(watts / SCALE_W);
	return v > MAX_STORED ? MAX_STORED : v < -MAX_STORED ? -MAX_STORED : v;
}

function meter(kwh: number | undefined): number | undefined {
	return typeof kwh === "number" && Number.isFinite(kwh) && kwh >= 0 ? kwh : undefined;
}

function sessionKwh(t: Tracked): number | undefined {
	if (t.startKwh === undefined || t.lastKwh === undefined) return undefined;
	const d = t.lastKwh - t.startKwh;
	return d >= 0 && d <= MAX_SESSION_KWH ? Math.round(d * 1000) / 1000 : undefined;
}

// Base64 of an Int16Array (little-endian), by hand: XS has no btoa.
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function toBase64(values: Int16Array): string {
	const bytes = new Uint8Array(values.length * 2);
	for (let i = 0; i < values.length; i++) {
		bytes[2 * i] = values[i] & 0xff;
		bytes[2 * i + 1] = (values[i] >> 8) & 0xff;
	}
	let out = "";
	for (let i = 0; i < bytes.length; i += 3) {
		const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
		out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
		out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
		out += i + 2 < bytes.length ? B64[n & 63] : "=";
	}
	return out;
}

/** A column of HISTORY_BUCKETS values, or undefined when `text` is not one. */
function fromBase64(text: unknown): Int16Array | undefined {
	if (typeof text !== "string" || text.length !== Math.ceil((HISTORY_BUCKETS * 2) / 3) * 4) return undefined;
	const bytes = new Uint8Array(HISTORY_BUCKETS * 2);
	let k = 0;
	for (let i = 0; i < text.length; i += 4) {
		let n = 0;
		for (let j = 0; j < 4; j++) {
			const c = text[i + j];
			const v = c === "=" ? 0 : B64.indexOf(c);
			if (v < 0) return undefined;
			n = (n << 6) | v;
		}
		for (let j = 2; j >= 0; j--) {
			if (k + 2 - j < bytes.length) bytes[k + 2 - j] = (n >> (8 * j)) & 0xff;
		}
		k += 3;
	}
	const values = new Int16Array(HISTORY_BUCKETS);
	for (let i = 0; i < HISTORY_BUCKETS; i++) values[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16 >> 16;
	return values;
}

/** A sample from the controller's state: site energy, what each unit delivers, its session. */
export function sampleOf(
	slaves: readonly SlaveRecord[],
	supply: Supply,
	site: { generationW: number; consumptionW: number },
	session: (slaveId: number) => { vin: string; startedAt: number } | undefined,
): HistorySample {
	return {
		generationW: site.generationW,
		consumptionW: site.consumptionW,
		units: slaves.map((slave) => ({
			twcId: formatTwcId(slave.id),
			watts: Number.isFinite(slave.actualAmps) ? Math.max(0, ampsToWatts(slave.actualAmps, supply)) : 0,
			lifetimeKwh: slave.lifetimeCounter,
			session: session(slave.id),
		})),
	};
}

/** Generation and consumption from the green logic's details (GreenView.details), 0 when absent. */
export function siteEnergy(details: Readonly<Record<string, unknown>> | undefined): { generationW: number; consumptionW: number } {
	const watts = (key: string) => (typeof details?.[key] === "number" ? (details[key] as number) : 0);
	return { generationW: watts("generationW"), consumptionW: watts("consumptionW") };
}
