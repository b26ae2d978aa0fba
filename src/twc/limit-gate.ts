/**
 * The last word before a limit goes on the wire. Whatever the charging logic asks for, the sum of
 * the limits last commanded to the slaves never exceeds `wiringMaxAmpsAllTWCs`, and no slave is
 * given more than its own caps. Decreases always pass; an increase takes only the headroom left by
 * what the other slaves were last commanded (or draw, if more), so decreases go out before the
 * increases they make room for (reference §4.3, where TWCManager does the same with actual amps).
 */
export interface GateInput {
	/** Whole amps the charging logic wants for this slave. */
	target: number;
	/** The lowest of the slave's own caps: its FDE2 maximum and wiringMaxAmpsPerTWC. */
	cap: number;
	/** The limit last commanded to this slave (0 before the first). */
	current: number;
	/** Σ over the other slaves of max(limit last commanded, whole amps drawn), plus reserved amps. */
	othersInUse: number;
	/** wiringMaxAmpsAllTWCs. */
	total: number;
	/** The slave's floor (5 A protocol 1, 6 A protocol 2): an increase to less than this is useless. */
	minAmps: number;
}

/** Whole amps to command now (never negative, never NaN). */
export function gateLimit(input: GateInput): number {
	const cap = Math.max(0, Math.floor(finiteOr(input.cap, 0)));
	const want = Math.min(cap, Math.max(0, Math.floor(finiteOr(input.target, 0))));
	const current = Math.max(0, Math.floor(finiteOr(input.current, 0)));
	if (want <= current) return want > 0 && want < input.minAmps ? 0 : want;
	const headroom = Math.floor(finiteOr(input.total, 0) - finiteOr(input.othersInUse, Infinity));
	const allowed = Math.min(want, headroom);
	// No room, or only room for a current the car cannot use: keep what it has (already safe).
	if (allowed <= current || allowed < input.minAmps) {
		// What it has, unless that is a current below the floor (a unit that relinked as protocol 2).
		const keep = Math.min(current, cap);
		return keep < input.minAmps ? 0 : keep;
	}
	return allowed;
}

function finiteOr(value: number, fallback: number): number {
	return Number.isFinite(value) ? value : fallback;
}
