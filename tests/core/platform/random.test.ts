import test from "ava";
import { seededRandom } from "../../../src/platform/random.js";
import { cases } from "../support/runtime.js";

const draw = (seed: number, n: number) => {
	const random = seededRandom(seed);
	return Array.from({ length: n }, () => random.next());
};

test("the same seed gives the same sequence", (t) => {
	t.deepEqual(draw(42, 100), draw(42, 100));
	t.deepEqual(draw(0, 10), draw(0, 10));
});

test("different seeds give different sequences", (t) => {
	t.notDeepEqual(draw(1, 20), draw(2, 20));
	t.notDeepEqual(draw(0, 20), draw(0xffffffff, 20));
});

test("seeds are taken as unsigned 32-bit integers", (t) => {
	t.deepEqual(draw(-1, 10), draw(0xffffffff, 10));
	t.deepEqual(draw(2 ** 32 + 7, 10), draw(7, 10));
});

test("values lie in [0, 1)", (t) => {
	const n = cases(200_000);
	for (let seed = 0; seed < 5; seed++) {
		for (const value of draw(seed, n)) {
			if (!(value >= 0 && value < 1)) return t.fail(`seed ${seed} gave ${value}`);
		}
	}
	t.pass();
});

test("values are roughly uniform (chi-square over 10 buckets, mean near 1/2)", (t) => {
	const n = cases(100_000);
	const values = draw(12345, n);
	const buckets = new Array<number>(10).fill(0);
	for (const value of values) buckets[Math.floor(value * 10)]++;
	const expected = n / 10;
	const chi2 = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
	// 9 degrees of freedom: P(chi2 > 27.9) = 0.001. The seed is fixed, so this never flakes.
	t.true(chi2 < 27.9, `chi2 = ${chi2.toFixed(2)}, buckets ${buckets.join(" ")}`);
	const mean = values.reduce((a, b) => a + b, 0) / n;
	t.true(Math.abs(mean - 0.5) < 5 / Math.sqrt(12 * n), `mean = ${mean}`);
});
