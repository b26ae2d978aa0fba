/**
 * The world of the safety property test (tests/core/charge/safety.property.test.ts): one random
 * installation per seed, run for 1 to 20 simulated minutes, with every heartbeat the master sends
 * checked as it goes out. Portable (Node and XS): no host API, all randomness from the seed.
 *
 * Randomised per case: wiringMaxAmpsAllTWCs (1–100, sometimes fractional), wiringMaxAmpsPerTWC
 * (1–80, may exceed the total), minAmpsPerTWC, startStopDelay, minOnTime, minOffTime,
 * rotationMinutes (0 included), flex amps, time zone, location, slaveTimeout, our bus ID, a custom
 * `policy` section half the time (emergency / before / after / override policies with charge_amps
 * from −10 to 500, macros, garbage, conditions on tm_hour / tm_min / settings, latches,
 * restrictions, broken ones); the green source (amps from −1e12 to 1e12, NaN, ±Infinity, throwing
 * sometimes) or the real green tracker fed random (also refused) energy readings; 1–3 wall
 * connectors: protocol 1 or 2, FD E2 maximum 0–655.35 A, reply delay 2–300 ms (beyond the 100 ms
 * reply window too), cars that follow the offer, draw nothing, a fixed current, a random fraction,
 * 655.35 A, more than offered, or lock up at 5.2 A; VINs valid, invalid, all zeros, in the Deny /
 * Allow groups or not; random state bytes; held limits reported higher than the truth;
 * start/stop acknowledged or not; queries answered or not.
 * Over time: settings patches (valid and invalid) through SettingsStore.update, Charge Now and its
 * cancel, every HTTP route with good and bad bodies, green readings, units going silent, deaf,
 * mute, lossy, restarting, relinking with other figures, new cars, spoofed heartbeats with nonsense
 * figures, the bus port dropping and coming back, the clock stepping forward and back (1 ms to 2 h).
 *
 * Checked at every heartbeat:
 *  1. the limits last commanded add up to at most wiringMaxAmpsAllTWCs: over the slaves linked now
 *     (each in its present link: a relinked slave starts afresh) plus, for DROPPED_RESERVE_MS after
 *     a slave is dropped, its last limit (it may still hold it); and, physically, the limits the
 *     wall connectors really hold (those that heard a heartbeat in the last 30 s, real time: a
 *     unit without heartbeats stops on its own within 20–30 s) add up to at most the circuit;
 *  2. each limit is at most that unit's FD E2 maximum (floored), wiringMaxAmpsPerTWC and
 *     wiringMaxAmpsAllTWCs;
 *  3. a unit whose car's VIN (as the master learned it) is denied by the settings at that moment
 *     gets an explicit 0 A;
 *  4. whole amps only; an increase never lands between 0 and the unit's floor (5 A protocol 1,
 *     6 A protocol 2; a limit kept or lowered there is allowed by the gate and only counted); the
 *     limit command matches the unit's protocol (05 / 09); never "no change" first;
 *  5. the master keeps heartbeating every linked unit on an open bus (no real-time gap over
 *     HEARTBEAT_GAP_MS unless chargeStopMode 2 silences it, for at most a minute); at the end,
 *     with everything working, a unit is linked and heartbeated; no exception escapes, no failure
 *     is swallowed into a log line, no HTTP request ends in a 500, and invalid settings are
 *     refused whole.
 * A failure names the seed, the step and the real time; `runCase(seed, console.log)` replays one
 * case and traces its steps, links, drops and heartbeats.
 *
 * `runArbiterCase` checks the arbiter alone: Σ explanation.amps within the total, each within its
 * caps, 0 or at least its minimum, over random slave records, wishes, green views and times.
 */
import { App } from "../../../src/app.js";
import { Arbiter, type ArbiterConfig, type ArbiterSettings, type GreenView } from "../../../src/charge/arbiter.js";
import type { GreenSource } from "../../../src/charge/charge-controller.js";
import type { PolicyWish } from "../../../src/charge/policy.js";
import { parseConfig } from "../../../src/config/config.js";
import type { HttpRequest } from "../../../src/platform/http-server.js";
import { silentLog, type Log, type LogLevel } from "../../../src/platform/log.js";
import { seededRandom, type Random } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { DROPPED_RESERVE_MS } from "../../../src/twc/master.js";
import { encodeSlaveHeartbeat, formatTwcId, type Message } from "../../../src/twc/messages.js";
import { SlaveRecord } from "../../../src/twc/slave.js";
import { isValidVin } from "../../../src/twc/vin.js";
import { ScriptedPort, ScriptedSlave } from "./scripted-bus.js";

type Heartbeat = Extract<Message, { kind: "masterHeartbeat" }>;

/** A wall connector with no heartbeat for this long has stopped its car (README: 20–30 s). */
const UNIT_TIMEOUT_MS = 30_000;
/** Longest real-time gap between two heartbeats to a linked, unsilenced unit (nominal: 1 s ± 0.07 s). */
const HEARTBEAT_GAP_MS = 2500;
/** chargeStopMode 2 silences a unit for 60 s (arbiter.ts SILENCE_MS). */
const LONGEST_SILENCE_MS = 60_000;

// ---- random helpers ----------------------------------------------------------------------------

class Dice {
	readonly #r: Random;
	constructor(seed: number) {
		this.#r = seededRandom(seed);
	}
	f(): number {
		return this.#r.next();
	}
	/** A whole number lo … hi, both included. */
	int(lo: number, hi: number): number {
		return lo + Math.floor(this.#r.next() * (hi - lo + 1));
	}
	chance(p: number): boolean {
		return this.#r.next() < p;
	}
	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.#r.next() * items.length)];
	}
}

const VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/** A random VIN with a right check digit (valid) or a wrong one. */
function makeVin(d: Dice, valid: boolean): string {
	const chars: string[] = [];
	for (let i = 0; i < 17; i++) chars.push(d.pick(VIN_CHARS.split("")));
	for (const check of "0123456789X") {
		chars[8] = check;
		if (isValidVin(chars.join("")) === valid) return chars.join("");
	}
	return chars.join("");
}

