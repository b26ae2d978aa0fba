/**
 * The whole controller (src/app.ts) on the simulated installation of host-sim/sim (bus, wall
 * connectors, cars), in virtual time, driven only through its HTTP router as a phone would.
 * Portable: it runs under Node and inside XS (tests/xs/run-xs.mjs), so nothing here touches a host
 * API; storage is in memory, the log is recorded, every random number comes from a seed.
 * (tests/host/charge/harness.ts is the Node twin with more tools.)
 */
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import type { HttpResponse } from "../../../src/platform/http-server.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { seededRandom } from "../../../src/platform/random.js";
import type { Storage } from "../../../src/platform/storage.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { formatTwcId } from "../../../src/twc/messages.js";
import type { SimulatedBusPort } from "../../../host-sim/sim/bus.js";
import type { SimulatedCarOptions } from "../../../host-sim/sim/car.js";
import { buildWorld, type World } from "../../../host-sim/sim/world.js";

/** Documents and their backups in memory: what survives an App restart in these tests. */
export class MemoryStorage implements Storage {
	readonly documents = new Map<string, string>();
	readonly backups = new Map<string, string>();
	/** Successful writes of documents (not backups). */
	writes = 0;

	read(name: string): string | undefined {
		return this.documents.get(name);
	}
	write(name: string, text: string): void {
		this.documents.set(name, text);
		this.writes++;
	}
	readBackup(name: string): string | undefined {
		return this.backups.get(name);
	}
	writeBackup(name: string, text: string): void {
		this.backups.set(name, text);
	}
}

export interface LogLine {
	at: number;
	level: LogLevel;
	topic: string;
	message: string;
}

/** A Log that keeps every line. */
export class RecordingLog implements Log {
	readonly lines: LogLine[] = [];
	constructor(readonly clock: { now(): number }) {}
	write(level: LogLevel, topic: string, message: string): void {
		this.lines.push({ at: this.clock.now(), level, topic, message });
	}
	find(re: RegExp, level?: LogLevel): LogLine[] {
		return this.lines.filter((l) => re.test(l.message) && (level === undefined || l.level === level));
	}
	text(): string {
		return this.lines.map((l) => `${l.level} ${l.topic}: ${l.message}`).join("\n");
	}
}

/** The wiring of these tests: a 40 A circuit, 32 A per unit (two cars share it). */
export const WIRING = { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 };

/** 22:00 UTC on 21 June 2026: night, so the policy is Non Scheduled Charging, not green tracking. */
export const NIGHT = Date.UTC(2026, 5, 21, 22, 0, 0);

export interface AppWorldOptions {
	/** Wall connectors, each with a car plugged in (default 2). */
	slaves?: number;
	/** Applied to every car (each keeps its own VIN, simulatedVin(i)). */
	car?: SimulatedCarOptions;
	/** Keys of config.json's `config` section over WIRING. */
	config?: Record<string, unknown>;
	storage?: Storage;
	/** Start of the virtual clock (UTC ms; default NIGHT). */
	startMs?: number;
	seed?: number;
}

export interface Answer {
	status: number;
	/** The body parsed as JSON; the text when it is not JSON; null when there is none. */
	json: any;
	response: HttpResponse;
}

export class AppWorld {
	readonly clock: VirtualClock;
	readonly world: World;
	readonly storage: Storage;
	readonly log: RecordingLog;
	#app: App;
	#port: SimulatedBusPort;
	readonly #options: AppWorldOptions;
	/** Apps built so far (restarts included): each gets its own seed. */
	#boots = 0;

	constructor(options: AppWorldOptions = {}) {
		this.#options = options;
		this.clock = new VirtualClock(options.startMs ?? NIGHT);
		this.log = new RecordingLog(this.clock);
		this.storage = options.storage ?? new MemoryStorage();
		this.world = buildWorld(this.clock, {
			slaves: options.slaves ?? 2,
			seed: options.seed ?? 7,
			car: { neverFills: true, ...options.car },
		});
		this.#port = this.world.masterPort;
		this.#app = this.#boot();
	}

	get app(): App {
		return this.#app;
	}

	#boot(): App {
		const parsed = parseConfig({ config: { ...WIRING, ...this.#options.config } });
		if (!parsed.config) throw new Error(`config: ${parsed.errors.join("; ")}`);
		const app = new App(
			{ clock: this.clock, log: this.log, random: seededRandom((this.#options.seed ?? 1) + this.#boots++), bus: this.#port, storage: this.storage },
			parsed.config,
		);
		app.start();
		return app;
	}

	/**
	 * The controller reboots: the App stops (its port closes), `offMs` later (the time a device
	 * takes to boot) a new App is built on the same storage and a fresh port on the same bus. The
	 * wall connectors and cars run on meanwhile.
	 */
	restart(offMs = 3000): App {
		this.#app.stop();
		this.clock.advance(offMs);
		this.#port = this.world.bus.attach("master", "master");
		this.#app = this.#boot();
		return this.#app;
	}

	stop(): void {
		this.#app.stop();
		for (const unit of this.world.units) unit.stop();
	}

	// ---- time -----------------------------------------------------------------------------------

	advance(ms: number): void {
		this.clock.advance(ms);
	}

	/** Advances `ms` in steps of `stepMs`, calling `each` after every step (sampling). */
	run(ms: number, stepMs: number, each: (now: number) => void): void {
		const end = this.clock.now() + ms;
		while (this.clock.now() < end) {
			this.clock.advance(Math.min(stepMs, end - this.clock.now()));
			each(this.clock.now());
		}
	}

	linked(): number {
		return this.#app.master.slaves.length;
	}

	/** Runs until every unit is linked; throws after `maxMs`. */
	waitLinked(maxMs = 60_000): void {
		const end = this.clock.now() + maxMs;
		while (this.linked() < this.world.units.length && this.clock.now() < end) this.clock.advance(100);
		if (this.linked() < this.world.units.length) throw new Error(`only ${this.linked()} of ${this.world.units.length} units linked after ${maxMs} ms`);
	}

	// ---- what the user sees -----------------------------------------------------------------------

	/** Unit i's TWC ID as the API writes it ("ABCD"). */
	id(i: number): string {
		return formatTwcId(this.world.units[i].id);
	}

	/** The limit unit i holds (what the master last set on it). */
	held(i: number): number {
		return this.world.units[i].limitAmps;
	}

	/** The limits all units hold, added up. */
	heldSum(): number {
		return this.world.units.reduce((sum, unit) => sum + unit.limitAmps, 0);
	}

	/** The current car i draws now. */
	carAmps(i: number): number {
		return this.world.units[i].actualAmps;
	}

	/** The VIN of the car on unit i. */
	vin(i: number): string {
		const vin = this.world.cars[i]?.vin;
		if (!vin) throw new Error(`no car with a VIN on unit ${i}`);
		return vin;
	}

	/** A request to the router, like the phone's; `body` is sent as it is when a string. */
	request(method: string, path: string, body: unknown = "", contentType = "application/json"): Answer {
		const text = typeof body === "string" ? body : JSON.stringify(body);
		const response = this.#app.router.handle({ method, path, query: new Map(), headers: new Map([["content-type", contentType]]), body: text });
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

	get(path: string): Answer {
		return this.request("GET", path);
	}

	post(path: string, body: unknown = ""): Answer {
		return this.request("POST", path, body);
	}

	/** GET /api/v1/state. */
	state(): any {
		return this.get("/api/v1/state").json;
	}
}
