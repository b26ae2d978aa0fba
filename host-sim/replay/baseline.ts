/**
 * The baseline: TWCManager's green-energy pipeline as documented in reference
 * twcmanager-core.md §4.2, §4.3 and §5.6, for one wall connector with one car, stepped once a
 * second (one slave heartbeat a second) in virtual time, on the same SimulatedCar our controller
 * drives. It is what a TWCManager user gets today, configured as the docs suggest.
 *
 * Modelled, in the order TWCManager runs them:
 * - §5.1 / §5.6 policy cadence: the policy is evaluated at the first heartbeat (second 0, or
 *   `firstPolicyAtS`) and then whenever `policyCheckInterval` (30 s) has elapsed. At second 0 the
 *   evaluations fall on the rows of a 10 s trace as they change, the baseline's luckiest phase
 *   (an event at a round time, like the sudden load at 12:00:00, is seen at once). Each
 *   evaluation runs `checkGreenEnergy`, which sets maxAmpsToDivideAmongSlaves =
 *   getMaxAmpsForTargetGridUsage(0) (clamped to wiringMaxAmpsAllTWCs, §4.1) from the trace's gen
 *   and cons at that second. In between the budget holds. EMS aggregation (§5.6): a negative
 *   generation is sign-flipped, totals clamped ≥ 0, no offsets.
 * - §5.6 getMaxAmpsForTargetGridUsage(0), subtractChargerLoad = false (the trace's consumption
 *   excludes the car), realPowerFactor 1: both the incremental and the de-novo formulas are
 *   computed; with this setting the de-novo one, surplus amps = (gen − cons) / V, always binds;
 *   rounded to 0.01 A, never below 0.
 * - §4.2 step 2: lastAmpsOffered starts at the slave's reported max, 0 here (nothing offered yet).
 * - §4.2 step 4: the "significant change" monitor of the actual amps (> 0.8 A), used by the
 *   reactive spike only.
 * - §4.2 step 6: the slave counts as charging from actual ≥ 1.0 A until actual < 1.0 A for ≥ 5 s.
 * - §4.2 step 7: desired = getMaxAmpsToDivideAmongSlaves(); with the car charging,
 *   desired = min(desired, int(maxAmpsToDivide / numCarsCharging)) (no other slaves to subtract).
 * - §4.2 steps 8–9: minAmpsToOffer = max(minAmpsPerTWC, minAmpsTWCSupports) = 6; flex from
 *   greenEnergyFlexAmps (default 0, so it does nothing) and useFlexAmpsToStartCharge.
 * - §4.2 step 10: dampenChanges = (now − timeLastAmpsDesiredFlipped) < startStopDelay (60 s), from
 *   the flip time *before* this heartbeat's step 12; the policy is always green here.
 * - §4.2 step 11 branch A: desired < 6 → 0 (the overshoot rule needs other cars: never with one).
 *   Branch C (chargeRateControl 1, the default): int(desired); a reduction within 5 s of the last
 *   change of the offer keeps the offer ("else" branch).
 * - §4.2 step 12: a crossing of minAmpsToOffer (either way) by desired records the flip time.
 * - §4.2 step 13: while dampening and the car draws (actual > 0), desired = max(6, desired): a car
 *   that started is held at 6 A for 60 s after the last crossing instead of stopping. Since step 10
 *   reads the previous flip, a drop below 6 A more than 60 s after the start stops the car at
 *   once; and it is a minimum on-time only: nothing keeps a stopped car off.
 * - §4.3 set_last_amps_offered: capped to wiringMaxAmpsAllTWCs (nothing else draws) and to
 *   wiringMaxAmpsPerTWC; a change records timeLastAmpsOfferedChanged.
 * - The car sees the new limit at once (the master heartbeat answers the slave's) and follows it
 *   with its own start delay and ramps (SimulatedCar). Offering 0 A stops it (§3.8).
 *
 * Left out, and why (each choice makes the baseline no worse, so beating it means something):
 * - Spike amps (§3.8, §4.2 step 11): TWCManager's default spikes every raise below 16 A to 16 A
 *   for 5 s to undo the Oct-2017 6 A lock-up, which the default car does not have. Spikes would
 *   add grid import to the baseline; they are off unless `spikeAmpsProactively` /
 *   `spikeAmpsReactively` ask for them (modelled as in step 11 then).
 * - The EMS cache (up to 10 s old readings, §5.6) and the background-task delay before a new
 *   budget applies: the baseline reads the trace at the second it evaluates and applies it at once.
 * - The time-of-day window of "Track Green Energy" (§5.2, sunrise ≤ hour < sunset): a trace has
 *   no clock, so green tracking holds all day (as nonScheduledAction = 3); at night the surplus is
 *   0 anyway.
 * - Tesla API start/stop and charge-rate calls (§4.5, branch B, §4.7 distributor): no vehicle
 *   API; the car starts when offered ≥ its minimum and stops when offered less.
 */