/** §6 with the settings' own meaning, written out here rather than taken from vehicle-access.ts. */
function vinDenied(vin: string, mode: number, groups: Readonly<Record<string, { Members: readonly string[] }>>): boolean {
	const id = vin.trim().toUpperCase();
	if (id === "") return false;
	const inGroup = (name: string) => (groups[name]?.Members ?? []).some((m) => m.toUpperCase() === id);
	return mode === 2 ? !inGroup("Allow Charging") : inGroup("Deny Charging");
}

// ---- one case ----------------------------------------------------------------------------------

interface Unit {
	slave: ScriptedSlave;
	id: number;
	/** The FD E2 maximum (centiamps) and protocol of its last link-ready on the wire. */
	linkMaxCentiamps: number | undefined;
	linkProtocol: 1 | 2;
	lastLinkReadyReal: number;
	/** Real time it last heard a heartbeat. */
	heardReal: number;
}

export interface CaseResult {
	seed: number;
	violations: string[];
	heartbeats: number;
	steps: number;
	/** What the case went through (coverage): see `Stats`. */
	stats: Stats;
	description: string;
}

/** Counts of what a case exercised, summed over cases for the test's log. */
export interface Stats {
	/** Heartbeats with an explicit limit (05 / 09). */
	limits: number;
	/** Heartbeats at which the limits last commanded added up to exactly wiringMaxAmpsAllTWCs (> 0). */
	saturated: number;
	/** … with a dropped slave's reserve still counted. */
	withReserve: number;
	/** Heartbeats to a unit whose car's VIN was denied. */
	denied: number;
	/** Limits in (0, floor) that were not increases (kept, or lowered to): the gate allows them. */
	subFloorKeeps: number;
	drops: number;
	links: number;
	jumpsBack: number;
	jumpsForward: number;
	startStop: number;
	requests: number;
	refused: number;
	/** Longest real-time gap between two heartbeats to a linked, unsilenced unit on an open bus. */
	maxGapMs: number;
}

export function emptyStats(): Stats {
	return { limits: 0, saturated: 0, withReserve: 0, denied: 0, subFloorKeeps: 0, drops: 0, links: 0, jumpsBack: 0, jumpsForward: 0, startStop: 0, requests: 0, refused: 0, maxGapMs: 0 };
}

export function addStats(into: Stats, more: Stats): void {
	for (const key of Object.keys(into) as (keyof Stats)[]) into[key] = key === "maxGapMs" ? Math.max(into[key], more[key]) : into[key] + more[key];
}

const GREEN_AMPS = [-50, -1, 0, 0.4, 5, 6, 6.9, 12, 16, 31.7, 40, 79, 80, 120, 1e12, -1e12, NaN, Infinity, -Infinity];

