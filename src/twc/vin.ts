/**
 * VINs as the wall connector reports them: three parts of 7, 7 and 3 characters (§2.3, §6).
 * A VIN of 17 characters must pass the ISO 3779 check digit (position 9); all zeros means the car
 * gave none (CAN off, or not a Tesla) and must not be asked again.
 */
const TRANSLITERATION: Record<string, number> = {
	A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2,
	T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** True for a 17-character VIN whose check digit (position 9) is right. I, O and Q are invalid. */
export function isValidVin(vin: string): boolean {
	if (vin.length !== 17) return false;
	let sum = 0;
	for (let i = 0; i < 17; i++) {
		const c = vin[i];
		let value: number;
		if (c >= "0" && c <= "9") value = c.charCodeAt(0) - 48;
		else if (c in TRANSLITERATION) value = TRANSLITERATION[c];
		else return false;
		sum += value * WEIGHTS[i];
	}
	const check = sum % 11;
	return vin[8] === (check === 10 ? "X" : String(check));
}

export type VinOutcome =
	| { kind: "vin"; vin: string }
	| { kind: "none" }
	| { kind: "invalid"; reason: string };

/** Judges the three assembled parts: a valid VIN, no VIN (all empty), or invalid (ask again). */
export function assembleVin(parts: readonly string[]): VinOutcome {
	const text = parts.join("").toUpperCase();
	if (text.length === 0) return { kind: "none" };
	if (text.length !== 17) return { kind: "invalid", reason: `VIN has ${text.length} characters, not 17` };
	if (!isValidVin(text)) return { kind: "invalid", reason: `VIN ${text} fails the ISO 3779 check digit` };
	return { kind: "vin", vin: text };
}
