/**
 * What the charging logic shows: TWCManager's /api/getPolicy and /api/getActivePolicyAction
 * (reference §9), and the native GET /api/v1/state, which carries everything in one document,
 * including the "why this current" record of every slave.
 */
import type { ChargeController } from "../charge/charge-controller.js";
import type { Supply } from "../charge/power.js";
import { formatTwcId, slaveStateName } from "../twc/messages.js";
import type { SlaveRecord } from "../twc/slave.js";
import type { BusStatus, MasterStats } from "../twc/master.js";
import { json, type Router } from "./router.js";

export interface StateSource {
	controller: ChargeController;
	now(): number;
	slaves(): readonly SlaveRecord[];
	supply(): Supply;
	problems(): readonly string[];
	/** The bus: port state, damaged frames and missed replies, another master; with the raw counters. */
	bus(): BusStatus & { counters: MasterStats };
	wiring(): { wiringMaxAmpsAllTWCs: number; wiringMaxAmpsPerTWC: number; minAmpsPerTWC: number };
	/** Each energy source: freshness, accepted and refused samples, the last problem. */
	energy?(): unknown;
	/** Each configured meter or inverter: its last reading or error (energy/source-poller.ts). */
	sources?(): unknown;
}

export function addStateRoutes(router: Router, source: StateSource): void {
	router.get("/api/getPolicy", () => json(200, source.controller.engine.toJSON()));
	router.get("/api/getActivePolicyAction", () => json(200, source.controller.engine.activePolicyAction()));
	router.get("/api/v1/state", () => json(200, state(source)));
}

/** The whole state as one JSON document. */
export function state(source: StateSource): Record<string, unknown> {
	const controller = source.controller;
	controller.decide();
	const now = source.now();
	const result = controller.policyResult;
	const local = controller.localTime(now);
	const explanations = controller.arbiter.explanations;
	const settings = controller.settings;
	const supply = source.supply();
	return {
		time: { utcMs: now, local: localText(local), timeZone: controller.timeZoneRule, isDst: local.isDst },
		policy: {
			name: controller.engine.activePolicyName,
			latched: result?.latched ?? false,
			action: controller.engine.activePolicyAction(),
			isGreen: controller.engine.policyIsGreen(),
			wish: result?.wish ?? null,
			chargeLimit: result?.chargeLimit ?? -1,
			sun: controller.sun,
		},
		budgetAmps: controller.budgetAmps,
		limits: source.wiring(),
		supply,
		green: controller.green ?? null,
		energy: source.energy?.() ?? [],
		sources: source.sources?.() ?? [],
		rotation: controller.arbiter.rotation(now),
		chargeNow: {
			amps: settings.chargeNowAmps,
			endsAt: settings.chargeNowTimeEnd,
			active: settings.chargeNowAmps > 0 && settings.chargeNowTimeEnd > now / 1000,
		},
		slaves: source.slaves().map((slave) => ({
			twcId: formatTwcId(slave.id),
			protocol: slave.protocol,
			state: slave.state,
			stateName: slaveStateName(slave.state),
			maxAmps: slave.maxAmps,
			offeredAmps: slave.commandedAmps ?? null,
			reportedLimitAmps: slave.reportedLimitAmps,
			actualAmps: slave.actualAmps,
			charging: slave.charging,
			vin: slave.currentVin,
			lastVin: slave.lastVin,
			lifetimeKwh: slave.lifetimeCounter ?? null,
			volts: slave.volts,
			acksStartStop: slave.acksStartStop ?? null,
			silenced: now < slave.silencedUntil,
			session: controller.sessions.active(slave.id) ?? null,
			why: explanations.get(slave.id) ?? null,
		})),
		settings,
		bus: source.bus(),
		problems: source.problems(),
	};
}

function localText(t: { year: number; month: number; day: number; hour: number; minute: number; second: number }): string {
	const p = (n: number, w = 2) => String(n).padStart(w, "0");
	return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
}