export function runCase(seed: number, trace?: (line: string) => void): CaseResult {
	const d = new Dice(seed);
	const violations: string[] = [];
	let step = 0;
	const fail = (text: string) => {
		if (violations.length < 8) violations.push(`seed ${seed} step ${step} t+${Math.round(realNow() / 1000)}s: ${text}`);
	};

	// ---- configuration
	const total = d.chance(0.15) ? d.int(1, 99) + d.pick([0.25, 0.5, 0.99]) : d.int(1, 100);
	const perTwc = d.chance(0.1) ? d.int(1, 79) + 0.5 : d.int(1, 80);
	const configSection: Record<string, unknown> = {
		wiringMaxAmpsAllTWCs: total,
		wiringMaxAmpsPerTWC: perTwc,
		// A minimum above a wiring limit is a config error now (no car could charge): kept within them.
		minAmpsPerTWC: Math.min(d.pick([0, 1, 5, 6, 6, 6, 6, 8, 10, 12, 16, 32, d.int(0, 80)]), Math.floor(Math.min(total, perTwc))),
		startStopDelay: d.pick([0, 0, 5, 10, 30, 60, 60, 300, d.int(0, 3600)]),
		minOnTime: d.pick([0, 0, 5, 30, 60, 60, 120, d.int(0, 3600)]),
		minOffTime: d.pick([0, 0, 5, 30, 60, 60, 120, d.int(0, 3600)]),
		rotationMinutes: d.pick([0, 0, 1, 2, 5, 15, d.int(0, 1440)]),
		useFlexAmpsToStartCharge: d.chance(0.3),
		greenEnergyFlexAmps: d.chance(0.3) ? d.int(0, 80) : 0,
	};
	if (d.chance(0.3)) configSection.timeZone = d.pick(["CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0", "NZST-12NZDT,M9.5.0,M4.1.0/3"]);
	if (d.chance(0.2)) {
		configSection.latitude = d.int(-89, 89);
		configSection.longitude = d.int(-179, 179);
	}
	if (d.chance(0.1)) configSection.greenEnergyLatch = d.int(1, 30);
	if (d.chance(0.2)) configSection.masterId = d.pick([0x7777, 0x1234, d.int(1, 0xfffe)]);
	const document: Record<string, unknown> = { config: configSection };
	if (d.chance(0.3)) document.interface = { RS485: { slaveTimeout: d.pick([5, 10, 26, 60, 120]) } };
	if (d.chance(0.5)) document.policy = randomPolicySection(d, total);
	const parsed = parseConfig(document);
	if (!parsed.config) {
		return { seed, violations: [`seed ${seed}: config refused: ${parsed.errors.join("; ")}`], heartbeats: 0, steps: 0, stats: emptyStats(), description: "" };
	}
	const config = parsed.config;
	const all = Math.floor(config.wiringMaxAmpsAllTWCs);
	const per = Math.floor(config.wiringMaxAmpsPerTWC);

	// ---- the world
	const clock = new VirtualClock(Date.UTC(2026, d.int(0, 11), d.int(1, 28), d.int(0, 23), d.int(0, 59), d.int(0, 59)));
	const startAt = clock.now();
	let jumped = 0; // Σ of clock jumps: real time = clock time - jumped
	const realNow = () => clock.now() - jumped - startAt;
	const port = new ScriptedPort(clock);

	let greenAmps = d.pick(GREEN_AMPS);
	let greenThrows = false;
	let greenThrew = false;
	const greenMode = d.pick(["source", "source", "source", "tracker"] as const);
	const green: GreenSource | undefined =
		greenMode === "source"
			? {
					wish(): GreenView {
						if (greenThrows) {
							greenThrew = true;
							throw new Error("meter unreachable");
						}
						const view: GreenView & { hysteresis?: boolean } = { amps: greenAmps, note: "test", timers: [] };
						if (d.chance(0.3)) view.hysteresis = d.chance(0.5);
						return view;
					},
				}
			: undefined;

	const log: Log = {
		write(level: LogLevel, topic: string, message: string) {
			if (topic === "master" && message.startsWith("charging logic failed")) fail(`the charging logic threw (swallowed by the master): ${message}`);
			else if (topic === "charge" && message.startsWith("green energy logic failed") && !greenThrew) fail(`swallowed: ${message}`);
			// Spoofed heartbeats and lying reports are what another master on the bus looks like: the
			// master says so (src/twc/other-master.ts) and only lowers limits, which the checks still cover.
			else if (level === "error" && topic === "master" && /^another (master|wall connector)/.test(message)) return;
			else if (level === "error" && topic !== "bus") fail(`error logged: ${topic}: ${message}`);
		},
	};
	const app = new App({ clock, log, random: seededRandom(seed ^ 0x5a5a), bus: port }, config, green ? { green } : {});

	// Drops and links, exactly as the master sees them. `commanded`: the last limit on the wire to
	// each slave in its present link; a dropped slave's moves to `reserves` for DROPPED_RESERVE_MS
	// (it may hold it until it notices the silence). A relinked slave starts with no limit of ours.
	const linked = new Set<number>();
	const commanded = new Map<number, number>();
	const reserves: { id: number; amps: number; until: number }[] = [];
	const linkedAtReal = new Map<number, number>();
	const onMasterEvent = app.charge.onMasterEvent.bind(app.charge);
	app.charge.onMasterEvent = (event) => {
		if (event.type === "linked" || event.type === "dropped") trace?.(`  real ${realNow()} ${event.type} ${formatTwcId(event.slave.id)}`);
		if (event.type === "linked") {
			stats.links++;
			linked.add(event.slave.id);
			linkedAtReal.set(event.slave.id, realNow());
		} else if (event.type === "dropped") {
			stats.drops++;
			linked.delete(event.slave.id);
			const amps = commanded.get(event.slave.id);
			if (amps !== undefined) reserves.push({ id: event.slave.id, amps, until: clock.now() + DROPPED_RESERVE_MS });
			commanded.delete(event.slave.id);
		}
		onMasterEvent(event);
	};

	// ---- the wall connectors
	const vinPool = [makeVin(d, true), makeVin(d, true), makeVin(d, true), makeVin(d, true)];
	const unitCount = d.int(1, 3);
	const units: Unit[] = [];
	const ids = new Set<number>();
	while (ids.size < unitCount) {
		const id = d.int(1, 0xfffe);
		if (id !== app.master.masterId) ids.add(id);
	}
	for (const id of ids) {
		const protocol = d.chance(0.3) ? 1 : 2;
		const slave = new ScriptedSlave(port, clock, {
			id,
			protocol,
			maxCentiamps: randomMaxCentiamps(d),
			replyDelayMs: d.chance(0.1) ? d.int(90, 200) : d.int(2, 60),
			acksStartStop: d.chance(0.5),
			ignoresQueries: d.chance(0.1),
		});
		if (d.chance(0.3)) {
			const rate = d.pick([0.02, 0.1, 0.3]);
			slave.options.misses = () => d.chance(rate);
		}
		const unit: Unit = { slave, id, linkMaxCentiamps: undefined, linkProtocol: protocol, lastLinkReadyReal: -Infinity, heardReal: -Infinity };
		newCar(d, unit, vinPool, total);
		randomReports(d, unit);
		units.push(unit);
	}
	const linkReady = (unit: Unit) => {
		trace?.(`  real ${realNow()} link-ready ${formatTwcId(unit.id)} ${unit.slave.maxCentiamps} cA p${unit.slave.protocol}${unit.slave.options.mute || unit.slave.options.silent ? " (not sent)" : ""}`);
		unit.lastLinkReadyReal = realNow();
		if (unit.slave.options.mute || unit.slave.options.silent) return;
		unit.linkMaxCentiamps = unit.slave.maxCentiamps;
		unit.linkProtocol = unit.slave.protocol;
		unit.slave.linkReady();
	};

	// ---- the checks, on every heartbeat (after the units have heard it)
	let portOpen = true;
	let portReopenedReal = 0;
	let lastJumpReal = -Infinity;
	const lastHeartbeatReal = new Map<number, number>();
	const silenceEndsReal = new Map<number, number>();
	let heartbeats = 0;
	const stats = emptyStats();
	/** Real time since a linked unit's heartbeats were due without a break (link, silence end, bus back). */
	const heartbeatDueSince = (id: number) =>
		Math.max(lastHeartbeatReal.get(id) ?? -Infinity, linkedAtReal.get(id) ?? -Infinity, silenceEndsReal.get(id) ?? -Infinity, portReopenedReal);
	port.onSent((frame) => {
		if (frame.message.kind === "startCharging" || frame.message.kind === "stopCharging") stats.startStop++;
		if (frame.message.kind !== "masterHeartbeat") return;
		const hb: Heartbeat = frame.message;
		heartbeats++;
		const id = hb.receiver;
		trace?.(`  real ${realNow()} hb ${formatTwcId(hb.receiver)} cmd ${hb.command} ${hb.centiamps / 100} A`);
		const name = () => formatTwcId(id);
		const unit = units.find((u) => u.id === id);
		const record = app.master.slaves.find((s) => s.id === id);
		const now = clock.now();
		if (unit && unit.slave.lastHeardAt === now) unit.heardReal = realNow();
		stats.maxGapMs = Math.max(stats.maxGapMs, realNow() - heartbeatDueSince(id));
		lastHeartbeatReal.set(id, realNow());
		if (!unit || !record) {
			fail(`heartbeat to ${name()}, which is not a linked unit`);
			return;
		}
		if (hb.command !== 0x00 && hb.command !== 0x05 && hb.command !== 0x09) fail(`heartbeat command ${hb.command} to ${name()}`);
		let amps: number;
		if (hb.command === 0x00) {
			amps = commanded.get(id) ?? NaN;
			if (record.commandedAmps === undefined) fail(`"no change" as the first heartbeat to ${name()}`);
		} else {
			stats.limits++;
			amps = hb.centiamps / 100;
			// 4. whole amps, the right command, no increase to less than the floor
			if (hb.centiamps % 100 !== 0) fail(`${hb.centiamps} cA to ${name()}: not whole amps`);
			const want = unit.linkProtocol === 1 ? 0x05 : 0x09;
			if (hb.command !== want) fail(`command ${hb.command} to ${name()}, a protocol ${unit.linkProtocol} unit`);
			const floor = unit.linkProtocol === 1 ? 5 : 6;
			const before = record.commandedAmps ?? 0;
			if (amps > 0 && amps < floor) {
				if (amps > before) fail(`${name()} raised from ${before} A to ${amps} A, below its ${floor} A floor`);
				else stats.subFloorKeeps++;
			}
			// 2. each within its caps
			const unitMax = Math.floor((unit.linkMaxCentiamps ?? NaN) / 100);
			const cap = Math.min(unitMax, per, all);
			if (!(amps <= cap)) fail(`${amps} A to ${name()}, above its caps (FD E2 ${unitMax} A, per ${per} A, all ${all} A)`);
			commanded.set(id, amps);
		}
		// 3. a denied VIN gets 0 A
		const s = app.settings.current;
		if (record.currentVin && vinDenied(record.currentVin, s.chargeAuthorizationMode, s.VehicleGroups)) {
			stats.denied++;
			if (!(hb.command !== 0x00 && amps === 0)) fail(`${name()}: VIN ${record.currentVin} is denied (mode ${s.chargeAuthorizationMode}) but got ${hb.command === 0 ? "no change" : `${amps} A`}`);
		}
		// 1. the sum of the last limits, and of the limits the units really hold
		let sum = 0;
		let reserved = 0;
		for (const v of commanded.values()) sum += v;
		for (const r of reserves) if (now < r.until) reserved += r.amps;
		sum += reserved;
		if (sum === all && sum > 0) stats.saturated++;
		if (reserved > 0) stats.withReserve++;
		if (sum > all) {
			const parts = [...commanded].map(([other, v]) => `${formatTwcId(other)} ${v} A`);
			for (const r of reserves) if (now < r.until) parts.push(`${formatTwcId(r.id)} ${r.amps} A (dropped, ${Math.round((r.until - now) / 1000)} s of reserve left)`);
			fail(`Σ limits last commanded ${sum} A > ${all} A: ${parts.join(", ")}`);
		}
		let held = 0;
		for (const u of units) if (realNow() - u.heardReal < UNIT_TIMEOUT_MS) held += u.slave.limitCentiamps / 100;
		if (held > all) {
			const holding = units.filter((u) => realNow() - u.heardReal < UNIT_TIMEOUT_MS).map((u) => `${formatTwcId(u.id)} ${u.slave.limitCentiamps / 100} A`);
			fail(`the units hold ${held} A > ${all} A: ${holding.join(", ")}`);
		}
	});

	// ---- inputs over time
	const guard = (what: string, action: () => void): boolean => {
		try {
			action();
			return true;
		} catch (error) {
			fail(`${what} threw: ${error instanceof Error ? `${error.message} ${error.stack ?? ""}`.slice(0, 300) : String(error)}`);
			return false;
		}
	};
	const request = (method: string, path: string, body: unknown) => {
		const text = typeof body === "string" ? body : JSON.stringify(body);
		const req: HttpRequest = { method, path, query: new Map(), headers: new Map(), body: text ?? "" };
		const response = app.router.handle(req);
		stats.requests++;
		if (response.status >= 400 && response.status < 500) stats.refused++;
		if (response.status >= 500) fail(`${method} ${path} ${text}: ${response.status} ${response.body}`);
		return response;
	};

	guard("initial settings", () => {
		if (d.chance(0.7)) app.settings.update(randomValidSettings(d, all, vinPool, clock.now()), "test");
	});
	if (!guard("app.start", () => app.start())) return result();
	const order = units.slice().sort(() => d.f() - 0.5);
	for (const unit of order) {
		if (d.chance(0.8)) linkReady(unit);
		guard("advance", () => clock.advance(d.int(0, 400)));
	}

	// 1 to 20 simulated minutes, mostly short: many cases rather than a few long ones.
	const duration = d.pick([60_000, 60_000, 90_000, 120_000, 120_000, 180_000, d.int(60_000, 360_000), d.int(60_000, 1_200_000)]);
	const stepsBudget = 4000;
	while (realNow() < duration && step < stepsBudget && violations.length === 0) {
		step++;
		const r = d.f();
		let ok = true;
		let clockJumped = false;
		if (r < 0.004) {
			clockJumped = true;
			// Clock jumps: NTP steps forward and back (no real time passes).
			const delta = d.chance(0.6) ? d.pick([1000, 5000, 20_000, 30_000, 90_000, 3_600_000, d.int(1, 7_200_000)]) : -d.pick([1, 500, 1000, 5000, 30_000, 3_600_000, d.int(1, 3_600_000)]);
			jumped += delta;
			if (delta < 0) stats.jumpsBack++;
			else stats.jumpsForward++;
			// The master's times, reserves included, move with a clock that steps back, or forward by more
			// than a second (master.ts #followClock): a dropped slave's reserve keeps its real length.
			if (delta < 0 || delta > 1000) for (const r of reserves) r.until += delta;
			trace?.(`step ${step} real ${realNow()}: clock jumps ${delta} ms`);
			clock.jumpTo(clock.now() + delta);
			ok = guard("clock jump", () => clock.advance(0));
		} else if (r < 0.03) {
			// A unit changes.
			const unit = d.pick(units);
			const what = d.int(0, 9);
			trace?.(`step ${step} real ${realNow()}: unit ${formatTwcId(unit.id)} change ${what}`);
			if (what === 0) unit.slave.options.silent = !unit.slave.options.silent;
			else if (what === 1) unit.slave.options.deaf = d.chance(0.5);
			else if (what === 2) unit.slave.options.mute = d.chance(0.5);
			else if (what === 3) {
				// Restarted: holds nothing, maybe with other figures; says so.
				unit.slave.limitCentiamps = 0;
				if (d.chance(0.3)) unit.slave.options.maxCentiamps = randomMaxCentiamps(d);
				if (d.chance(0.2)) unit.slave.options.protocol = d.chance(0.5) ? 1 : 2;
				linkReady(unit);
			} else if (what === 4) {
				// A link-ready out of the blue, possibly with other figures (a glitch, a unit that lost us).
				if (d.chance(0.3)) unit.slave.options.maxCentiamps = randomMaxCentiamps(d);
				if (d.chance(0.1)) unit.slave.options.protocol = d.chance(0.5) ? 1 : 2;
				linkReady(unit);
			} else if (what === 5) newCar(d, unit, vinPool, total);
			else if (what === 6) randomReports(d, unit);
			else if (what === 7) unit.slave.options.replyDelayMs = d.chance(0.2) ? d.int(90, 300) : d.int(2, 60);
			else if (what === 8) {
				unit.slave.options.acksStartStop = d.chance(0.5);
				const rate = d.pick([0, 0, 0.05, 0.3, 0.8]);
				unit.slave.options.misses = rate > 0 ? () => d.chance(rate) : undefined;
			}
			else unit.slave.options.ignoresQueries = d.chance(0.2);
		} else if (r < 0.045) {
			trace?.(`step ${step} real ${realNow()}: settings`);
			ok = guard("settings.update", () => settingsPatch(d, app, all, vinPool, clock.now(), fail));
		} else if (r < 0.055) {
			trace?.(`step ${step} real ${realNow()}: chargeNow`);
			ok = guard("chargeNow", () => {
				if (d.chance(0.8)) app.charge.chargeNow(d.pick([d.int(-10, all + 20), d.int(1, all), all, NaN, Infinity, 0.5]), d.pick([1, 30, 60, 600, 3600, 86_400, -5, d.int(0, 7200)]), "test");
				else app.charge.cancelChargeNow("test");
			});
		} else if (r < 0.075) {
			trace?.(`step ${step} real ${realNow()}: HTTP`);
			ok = guard("HTTP", () => randomRequest(d, request, all, vinPool, clock.now()));
		} else if (r < 0.09) {
			trace?.(`step ${step} real ${realNow()}: green`);
			greenAmps = d.chance(0.7) ? d.pick(GREEN_AMPS) : d.f() * 100 - 20;
			greenThrows = d.chance(0.05);
			if (greenMode === "tracker") {
				ok = guard("energy report", () => {
					const energy = (app as unknown as { energy?: { report(source: string, sample: Record<string, number>, nowMs: number): unknown } }).energy;
					energy?.report(d.pick(["meter", "inverter"]), { atMs: clock.now() - d.int(-6000, 60_000), generationW: d.pick([0, 500, 2000, 8000, 20_000, -300, NaN, 1e9]), consumptionW: d.pick([0, 300, 1500, 5000, -100]), gridW: d.int(-8000, 8000) }, clock.now());
				});
			}
		} else if (r < 0.093) {
			trace?.(`step ${step} real ${realNow()}: spoofed heartbeat`);
			// Another sender's plausible heartbeat with nonsense figures to us (checksum-valid).
			const unit = d.pick(units);
			port.injectMessage(encodeSlaveHeartbeat(unit.id, app.master.masterId, d.int(0, 255), Math.max(unit.slave.limitCentiamps, d.int(0, 65535)), d.int(0, 65535), unit.slave.protocol));
		} else if (r < 0.095) {
			portOpen = !portOpen;
			trace?.(`step ${step} real ${realNow()}: port ${portOpen ? "open" : "closed"}`);
			if (portOpen) portReopenedReal = realNow();
			ok = guard("port status", () => port.status(portOpen, portOpen ? "back" : "gone"));
		} else {
			const ms = d.chance(0.1) ? d.int(0, 60) : d.chance(0.05) ? d.int(5000, 30_000) : d.int(100, 3000);
			trace?.(`step ${step} real ${realNow()}: advance ${ms}`);
			ok = guard("advance", () => clock.advance(ms));
		}
		if (!ok) break;
		// Units that hear no master send link-ready every 10 s (and on a master's FB E2).
		for (const unit of units) {
			if (realNow() - unit.heardReal > 10_000 && realNow() - unit.lastLinkReadyReal >= 10_000) linkReady(unit);
		}
		if (clockJumped) lastJumpReal = realNow();
		checkLiveness();
	}
	// The end: everything working again for a while, then the master must still heartbeat.
	if (violations.length === 0) {
		if (!portOpen) {
			portOpen = true;
			portReopenedReal = realNow();
			guard("port status", () => port.status(true, "back"));
		}
		for (const unit of units) {
			const o = unit.slave.options;
			o.silent = o.deaf = o.mute = false;
			o.misses = undefined;
		}
		for (let i = 0; i < 100 && violations.length === 0; i++) {
			if (!guard("advance", () => clock.advance(1000))) break;
			for (const unit of units) if (realNow() - unit.heardReal > 10_000 && realNow() - unit.lastLinkReadyReal >= 10_000) linkReady(unit);
			checkLiveness();
		}
		if (app.master.slaves.length === 0 && violations.length === 0) fail(`no unit linked after 100 s of a working bus`);
	}
	app.stop();
	return result();

	function checkLiveness(): void {
		if (!portOpen) return;
		const now = clock.now();
		for (const record of app.master.slaves) {
			if (record.silencedUntil > now) {
				// Right after a clock jump the master has not looked at the clock yet (it does at its next step, within a second).
				if (realNow() - lastJumpReal > 2000) {
					if (record.silencedUntil - now > LONGEST_SILENCE_MS + 1000) fail(`${formatTwcId(record.id)} silenced for ${Math.round((record.silencedUntil - now) / 1000)} s more`);
					silenceEndsReal.set(record.id, realNow() + (record.silencedUntil - now));
				}
				continue;
			}
			const since = heartbeatDueSince(record.id);
			if (realNow() - since > HEARTBEAT_GAP_MS) fail(`no heartbeat to ${formatTwcId(record.id)} for ${Math.round(realNow() - since)} ms (real time)`);
		}
	}

	function result(): CaseResult {
		const description =
			`wiring ${total} A all, ${perTwc} A per unit; minAmpsPerTWC ${configSection.minAmpsPerTWC}; units ` +
			units.map((u) => `${formatTwcId(u.id)}/p${u.slave.protocol}/${u.slave.maxCentiamps}cA`).join(",") +
			`; green ${greenMode}; policy ${document.policy ? "custom" : "default"}`;
		return { seed, violations, heartbeats, steps: step, stats, description };
	}
}

