/**
 * MqttLink against an in-memory broker in virtual time: availability with a last will, discovery
 * before the first state, retained status, the rate limit (a held-back value is published later,
 * not lost), control messages to the commands, reconnects.
 */
import test from "ava";
import type { MqttControlConfig, MqttStatusConfig } from "../../../src/config/config.js";
import { MqttLink, type MqttCommandResult, type MqttCommands } from "../../../src/mqtt/mqtt-link.js";
import type { SiteStatus, UnitStatus } from "../../../src/mqtt/status.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { RecordingLog } from "../support/app-world.js";
import { discoveryProblems } from "./ha-rules.js";
import { MemoryBroker } from "./memory-broker.js";
import { sampleSite, sampleUnit } from "./samples.js";

function statusConfig(over: Partial<MqttStatusConfig> = {}): MqttStatusConfig {
	return { enabled: true, host: "broker", port: 1883, username: "", password: "", topicPrefix: "TWC", ratelimit: 0, homeassistantDiscovery: true, discoveryPrefix: "homeassistant", deviceNamePrefix: "TWC", ...over };
}
function controlConfig(over: Partial<MqttControlConfig> = {}): MqttControlConfig {
	return { enabled: true, host: "broker", port: 1883, username: "", password: "", topicPrefix: "TWC", ...over };
}

class Setup {
	readonly clock = new VirtualClock(Date.UTC(2026, 5, 21, 22, 0, 0));
	readonly broker = new MemoryBroker(this.clock);
	readonly log = new RecordingLog(this.clock);
	readonly calls: string[] = [];
	units: UnitStatus[] = [sampleUnit()];
	site: SiteStatus = sampleSite();
	refuse: string | undefined;
	readonly link: MqttLink;

	constructor(status: Partial<MqttStatusConfig> = {}, control: Partial<MqttControlConfig> = {}) {
		const answer = (what: string): MqttCommandResult => {
			this.calls.push(what);
			return this.refuse ? { ok: false, errors: [this.refuse] } : { ok: true, errors: [] };
		};
		const commands: MqttCommands = {
			chargeNow: (amps, seconds) => {
				this.site = { ...this.site, chargeNowAmps: amps };
				return answer(`chargeNow ${amps} ${seconds}`);
			},
			cancelChargeNow: () => answer("cancelChargeNow"),
			updateSettings: (patch) => answer(`settings ${JSON.stringify(patch)}`),
			startCharging: () => answer("start"),
			stopCharging: () => answer("stop"),
		};
		this.link = new MqttLink({
			client: this.broker,
			clock: this.clock,
			log: this.log,
			control: controlConfig(control),
			status: statusConfig(status),
			source: { units: () => this.units, site: () => this.site },
			commands,
			wiringMaxAmpsAllTWCs: 40,
			threePhase: false,
		});
	}

	/** Last payload per topic under `filter`. */
	last(filter: string): Map<string, string> {
		const out = new Map<string, string>();
		for (const m of this.broker.published(filter)) out.set(m.topic, m.payload);
		return out;
	}
}

test("connect: a retained last will \"offline\", then \"online\", discovery before any state, every status topic retained", (t) => {
	const s = new Setup();
	s.link.start();
	t.is(s.broker.sessions.length, 1, "status and control on one broker share one connection");
	t.deepEqual(s.broker.sessions[0].options.will, { topic: "TWC/availability", payload: "offline", retain: true });
	s.clock.advance(10);
	t.true(s.link.statusConnected);
	const log = s.broker.log;
	t.deepEqual(log[0], { topic: "TWC/availability", payload: "online", retain: true, from: log[0].from });
	const firstState = log.findIndex((m) => m.topic.startsWith("TWC/") && m.topic !== "TWC/availability");
	const lastDiscovery = log.map((m) => m.topic.startsWith("homeassistant/")).lastIndexOf(true);
	t.true(lastDiscovery > 0 && firstState > lastDiscovery, "discovery first");
	t.true(log.every((m) => m.retain), "everything retained");
	t.is(s.broker.retained.get("TWC/1A2B/ampsInUse"), "15.52");
	t.is(s.broker.retained.get("TWC/all/currentPolicy"), "Non Scheduled Charging");
	t.deepEqual(discoveryProblems({ discoveryPrefix: "homeassistant", messages: s.last("homeassistant/#"), states: s.last("TWC/#"), commandFilter: "TWC/control/#" }), []);
	t.deepEqual(s.broker.sessions[0].filters, ["homeassistant/status", "TWC/control/#"]);
	s.link.stop();
});

