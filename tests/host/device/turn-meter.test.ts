/** The device's turn meter (modules/turn-meter.ts): the longest JavaScript turn per kind, against the UART FIFO. */
import test from "ava";
import { FIFO_FILL_MS, SLOW_TURN_MS, TurnMeter } from "../../../modules/turn-meter.js";

test("each kind keeps its longest turn and slow turns are reported; the result passes through and errors still throw", (t) => {
	let now = 0;
	const slow: string[] = [];
	const meter = new TurnMeter({ now: () => now, onSlow: (kind, ms) => slow.push(`${kind} ${ms}`) });
	t.is(FIFO_FILL_MS, 133, "128 bytes at 9600 baud, 10 bits each");
	t.is(meter.run("bus", () => ((now += 4), 42)), 42);
	meter.run("http", () => (now += SLOW_TURN_MS + 15));
	meter.run("http", () => (now += 3));
	t.throws(() => meter.run("timer", () => ((now += 200), (() => { throw new Error("boom"); })())), { message: "boom" });
	const wrapped = meter.wrap("bus", (a: number, b: number) => ((now += 1), a + b));
	t.is(wrapped(2, 3), 5);
	t.deepEqual(meter.snapshot(), [
		{ kind: "timer", turns: 1, longestMs: 200, slow: 1 },
		{ kind: "http", turns: 2, longestMs: SLOW_TURN_MS + 15, slow: 1 },
		{ kind: "bus", turns: 2, longestMs: 4, slow: 0 },
	]);
	t.deepEqual(slow, [`http ${SLOW_TURN_MS + 15}`, "timer 200"]);
});