function randomMaxCentiamps(d: Dice): number {
	return d.pick([3200, 3200, 4000, 4800, 8000, 1600, 1200, 600, 500, 0, 65535, d.int(0, 8000), d.int(0, 65535), d.int(0, 80) * 100]);
}

/** A car arrives (or none): its VIN, and how it draws. */
function newCar(d: Dice, unit: Unit, vinPool: readonly string[], total: number): void {
	const o = unit.slave.options;
	o.vin = d.pick([d.pick(vinPool), d.pick(vinPool), makeVin(d, true), makeVin(d, false), "", "1234567"]);
	const carMax = d.pick([16, 32, 48, 80, d.int(1, 80)]);
	const kind = d.int(0, 9);
	if (kind <= 3) o.draw = (limit) => Math.min(limit, carMax) * (0.9 + 0.1 * d.f());
	else if (kind === 4) o.draw = 0;
	else if (kind === 5) o.draw = (limit) => (limit >= 5 ? 5.2 : 0); // the 6 A lock-up
	else if (kind === 6) o.draw = (limit) => limit * d.f();
	else if (kind === 7) o.draw = () => 655.35; // "no reading"
	else if (kind === 8) o.draw = (limit) => limit + d.int(0, total);
	else o.draw = d.int(0, 80);
}

