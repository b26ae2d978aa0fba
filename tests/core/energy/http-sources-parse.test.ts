/**
 * The parse parts of the HTTP sources (Fronius, Enphase, Powerwall 2, Efergy, P1 Monitor, SmartPi,
 * SolarEdge) on captured answers, under Node and XS. The full walk of every fixture file is in
 * tests/host/energy/<system>.test.ts.
 */
import test, { type ExecutionContext } from "ava";
import { efergySummary } from "../../../src/energy/sources/efergy.js";
import { enphaseLegacyProduction, enphaseProduction } from "../../../src/energy/sources/enphase.js";
import { froniusInverter, froniusPowerFlow } from "../../../src/energy/sources/fronius.js";
import { p1monitorSmartmeter, p1monitorStatus, trimmedMean } from "../../../src/energy/sources/p1monitor.js";
import { cookiesFrom, powerwallAggregates, powerwallSoc } from "../../../src/energy/sources/powerwall2.js";
import { smartpiPower } from "../../../src/energy/sources/smartpi.js";
import { solaredgeOverview, solaredgePowerFlow } from "../../../src/energy/sources/solaredge-cloud.js";
import { readFixture } from "../support/fixtures.js";

const json = (text: string): unknown => JSON.parse(text);

/** t.like, which the XS shim does not have: the named fields of `actual` equal `expected`'s. */
function like(t: ExecutionContext, actual: object, expected: Record<string, unknown>): void {
	const picked: Record<string, unknown> = {};
	for (const key of Object.keys(expected)) picked[key] = (actual as Record<string, unknown>)[key];
	t.deepEqual(picked, expected);
}
const reading = <T>(r: { reading: T } | { error: string }): T => {
	if ("error" in r) throw new Error(r.error);
	return r.reading;
};

test("Fronius: P_Load negative is a positive load; P_PV null at night is 0 W; P_Akku + discharge; UAC is the voltage", (t) => {
	like(t, reading(froniusPowerFlow(json(readFixture("fronius/ha-core/primo_s0/GetPowerFlowRealtimeData.json")))), { generationW: 1834, consumptionW: 2218.93491437299, gridW: 384.9349143729901, batteryW: null });
	like(t, reading(froniusPowerFlow(json(readFixture("fronius/ha-core/symo/GetPowerFlowRealtimeData_night.json")))), { generationW: 0, consumptionW: 975.31 });
	like(t, reading(froniusPowerFlow(json(readFixture("fronius/ha-core/gen24_storage/GetPowerFlowRealtimeData.json")))), { batteryW: 0.15907810628414154 });
	like(t, reading(froniusPowerFlow(json(readFixture("fronius/ha-core/igplus_v2/GetPowerFlowRealtimeData.json")))), { generationW: 2241, consumptionW: null, gridW: null });
	t.deepEqual(froniusInverter(json(readFixture("fronius/ha-core/symo/GetInverterRealtimeData_Device_1.json"))), { voltageV: 227.9, acPowerW: 1190 });
	t.deepEqual(froniusPowerFlow({ Head: { Status: { Code: 8, Reason: "no device" } } }), { error: 'GetPowerFlowRealtimeData: the device answers status 8 (no device)' });
});

test("Enphase: the eim meter when measuring, else the inverters; consumption only from a measuring CT; three-phase voltage per phase", (t) => {
	like(t, reading(enphaseProduction(json(readFixture("enphase/pyenphase/7.3.517/production.json")))), { generationW: 4556.139, consumptionW: 3791.075, gridW: -765.064, voltageV: 243.198 });
	like(t, reading(enphaseProduction(json(readFixture("enphase/pyenphase/7.6.175_total/production.json")))), { generationW: 1322, consumptionW: null, gridW: null });
	like(t, reading(enphaseProduction(json(readFixture("enphase/pyenphase/8.3.5169_ACB_inventory/production.json")))), { generationW: -3.8, consumptionW: 1419.984 });
	const threePhase = reading(enphaseProduction(json(readFixture("enphase/pyenphase/7.6.175_with_cts_3phase/production.json"))));
	t.true(Math.abs((threePhase.voltageV ?? 0) - 237.5753) < 0.001, String(threePhase.voltageV));
	like(t, reading(enphaseProduction(json(readFixture("enphase/pyenphase/7.6.114_without_cts/production.json")))), { generationW: 586, consumptionW: null, voltageV: null });
	like(t, reading(enphaseLegacyProduction(json(readFixture("enphase/pyenphase/3.17.3/api_v1_production")))), { generationW: 5463 });
	t.true("error" in enphaseProduction({ message: "nope" }));
});

test("Powerwall2: aggregates in physical signs, the app's state of charge, the login cookies", (t) => {
	t.deepEqual(reading(powerwallAggregates(json(readFixture("powerwall/tesla_powerwall/meters_aggregates.json")))), {
		generationW: 6099.032958984375,
		consumptionW: 734.1549565813606,
		gridW: -5347.455078125,
		voltageV: 232.0439249674479,
		batteryW: -10,
		socPercent: null,
	});
	t.is(powerwallSoc({ percentage: 100 }), 100);
	t.is(powerwallSoc({ percentage: 3 }), 0);
	t.is(cookiesFrom("AuthCookie=a=b; Path=/; HttpOnly\nUserRecord=x; Secure"), "AuthCookie=a=b; UserRecord=x");
});

test("Efergy, P1 Monitor, SmartPi, SolarEdge: the answer keys' values", (t) => {
	like(t, reading(efergySummary(json(readFixture("efergy/ha-core/current_values_multi.json")))), { consumptionW: 218, generationW: null });
	t.deepEqual(efergySummary(json(readFixture("efergy/pyefergy/error403.json"))), { error: "Efergy says: bad token" });
	like(t, reading(p1monitorStatus(json(readFixture("p1monitor/python-p1monitor/phases.json")))), { consumptionW: 863, generationW: 0, voltageV: 229 });
	like(t, reading(p1monitorSmartmeter(json(readFixture("p1monitor/python-p1monitor/smartmeter.json")))), { consumptionW: 935, generationW: 0, gridW: 935 });
	t.is(trimmedMean([1, 2, 3, 4, 5, 6, 7, 8, 9, 100]), 5.5);
	const pi = reading(smartpiPower(json(readFixture("smartpi/twcmanager-ems-emulator/api_all_power_now.json")), true));
	t.true(Math.abs((pi.consumptionW ?? 0) - 473.0577) < 1e-6);
	t.is(pi.generationW, 0);
	t.deepEqual(reading(solaredgePowerFlow(json(readFixture("solaredge/ha-core/power_flow.json")))), { generationW: 1500, consumptionW: 1500, gridW: 250, voltageV: null, batteryW: -250, socPercent: 75 });
	like(t, reading(solaredgeOverview(json(readFixture("solaredge/ha-core/overview.json")))), { generationW: 1234.5 });
	like(t, reading(solaredgePowerFlow({ siteCurrentPowerFlow: { unit: "kW", connections: [{ from: "PV", to: "Load" }, { from: "LOAD", to: "Grid" }], PV: { currentPower: 3.2 }, LOAD: { currentPower: 1.1 }, GRID: { currentPower: 2.1 } } })), { generationW: 3200, consumptionW: 1100, gridW: -2100 });
});