test("a new unit is announced before its first state; unchanged values are not published again", (t) => {
	const s = new Setup();
	s.link.start();
	s.clock.advance(5000);
	const before = s.broker.log.length;
	s.clock.advance(10_000);
	t.is(s.broker.log.length, before, "nothing changed, nothing sent");
	s.units = [...s.units, sampleUnit({ twcId: "0C3D" })];
	s.clock.advance(2000);
	const added = s.broker.log.slice(before);
	const discovery = added.findIndex((m) => m.topic === "homeassistant/sensor/TWC_0C3D/0C3D_amps_in_use/config");
	const state = added.findIndex((m) => m.topic === "TWC/0C3D/ampsInUse");
	t.true(discovery >= 0 && state > discovery, added.map((m) => m.topic).join("\n"));
	t.false(added.some((m) => m.topic.startsWith("TWC/1A2B/")), "the first unit did not change");
	s.link.stop();
});

test("rate limit: a second change inside the window waits for its end, then goes out (not dropped)", (t) => {
	const s = new Setup({ ratelimit: 60 });
	s.link.start();
	s.clock.advance(100);
	const values = () => s.broker.published("TWC/1A2B/ampsInUse").map((m) => m.payload);
	t.deepEqual(values(), ["15.52"]);
	s.units = [sampleUnit({ ampsInUse: 10 })];
	s.clock.advance(30_000);
	t.deepEqual(values(), ["15.52"], "held back inside the 60 s window");
	s.units = [sampleUnit({ ampsInUse: 12 })];
	s.clock.advance(32_000);
	t.deepEqual(values(), ["15.52", "12"], "the latest value once the window ended");
	t.is(s.broker.retained.get("TWC/1A2B/ampsInUse"), "12");
	s.link.stop();
});

test("control messages reach the commands; what they change is published at once, whatever the rate limit", (t) => {
	const s = new Setup({ ratelimit: 600 });
	s.link.start();
	s.clock.advance(100);
	s.broker.inject("TWC/control/chargeNow", "16,3600");
	t.deepEqual(s.calls, ["chargeNow 16 3600"]);
	t.is(s.broker.retained.get("TWC/all/chargeNowAmps"), "16", "published without waiting 600 s");
	s.broker.inject("TWC/control/chargeNowAmps", "0");
	s.broker.inject("TWC/control/chargeNowAmps", "20.0");
	s.broker.inject("TWC/control/chargeNowEnd", "");
	s.broker.inject("TWC/control/nonScheduledAmpsMax", "12");
	s.broker.inject("TWC/control/nonScheduledAction", "3");
	s.broker.inject("TWC/control/nonScheduledAction", "Do not charge");
	s.broker.inject("TWC/control/startCharging", "PRESS");
	s.broker.inject("TWC/control/stopCharging", "PRESS");
	t.deepEqual(s.calls.slice(1), [
		"cancelChargeNow",
		"chargeNow 20 86400",
		"cancelChargeNow",
		'settings {"nonScheduledAmpsMax":12}',
		'settings {"nonScheduledAction":3}',
		'settings {"nonScheduledAction":2,"nonScheduledAmpsMax":0}',
		"start",
		"stop",
	]);
	t.true(s.log.find(/TWC\/control\/chargeNow: Charge Now at 16 A for 3600 s$/, "info").length === 1, s.log.text());
	s.link.stop();
});

