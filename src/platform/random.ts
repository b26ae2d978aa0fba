/** Randomness through one door, so every simulated run can be repeated from its seed. */
export interface Random {
	/** A number in [0, 1). */
	next(): number;
}

/** Mulberry32: a small, fast, seedable PRNG (portable, no host needed). */
export function seededRandom(seed: number): Random {
	let state = seed >>> 0;
	return {
		next() {
			state = (state + 0x6d2b79f5) >>> 0;
			let t = state;
			t = Math.imul(t ^ (t >>> 15), t | 1);
			t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
			return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		},
	};
}
