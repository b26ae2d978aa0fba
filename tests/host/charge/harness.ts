/**
 * The whole controller (App) on the simulated bus with simulated wall connectors and cars, in
 * virtual time, seen the way a user sees it: the frames on the bus, the HTTP API, the cars'
 * current, the log. Shared by the tests of tests/host/charge/.
 */
import type { HttpClient } from "../../../src/platform/http-client.js";
import { App } from "../../../src/app.js";
import type { GreenSource } from "../../../src/charge/charge-controller.js";
import type { Explanation } from "../../../src/charge/arbiter.js";
import { parseConfig } from "../../../src/config/config.js";
import type { Clock, TimerHandle } from "../../../src/platform/clock.js";
import type { HttpResponse } from "../../../src/platform/http-server.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import type { Storage } from "../../../src/platform/storage.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { FrameDecoder } from "../../../src/twc/frame.js";
import { decodeMessage, formatTwcId } from "../../../src/twc/messages.js";
import { SimulatedCar, type SimulatedCarOptions } from "../../../host-sim/sim/car.js";
import type { WallConnectorOptions } from "../../../host-sim/sim/wall-connector.js";
import { buildWorld, type World } from "../../../host-sim/sim/world.js";

export interface LogLine {
	at: number;
	level: LogLevel;
	topic: string;
	message: string;
}

/** A Log that keeps every line. */
export class RecordingLog implements Log {
	readonly lines: LogLine[] = [];
	constructor(readonly clock?: { now(): number }) {}
	write(level: LogLevel, topic: string, message: string): void {
		this.lines.push({ at: this.clock?.now() ?? 0, level, topic, message });
	}
	find(re: RegExp, level?: LogLevel): LogLine[] {
		return this.lines.filter((l) => re.test(l.message) && (level === undefined || l.level === level));
	}
	text(): string {
		return this.lines.map((l) => `${l.level} ${l.topic}: ${l.message}`).join("\n");
	}
}

/** A frame the master put on the bus, decoded. */
export interface MasterFrame {
	at: number;
	kind: "heartbeat" | "start" | "stop";
	receiver: string;
	/** Heartbeats: the command byte and the amps it carries. */
	command?: number;
	amps?: number;
}

/**
 * The host's wall clock as the controller sees it: the virtual time plus an offset that a test can
 * step (an NTP correction, a manual set). Timers keep their delays. The bus and the wall
 * connectors stay on the virtual clock itself: their own time does not jump with the host's.
 */
export class SteppingClock implements Clock {
	offset = 0;
	constructor(readonly base: VirtualClock) {}
	now(): number {
		return this.base.now() + this.offset;
	}
	setTimer(delayMs: number, callback: () => void): TimerHandle {
		return this.base.setTimer(delayMs, callback);
	}
	clearTimer(handle: TimerHandle): void {
		this.base.clearTimer(handle);
	}
}

export interface HarnessOptions {
	slaves: number;
	/** Applied to every car; perCar[i] on top for the i-th. */
	car?: SimulatedCarOptions | null;
	perCar?: (SimulatedCarOptions | null | undefined)[];
	unit?: Partial<WallConnectorOptions>;
	perUnit?: Partial<WallConnectorOptions>[];
	/** Keys of config.json's `config` section, over CONFIG_BASE (e.g. `{ rotationMinutes: 1 }`). */
	config?: Record<string, unknown>;
	/** Other sections of config.json (e.g. `{ policy: {...} }`). */
	document?: Record<string, unknown>;
	green?: GreenSource;
	storage?: Storage;
	/** Outgoing HTTP (policy webhooks). */
	httpClient?: HttpClient;
	/** Start of the virtual clock (UTC ms). */
	startMs?: number;
	clock?: VirtualClock;
	log?: RecordingLog;
	seed?: number;
	/** Do not call app.start() (e.g. to send API commands before the bus starts). */
	noStart?: boolean;
}

export const CONFIG_BASE = { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 };

export class Harness {
	readonly clock: VirtualClock;
	/** The controller's clock: `clock` plus an offset that stepClock() changes. */
	readonly wallClock: SteppingClock;
	readonly world: World;
	readonly app: App;
	readonly log: RecordingLog;
	readonly frames: MasterFrame[] = [];
	readonly configWarnings: string[];

