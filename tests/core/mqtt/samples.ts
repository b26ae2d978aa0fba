/** Status figures for the MQTT tests: one charging unit, a site at night. */
import type { MqttStatusSource, SiteStatus, UnitStatus } from "../../../src/mqtt/status.js";

export function sampleUnit(over: Partial<UnitStatus> = {}): UnitStatus {
	return {
		twcId: "1A2B",
		ampsMax: 32,
		ampsInUse: 15.524,
		state: 1,
		stateName: "charging",
		chargerLoadW: 3725.76,
		ampsOffered: 16,
		ampsDesired: 16,
		lifetimekWh: 1234,
		volts: [240, 0, 0],
		charging: true,
		currentVin: "5YJ3E1EA7KF000001",
		lastVin: "5YJ3E1EA7KF000001",
		sessionkWh: 3,
		...over,
	};
}

export function sampleSite(over: Partial<SiteStatus> = {}): SiteStatus {
	return {
		totalAmpsInUse: 15.524,
		maxAmpsForSlaves: 16,
		currentPolicy: "Non Scheduled Charging",
		minAmpsPerTWC: 6,
		generationW: 0,
		consumptionW: 512.4,
		chargerLoadW: 3725.76,
		chargeNowAmps: 0,
		nonScheduledAction: 1,
		nonScheduledAmpsMax: 16,
		...over,
	};
}

export function sampleSource(units: UnitStatus[] = [sampleUnit()], site: SiteStatus = sampleSite()): MqttStatusSource {
	return { units: () => units, site: () => site };
}
