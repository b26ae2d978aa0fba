/**
 * How a budget of amps is shared between the slaves (issue 3 §4; SmartEVSE's "water-filling",
 * anchors.md §3.3): every car that may charge gets an equal share in whole amps, each capped by its
 * own caps, with what a capped car cannot take passed to the others. When the budget cannot give
 * every car its minimum, the cars first in the rotation order get theirs and the rest wait for
 * their turn (the arbiter rotates the order). What nobody with a car can use is offered to units
 * without a car, so a car plugged in there can start at once.
 *
 * Pure: no time, no state. The wiring limits are enforced again, whatever this returns, by the
 * master's gate (src/twc/limit-gate.ts).
 */

/** One slave as the allocation sees it. */
export interface Claimant {
	readonly id: number;
	/** The lowest of its caps, whole amps (0: may not charge). */
	readonly cap: number;
	/** The least current worth offering: max(minAmpsPerTWC, the unit's floor). */
	readonly min: number;
	/** A car is there and may charge. */
	readonly wants: boolean;
	/** Must keep at least `min` now (minimum on time, stop delay): served before anyone else. */
	readonly hold: boolean;
}

export const ShareReason = Object.freeze({
	/** An equal share of the budget (possibly bound by its cap). */
	Share: "share",
	/** Held at its minimum (minimum on time or stop delay), even if the budget is smaller. */
	Held: "held",
	/** The budget cannot give even one car its minimum. */
	BelowMinimum: "below-minimum",
	/** Others have the budget now; its turn comes with the rotation. */
	WaitingTurn: "waiting-turn",
	/** Its caps are below its minimum (a VIN denial, a unit of 0 A). */
	CapBelowMinimum: "cap-below-minimum",
	/** No car: offered what the cars could not use. */
	Leftover: "leftover",
	/** No car, and nothing left over. */
	NoCar: "no-car",
} as const);
export type ShareReason = (typeof ShareReason)[keyof typeof ShareReason];

export interface Share {
	amps: number;
	reason: ShareReason;
	/** It got less than an unbounded equal share because of its cap. */
	capped: boolean;
}

/**
 * Shares `budget` (amps) between `claimants`. `order` is the rotation order (slave ids; the first
 * is served first and gets the first spare amp); ids missing from it come last, by position.
 */
export function allocate(budget: number, claimants: readonly Claimant[], order: readonly number[] = []): Map<number, Share> {
	const total = Number.isFinite(budget) ? Math.max(0, Math.floor(budget)) : 0;
	const rank = (c: Claimant) => {
		const i = order.indexOf(c.id);
		return i >= 0 ? i : order.length + claimants.indexOf(c);
	};
	const sorted = claimants.slice().sort((a, b) => rank(a) - rank(b));
	const result = new Map<number, Share>();

	const able = (c: Claimant) => c.wants && c.cap > 0 && c.cap >= c.min;
	for (const c of sorted) if (c.wants && !able(c)) result.set(c.id, { amps: 0, reason: ShareReason.CapBelowMinimum, capped: true });

	// Who charges: the held ones, then in rotation order as long as their minimums fit.
	const chosen: Claimant[] = sorted.filter((c) => able(c) && c.hold);
	let room = total - chosen.reduce((sum, c) => sum + c.min, 0);
	for (const c of sorted) {
		if (!able(c) || c.hold) continue;
		if (c.min <= room) {
			chosen.push(c);
			room -= c.min;
		}
	}
	for (const c of sorted) {
		if (!able(c) || chosen.includes(c)) continue;
		const reason = chosen.length === 0 || c.min > total ? ShareReason.BelowMinimum : ShareReason.WaitingTurn;
		result.set(c.id, { amps: 0, reason, capped: false });
	}

	// Equal shares from everyone's minimum up: each spare amp goes to the lowest share below its cap.
	const amps = new Map<Claimant, number>(chosen.map((c) => [c, c.min]));
	let spare = Math.max(0, total - chosen.reduce((sum, c) => sum + c.min, 0));
	const inOrder = chosen.slice().sort((a, b) => rank(a) - rank(b));
	while (spare > 0) {
		let lowest: Claimant | undefined;
		for (const c of inOrder) if (amps.get(c)! < c.cap && (!lowest || amps.get(c)! < amps.get(lowest)!)) lowest = c;
		if (!lowest) break;
		amps.set(lowest, amps.get(lowest)! + 1);
		spare--;
	}
	const given = sumOf(amps);
	const fair = inOrder.length > 0 ? total / inOrder.length : 0;
	for (const c of inOrder) {
		const a = amps.get(c)!;
		// Held beyond the budget: the held minimums alone are more than it.
		const reason = c.hold && a === c.min && given > total ? ShareReason.Held : ShareReason.Share;
		result.set(c.id, { amps: a, reason, capped: a === c.cap && a < fair });
	}

	// Units without a car get what is left, if it is enough to start a car.
	for (const c of sorted) {
		if (c.wants) continue;
		const offer = Math.min(Math.max(0, Math.floor(c.cap)), spare);
		if (offer >= c.min && offer > 0) {
			result.set(c.id, { amps: offer, reason: ShareReason.Leftover, capped: offer === c.cap });
			spare -= offer;
		} else result.set(c.id, { amps: 0, reason: ShareReason.NoCar, capped: false });
	}
	return result;
}

function sumOf(amps: Map<Claimant, number>): number {
	let sum = 0;
	for (const a of amps.values()) sum += a;
	return sum;
}
