import test from "ava";
import { ChargeSwitch, TIMER_MIN_OFF, TIMER_MIN_ON, TIMER_STOP_DELAY } from "../../../src/charge/charge-switch.js";

const timing = { minOnMs: 60_000, minOffMs: 90_000, stopDelayMs: 120_000 };
const at = (now: number, share: number, more: Partial<{ forced: boolean; green: boolean; drawing: boolean }> = {}) => ({
	now,
	share,
	min: 6,
	forced: false,
	green: false,
	drawing: true,
	...more,
});

test("a started car keeps its minimum for the minimum on time, then stops", (t) => {
	const sw = new ChargeSwitch(timing);
	t.is(sw.decide(at(0, 10)).transition, "start");
	const held = sw.decide(at(30_000, 0));
	t.is(held.amps, 6);
	t.deepEqual(held.timers, [{ name: TIMER_MIN_ON, secondsLeft: 30 }]);
	const stop = sw.decide(at(60_000, 0));
	t.is(stop.amps, 0);
	t.is(stop.transition, "stop");
});

test("a forced stop (policy, VIN denial) does not wait", (t) => {
	const sw = new ChargeSwitch(timing);
	sw.decide(at(0, 10));
	const stop = sw.decide(at(1000, 0, { forced: true }));
	t.is(stop.amps, 0);
	t.is(stop.transition, "stop");
});

test("a stopped car is not offered power again before the minimum off time", (t) => {
	const sw = new ChargeSwitch(timing);
	sw.decide(at(0, 10));
	sw.decide(at(1000, 0, { forced: true }));
	const wait = sw.decide(at(31_000, 10));
	t.is(wait.amps, 0);
	t.deepEqual(wait.timers, [{ name: TIMER_MIN_OFF, secondsLeft: 60 }]);
	t.is(sw.decide(at(91_000, 10)).transition, "start");
});

test("a green shortage stops a drawing car only after the stop delay", (t) => {
	const sw = new ChargeSwitch(timing);
	sw.decide(at(0, 10));
	t.true(sw.beginShortage(100_000, true));
	const held = sw.decide(at(150_000, 0, { green: true }));
	t.is(held.amps, 6);
	t.deepEqual(held.timers, [{ name: TIMER_STOP_DELAY, secondsLeft: 70 }]);
	t.is(sw.decide(at(220_000, 0, { green: true })).transition, "stop");
});

test("the shortage delay starts again once the budget recovers", (t) => {
	const sw = new ChargeSwitch(timing);
	sw.decide(at(0, 10));
	sw.beginShortage(100_000, true);
	sw.decide(at(150_000, 8, { green: true }));
	t.true(sw.beginShortage(200_000, true));
	t.is(sw.decide(at(250_000, 0, { green: true })).amps, 6, "a fresh delay, not the old one");
});

test("a clock stepping back does not stretch the minimum on time", (t) => {
	const sw = new ChargeSwitch(timing);
	sw.decide(at(1_000_000, 10));
	const back = sw.decide(at(1_000_000 - 3_600_000, 0));
	t.deepEqual(back.timers, [{ name: TIMER_MIN_ON, secondsLeft: 60 }], "the timer restarts at most from the new time");
	t.is(sw.decide(at(1_000_000 - 3_600_000 + 60_000, 0)).transition, "stop");
});

test("a clock stepping back keeps the time a timer has already run", (t) => {
	const sw = new ChargeSwitch(timing);
	sw.decide(at(0, 10));
	sw.decide(at(1000, 0, { forced: true }));
	t.deepEqual(sw.decide(at(31_000, 10)).timers, [{ name: TIMER_MIN_OFF, secondsLeft: 60 }]);
	// Set back an hour one second later: the 30 s run at the last reading count, 60 s are left
	// (not 90 s, not an hour); only the second between that reading and the step is lost.
	t.deepEqual(sw.decide(at(32_000 - 3_600_000, 10)).timers, [{ name: TIMER_MIN_OFF, secondsLeft: 60 }]);
	t.is(sw.decide(at(91_000 - 3_600_000, 10)).amps, 0);
	t.is(sw.decide(at(92_000 - 3_600_000, 10)).transition, "start");
});