test("refused commands and bad payloads are logged with the reason; TWCManager's stop does not stop the master", (t) => {
	const s = new Setup();
	s.link.start();
	s.clock.advance(100);
	s.broker.inject("TWC/control/chargeNow", "lots");
	s.broker.inject("TWC/control/stop", "");
	t.deepEqual(s.calls, [], "nothing reached the controller");
	t.is(s.log.find(/TWC\/control\/chargeNow: control\/chargeNow: "lots" refused: expected "<amps>,<seconds>"/, "warn").length, 1, s.log.text());
	t.is(s.log.find(/TWC\/control\/stop: TWCManager ends itself on this message; this master keeps the bus running and ignores it/, "warn").length, 1);
	s.refuse = "chargeNowAmps: 3 is below …";
	s.broker.inject("TWC/control/nonScheduledAmpsMax", "3");
	t.is(s.log.find(/nonScheduledAmpsMax: non-scheduled amps 3 A refused: chargeNowAmps: 3 is below …/, "warn").length, 1, s.log.text());
	t.true(s.link.statusConnected, "still running");
	s.link.stop();
});

test("an abrupt drop publishes the will; nothing is sent while away; on reconnect \"online\" and every topic again", (t) => {
	const s = new Setup();
	s.link.start();
	s.clock.advance(100);
	s.broker.up = false;
	s.broker.drop();
	t.is(s.broker.retained.get("TWC/availability"), "offline", "the will");
	t.false(s.link.statusConnected);
	t.is(s.log.find(/status: no connection to the MQTT broker broker:1883 \(connection reset\); retrying/, "warn").length, 1);
	const during = s.broker.log.length;
	s.units = [sampleUnit({ ampsInUse: 3 })];
	s.clock.advance(5000);
	t.is(s.broker.log.length, during, "nothing published while disconnected");
	t.is(s.log.find(/no connection to the MQTT broker/).length, 2, "said once per reason, not at every retry");
	s.broker.up = true;
	s.clock.advance(1000);
	t.true(s.link.statusConnected);
	t.is(s.broker.retained.get("TWC/availability"), "online");
	t.is(s.broker.retained.get("TWC/1A2B/ampsInUse"), "3");
	t.true(s.broker.log.slice(during).some((m) => m.topic === "homeassistant/sensor/TWC_1A2B/1A2B_amps_in_use/config"), "discovery again");
	s.link.stop();
	t.is(s.broker.retained.get("TWC/availability"), "offline", "a clean stop says offline itself");
});

test("Home Assistant coming online gets the discovery again", (t) => {
	const s = new Setup();
	s.link.start();
	s.clock.advance(100);
	const before = s.broker.published("homeassistant/sensor/#").length;
	s.broker.inject("homeassistant/status", "online");
	t.is(s.broker.published("homeassistant/sensor/#").length, before * 2);
	s.link.stop();
});

test("separate brokers for status and control: two connections, the will only on the status one; status off: no discovery, no will", (t) => {
	const two = new Setup({}, { host: "other" });
	two.link.start();
	t.is(two.broker.sessions.length, 2);
	t.deepEqual(two.broker.sessions.map((x) => x.options.host), ["broker", "other"]);
	t.is(two.broker.sessions[1].options.will, undefined);
	two.clock.advance(100);
	two.broker.inject("TWC/control/chargeNowEnd", "");
	t.deepEqual(two.calls, ["cancelChargeNow"], "heard on the control connection only");
	t.deepEqual(two.broker.sessions.map((x) => x.filters), [["homeassistant/status"], ["TWC/control/#"]]);
	two.link.stop();

	const controlOnly = new Setup({ enabled: false });
	controlOnly.link.start();
	controlOnly.clock.advance(5000);
	t.is(controlOnly.broker.sessions.length, 1);
	t.is(controlOnly.broker.sessions[0].options.will, undefined);
	t.deepEqual(controlOnly.broker.log, [], "nothing published");
	controlOnly.broker.inject("TWC/control/startCharging", "");
	t.deepEqual(controlOnly.calls, ["start"]);
	controlOnly.link.stop();
});

test("credentials are sent only when given; client ids differ per role", (t) => {
	const s = new Setup({ username: "twc", password: "secret" }, { host: "other" });
	s.link.start();
	t.like(s.broker.sessions[0].options, { username: "twc", password: "secret" });
	t.like(s.broker.sessions[1].options, { username: undefined, password: undefined });
	t.not(s.broker.sessions[0].options.clientId, s.broker.sessions[1].options.clientId);
	s.link.stop();
});