/** How it reports: honest, random state bytes, or a held limit above the truth (never below it). */
function randomReports(d: Dice, unit: Unit): void {
	const o = unit.slave.options;
	o.state = d.chance(0.6) ? undefined : d.pick([() => d.int(0, 255), () => d.pick([0, 1, 2, 3, 4, 8]), (limit: number) => (limit > 0 ? 1 : 0), () => 3]);
	o.reportedLimit = d.chance(0.75) ? undefined : d.pick([(held: number) => held + d.int(0, 3000), () => 65535, (held: number) => Math.max(held, d.int(0, 65535))]);
}

function randomPolicySection(d: Dice, total: number): Record<string, unknown> {
	const condition = (): { match: unknown[]; condition: unknown[]; value: unknown[] } =>
		d.pick([
			() => ({ match: ["tm_hour"], condition: [d.pick(["gte", "lt", "eq", "ne"])], value: [d.int(0, 23)] }),
			() => ({ match: ["tm_min"], condition: [d.pick(["lt", "gte"])], value: [d.int(0, 59)] }),
			() => ({ match: ["settings.chargeStopMode"], condition: ["eq"], value: [d.int(1, 3)] }),
			() => ({ match: ["settings.chargeNowAmps"], condition: ["gt"], value: [d.int(0, 40)] }),
			() => ({ match: [0], condition: ["none"], value: [0] }),
			() => ({ match: [["tm_hour", "tm_min"]], condition: [["lt", "gt"]], value: [[d.int(0, 23), d.int(0, 59)]] }),
			() => ({ match: ["tm_sec"], condition: ["gtx"], value: [1] }), // broken: left out
		])();
	const amps = () => d.pick([d.int(-10, 500), d.int(0, total), total, 0, 6, "settings.nonScheduledAmpsMax", "config.wiringMaxAmpsAllTWCs", "abc", 1e9, -1]);
	const section: Record<string, unknown> = {};
	if (d.chance(0.5)) section.engine = { policyCheckInterval: d.pick([0, 1, 5, 30, 60]) };
	if (d.chance(0.15)) {
		section.override = [{ name: "Only", ...condition(), charge_amps: amps() }, { name: "Fallback", match: [0], condition: ["none"], value: [0], charge_amps: amps() }];
		return section;
	}
	const extend: Record<string, unknown> = {};
	extend.emergency = [{ name: "Emergency", ...condition(), charge_amps: amps(), ...(d.chance(0.3) ? { latch_period: d.pick([0, 1, 5]) } : {}) }];
	if (d.chance(0.4)) extend.before = [{ name: "Green first", ...condition(), allowed_flex: d.pick([0, 6, 80, -5]) }];
	if (d.chance(0.3)) extend.after = [{ name: "After", ...condition(), charge_amps: amps() }];
	if (d.chance(0.2)) extend.restrictions = { "Charge Now": condition() };
	section.extend = extend;
	return section;
}

