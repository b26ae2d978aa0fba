/**
 * The whole App with MQTT on: simulated wall connectors and cars (host-sim/sim) in virtual time,
 * an in-memory broker, driven only by MQTT messages as Home Assistant or a script would. What is
 * checked is what they see (retained topics) and what the cars get (limits held by the units,
 * never above the circuit).
 */
import test from "ava";
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { formatTwcId } from "../../../src/twc/messages.js";
import { buildWorld } from "../../../host-sim/sim/world.js";
import { NIGHT, RecordingLog, WIRING } from "../support/app-world.js";
import { discoveryProblems } from "./ha-rules.js";
import { MemoryBroker } from "./memory-broker.js";

function setup(mqtt: Record<string, unknown> = {}) {
	const clock = new VirtualClock(NIGHT);
	const log = new RecordingLog(clock);
	const world = buildWorld(clock, { slaves: 2, seed: 7, car: { neverFills: true } });
	const broker = new MemoryBroker(clock);
	const parsed = parseConfig({
		config: WIRING,
		control: { MQTT: { enabled: true, brokerIP: "broker", topicPrefix: "TWC" } },
		status: { MQTT: { enabled: true, brokerIP: "broker", topicPrefix: "TWC", ratelimit: 0, ...mqtt } },
	});
	if (!parsed.config) throw new Error(parsed.errors.join("; "));
	const app = new App({ clock, log, random: seededRandom(1), bus: world.masterPort, mqtt: broker }, parsed.config);
	app.start();
	for (let ms = 0; ms < 60_000 && app.master.slaves.length < 2; ms += 100) clock.advance(100);
	const held = () => world.units.map((u) => u.limitAmps);
	/** Runs `ms`, returning the highest sum of limits the units held. */
	const run = (ms: number) => {
		let highest = 0;
		for (let i = 0; i < ms; i += 10) {
			clock.advance(10);
			highest = Math.max(highest, held()[0] + held()[1]);
		}
		return highest;
	};
	const retained = (topic: string) => broker.retained.get(topic);
	const stop = () => {
		app.stop();
		for (const unit of world.units) unit.stop();
	};
	return { clock, log, world, broker, app, held, run, retained, stop, ids: world.units.map((u) => formatTwcId(u.id)) };
}

test("the App publishes both units and the site, and every Home Assistant entity has its state really published", (t) => {
	const s = setup();
	t.is(s.app.master.slaves.length, 2);
	s.run(30_000);
	t.is(s.retained("TWC/availability"), "online");
	for (const id of s.ids) {
		t.is(s.retained(`TWC/${id}/ampsMax`) !== undefined, true, id);
		t.regex(s.retained(`TWC/${id}/state`) ?? "", /^\d+$/);
		t.regex(s.retained(`TWC/${id}/currentVehicleVIN`) ?? "", /^[A-HJ-NPR-Z0-9]{17}$|^None$/);
	}
	t.is(s.retained("TWC/all/currentPolicy"), "Non Scheduled Charging");
	t.is(s.retained("TWC/config/minAmpsPerTWC"), "6");
	const discovery = new Map([...s.broker.retained].filter(([topic]) => topic.startsWith("homeassistant/")));
	const states = new Map([...s.broker.retained].filter(([topic]) => topic.startsWith("TWC/")));
	t.is(discovery.size, 8 * 2 + 6 + 6, "8 sensors per unit, 6 for the site, 6 controls");
	t.deepEqual(discoveryProblems({ discoveryPrefix: "homeassistant", messages: discovery, states, commandFilter: "TWC/control/#" }), []);
	const number = JSON.parse(discovery.get("homeassistant/number/TWC_all/all_charge_now_amps/config")!);
	t.is(number.max, 40, "the Charge Now number goes up to wiringMaxAmpsAllTWCs");
	s.stop();
});

