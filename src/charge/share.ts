/**
 * Equal shares of a total in whole amps, each capped ("water-filling", as SmartEVSE does, anchors
 * §3.3): a slave whose cap is below its share takes its cap and the rest goes to the others.
 */
export function shareEqually(total: number, caps: readonly number[]): number[] {
	const result = caps.map(() => 0);
	const order = caps.map((_, i) => i).sort((a, b) => caps[a] - caps[b]);
	let remaining = Math.max(0, Math.floor(total));
	let pending = order.length;
	for (const i of order) {
		const share = Math.floor(remaining / pending);
		const give = Math.max(0, Math.min(Math.floor(caps[i]), share));
		result[i] = give;
		remaining -= give;
		pending--;
	}
	return result;
}