function randomValidSettings(d: Dice, all: number, vins: readonly string[], now: number): Record<string, unknown> {
	const patch: Record<string, unknown> = {
		chargeNowAmps: d.int(0, all),
		chargeNowTimeEnd: d.chance(0.5) ? 0 : Math.floor(now / 1000) + d.int(-60, 3600),
		scheduledAmpsMax: d.int(0, all),
		scheduledAmpsStartHour: d.pick([-1, d.int(0, 23), d.int(0, 23) + 0.5]),
		scheduledAmpsEndHour: d.pick([-1, d.int(0, 23), d.int(0, 23) + 0.25]),
		scheduledAmpsDaysBitmap: d.int(0, 127),
		hourResumeTrackGreenEnergy: d.pick([-1, d.int(0, 23)]),
		nonScheduledAction: d.int(1, 3),
		nonScheduledAmpsMax: d.int(0, all),
		chargeAuthorizationMode: d.int(1, 2),
		chargeStopMode: d.int(1, 3),
		spikeAmpsProactively: d.chance(0.5),
		spikeAmpsReactively: d.chance(0.5),
	};
	const deny = vins.filter(() => d.chance(0.4));
	const allow = vins.filter((v) => !deny.includes(v) && d.chance(0.5));
	patch.VehicleGroups = { "Allow Charging": { Members: allow }, "Deny Charging": { Members: deny } };
	for (const key of Object.keys(patch)) if (d.chance(0.4)) delete patch[key];
	return patch;
}

