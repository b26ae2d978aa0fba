/**
 * The MQTT status read from the master's slave records and the charge controller: the same
 * figures TWCManager's getSlaveTWCs / getStatus routes show (amps as reported, load at the
 * measured supply).
 */
import type { ChargeController } from "../charge/charge-controller.js";
import { ampsToWatts, type Supply } from "../charge/power.js";
import { formatTwcId, slaveStateName } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import type { MqttStatusSource, SiteStatus, UnitStatus } from "./status.js";

export interface AppStatusParts {
	slaves(): readonly SlaveRecord[];
	supply(): Supply;
	controller: ChargeController;
	/** Generation and consumption in W (what getStatus shows). */
	energy(): { generationW: number; consumptionW: number };
	now(): number;
	minAmpsPerTWC: number;
}

export function appStatusSource(parts: AppStatusParts): MqttStatusSource {
	return {
		units(): UnitStatus[] {
			const supply = parts.supply();
			const decisions = parts.controller.decide();
			return parts.slaves().map((slave) => {
				const session = parts.controller.sessions.active(slave.id);
				const start = session?.startkWh;
				const now = slave.lifetimeCounter;
				return {
					twcId: formatTwcId(slave.id),
					ampsMax: slave.reportedLimitAmps,
					ampsInUse: slave.actualAmps,
					state: slave.state,
					stateName: slaveStateName(slave.state),
					chargerLoadW: ampsToWatts(slave.actualAmps, supply),
					ampsOffered: slave.commandedAmps,
					ampsDesired: decisions.get(slave.id)?.amps ?? 0,
					lifetimekWh: slave.lifetimeCounter,
					volts: [slave.volts[0], slave.volts[1], slave.volts[2]],
					charging: slave.charging,
					currentVin: slave.currentVin,
					lastVin: slave.lastVin,
					sessionkWh: start !== undefined && now !== undefined && now >= start ? now - start : 0,
				};
			});
		},
		site(): SiteStatus {
			const supply = parts.supply();
			const controller = parts.controller;
			let amps = 0;
			for (const slave of parts.slaves()) if (Number.isFinite(slave.actualAmps)) amps += Math.max(0, slave.actualAmps);
			const s = controller.settings;
			const energy = parts.energy();
			return {
				totalAmpsInUse: amps,
				maxAmpsForSlaves: controller.budgetAmps,
				currentPolicy: controller.engine.activePolicyName,
				minAmpsPerTWC: parts.minAmpsPerTWC,
				generationW: energy.generationW,
				consumptionW: energy.consumptionW,
				chargerLoadW: ampsToWatts(amps, supply),
				chargeNowAmps: s.chargeNowTimeEnd > parts.now() / 1000 ? s.chargeNowAmps : 0,
				nonScheduledAction: s.nonScheduledAction,
				nonScheduledAmpsMax: s.nonScheduledAmpsMax,
			};
		},
	};
}
