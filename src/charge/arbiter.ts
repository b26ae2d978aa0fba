/**
 * One arbiter decides how many amps each slave is offered, and says why (issue 3 §3–§6; the
 * OpenEVSE claims model, anchors.md §2.3 and §7.2):
 *  - the active policy gives the wish: a number of amps to divide, or "green" (amps from the
 *    energy readings, through a GreenSource);
 *  - caps always apply and the lowest wins: the unit's own maximum (FD E2), wiringMaxAmpsPerTWC,
 *    wiringMaxAmpsAllTWCs, a VIN denial (0 A), the car's own limit when one is known;
 *  - the budget is shared by allocation.ts (equal shares, rotation when it is too small), each car
 *    then passes its ChargeSwitch (minimum on/off times, stop delay) and the 6 A lock-up
 *    workaround;
 *  - the stop method follows settings.chargeStopMode: 0 A always, then FC B2 (3) or not answering
 *    the slave (2) where configured.
 * Every decision leaves an Explanation per slave. The master's gate (limit-gate.ts) checks the
 * wiring limits once more on every heartbeat, whatever this returns.
 */
import type { Log } from "../platform/log.js";
import { formatTwcId } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import { allocate, ShareReason, type Claimant, type Share } from "./allocation.js";
import { ChargeSwitch } from "./charge-switch.js";
import type { PolicyWish } from "./policy.js";
import { SpikeWorkaround } from "./spike.js";
import { secondsLeft, type ActiveTimer } from "./timers.js";

export interface ArbiterConfig {
	wiringMaxAmpsAllTWCs: number;
	wiringMaxAmpsPerTWC: number;
	minAmpsPerTWC: number;
	/** Seconds a green shortage must last before a drawing car is stopped (TWCManager's startStopDelay). */
	startStopDelay: number;
	/** Seconds a started car keeps its minimum; seconds a stopped car stays off. */
	minOnTime: number;
	minOffTime: number;
	/** Minutes between turns when the budget cannot serve every car (0 = no rotation). */
	rotationMinutes: number;
	/** Flex amps may start a car, not only keep one charging (§4.2 step 9). */
	useFlexAmpsToStartCharge: boolean;
}

/** The runtime settings the arbiter reads. */
export interface ArbiterSettings {
	spikeAmpsProactively: boolean;
	spikeAmpsReactively: boolean;
	/** 1 = 0 A only (TWCManager: Tesla API), 2 = then stop answering the slave, 3 = then FC B2 (§4.5). */
	chargeStopMode: 1 | 2 | 3;
}

/** What the green-energy logic offers (issue 4): total amps for all cars, and why. */
export interface GreenView {
	amps: number;
	note: string;
	timers: ActiveTimer[];
	/** Extra figures for the explanation (surplus, smoothed surplus, thresholds…). */
	details?: Readonly<Record<string, unknown>>;
	/** The amps already include start/stop thresholds and delays: no stop delay of our own on top. */
	hysteresis?: boolean;
	/** Stop now, minimum on time or not: every second of charging imports (a large house load). */
	urgentStop?: boolean;
}

export interface Entitlement {
	allowed: boolean;
	reason: string;
}

export interface ArbiterInput {
	now: number;
	/** The active policy's name ("None" before the first) and its wish (null: nothing matched yet). */
	policy: string;
	wish: PolicyWish | null;
	/** Required when the wish is green; undefined reads as "no readings". */
	green?: GreenView;
	slaves: readonly SlaveRecord[];
	settings: ArbiterSettings;
	entitlement(slave: SlaveRecord): Entitlement;
	/** The car's own current limit, when a vehicle integration knows it. */
	carLimitAmps?(slave: SlaveRecord): number | undefined;
}

/** Orders the arbiter gives besides the offers. */
export interface ArbiterActions {
	/** FC B1 (start) / FC B2 (stop) to one slave. */
	startStop(slaveId: number, start: boolean): void;
	/** Send this slave no heartbeats until `untilMs` (chargeStopMode 2). */
	silence(slaveId: number, untilMs: number): void;
}

