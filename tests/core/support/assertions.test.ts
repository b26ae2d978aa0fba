/**
 * The assertions core tests rely on give the same answers under ava (Node) and under
 * tests/xs/ava-shim.ts (XS). If the shim drifts from ava, this file fails on XS only.
 */
import test from "ava";

test("deepEqual: bytes, NaN, nested structures", (t) => {
	t.deepEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]));
	t.notDeepEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]));
	t.notDeepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]));
	t.notDeepEqual(new Uint8Array([1, 2]), [1, 2]);
	t.notDeepEqual(new Uint8Array([1]), new Int8Array([1]));
	t.deepEqual(new Uint8Array([1, 2]).buffer, new Uint8Array([1, 2]).buffer);
	t.deepEqual([NaN, { a: [NaN] }], [NaN, { a: [NaN] }]);
	t.deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 });
	t.notDeepEqual({ a: 1 }, { a: 1, b: undefined });
	t.notDeepEqual([0], [-0]);
	t.notDeepEqual([1, 2], [1, 2, 3]);
	t.notDeepEqual({ a: "1" }, { a: 1 });
});

test("deepEqual: Map and Set compare entries in order", (t) => {
	t.deepEqual(new Map([["a", { x: [1] }], ["b", { x: [2] }]]), new Map([["a", { x: [1] }], ["b", { x: [2] }]]));
	t.notDeepEqual(new Map([["a", 1]]), new Map([["a", 2]]));
	t.notDeepEqual(new Map([[1, 1], [2, 2]]), new Map([[2, 2], [1, 1]]));
	t.deepEqual(new Set([1, { x: 1 }]), new Set([1, { x: 1 }]));
	t.notDeepEqual(new Set([1, 2]), new Set([2, 1]));
	t.notDeepEqual(new Set([1, 2]), new Set([1, 3]));
});

test("deepEqual: class instances must share a prototype", (t) => {
	class Point {
		constructor(readonly x: number) {}
	}
	t.deepEqual(new Point(1), new Point(1));
	t.notDeepEqual(new Point(1), new Point(2));
	t.notDeepEqual(new Point(1), { x: 1 });
});

test("throws returns the error and checks message and class", (t) => {
	const error = t.throws(() => {
		throw new RangeError("frame too short: 3 bytes");
	}, { instanceOf: RangeError, message: /too short/ });
	t.is(error?.message, "frame too short: 3 bytes");
	t.throws(() => JSON.parse("{"), { instanceOf: SyntaxError });
	t.throws(() => {
		throw new Error("exact");
	}, { message: "exact" });
	t.notThrows(() => JSON.parse("{}"));
});

test("async tests and throwsAsync", async (t) => {
	const value = await Promise.resolve(42);
	t.is(value, 42);
	await t.throwsAsync(Promise.reject(new TypeError("nope")), { instanceOf: TypeError });
	await t.notThrowsAsync(Promise.resolve());
});

test("the small assertions", (t) => {
	t.plan(9);
	t.is("a", "a");
	t.not(1, 2);
	t.true(true);
	t.false(false);
	t.truthy(1);
	t.falsy("");
	t.assert([1].length === 1);
	t.regex("charging at 16 A", /\d+ A/);
	t.pass();
});

test("teardowns run after the test, last registered first", (t) => {
	const order: string[] = [];
	t.teardown(() => {
		order.push("first");
		if (order.join() !== "second,first") throw new Error(`teardown order ${order.join()}`);
	});
	t.teardown(() => {
		order.push("second");
	});
	t.deepEqual(order, []);
});