/** Patches that must be refused whole, and leave the settings as they were. */
function invalidSettings(d: Dice, all: number): Record<string, unknown> {
	return d.pick<Record<string, unknown>>([
		{ chargeNowAmps: all + 1 + d.int(0, 100) },
		{ chargeNowAmps: -1 - d.int(0, 10), chargeStopMode: 2 },
		{ chargeNowAmps: NaN },
		{ nonScheduledAmpsMax: "lots" },
		{ scheduledAmpsMax: Infinity },
		{ chargeStopMode: d.pick([0, 4, "3a", null]) },
		{ chargeAuthorizationMode: d.pick([0, 3, -1]) },
		{ scheduledAmpsDaysBitmap: 128 },
		{ bogusSetting: 1, chargeNowAmps: 0 },
		{ VehicleGroups: { "Deny Charging": { Members: ["NOT A VIN"] } } },
		{ hourResumeTrackGreenEnergy: 24 },
	]);
}

function settingsPatch(d: Dice, app: App, all: number, vins: readonly string[], now: number, fail: (text: string) => void): void {
	if (d.chance(0.3)) {
		const before = JSON.stringify(app.settings.current);
		const patch = invalidSettings(d, all);
		const result = app.settings.update(patch, "test");
		if (result.ok) fail(`invalid settings accepted: ${JSON.stringify(patch)}`);
		if (JSON.stringify(app.settings.current) !== before) fail(`a refused patch changed the settings: ${JSON.stringify(patch)}`);
		return;
	}
	app.settings.update(randomValidSettings(d, all, vins, now), "test");
	if (d.chance(0.5)) app.charge.applyNow();
}

function randomRequest(d: Dice, request: (method: string, path: string, body: unknown) => { status: number }, all: number, vins: readonly string[], now: number): void {
	const which = d.int(0, 13);
	const vin = d.chance(0.8) ? d.pick(vins) : d.pick(["", "NOT-A-VIN", vins[0].toLowerCase()]);
	const group = d.pick(["Deny Charging", "Allow Charging", "Nope"]);
	switch (which) {
		case 0:
			request("GET", d.pick(["/api/getStatus", "/api/getSlaveTWCs", "/api/getPolicy", "/api/getActivePolicyAction", "/api/v1/state", "/api/v1/settings", "/api/getConsumptionOffsets"]), "");
			return;
		case 1:
			request("POST", "/api/chargeNow", d.pick<unknown>([{ chargeNowRate: d.int(-5, all + 10), chargeNowDuration: d.int(-10, 7200) }, { chargeNowRate: "12", chargeNowDuration: "600" }, { chargeNowRate: 1e9, chargeNowDuration: 1e12 }, "not json", [], { chargeNowRate: null }]));
			return;
		case 2:
			request("POST", "/api/cancelChargeNow", "");
			return;
		case 3:
			request("POST", "/api/setScheduledChargingSettings", d.pick<unknown>([
				{ enabled: true, startingMinute: d.int(-5, 1445), endingMinute: d.int(0, 1439), amps: d.int(-5, all + 5), monday: true, friday: d.chance(0.5), sunday: 1 },
				{ enabled: false },
				{ enabled: true, startingMinute: "x", amps: "y" },
			]));
			return;
		case 4:
			request("POST", "/api/setSetting", { setting: d.pick(["chargeStopMode", "nonScheduledAmpsMax", "chargeAuthorizationMode", "spikeAmpsReactively", "nope", ""]), value: d.pick<unknown>([1, 2, 3, 0, all, all + 1, "True", null, -1]) });
			return;
		case 5:
			request("POST", "/api/setLatLon", { lat: d.pick<unknown>([d.int(-90, 90), 91, "x", 10000]), lon: d.pick<unknown>([d.int(-180, 180), 181, 10000]) });
			return;
		case 6:
			request("POST", "/api/addConsumptionOffset", { offsetName: d.pick(["house", "", "a/b", "heat pump"]), offsetValue: d.pick<unknown>([500, -2, 0, "x", 1e9]), offsetUnit: d.pick(["W", "A", "kW"]) });
			return;
		case 7:
			request("POST", "/api/deleteConsumptionOffset", { offsetName: d.pick(["house", "nothing"]) });
			return;
		case 8:
		case 9:
			request("POST", "/vehicle/groupMgmt", d.chance(0.5) ? { group, operation: d.pick(["add", "add", "remove", "drop"]), vin } : `group=${encodeURIComponent(group).replace(/%20/g, "+")}&operation=${d.pick(["add", "remove"])}&vin=${vin}`);
			return;
		case 10:
			request("POST", "/api/v1/vehicleGroups", { group, operation: d.pick(["add", "remove"]), vin });
			return;
		case 11:
			request("POST", "/api/v1/settings", d.chance(0.7) ? randomValidSettings(d, all, vins, now) : invalidSettings(d, all));
			return;
		case 12:
			request("POST", "/api/v1/settings", d.pick<unknown>(["{", "null", "[1,2]", { chargeAuthorizationMode: 2 }, { chargeAuthorizationMode: 1 }]));
			return;
		default:
			request(d.pick(["GET", "POST", "PUT"]), d.pick(["/api/nothing", "/api/getStatus", "/api/chargeNow"]), "{}");
	}
}


