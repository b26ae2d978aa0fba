/**
 * Home Assistant discovery documents checked against HA's rules (ha-rules.ts): topic, component,
 * unique ids, device, availability, state topics really published, device class / unit / state
 * class pairs, the controls' ranges and options.
 */
import test from "ava";
import { siteDiscovery, unitDiscovery, type DiscoveryOptions } from "../../../src/mqtt/discovery.js";
import { statusMessages } from "../../../src/mqtt/status.js";
import { discoveryProblems } from "./ha-rules.js";
import { sampleSite, sampleSource, sampleUnit } from "./samples.js";

function options(over: Partial<DiscoveryOptions> = {}): DiscoveryOptions {
	return { statusPrefix: "TWC", controlPrefix: "TWC", discoveryPrefix: "homeassistant", deviceNamePrefix: "TWC", wiringMaxAmpsAllTWCs: 40, threePhase: false, ...over };
}

function all(o: DiscoveryOptions, units: string[]): Map<string, string> {
	const messages = new Map<string, string>();
	for (const m of siteDiscovery(o)) messages.set(m.topic, m.payload);
	for (const id of units) for (const m of unitDiscovery(o, id)) messages.set(m.topic, m.payload);
	return messages;
}

test("every entity of two units and the site passes Home Assistant's discovery rules", (t) => {
	const o = options();
	const messages = all(o, ["1A2B", "0C3D"]);
	const states = statusMessages("TWC", sampleSource([sampleUnit(), sampleUnit({ twcId: "0C3D" })]));
	t.deepEqual(discoveryProblems({ discoveryPrefix: "homeassistant", messages, states, commandFilter: "TWC/control/#" }), []);
	const byComponent = new Map<string, number>();
	for (const topic of messages.keys()) {
		const component = topic.split("/")[1];
		byComponent.set(component, (byComponent.get(component) ?? 0) + 1);
	}
	// Per unit: state, amps in use, amps offered, charger load, voltage, lifetime and session energy, VIN (8);
	// site: generation, consumption, charging power, policy, total amps, amps to share (6).
	t.deepEqual(Object.fromEntries(byComponent), { sensor: 8 * 2 + 6, number: 2, select: 1, button: 3 });
});

