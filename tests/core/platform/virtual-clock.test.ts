import test from "ava";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";

test("starts at the given instant and only moves when asked", (t) => {
	const clock = new VirtualClock(1_000);
	t.is(clock.now(), 1_000);
	t.is(clock.now(), 1_000);
	t.is(new VirtualClock().now(), Date.UTC(2026, 5, 21));
});

test("timers fire in time order, each at its own instant", (t) => {
	const clock = new VirtualClock(0);
	const fired: [string, number][] = [];
	clock.setTimer(30, () => fired.push(["c", clock.now()]));
	clock.setTimer(10, () => fired.push(["a", clock.now()]));
	clock.setTimer(20, () => fired.push(["b", clock.now()]));
	clock.advance(100);
	t.deepEqual(fired, [["a", 10], ["b", 20], ["c", 30]]);
	t.is(clock.now(), 100);
	t.is(clock.pending, 0);
});

test("timers due at the same instant fire in the order they were set", (t) => {
	const clock = new VirtualClock(0);
	const fired: number[] = [];
	for (let i = 0; i < 5; i++) clock.setTimer(5, () => fired.push(i));
	clock.setTimer(0, () => fired.push(-1));
	clock.advance(5);
	t.deepEqual(fired, [-1, 0, 1, 2, 3, 4]);
});

test("a negative delay counts as zero", (t) => {
	const clock = new VirtualClock(50);
	let at = -1;
	clock.setTimer(-10, () => (at = clock.now()));
	clock.advance(0);
	t.is(at, 50);
});

test("clearTimer cancels one timer; clearing twice or an unknown handle is harmless", (t) => {
	const clock = new VirtualClock(0);
	const fired: string[] = [];
	const a = clock.setTimer(10, () => fired.push("a"));
	clock.setTimer(10, () => fired.push("b"));
	clock.clearTimer(a);
	clock.clearTimer(a);
	clock.clearTimer({});
	t.is(clock.pending, 1);
	clock.advance(10);
	t.deepEqual(fired, ["b"]);
});

test("advance stops at the end: later timers stay pending", (t) => {
	const clock = new VirtualClock(0);
	const fired: number[] = [];
	clock.setTimer(10, () => fired.push(10));
	clock.setTimer(11, () => fired.push(11));
	clock.advance(10);
	t.deepEqual(fired, [10]);
	t.is(clock.now(), 10);
	t.is(clock.pending, 1);
	clock.advance(1);
	t.deepEqual(fired, [10, 11]);
});

test("timers set by a callback fire within the same advance when they fall due", (t) => {
	const clock = new VirtualClock(0);
	const fired: number[] = [];
	const tick = () => {
		fired.push(clock.now());
		if (fired.length < 5) clock.setTimer(100, tick);
	};
	clock.setTimer(100, tick);
	clock.advance(350);
	t.deepEqual(fired, [100, 200, 300]);
	t.is(clock.now(), 350);
	clock.runUntil(10_000);
	t.deepEqual(fired, [100, 200, 300, 400, 500]);
	t.is(clock.now(), 10_000);
});

test("a zero-delay timer set inside a callback runs after the current one, at the same instant", (t) => {
	const clock = new VirtualClock(0);
	const fired: string[] = [];
	clock.setTimer(5, () => {
		fired.push(`outer@${clock.now()}`);
		clock.setTimer(0, () => fired.push(`inner@${clock.now()}`));
	});
	clock.setTimer(5, () => fired.push(`second@${clock.now()}`));
	clock.advance(5);
	t.deepEqual(fired, ["outer@5", "second@5", "inner@5"]);
});

test("runUntil never moves time backwards", (t) => {
	const clock = new VirtualClock(1_000);
	clock.runUntil(500);
	t.is(clock.now(), 1_000);
});

test("jumpTo changes the time without firing timers and keeps their remaining delays", (t) => {
	const clock = new VirtualClock(0);
	const fired: number[] = [];
	clock.setTimer(100, () => fired.push(clock.now()));
	clock.jumpTo(3_600_000);
	t.is(clock.now(), 3_600_000);
	t.deepEqual(fired, []);
	clock.advance(99);
	t.deepEqual(fired, []);
	clock.advance(1);
	t.deepEqual(fired, [3_600_100]);

	clock.setTimer(50, () => fired.push(clock.now()));
	clock.jumpTo(0); // backwards too
	clock.advance(50);
	t.deepEqual(fired, [3_600_100, 50]);
});
