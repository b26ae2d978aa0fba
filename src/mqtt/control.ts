/**
 * TWCManager's MQTT control topics (reference integrations §B.2), read from `<prefix>/control/<leaf>`
 * with TWCManager's plain-text payloads, plus the topics Home Assistant's controls use. Parsing
 * only: what a command does is the controller's (mqtt-link.ts hands it to the same paths the HTTP
 * API uses).
 */

/** Charge Now lasts a week at most, as on the HTTP API. */
export const MAX_CHARGE_NOW_SECONDS = 7 * 24 * 3600;
/** Charge Now started from Home Assistant's number (amps only) lasts this long: TWCManager's IPC chargeNow. */
export const HA_CHARGE_NOW_SECONDS = 24 * 3600;

export type ControlCommand =
	/** `chargeNow` "<amps>,<seconds>" (TWCManager). */
	| { kind: "chargeNow"; amps: number; seconds: number; note?: string }
	/** `chargeNowEnd` (TWCManager), any payload. */
	| { kind: "chargeNowEnd" }
	/** `chargeNowAmps` "<amps>" (ours, Home Assistant's number): 0 ends Charge Now. */
	| { kind: "chargeNowAmps"; amps: number; note?: string }
	/** `nonScheduledAmpsMax` "<amps>" (TWCManager). */
	| { kind: "nonScheduledAmpsMax"; amps: number }
	/** `nonScheduledAction` "1" | "2" | "3" (TWCManager) or the select's option name (ours). */
	| { kind: "nonScheduledAction"; action: 1 | 2 | 3 }
	/** `startCharging` / `stopCharging` (ours, Home Assistant's buttons), any payload. */
	| { kind: "startCharging" }
	| { kind: "stopCharging" }
	/** `stop` (TWCManager: terminates TWCManager). Never obeyed: the bus master must keep running. */
	| { kind: "stop" };

export interface ControlLimits {
	wiringMaxAmpsAllTWCs: number;
}

export type ControlParse = { ok: true; command: ControlCommand } | { ok: false; error: string };

/** The leaf after `<prefix>/control/`, or undefined for another topic. */
export function controlLeaf(prefix: string, topic: string): string | undefined {
	const head = `${prefix}/control/`;
	return topic.startsWith(head) ? topic.slice(head.length) : undefined;
}

/**
 * A control message read into a command, or a sentence naming what is wrong (topic, payload and
 * the rule). Python's int() is TWCManager's reader: blanks around digits are fine, "8.5" is not.
 */
export function parseControl(leaf: string, payload: string, limits: ControlLimits): ControlParse {
	const max = limits.wiringMaxAmpsAllTWCs;
	const fail = (rule: string): ControlParse => ({ ok: false, error: `control/${leaf}: ${show(payload)} refused: ${rule}` });
	switch (leaf) {
		case "chargeNow": {
			const parts = payload.split(",");
			if (parts.length !== 2) return fail(`expected "<amps>,<seconds>", e.g. "16,3600"`);
			const amps = wholeNumber(parts[0]);
			const seconds = wholeNumber(parts[1]);
			if (amps === undefined || amps < 1) return fail(`the amps must be a whole number of 1 or more`);
			if (seconds === undefined || seconds < 1 || seconds > MAX_CHARGE_NOW_SECONDS) return fail(`the seconds must be a whole number from 1 to ${MAX_CHARGE_NOW_SECONDS} (a week)`);
			// As the HTTP API: a rate above the wiring is accepted and capped (a client may send the car's maximum).
			if (amps > max) return { ok: true, command: { kind: "chargeNow", amps: max, seconds, note: `${amps} A is above wiringMaxAmpsAllTWCs: capped to ${max} A` } };
			return { ok: true, command: { kind: "chargeNow", amps, seconds } };
		}
		case "chargeNowEnd":
			return { ok: true, command: { kind: "chargeNowEnd" } };
		case "chargeNowAmps": {
			// Home Assistant's number sends "16" or "16.0".
			const amps = ampsNumber(payload);
			if (amps === undefined || amps < 0) return fail(`expected whole amps from 0 (end Charge Now) to ${max}`);
			if (amps > max) return { ok: true, command: { kind: "chargeNowAmps", amps: max, note: `${amps} A is above wiringMaxAmpsAllTWCs: capped to ${max} A` } };
			return { ok: true, command: { kind: "chargeNowAmps", amps } };
		}
		case "nonScheduledAmpsMax": {
			const amps = ampsNumber(payload);
			if (amps === undefined || amps < 0 || amps > max) return fail(`expected whole amps from 0 to wiringMaxAmpsAllTWCs (${max})`);
			return { ok: true, command: { kind: "nonScheduledAmpsMax", amps } };
		}
		case "nonScheduledAction": {
			const n = wholeNumber(payload);
			const names = nonScheduledWords();
			const byName = names.indexOf(payload.trim().toLowerCase()) + 1;
			const action = n ?? byName;
			if (action !== 1 && action !== 2 && action !== 3) return fail(`expected 1 (charge at a fixed rate), 2 (do not charge) or 3 (track green energy)`);
			return { ok: true, command: { kind: "nonScheduledAction", action } };
		}
		case "startCharging":
			return { ok: true, command: { kind: "startCharging" } };
		case "stopCharging":
			return { ok: true, command: { kind: "stopCharging" } };
		case "stop":
			return { ok: true, command: { kind: "stop" } };
		default:
			return { ok: false, error: `control/${leaf}: unknown control topic (known: chargeNow, chargeNowEnd, chargeNowAmps, nonScheduledAmpsMax, nonScheduledAction, startCharging, stopCharging, stop)` };
	}
}

/** The select's option names in lower case, index + 1 = the action. */
function nonScheduledWords(): string[] {
	return ["charge at a fixed rate", "do not charge", "track green energy"];
}

/** Python int() of a text: optional sign and blanks, decimal digits only. */
function wholeNumber(text: string): number | undefined {
	if (!/^\s*[+-]?\d{1,9}\s*$/.test(text)) return undefined;
	return Number(text.trim()) + 0;
}

/** Whole amps, also written as a float with a zero fraction ("16.0", as Home Assistant's number sends). */
function ampsNumber(text: string): number | undefined {
	if (!/^\s*[+-]?\d{1,9}(?:\.0*)?\s*$/.test(text)) return undefined;
	return Math.trunc(Number(text.trim())) + 0;
}

/** A payload for a message, cut short and quoted. */
function show(payload: string): string {
	const text = payload.length > 40 ? `${payload.slice(0, 40)}…` : payload;
	return JSON.stringify(text);
}