test("TWCManager's topic and unique id scheme, so entities made by TWCManager live on", (t) => {
	const messages = all(options(), ["1A2B"]);
	const doc = JSON.parse(messages.get("homeassistant/sensor/TWC_1A2B/1A2B_amps_in_use/config")!);
	t.like(doc, {
		name: "Amps in use",
		unique_id: "twcmanager_TWC_1A2B_amps_in_use",
		state_topic: "TWC/1A2B/ampsInUse",
		device_class: "current",
		unit_of_measurement: "A",
		state_class: "measurement",
		availability_topic: "TWC/availability",
		device: { identifiers: ["twcmanager_TWC_1A2B"], name: "TWC 1A2B", via_device: "twcmanager_TWC_all" },
	});
	const session = JSON.parse(messages.get("homeassistant/sensor/TWC_1A2B/1A2B_session_kwh/config")!);
	t.like(session, { device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing", state_topic: "TWC/1A2B/sessionkWh" });
	const generation = JSON.parse(messages.get("homeassistant/sensor/TWC_all/all_generation_w/config")!);
	t.like(generation, { name: "Generation", device_class: "power", unit_of_measurement: "W", device: { identifiers: ["twcmanager_TWC_all"] } });
});

test("controls: Charge Now amps up to the wiring limit, the non-scheduled action as a select, start and stop buttons", (t) => {
	const messages = all(options({ controlPrefix: "ctl", wiringMaxAmpsAllTWCs: 48 }), []);
	const number = JSON.parse(messages.get("homeassistant/number/TWC_all/all_charge_now_amps/config")!);
	t.like(number, { command_topic: "ctl/control/chargeNowAmps", state_topic: "TWC/all/chargeNowAmps", min: 0, max: 48, step: 1, unit_of_measurement: "A" });
	const select = JSON.parse(messages.get("homeassistant/select/TWC_all/all_non_scheduled_action/config")!);
	t.deepEqual(select.options, ["Charge at a fixed rate", "Do not charge", "Track green energy"]);
	t.is(select.command_topic, "ctl/control/nonScheduledAction");
	t.is(JSON.parse(messages.get("homeassistant/button/TWC_all/all_start_charging/config")!).command_topic, "ctl/control/startCharging");
	t.is(JSON.parse(messages.get("homeassistant/button/TWC_all/all_stop_charging/config")!).command_topic, "ctl/control/stopCharging");
	const states = statusMessages("TWC", sampleSource([], sampleSite({ chargeNowAmps: 32, nonScheduledAction: 2 })));
	t.deepEqual(discoveryProblems({ discoveryPrefix: "homeassistant", messages, states, commandFilter: "ctl/control/#" }), []);
});

test("three phases: the voltage of each phase; odd characters in the prefixes become _ in ids", (t) => {
	const o = options({ statusPrefix: "home/twc.1", threePhase: true, deviceNamePrefix: "My TWC" });
	const messages = all(o, ["1A2B"]);
	t.true(messages.has("homeassistant/sensor/home_twc_1_1A2B/1A2B_voltage_phase_c/config"), [...messages.keys()].join("\n"));
	const doc = JSON.parse(messages.get("homeassistant/sensor/home_twc_1_1A2B/1A2B_voltage_phase_b/config")!);
	t.like(doc, { name: "Voltage phase B", unique_id: "twcmanager_My_TWC_1A2B_voltage_phase_b", state_topic: "home/twc.1/1A2B/voltagePhaseB", device: { name: "My TWC 1A2B" } });
	const states = statusMessages("home/twc.1", sampleSource([sampleUnit({ volts: [230, 231, 229] })]));
	t.deepEqual(discoveryProblems({ discoveryPrefix: "homeassistant", messages, states }), []);
});

test("control.MQTT off: the controls are removed (empty retained config), none points at a topic nobody reads", (t) => {
	const site = siteDiscovery(options({ controlPrefix: undefined }));
	const controls = site.filter((m) => !m.topic.startsWith("homeassistant/sensor/"));
	t.is(controls.length, 6);
	for (const m of controls) t.is(m.payload, "", m.topic);
	for (const m of site) t.false(m.payload.includes("command_topic"), m.topic);
});

test("the rule checker finds broken documents (it is not a rubber stamp)", (t) => {
	const good = all(options(), ["1A2B"]);
	const states = statusMessages("TWC", sampleSource());
	const broken = new Map(good);
	const energy = "homeassistant/sensor/TWC_1A2B/1A2B_lifetime_kwh/config";
	broken.set(energy, JSON.stringify({ ...JSON.parse(good.get(energy)!), state_class: "measurement" }));
	const amps = "homeassistant/sensor/TWC_1A2B/1A2B_amps_in_use/config";
	broken.set(amps, JSON.stringify({ ...JSON.parse(good.get(amps)!), unit_of_measurement: "W" }));
	broken.set("homeassistant/sensor/TWC.1A2B/x/config", good.get(amps)!);
	broken.set("homeassistant/sensor/TWC_1A2B/copy/config", good.get(amps)!);
	broken.set("homeassistant/gauge/TWC_1A2B/x/config", JSON.stringify({ ...JSON.parse(good.get(amps)!), unique_id: "other" }));
	const problems = discoveryProblems({ discoveryPrefix: "homeassistant", messages: broken, states: new Map([...states].filter(([topic]) => topic !== "TWC/1A2B/sessionkWh")), commandFilter: "TWC/control/#" });
	const expect = [
		/lifetime_kwh.*energy needs state_class total/,
		/amps_in_use.*current needs one of A/,
		/TWC\.1A2B\/x\/config: topic does not match/,
		/gauge.*component gauge is not supported/,
		/unique_id twcmanager_TWC_1A2B_amps_in_use also used/,
		/session_kwh.*never published/,
	];
	for (const re of expect) t.true(problems.some((p) => re.test(p)), `${re} in\n${problems.join("\n")}`);
});
