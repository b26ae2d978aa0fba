/** TWCManager's value formats (reference §9), quirks included, so existing clients keep working. */

/** Python's "%.2f". */
export function fixed2(value: number): string {
	return (Number.isFinite(value) ? value : 0).toFixed(2);
}

/** Python's round(x, 2) as a JSON number. */
export function round2(value: number): number {
	return Number.isFinite(value) ? Math.round(value * 100) / 100 : 0;
}

/** "H:MM:SS" of a duration, or "--:--:--" when there is none (getSlaveTWCs chargeTime). */
export function hms(ms: number | undefined): string {
	if (ms === undefined || !(ms >= 0)) return "--:--:--";
	const s = Math.floor(ms / 1000);
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const r = s % 60;
	return `${h}:${m < 10 ? "0" : ""}${m}:${r < 10 ? "0" : ""}${r}`;
}