// ---- the arbiter alone ------------------------------------------------------------------------

/** One arbiter over 200 random decisions: Σ offers within the total, each within its caps, 0 or ≥ its minimum. */
export function runArbiterCase(seed: number): { violations: string[]; decisions: number } {
	const violations: string[] = [];
	let steps = 0;
	const d = new Dice(0xa5b1 + seed);
	const config: ArbiterConfig = {
		wiringMaxAmpsAllTWCs: d.int(1, 100) + (d.chance(0.2) ? 0.5 : 0),
		wiringMaxAmpsPerTWC: d.int(1, 80),
		minAmpsPerTWC: d.pick([0, 5, 6, 6, 8, 12, d.int(0, 80)]),
		startStopDelay: d.pick([0, 10, 60, d.int(0, 600)]),
		minOnTime: d.pick([0, 10, 60, d.int(0, 600)]),
		minOffTime: d.pick([0, 10, 60, d.int(0, 600)]),
		rotationMinutes: d.pick([0, 1, 15, d.int(0, 60)]),
		useFlexAmpsToStartCharge: d.chance(0.5),
	};
	const all = Math.floor(config.wiringMaxAmpsAllTWCs);
	const arbiter = new Arbiter(config, { startStop() {}, silence() {} }, silentLog);
	let now = Date.UTC(2026, 0, 1);
	let slaves: SlaveRecord[] = [];
	const allowed = new Map<number, boolean>();
	const carLimit = new Map<number, number | undefined>();
	const addSlave = () => {
		const slave = new SlaveRecord(d.int(1, 0xfffe), 0x52, d.pick([32, 40, 48, 80, 16, 0, 5.5, 655.35, d.int(0, 80), NaN]), d.chance(0.3) ? 1 : 2, now);
		slaves.push(slave);
	};
	for (let i = d.int(1, 4); i > 0; i--) addSlave();
	for (let i = 0; i < 200; i++) {
		steps++;
		now += d.chance(0.02) ? -d.int(1, 600_000) : d.chance(0.05) ? d.int(60_000, 1_800_000) : d.int(0, 5000);
		if (d.chance(0.02) && slaves.length < 4) addSlave();
		if (d.chance(0.02) && slaves.length > 0) slaves = slaves.filter((s) => s !== d.pick(slaves));
		for (const s of slaves) {
			if (d.chance(0.3)) {
				s.state = d.pick([0, 1, 2, 3, 4, 8, d.int(0, 255)]);
				s.actualAmps = d.pick([0, 0.5, 1, 5.2, 6, 16, 32, 655.35, s.commandedAmps ?? 0, d.f() * 80, NaN, -3]);
				s.reportedLimitAmps = d.pick([0, s.commandedAmps ?? 0, d.int(0, 80), 655.35]);
				s.charging = d.chance(0.5);
			}
			if (d.chance(0.05)) s.currentVin = d.pick(["", "5YJ3E1EA4KF317001"]);
			if (d.chance(0.05)) s.maxAmps = d.pick([32, 0, 16, 80, 655.35]);
			if (d.chance(0.1)) allowed.set(s.id, d.chance(0.8));
			if (d.chance(0.1)) carLimit.set(s.id, d.pick([undefined, NaN, -5, 0, 10, 48, Infinity]));
		}
		const wish: PolicyWish | null = d.pick<PolicyWish | null>([
			null,
			{ kind: "amps", amps: d.pick([0, 6, 12, all, all + 50, -5, NaN, Infinity, d.f() * 200]), flexAmps: d.pick([0, 6, 20]) },
			{ kind: "amps", amps: d.int(0, all), flexAmps: 0 },
			{ kind: "green", flexAmps: d.pick([0, 3, 6, 80]) },
		]);
		const green: (GreenView & { hysteresis?: boolean }) | undefined = d.chance(0.8)
			? { amps: d.pick(GREEN_AMPS), note: "", timers: [], ...(d.chance(0.5) ? { hysteresis: d.chance(0.5) } : {}) }
			: undefined;
		const settings: ArbiterSettings = { spikeAmpsProactively: d.chance(0.5), spikeAmpsReactively: d.chance(0.5), chargeStopMode: d.pick([1, 2, 3] as const) };
		const explanations = arbiter.decide({
			now,
			policy: "test",
			wish,
			green,
			slaves,
			settings,
			entitlement: (slave) => ({ allowed: allowed.get(slave.id) ?? true, reason: "test" }),
			carLimitAmps: (slave) => carLimit.get(slave.id),
		});
		let sum = 0;
		for (const slave of slaves) {
			const e = explanations.get(slave.id);
			if (!e) continue;
			// Feed the offer back as the master would (through a trivially safe gate: the offer itself).
			slave.commandedAmps = e.amps;
			sum += e.amps;
			const cap = Math.min(...e.caps.map((c) => c.amps));
			const min = Math.max(config.minAmpsPerTWC, slave.minAmps);
			const where = `seed ${seed} step ${i} slave ${formatTwcId(slave.id)}`;
			if (!Number.isInteger(e.amps) || e.amps < 0) violations.push(`${where}: ${e.amps} A is not whole and ≥ 0`);
			if (e.amps > cap) violations.push(`${where}: ${e.amps} A above its caps ${JSON.stringify(e.caps)}`);
			if (e.amps > 0 && e.amps < min) violations.push(`${where}: ${e.amps} A between 0 and its minimum ${min} A (${e.reason})`);
		}
		if (sum > all) violations.push(`seed ${seed} step ${i}: Σ offers ${sum} A > ${all} A`);
	}
	return { violations: violations.slice(0, 10), decisions: steps };
}