import { SimulatedCar } from "../sim/car.js";
import { ReplayMetrics, type ReplayStep } from "./metrics.js";
import type { ReplayRun } from "./ideal.js";
import { traceCursor, traceDuration, type TraceRow } from "./trace.js";

export interface BaselineOptions {
	/** Supply (default 240 V, 1 phase), as `config.defaultVoltage` / `numberOfPhases`. */
	volts?: number;
	phases?: number;
	/** `config.minAmpsPerTWC` (6) and the unit's minAmpsTWCSupports (6 for protocol 2). */
	minAmpsPerTWC?: number;
	minAmpsTWCSupports?: number;
	/** `config.wiringMaxAmpsAllTWCs`, `config.wiringMaxAmpsPerTWC` (32, 32). */
	wiringMaxAmpsAllTWCs?: number;
	wiringMaxAmpsPerTWC?: number;
	/** `config.startStopDelay` (60 s) and `policy.engine.policyCheckInterval` (30 s). */
	startStopDelayS?: number;
	policyCheckIntervalS?: number;
	/**
	 * Second of the first policy evaluation (default 0: at the first heartbeat, as TWCManager does
	 * once it runs). Its phase decides how late the baseline sees an event at a round time.
	 */
	firstPolicyAtS?: number;
	/** `config.greenEnergyFlexAmps` (0) and `config.useFlexAmpsToStartCharge` (false), §4.2 step 9. */
	greenEnergyFlexAmps?: number;
	useFlexAmpsToStartCharge?: boolean;
	/** §3.8 spike amps: off by default (see the module comment); spikeAmpsToCancel6ALimit 16 A. */
	spikeAmpsProactively?: boolean;
	spikeAmpsReactively?: boolean;
	spikeAmps?: number;
	/** A fresh car (plugged in at 0 if it is not); default: never fills, 32 A, charges from 5 A. */
	car?: SimulatedCar;
}

export interface GreenAmpsInput {
	generationW: number;
	consumptionW: number;
	volts: number;
	phases: number;
	/** The budget in force (§5.6 step 3's currentMaxAmps) and the cars charging. */
	currentMaxAmps: number;
	numCarsCharging: number;
	minAmpsPerTWC: number;
}

/**
 * §5.6 getMaxAmpsForTargetGridUsage(0) with subtractChargerLoad = false,
 * treatGenerationAsGridDelivery = false and realPowerFactor 1, after §5.6's EMS aggregation.
 */
export function greenAmps(input: GreenAmpsInput): number {
	const w2a = (w: number) => w / (input.volts * input.phases);
	const generation = Math.abs(input.generationW); // each negative module value is sign-flipped
	const consumption = Math.max(0, input.consumptionW);
	const genA = w2a(generation);
	const conA = w2a(consumption); // targetA == 0 → W2A(consumption)
	const newOffer = Math.max(Math.trunc(input.currentMaxAmps), input.numCarsCharging * input.minAmpsPerTWC) + (genA - conA);
	const avail = genA - w2a(Math.max(0, consumption));
	return Math.round(Math.max(Math.min(newOffer, avail), 0) * 100) / 100;
}

