/**
 * Amps ↔ watts as the wall connectors measure them (reference §4.6): the phases that report a
 * voltage in their meter replies and the average of those voltages; otherwise the configured
 * defaultVoltage and numberOfPhases.
 */
import type { SlaveRecord } from "../twc/slave.js";

export interface Supply {
	volts: number;
	phases: number;
	/** True when measured from meter replies, false when from the config. */
	measured: boolean;
}

/** Below this a phase voltage is noise, not a connected phase. */
const MIN_PHASE_VOLTS = 50;

export function measuredSupply(slaves: readonly SlaveRecord[], defaultVoltage: number, defaultPhases: number): Supply {
	let sum = 0;
	let count = 0;
	let phases = -1;
	for (const slave of slaves) {
		let n = 0;
		for (const v of slave.volts) {
			if (v >= MIN_PHASE_VOLTS) {
				sum += v;
				count++;
				n++;
			}
		}
		if (n === 0) continue;
		// Units that disagree on their phase count: fall back on the config (§4.6).
		if (phases !== -1 && phases !== n) return { volts: defaultVoltage, phases: defaultPhases, measured: false };
		phases = n;
	}
	if (count === 0) return { volts: defaultVoltage, phases: defaultPhases, measured: false };
	return { volts: sum / count, phases, measured: true };
}

export function ampsToWatts(amps: number, supply: Supply): number {
	return amps * supply.volts * supply.phases;
}

export function wattsToAmps(watts: number, supply: Supply): number {
	return watts / (supply.volts * supply.phases);
}
