import test from "ava";
import { allocate, ShareReason, type Claimant } from "../../../src/charge/allocation.js";
import { seededRandom } from "../../../src/platform/random.js";
import { cases } from "../support/runtime.js";

const car = (id: number, cap = 32, min = 6, hold = false): Claimant => ({ id, cap, min, wants: true, hold });
const empty = (id: number, cap = 32, min = 6): Claimant => ({ id, cap, min, wants: false, hold: false });
const amps = (m: Map<number, { amps: number }>, ids: number[]) => ids.map((id) => m.get(id)!.amps);

test("equal shares in whole amps; the spare amp goes to the first in the rotation order", (t) => {
	t.deepEqual(amps(allocate(32, [car(1), car(2)]), [1, 2]), [16, 16]);
	t.deepEqual(amps(allocate(31, [car(1), car(2)]), [1, 2]), [16, 15]);
	t.deepEqual(amps(allocate(31, [car(1), car(2)], [2, 1]), [1, 2]), [15, 16]);
	t.deepEqual(amps(allocate(40, [car(1), car(2), car(3)]), [1, 2, 3]), [14, 13, 13]);
});

test("a capped car passes what it cannot take to the others", (t) => {
	const shares = allocate(40, [car(1, 10), car(2), car(3)]);
	t.deepEqual(amps(shares, [1, 2, 3]), [10, 15, 15]);
	t.true(shares.get(1)!.capped);
	t.false(shares.get(2)!.capped);
});

test("below every car's minimum: the first cars in the order are served, the others wait their turn", (t) => {
	const shares = allocate(14, [car(1), car(2), car(3)], [3, 1, 2]);
	t.deepEqual(amps(shares, [1, 2, 3]), [7, 0, 7]);
	t.is(shares.get(2)!.reason, ShareReason.WaitingTurn);
	const none = allocate(5, [car(1), car(2)]);
	t.deepEqual(amps(none, [1, 2]), [0, 0]);
	t.is(none.get(1)!.reason, ShareReason.BelowMinimum);
});

test("held cars keep their minimum first, even beyond the budget", (t) => {
	const shares = allocate(8, [car(1), car(2, 32, 6, true)]);
	t.deepEqual(amps(shares, [1, 2]), [0, 8]);
	const over = allocate(4, [car(1, 32, 6, true)]);
	t.deepEqual(amps(over, [1]), [6]);
	t.is(over.get(1)!.reason, ShareReason.Held);
});

test("a cap below the minimum (a denied car) gets nothing; units without a car get the leftover", (t) => {
	const shares = allocate(40, [car(1, 0), car(2, 32), empty(3, 32)]);
	t.is(shares.get(1)!.amps, 0);
	t.is(shares.get(1)!.reason, ShareReason.CapBelowMinimum);
	t.is(shares.get(2)!.amps, 32);
	t.is(shares.get(3)!.amps, 8);
	t.is(shares.get(3)!.reason, ShareReason.Leftover);
	const small = allocate(36, [car(2, 32), empty(3, 32)]);
	t.is(small.get(3)!.amps, 0, "4 A left over is below the minimum: not offered");
});

test("property: never more than the budget (unless held), never above a cap, never between 0 and the minimum", (t) => {
	const random = seededRandom(11);
	const int = (n: number) => Math.floor(random.next() * n);
	for (let i = 0; i < cases(5000); i++) {
		const n = 1 + int(3);
		const claimants: Claimant[] = [];
		for (let k = 0; k < n; k++) claimants.push({ id: k + 1, cap: int(40), min: 5 + int(8), wants: random.next() < 0.8, hold: random.next() < 0.2 });
		const budget = int(100) - 10;
		const shares = allocate(budget, claimants, [3, 1, 2].slice(0, n));
		let sum = 0;
		let held = 0;
		for (const c of claimants) {
			const a = shares.get(c.id)!.amps;
			t.true(a <= c.cap || a === 0, `cap ${JSON.stringify(c)} → ${a}`);
			t.true(a === 0 || a >= c.min, `minimum ${JSON.stringify(c)} → ${a}`);
			t.true(Number.isInteger(a));
			sum += a;
			if (c.hold && c.wants && c.cap >= c.min) held += c.min;
		}
		t.true(sum <= Math.max(budget, 0) || sum <= held, `sum ${sum} budget ${budget}`);
	}
});