export interface CapRecord {
	name: string;
	amps: number;
}

/** "Why this current", per slave. */
export interface Explanation {
	twcId: string;
	/** Offer asked of the master (its gate may hold an increase back until room is confirmed). */
	amps: number;
	policy: string;
	/** The wish in words: "32 A to divide", "green: 12 A". */
	wish: string;
	/** Amps the policy leaves to divide among all slaves. */
	budgetAmps: number;
	share: number;
	shareReason: ShareReason;
	caps: CapRecord[];
	/** What bound the offer, from the list above or "policy", "share", "rotation", "minimum"… */
	boundBy: string;
	timers: ActiveTimer[];
	stopMethod: string;
	/** The 6 A lock-up workaround, when it has something to say. */
	spike?: string;
	vin: string;
	entitled: Entitlement;
	/** One sentence for people. */
	reason: string;
}

const STOP_CHECK_MS = 10_000;
const SILENCE_MS = 60_000;
/** A car given its turn that has drawn nothing for this long passes the turn on. */
const TURN_GRACE_MS = 5 * 60_000;
/** States in which a car is on the cable (§2.3): everything but 00 ready and 02 error. */
const NO_CAR_STATES = new Set([0x00, 0x02]);

interface PerSlave {
	switch: ChargeSwitch;
	spike: SpikeWorkaround;
	/** FC B2 sent at the last stop: FC B1 goes with the next start. */
	stoppedByCommand: boolean;
	stoppedAt: number | undefined;
	/** The silence ordered after this stop (chargeStopMode 2), until when; undefined: none yet. */
	silencedUntil: number | undefined;
	/** Since when it has been offered ≥ its minimum without drawing (rotation grace). */
	idleOnSince: number | undefined;
	/** The rotation passed its turn on; cleared when the budget serves it again. */
	turnPassed: boolean;
}

export class Arbiter {
	readonly #config: ArbiterConfig;
	readonly #actions: ArbiterActions;
	readonly #log: Log;
	readonly #per = new Map<number, PerSlave>();
	/** Rotation order: slave ids, the first served first. */
	#order: number[] = [];
	#rotatedAt: number | undefined;
	/** When the turn now being served began (for the next-turn countdown). */
	#turnStartedAt: number | undefined;
	#lastNow: number | undefined;
	#last = new Map<number, Explanation>();

	constructor(config: ArbiterConfig, actions: ArbiterActions, log: Log) {
		this.#config = config;
		this.#actions = actions;
		this.#log = log;
	}

	/** The explanations of the last decision, by slave id. */
	get explanations(): ReadonlyMap<number, Explanation> {
		return this.#last;
	}

