import test from "ava";
import { gateLimit } from "../../../src/twc/limit-gate.js";

const base = { target: 16, cap: 32, current: 0, othersInUse: 0, total: 40, minAmps: 6 };

test("increases take only the headroom the others leave; decreases always pass", (t) => {
	t.is(gateLimit({ ...base, target: 30, othersInUse: 20 }), 20);
	t.is(gateLimit({ ...base, target: 10, current: 24, othersInUse: 40 }), 10, "a decrease passes even when the total is full");
	t.is(gateLimit({ ...base, target: 50 }), 32, "never above the cap");
});

test("never a limit between 0 and the unit's floor", (t) => {
	t.is(gateLimit({ ...base, target: 20, othersInUse: 36 }), 0, "only 4 A of room: nothing rather than a current the car cannot use");
	t.is(gateLimit({ ...base, target: 4, current: 10 }), 0, "a decrease to below the floor becomes 0 A");
	t.is(gateLimit({ ...base, target: 20, current: 5, othersInUse: 40 }), 0, "a kept limit below the floor (a unit that relinked as protocol 2) becomes 0 A");
	t.is(gateLimit({ ...base, target: 20, current: 8, othersInUse: 35 }), 8, "no room to rise: it keeps what it has");
});

test("nonsense in, whole safe amps out", (t) => {
	t.is(gateLimit({ ...base, target: Number.NaN }), 0);
	t.is(gateLimit({ ...base, target: 20, othersInUse: Number.NaN }), 0, "unknown use by the others: no increase");
	t.is(gateLimit({ ...base, target: 12.7 }), 12);
});