export function runBaseline(rows: readonly TraceRow[], options: BaselineOptions = {}): ReplayRun {
	const volts = options.volts ?? 240;
	const phases = options.phases ?? 1;
	const minAmpsPerTWC = options.minAmpsPerTWC ?? 6;
	const minAmpsTWCSupports = options.minAmpsTWCSupports ?? 6;
	const wiringAll = options.wiringMaxAmpsAllTWCs ?? 32;
	const wiringPerTWC = options.wiringMaxAmpsPerTWC ?? 32;
	const startStopDelay = options.startStopDelayS ?? 60;
	const policyInterval = options.policyCheckIntervalS ?? 30;
	const allowedFlex = Math.max(0, options.greenEnergyFlexAmps ?? 0);
	const useFlexToStart = options.useFlexAmpsToStartCharge ?? false;
	const spikeProactive = options.spikeAmpsProactively ?? false;
	const spikeReactive = options.spikeAmpsReactively ?? false;
	const spike = options.spikeAmps ?? 16;
	const car = options.car ?? new SimulatedCar({ neverFills: true, maxAmps: 32, minAmps: 5 });
	car.setSupply(volts, phases);
	if (!car.isPluggedIn) car.plugIn(0);

	const metrics = new ReplayMetrics();
	const steps: ReplayStep[] = [];
	if (rows.length === 0) return { metrics, steps };
	const at = traceCursor(rows);
	const end = traceDuration(rows);

	// TWCMaster
	let maxAmpsToDivide = 0;
	const firstPolicyAt = options.firstPolicyAtS ?? 0;
	let lastPolicyAt = -Infinity;
	// TWCSlave; "never" is −Infinity (TWCManager's 0 = the epoch, long ago).
	let lastAmpsOffered = 0;
	let reportedAmpsMax = 0;
	let timeLastAmpsOfferedChanged = -Infinity;
	let lastAmpsDesired = -1;
	let timeLastAmpsDesiredFlipped = -Infinity;
	let isCharging = false;
	let belowOneSince: number | undefined;
	let monitor = -1;
	let timeActualChangedSignificantly = -Infinity;
	const minAmpsToOffer = Math.max(minAmpsPerTWC, minAmpsTWCSupports); // step 8

	for (let now = 0; now < end; now++) {
		const ms = now * 1000;
		const { gen_w, cons_w } = at(now);
		// Step 1: the slave's heartbeat reports the actual amps and its max (our last limit).
		const actual = car.currentAt(ms);
		// Step 4.
		if (monitor === -1 || Math.abs(actual - monitor) > 0.8) {
			monitor = actual;
			timeActualChangedSignificantly = now;
		}
		// Step 5 (§5.1, §5.6).
		if (now >= firstPolicyAt && now - lastPolicyAt >= policyInterval) {
			lastPolicyAt = now;
			const amps = greenAmps({
				generationW: gen_w,
				consumptionW: cons_w,
				volts,
				phases,
				currentMaxAmps: maxAmpsToDivide,
				numCarsCharging: isCharging ? 1 : 0,
				minAmpsPerTWC,
			});
			maxAmpsToDivide = Math.min(amps, wiringAll);
		}
		// Step 6.
		if (actual >= 1.0) {
			isCharging = true;
			belowOneSince = undefined;
		} else if (isCharging) {
			belowOneSince ??= now;
			if (now - belowOneSince >= 5) {
				isCharging = false;
				belowOneSince = undefined;
			}
		}
		const numCarsCharging = isCharging ? 1 : 0;
		// Step 7 (§4.1 getMaxAmpsToDivideAmongSlaves: the limit is wiringMaxAmpsAllTWCs).
		const toDivide = maxAmpsToDivide > wiringAll ? wiringAll : maxAmpsToDivide > 0 ? maxAmpsToDivide : 0;
		let desired = toDivide;
		let flex = allowedFlex;
		if (numCarsCharging > 0) {
			flex = allowedFlex / numCarsCharging;
			desired = Math.min(desired, Math.trunc(toDivide / numCarsCharging));
		}
		// Step 9.
		if (desired < minAmpsToOffer && desired + flex >= minAmpsToOffer && (useFlexToStart || actual >= 1.0)) desired = minAmpsToOffer;
		// Step 10.
		const dampenChanges = now - timeLastAmpsDesiredFlipped < startStopDelay;
		// Step 11.
		if (desired < minAmpsToOffer) {
			desired = numCarsCharging > 0 && toDivide / numCarsCharging > minAmpsToOffer ? minAmpsTWCSupports : 0;
		} else {
			desired = Math.trunc(desired);
			const proactive = spikeProactive && desired < spike && desired > reportedAmpsMax;
			const reactive =
				spikeReactive && actual > 2.0 && actual <= spike && lastAmpsOffered - actual > 2.0 && now - timeActualChangedSignificantly > 10;
			if (proactive || reactive) {
				if (lastAmpsOffered === spike && now - timeLastAmpsOfferedChanged > 10) desired = spike - 2;
				else if (now - timeLastAmpsOfferedChanged > 5) desired = spike;
				else desired = lastAmpsOffered;
			} else if (desired < lastAmpsOffered && now - timeLastAmpsOfferedChanged < 5) {
				desired = lastAmpsOffered;
			}
		}
		// Step 12.
		if ((lastAmpsDesired < minAmpsToOffer) !== (desired < minAmpsToOffer)) {
			lastAmpsDesired = desired;
			timeLastAmpsDesiredFlipped = now;
		}
		// Step 13.
		if (dampenChanges && actual > 0) desired = Math.max(minAmpsTWCSupports, desired);
		// Step 14, §4.3 (no other slave draws).
		if (desired !== lastAmpsOffered) {
			let offered = desired > wiringAll ? Math.max(minAmpsTWCSupports, Math.trunc(wiringAll)) : desired;
			offered = Math.min(offered, wiringPerTWC);
			if (offered !== lastAmpsOffered) timeLastAmpsOfferedChanged = now;
			lastAmpsOffered = offered;
		}
		// Step 15: the heartbeat carries the limit; the slave echoes it as its max from now on.
		reportedAmpsMax = lastAmpsOffered;
		car.currentAt(ms, lastAmpsOffered);
		// The car's mean power over this second (its energy integrates the start delay and ramps).
		const whBefore = car.energyWhAt(ms);
		const car_w = (car.energyWhAt(ms + 1000) - whBefore) * 3600;
		metrics.add(1, gen_w, cons_w, car_w);
		steps.push({ t_s: now, gen_w, cons_w, car_w, offered_a: lastAmpsOffered });
	}
	return { metrics, steps };
}
