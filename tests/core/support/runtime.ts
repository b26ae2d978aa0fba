/**
 * Where the core tests run. tests/xs/run-xs.mjs defines `__XS_TEST__` when it bundles the tests;
 * the `harden` + `print` check recognises any other XS host (xsnap, xst) as well.
 */
declare const __XS_TEST__: boolean | undefined;

const g = globalThis as { harden?: unknown; print?: unknown };

export const onXS: boolean =
	(typeof __XS_TEST__ !== "undefined" && __XS_TEST__ === true) ||
	(typeof g.harden === "function" && typeof g.print === "function");

/** How many property-test cases to run: all of them under Node, a tenth (at least 50) under XS. */
export function cases(nodeCount: number): number {
	return onXS ? Math.min(nodeCount, Math.max(50, Math.ceil(nodeCount / 10))) : nodeCount;
}
