/**
 * FC B1 (start) / FC B2 (stop) to every linked unit that takes them (protocol 2, firmware 4.5.3+,
 * §2 "Start / stop"): what POST /api/sendStartCommand, /api/sendStopCommand and the MQTT buttons do.
 * The offers stay the arbiter's, within the safety gate; this only opens or closes the relays.
 */
import { formatTwcId } from "./messages.js";
import type { SlaveRecord } from "./slave.js";

export interface StartStopBus {
	readonly slaves: readonly SlaveRecord[];
	requestStartStop(slaveId: number, start: boolean): boolean;
}

/** The units the command went to, and those skipped with the reason. */
export function startStopAll(bus: StartStopBus, start: boolean): { sent: string[]; skipped: string[] } {
	const sent: string[] = [];
	const skipped: string[] = [];
	for (const slave of bus.slaves) {
		const id = formatTwcId(slave.id);
		if (slave.protocol !== 2) skipped.push(`${id}: protocol 1 units have no FC B1/FC B2`);
		else if (bus.requestStartStop(slave.id, start)) sent.push(id);
		else skipped.push(`${id}: not linked any more`);
	}
	return { sent, skipped };
}