test("MQTT control goes through the controller: non-scheduled amps, Charge Now above the circuit capped, Do not charge; the circuit is never exceeded", (t) => {
	const s = setup();
	s.broker.inject("TWC/control/nonScheduledAmpsMax", "16");
	const highest = [s.run(30_000)];
	t.deepEqual(s.held(), [8, 8], "16 A divided between the two cars");
	t.is(s.retained("TWC/all/nonScheduledAmpsMax"), "16");

	// A client sending the car's maximum: accepted, capped to the 40 A circuit, said in the log.
	s.broker.inject("TWC/control/chargeNow", "80,3600");
	t.is(s.retained("TWC/all/chargeNowAmps"), "40", "published at once");
	highest.push(s.run(60_000));
	t.is(s.retained("TWC/all/currentPolicy"), "Charge Now");
	t.deepEqual(s.held(), [20, 20]);
	t.is(s.log.find(/TWC\/control\/chargeNow: Charge Now at 40 A for 3600 s \(80 A is above wiringMaxAmpsAllTWCs: capped to 40 A\)/, "info").length, 1, s.log.text());

	s.broker.inject("TWC/control/chargeNowEnd", "");
	s.broker.inject("TWC/control/nonScheduledAction", "Do not charge");
	highest.push(s.run(60_000));
	t.is(s.retained("TWC/all/chargeNowAmps"), "0");
	t.is(s.retained("TWC/all/nonScheduledActionName"), "Do not charge");
	t.is(s.retained("TWC/all/nonScheduledAmpsMax"), "0", "zeroed, or Non Scheduled Charging would still charge");
	t.deepEqual(s.held(), [0, 0], "the cars get nothing");
	for (const id of s.ids) t.is(s.retained(`TWC/${id}/ampsOffered`), "0");
	t.true(Math.max(...highest) <= 40, `held ${highest.join(" / ")} A together at most`);
	s.stop();
});

test("a refused command changes nothing and says why; the master keeps running", (t) => {
	const s = setup();
	s.broker.inject("TWC/control/nonScheduledAmpsMax", "16");
	s.run(10_000);
	s.broker.inject("TWC/control/nonScheduledAmpsMax", "41");
	s.broker.inject("TWC/control/stop", "");
	s.run(20_000);
	t.is(s.retained("TWC/all/nonScheduledAmpsMax"), "16");
	t.deepEqual(s.held(), [8, 8]);
	t.is(s.log.find(/control\/nonScheduledAmpsMax: "41" refused: expected whole amps from 0 to wiringMaxAmpsAllTWCs \(40\)/, "warn").length, 1);
	t.is(s.app.master.slaves.length, 2, "still the master of both units");
	s.stop();
});

test("Home Assistant's stop and start buttons send FC B2 / FC B1 to every unit and the cars stop drawing, then draw again", (t) => {
	const s = setup();
	s.broker.inject("TWC/control/nonScheduledAmpsMax", "16");
	s.run(30_000);
	t.true(s.world.units.every((u) => u.actualAmps > 7), "both cars charge");
	s.broker.inject("TWC/control/stopCharging", "PRESS");
	s.run(10_000);
	t.deepEqual(s.world.units.map((u) => u.counts.stopCommands), [1, 1]);
	t.true(s.world.units.every((u) => u.actualAmps < 1), `the cars draw ${s.world.units.map((u) => u.actualAmps).join(", ")} A`);
	t.is(s.log.find(/TWC\/control\/stopCharging: stop charging; sent to /, "info").length, 1, s.log.text());
	s.broker.inject("TWC/control/startCharging", "PRESS");
	s.run(30_000);
	t.deepEqual(s.world.units.map((u) => u.counts.startCommands), [1, 1]);
	t.true(s.world.units.every((u) => u.actualAmps > 7), `the cars draw ${s.world.units.map((u) => u.actualAmps).join(", ")} A`);
	s.stop();
});

test("without an MQTT client on the platform, MQTT is off and the problem is listed", (t) => {
	const clock = new VirtualClock(NIGHT);
	const world = buildWorld(clock, { slaves: 1, seed: 7 });
	const parsed = parseConfig({ config: WIRING, status: { MQTT: { enabled: true, brokerIP: "broker" } } });
	const app = new App({ clock, log: new RecordingLog(clock), random: seededRandom(1), bus: world.masterPort }, parsed.config!);
	t.is(app.mqtt, undefined);
	t.true(app.problems.includes("control.MQTT / status.MQTT: this platform has no MQTT client; MQTT is off"), app.problems.join("\n"));
	for (const unit of world.units) unit.stop();
});