	/** The rotation order (slave ids) and seconds to the next turn, when rotating. */
	rotation(now: number): { order: string[]; secondsToNextTurn: number | null } {
		const period = this.#config.rotationMinutes * 60_000;
		const rotating = this.#turnStartedAt !== undefined && [...this.#last.values()].some((e) => e.shareReason === ShareReason.WaitingTurn);
		return {
			order: this.#order.map(formatTwcId),
			secondsToNextTurn: rotating && period > 0 ? secondsLeft(this.#turnStartedAt! + period, now) : null,
		};
	}

	/**
	 * The end of the silence ordered for this slave (chargeStopMode 2) if it is still running: a
	 * unit that relinks while silenced (the master drops it after 26 s) must stay silenced.
	 */
	silencedUntil(slaveId: number, now: number): number | undefined {
		const until = this.#per.get(slaveId)?.silencedUntil;
		return until !== undefined && until > now && until - now <= SILENCE_MS ? until : undefined;
	}

	/** Something the decision reads changed (settings, a VIN): the next decide() runs even at the same instant. */
	invalidate(): void {
		this.#lastNow = undefined;
	}

	/** A car left (session ended): forget its spike learning. */
	carLeft(slaveId: number): void {
		this.#per.get(slaveId)?.spike.reset();
	}

	/** Decides every slave's offer at `input.now`; repeated calls at the same time return the same. */
	decide(input: ArbiterInput): ReadonlyMap<number, Explanation> {
		if (input.now === this.#lastNow && this.#last.size === input.slaves.length) return this.#last;
		this.#lastNow = input.now;
		const { now, slaves } = input;
		const cfg = this.#config;
		this.#syncOrder(slaves);

		const green = input.wish?.kind === "green";
		const { budget, wishText } = this.#budget(input);
		const views = slaves.map((slave) => this.#view(slave, input));

		// Flex (§4.2 step 9): a budget just short of the cars' minimums is raised to them.
		let effective = budget;
		const flex = input.wish?.flexAmps ?? 0;
		const flexTakers = views.filter((v) => v.able && (v.drawing || cfg.useFlexAmpsToStartCharge));
		const needed = flexTakers.reduce((sum, v) => sum + v.min, 0);
		if (flex > 0 && budget < needed && budget + flex >= needed) effective = Math.min(needed, cfg.wiringMaxAmpsAllTWCs);

		// Holds (minimum on time, stop delay), then the shares; a new green shortage adds its delay hold.
		// The green logic's urgent stop (the house alone imports) overrides every hold, the minimum on time too.
		const urgent = green && input.green?.urgentStop === true;
		const holdOf = (v: SlaveView) => !urgent && v.able && (green || v.min <= effective) && v.per.switch.holdTimer(now, green, v.drawing) !== undefined;
		let holds = new Set(views.filter(holdOf).map((v) => v.slave.id));
		let shares = this.#share(effective, views, holds);
		// What the budget alone gives each car: a held car whose free share is below its minimum is
		// on only because of a timer (its switch must not read the held share as a recovery).
		let free = holds.size > 0 ? this.#share(effective, views, new Set()) : shares;
		if (green && !input.green?.hysteresis) {
			// A shortage starts when the budget no longer covers a drawing car, even while its minimum
			// on time still holds it: the stop delay runs from then, not from the end of it. A car the
			// budget no longer fits beside the others (waiting for a turn it did not give up) is short
			// too, and so is one a held car pushes out: every car is held at its minimum for the delay,
			// as TWCManager's dampening does, so a passing cloud stops none of them. A car whose turn
			// the rotation passed on is not short: it stops when its minimum on time allows.
			for (let round = 0; round <= views.length; round++) {
				let more = false;
				for (const v of views) {
					const id = v.slave.id;
					const f = free.get(id)!;
					if (!v.able || v.per.turnPassed || (f.amps >= v.min && shares.get(id)!.amps >= v.min)) continue;
					if (v.per.switch.beginShortage(now, v.drawing) && !holds.has(id)) {
						holds.add(id);
						more = true;
					}
				}
				if (!more) break;
				shares = this.#share(effective, views, holds);
			}
		}
		if (this.#rotate(now, views, shares)) {
			holds = new Set(views.filter(holdOf).map((v) => v.slave.id));
			shares = this.#share(effective, views, holds);
			free = this.#share(effective, views, new Set());
		}

		// Each slave through its switch and the spike workaround, then the total once more.
		const targets = new Map<number, Target>();
		for (const v of views) {
			const share = shares.get(v.slave.id)!;
			const freeShare = free.get(v.slave.id)!;
			// Held: on only because a timer holds it (its free share is below its minimum), or pushed
			// down to its minimum by another held car (a shortage shared by all).
			const held = holds.has(v.slave.id) && (freeShare.amps < v.min || share.amps < freeShare.amps);
			if (freeShare.reason === ShareReason.Share && freeShare.amps >= v.min) v.per.turnPassed = false;
			const forced = !v.able || (!green && share.reason === ShareReason.BelowMinimum) || urgent;
			const decision = v.wants
				? v.per.switch.decide({ now, share: share.amps, min: v.min, forced, green, drawing: v.drawing, held })
				: { amps: share.amps, timers: [] as ActiveTimer[], transition: undefined };
			if (!v.wants && v.per.switch.on) v.per.switch.decide({ now, share: 0, min: v.min, forced: true, green, drawing: false });
			let amps = decision.amps;
			let spikeNote: string | undefined;
			const timers = [...decision.timers];
			if (v.wants && amps >= v.min && v.slave.charging) {
				const spike = v.per.spike.step({
					now,
					target: amps,
					cap: v.cap,
					unitMaxAmps: v.slave.maxAmps,
					commanded: v.slave.commandedAmps ?? 0,
					reportedLimit: v.slave.reportedLimitAmps,
					actual: v.slave.actualAmps,
					charging: v.slave.charging,
					proactive: input.settings.spikeAmpsProactively,
					reactive: input.settings.spikeAmpsReactively,
				});
				amps = spike.amps;
				spikeNote = spike.note;
				timers.push(...spike.timers);
			}
			if (decision.transition) this.#transition(v, decision.transition, now, input.settings);
			this.#followUpStop(v, now, input.settings);
			targets.set(v.slave.id, {
				amps: Math.min(amps, v.cap),
				timers,
				spike: spikeNote,
				boundBy: amps > v.cap ? v.capName : undefined,
				heldAgainst: held && decision.amps > 0 ? heldAgainst(freeShare, v.per.turnPassed, budget, input.policy, v.min) : undefined,
			});
		}
		this.#fitTotal(views, targets);

		const explanations = new Map<number, Explanation>();
		const served = views.filter((v) => v.wants && shares.get(v.slave.id)!.reason === ShareReason.Share).length;
		for (const v of views) {
			const t = targets.get(v.slave.id)!;
			const share = shares.get(v.slave.id)!;
			explanations.set(v.slave.id, this.#explain(v, input, share, t, budget, wishText, served));
		}
		this.#last = explanations;
		return explanations;
	}

	// ---- inputs --------------------------------------------------------------------------------

	#budget(input: ArbiterInput): { budget: number; wishText: string } {
		const all = this.#config.wiringMaxAmpsAllTWCs;
		const wish = input.wish;
		if (!wish) return { budget: 0, wishText: "no policy has matched yet" };
		if (wish.kind === "amps") {
			const amps = finite(wish.amps);
			return { budget: Math.min(Math.floor(amps), all), wishText: `${trim(amps)} A to divide` };
		}
		if (!input.green) return { budget: 0, wishText: "green: no energy readings" };
		const amps = Math.max(0, Math.floor(finite(input.green.amps)));
		return { budget: Math.min(amps, all), wishText: `green: ${amps} A (${input.green.note})` };
	}

	#view(slave: SlaveRecord, input: ArbiterInput): SlaveView {
		const cfg = this.#config;
		let per = this.#per.get(slave.id);
		if (!per) {
			per = {
				switch: new ChargeSwitch({ minOnMs: cfg.minOnTime * 1000, minOffMs: cfg.minOffTime * 1000, stopDelayMs: cfg.startStopDelay * 1000 }),
				spike: new SpikeWorkaround(),
				stoppedByCommand: false,
				stoppedAt: undefined,
				silencedUntil: undefined,
				idleOnSince: undefined,
				turnPassed: false,
			};
			this.#per.set(slave.id, per);
		}
		const entitled = input.entitlement(slave);
		const unitMax = Number.isFinite(slave.maxAmps) && slave.maxAmps > 0 ? Math.floor(slave.maxAmps) : 0;
		const caps: CapRecord[] = [
			{ name: "unit maximum", amps: unitMax },
			{ name: "wiringMaxAmpsPerTWC", amps: Math.floor(cfg.wiringMaxAmpsPerTWC) },
			{ name: "wiringMaxAmpsAllTWCs", amps: Math.floor(cfg.wiringMaxAmpsAllTWCs) },
		];
		const carLimit = input.carLimitAmps?.(slave);
		if (carLimit !== undefined && Number.isFinite(carLimit)) caps.push({ name: "car limit", amps: Math.max(0, Math.floor(carLimit)) });
		if (!entitled.allowed) caps.push({ name: "VIN denied", amps: 0 });
		let lowest = caps[0];
		for (const c of caps) if (c.amps < lowest.amps) lowest = c;
		const min = Math.max(cfg.minAmpsPerTWC, slave.minAmps);
		const drawing = slave.actualAmps >= 1 && Number.isFinite(slave.actualAmps);
		const wants = drawing || slave.charging || !NO_CAR_STATES.has(slave.state);
		return { slave, per, caps, cap: Math.max(0, lowest.amps), capName: lowest.name, min, drawing, wants, able: wants && lowest.amps >= min, entitled };
	}

	#share(budget: number, views: readonly SlaveView[], holds: ReadonlySet<number>): Map<number, Share> {
		const claimants: Claimant[] = views.map((v) => ({ id: v.slave.id, cap: v.cap, min: v.min, wants: v.wants, hold: holds.has(v.slave.id) }));
		return allocate(budget, claimants, this.#order);
	}

	#syncOrder(slaves: readonly SlaveRecord[]): void {
		const ids = slaves.map((s) => s.id);
		this.#order = this.#order.filter((id) => ids.includes(id));
		for (const id of ids) if (!this.#order.includes(id)) this.#order.push(id);
		for (const id of [...this.#per.keys()]) if (!ids.includes(id) && this.#per.size > 8) this.#per.delete(id);
	}

	/** Turns the rotation when its period is over, or when the car whose turn it is does not draw. */
	#rotate(now: number, views: readonly SlaveView[], shares: Map<number, Share>): boolean {
		const waiting = views.some((v) => shares.get(v.slave.id)!.reason === ShareReason.WaitingTurn);
		for (const v of views) {
			const served = shares.get(v.slave.id)!.amps >= v.min && v.wants;
			if (served && !v.drawing) v.per.idleOnSince ??= now;
			else v.per.idleOnSince = undefined;
		}
		if (!waiting) {
			this.#rotatedAt = undefined;
			this.#turnStartedAt = undefined;
			return false;
		}
		this.#rotatedAt ??= now;
		if (now < this.#rotatedAt) this.#rotatedAt = now;
		const period = this.#config.rotationMinutes * 60_000;
		// The turn being served: the first car in the order that has a share and is on. Its turn
		// counts from when it started, not from the last rotation: a car kept waiting by the previous
		// one's minimum on time starts late, and a car given the turn that has not started yet must
		// not lose it before it charged (it would be skipped for good when minOnTime > the period).
		const current = this.#order.map((id) => views.find((v) => v.slave.id === id)!).find((v) => v && shares.get(v.slave.id)!.amps > 0 && v.per.switch.on);
		const startedAt = current?.per.switch.onSince;
		this.#turnStartedAt = startedAt !== undefined && startedAt <= now ? Math.max(this.#rotatedAt, startedAt) : now;
		const idle = views.find((v) => v.per.idleOnSince !== undefined && now - v.per.idleOnSince >= TURN_GRACE_MS && shares.get(v.slave.id)!.reason === ShareReason.Share);
		const due = period > 0 && current !== undefined && now - this.#turnStartedAt >= period && this.#order.at(-1) !== current.slave.id;
		if (!due && !idle) return false;
		// The car being served goes to the back of the queue.
		const first = idle ? idle.slave.id : current!.slave.id;
		this.#order = [...this.#order.filter((id) => id !== first), first];
		const passed = views.find((v) => v.slave.id === first);
		if (passed) passed.per.turnPassed = true;
		this.#rotatedAt = now;
		this.#turnStartedAt = now;
		if (idle) idle.per.idleOnSince = undefined;
		this.#log.write("info", "charge", `rotation: ${formatTwcId(first)} passes its turn${idle ? " (its car draws nothing)" : ""}; order now ${this.#order.map(formatTwcId).join(", ")}`);
		return true;
	}

	// ---- stop / start methods ------------------------------------------------------------------

	#transition(v: SlaveView, transition: "start" | "stop", now: number, settings: ArbiterSettings): void {
		const id = formatTwcId(v.slave.id);
		if (transition === "start") {
			v.per.stoppedAt = undefined;
			if (v.per.stoppedByCommand) {
				v.per.stoppedByCommand = false;
				this.#actions.startStop(v.slave.id, true);
				this.#log.write("info", "charge", `${id}: start (FC B1, after a stop by FC B2)`);
			} else this.#log.write("info", "charge", `${id}: start`);
			return;
		}
		v.per.stoppedAt = now;
		v.per.silencedUntil = undefined; // each stop may need its own silence (§3.8: up to 3 per session)
		if (settings.chargeStopMode === 3 && this.#acceptsCommands(v.slave)) {
			v.per.stoppedByCommand = true;
			this.#actions.startStop(v.slave.id, false);
			this.#log.write("info", "charge", `${id}: stop (0 A and FC B2)`);
		} else this.#log.write("info", "charge", `${id}: stop (0 A)`);
	}

	/** chargeStopMode 2: a car still drawing 10 s after 0 A gets no heartbeats for 60 s (§4.5). */
	#followUpStop(v: SlaveView, now: number, settings: ArbiterSettings): void {
		const at = v.per.stoppedAt;
		if (at === undefined || settings.chargeStopMode !== 2 || v.per.silencedUntil !== undefined || v.per.switch.on) return;
		if (now - at >= STOP_CHECK_MS && v.slave.actualAmps >= 1) {
			v.per.silencedUntil = now + SILENCE_MS;
			this.#actions.silence(v.slave.id, now + SILENCE_MS);
			this.#log.write("warn", "charge", `${formatTwcId(v.slave.id)}: still drawing ${v.slave.actualAmps.toFixed(1)} A 10 s after 0 A; not answering it for 60 s (chargeStopMode 2)`);
		}
		if (now - at >= STOP_CHECK_MS + SILENCE_MS) v.per.stoppedAt = undefined;
	}

	/** FC B1/B2 only for protocol 2 units that have not shown they ignore them (learned per slave). */
	#acceptsCommands(slave: SlaveRecord): boolean {
		return slave.protocol === 2 && slave.acksStartStop !== false;
	}

	#stopMethod(v: SlaveView, settings: ArbiterSettings): string {
		if (settings.chargeStopMode === 3) {
			return this.#acceptsCommands(v.slave) ? "0 A offer, then FC B2 (chargeStopMode 3)" : "0 A offer (FC B2 configured, but this unit does not acknowledge it)";
		}
		if (settings.chargeStopMode === 2) return "0 A offer, then no heartbeats for 60 s if the car keeps drawing (chargeStopMode 2)";
		return "0 A offer";
	}

