import test from "ava";
import { NodeClock } from "../../../host-sim/node-clock.js";

test("now() is the wall clock", (t) => {
	const before = Date.now();
	const now = new NodeClock().now();
	t.true(now >= before && now <= Date.now());
});

test("a timer fires once after its delay; a cleared one never does", async (t) => {
	const clock = new NodeClock();
	const fired: string[] = [];
	const start = Date.now();
	await new Promise<void>((resolve) => {
		const cancelled = clock.setTimer(5, () => fired.push("cancelled"));
		clock.clearTimer(cancelled);
		clock.setTimer(20, () => {
			fired.push("kept");
			resolve();
		});
	});
	t.deepEqual(fired, ["kept"]);
	t.true(Date.now() - start >= 19);
	t.notThrows(() => clock.clearTimer(undefined));
});

test("a delay beyond setTimeout's limit does not fire early", async (t) => {
	const clock = new NodeClock();
	let fired = false;
	const handle = clock.setTimer(30 * 24 * 3600_000, () => (fired = true));
	await new Promise((resolve) => setTimeout(resolve, 20));
	clock.clearTimer(handle);
	t.false(fired);
});