	constructor(options: HarnessOptions) {
		this.clock = options.clock ?? new VirtualClock(options.startMs);
		this.wallClock = new SteppingClock(this.clock);
		this.log = options.log ?? new RecordingLog(this.wallClock);
		const perCar = options.perCar;
		this.world = buildWorld(this.clock, {
			slaves: options.slaves,
			seed: options.seed ?? 7,
			unit: options.unit,
			perUnit: options.perUnit,
			car: options.car === null ? null : { neverFills: true, ...options.car },
		});
		// Per-car options: buildWorld gives every unit the same car; replace those that differ.
		if (perCar) {
			perCar.forEach((extra, i) => {
				if (extra === undefined) return;
				const unit = this.world.units[i];
				if (extra === null) {
					unit.unplug();
					unit.attachCar(undefined);
					this.world.cars[i] = undefined;
					return;
				}
				const car = new SimulatedCar({ random: seededRandom(unit.id), neverFills: true, ...options.car, ...extra });
				unit.unplug();
				unit.attachCar(car);
				unit.plugIn();
				this.world.cars[i] = car;
			});
		}
		const document = { ...options.document, config: { ...CONFIG_BASE, ...options.config } };
		const parsed = parseConfig(document);
		if (!parsed.config) throw new Error(`config: ${parsed.errors.join("; ")}`);
		this.configWarnings = parsed.warnings;
		this.app = new App(
			{ clock: this.wallClock, log: this.log, random: seededRandom(options.seed ?? 1), bus: this.world.masterPort, storage: options.storage, httpClient: options.httpClient },
			parsed.config,
			{ green: options.green },
		);
		const decoder = new FrameDecoder((body) => {
			const m = decodeMessage(body);
			const at = this.clock.now();
			if (m.kind === "masterHeartbeat") this.frames.push({ at, kind: "heartbeat", receiver: formatTwcId(m.receiver), command: m.command, amps: m.centiamps / 100 });
			else if (m.kind === "startCharging") this.frames.push({ at, kind: "start", receiver: formatTwcId(m.receiver) });
			else if (m.kind === "stopCharging") this.frames.push({ at, kind: "stop", receiver: formatTwcId(m.receiver) });
		});
		this.world.bus.monitor((t) => {
			if (t.role === "master") decoder.push(t.sent, t.endMs);
		});
		if (!options.noStart) this.app.start();
	}

	advance(ms: number): void {
		this.clock.advance(ms);
	}

	/** Steps the controller's wall clock by `deltaMs` (the units and the bus do not notice). */
	stepClock(deltaMs: number): void {
		this.wallClock.offset += deltaMs;
	}

	/** The controller's time now. */
	now(): number {
		return this.wallClock.now();
	}

	/** Advances in steps, calling `each` after every step (for sampling). */
	run(ms: number, stepMs: number, each: (now: number) => void): void {
		const end = this.clock.now() + ms;
		while (this.clock.now() < end) {
			this.clock.advance(Math.min(stepMs, end - this.clock.now()));
			each(this.clock.now());
		}
	}

	id(i: number): string {
		return formatTwcId(this.world.units[i].id);
	}

	/** The simulated car's current on unit i now. */
	carAmps(i: number): number {
		return this.world.units[i].actualAmps;
	}

	/** The limit unit i holds (what the master last set). */
	unitLimit(i: number): number {
		return this.world.units[i].limitAmps;
	}

	request(method: string, path: string, body = "", contentType = "application/json"): { status: number; json: any; response: HttpResponse } {
		const response = this.app.router.handle({ method, path, query: new Map(), headers: new Map([["content-type", contentType]]), body });
		let json: unknown = null;
		if (response.body) {
			try {
				json = JSON.parse(response.body);
			} catch {
				json = response.body;
			}
		}
		return { status: response.status, json, response };
	}

	get(path: string) {
		return this.request("GET", path);
	}

	post(path: string, data: unknown = {}) {
		return this.request("POST", path, typeof data === "string" ? data : JSON.stringify(data));
	}

	state(): any {
		return this.get("/api/v1/state").json;
	}

	/** The "why this current" record of unit i (from /api/v1/state). */
	why(i: number): Explanation {
		const slave = this.state().slaves.find((s: { twcId: string }) => s.twcId === this.id(i));
		if (!slave) throw new Error(`unit ${this.id(i)} is not linked`);
		return slave.why;
	}

	/** /api/getSlaveTWCs entry of unit i. */
	slaveTwc(i: number): any {
		return this.get("/api/getSlaveTWCs").json[this.id(i)];
	}

	/** The amps carried by the last heartbeat with a limit command (05/09) to unit i. */
	lastOffer(i: number): number | undefined {
		const id = this.id(i);
		for (let k = this.frames.length - 1; k >= 0; k--) {
			const f = this.frames[k];
			if (f.kind === "heartbeat" && f.receiver === id && f.command !== 0) return f.amps;
		}
		return undefined;
	}

	framesTo(i: number, kind: MasterFrame["kind"], since = 0): MasterFrame[] {
		const id = this.id(i);
		return this.frames.filter((f) => f.receiver === id && f.kind === kind && f.at >= since);
	}

	/** Heartbeats with a limit command to unit i since `since`. */
	offersTo(i: number, since = 0): MasterFrame[] {
		return this.framesTo(i, "heartbeat", since).filter((f) => f.command !== 0);
	}

	linked(): number {
		return this.app.master.slaves.length;
	}

	/** Runs until every unit is linked (at most `maxMs`). */
	waitLinked(maxMs = 60_000): void {
		const end = this.clock.now() + maxMs;
		while (this.linked() < this.world.units.length && this.clock.now() < end) this.clock.advance(100);
		if (this.linked() < this.world.units.length) throw new Error(`only ${this.linked()} of ${this.world.units.length} units linked`);
	}

	stop(): void {
		this.app.stop();
		for (const unit of this.world.units) unit.stop();
	}
}

/** A green source whose amps the test sets (a GreenSource stub: no readings, no smoothing). */
export class GreenStub implements GreenSource {
	amps = 0;
	note = "stub";
	wish(_now: number) {
		return { amps: this.amps, note: this.note, timers: [] };
	}
}

/** Epoch ms of a UTC date and time (months 1 … 12). */
export function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
	return Date.UTC(year, month - 1, day, hour, minute, second);
}