	// ---- the total and the explanation ---------------------------------------------------------

	/** Whatever the steps above did (holds, spikes), the offers never add up past the wiring total. */
	#fitTotal(views: readonly SlaveView[], targets: Map<number, Target>): void {
		const all = Math.floor(this.#config.wiringMaxAmpsAllTWCs);
		let sum = 0;
		for (const t of targets.values()) sum += t.amps;
		if (sum <= all) return;
		const ordered = views.slice().sort((a, b) => this.#order.indexOf(a.slave.id) - this.#order.indexOf(b.slave.id));
		let used = 0;
		for (const v of ordered) {
			const t = targets.get(v.slave.id)!;
			const room = all - used;
			if (t.amps > room) {
				t.amps = room >= v.min ? room : 0;
				t.boundBy = "wiringMaxAmpsAllTWCs";
			}
			used += t.amps;
		}
	}

	#explain(
		v: SlaveView,
		input: ArbiterInput,
		share: Share,
		t: Target,
		budget: number,
		wishText: string,
		served: number,
	): Explanation {
		const timers = [...t.timers, ...(input.wish?.kind === "green" && input.green ? input.green.timers : [])];
		const rotation = this.rotation(input.now);
		let boundBy: string;
		let reason: string;
		if (t.boundBy) {
			boundBy = t.boundBy;
			reason = `${t.amps} A: bound by ${t.boundBy} (${this.#config.wiringMaxAmpsAllTWCs} A for all units)`;
		} else if (!v.entitled.allowed) {
			boundBy = "VIN denied";
			reason = `0 A: ${v.entitled.reason}`;
		} else if (v.wants && v.cap < v.min) {
			boundBy = v.capName;
			reason = `0 A: its cap (${v.capName}, ${v.cap} A) is below the minimum of ${v.min} A`;
		} else if (t.spike && t.amps > share.amps && t.amps > 0) {
			boundBy = "spike";
			reason = `${t.amps} A: ${t.spike}`;
		} else if (timers.some((x) => x.name.startsWith("minimum off")) && t.amps === 0 && share.amps > 0) {
			boundBy = "minimum off time";
			reason = `0 A: stopped recently, may start again in ${timers.find((x) => x.name.startsWith("minimum off"))!.secondsLeft} s`;
		} else if (t.heldAgainst !== undefined && t.timers.length > 0) {
			// On only because a timer holds it (minimum on time, stop delay): say which, and for how long.
			const hold = t.timers[0];
			boundBy = "minimum";
			reason = `${t.amps} A: held on (${hold.name}: ${hold.secondsLeft} s left) although ${t.heldAgainst}`;
		} else if (t.amps > share.amps) {
			const hold = t.timers[0];
			boundBy = "minimum";
			reason = `${t.amps} A: held at its minimum${hold ? ` (${hold.name}: ${hold.secondsLeft} s left)` : ""} although ${input.policy} leaves ${share.amps} A`;
		} else {
			switch (share.reason) {
				case ShareReason.NoCar:
					boundBy = "no car";
					reason = "0 A: no car on this unit (nothing left over to offer)";
					break;
				case ShareReason.Leftover:
					boundBy = share.capped ? v.capName : "share";
					reason = `${t.amps} A: no car seen; offered what the cars leave so one can start`;
					break;
				case ShareReason.BelowMinimum:
					boundBy = "policy";
					reason = `0 A: ${input.policy} leaves ${budget} A, below the minimum of ${v.min} A`;
					break;
				case ShareReason.WaitingTurn:
					boundBy = "rotation";
					reason = `0 A: waiting for its turn (${budget} A cannot give every car its minimum)${rotation.secondsToNextTurn !== null ? `; next turn in ${rotation.secondsToNextTurn} s` : ""}`;
					break;
				default:
					boundBy = share.capped ? v.capName : budget >= this.#config.wiringMaxAmpsAllTWCs && v.cap >= budget ? "wiringMaxAmpsAllTWCs" : "policy";
					reason = share.capped
						? `${t.amps} A: its cap (${v.capName})`
						: served > 1
							? `${t.amps} A: an equal share of the ${budget} A ${input.policy} leaves, between ${served} cars`
							: `${t.amps} A: ${input.policy} leaves ${budget} A`;
			}
		}
		const e: Explanation = {
			twcId: formatTwcId(v.slave.id),
			amps: t.amps,
			policy: input.policy,
			wish: wishText,
			budgetAmps: budget,
			share: share.amps,
			shareReason: share.reason,
			caps: v.caps,
			boundBy,
			timers,
			stopMethod: this.#stopMethod(v, input.settings),
			vin: v.slave.currentVin,
			entitled: v.entitled,
			reason,
		};
		if (t.spike) e.spike = t.spike;
		return e;
	}
}

/** One slave's offer on its way out, and what shaped it. */
interface Target {
	amps: number;
	timers: ActiveTimer[];
	spike?: string;
	boundBy?: string;
	/** Held on by a timer: what the budget alone would do ("Track Green Energy leaves 3 A"). */
	heldAgainst?: string;
}

function heldAgainst(free: Share, turnPassed: boolean, budget: number, policy: string, min: number): string {
	if (free.reason === ShareReason.WaitingTurn && turnPassed) return "its turn is over";
	if (free.reason === ShareReason.WaitingTurn || free.amps >= min) return `${policy} leaves ${budget} A, not enough for every car's minimum`;
	return `${policy} leaves ${free.reason === ShareReason.BelowMinimum ? budget : free.amps} A`;
}

interface SlaveView {
	slave: SlaveRecord;
	per: PerSlave;
	caps: CapRecord[];
	cap: number;
	capName: string;
	min: number;
	drawing: boolean;
	wants: boolean;
	able: boolean;
	entitled: Entitlement;
}

function finite(n: number): number {
	return Number.isFinite(n) ? n : 0;
}

function trim(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
