/**
 * TWCManager's control.MQTT and status.MQTT sections (integrations §B.2, §C.2) read into the
 * config: defaults, TWCManager's string ports, and clear errors for what cannot work.
 */
import test from "ava";
import { parseConfig } from "../../../src/config/config.js";

test("defaults: both off; TWCManager's keys with their defaults, discovery on under homeassistant/", (t) => {
	const { config, errors, warnings } = parseConfig({});
	t.deepEqual(errors, []);
	t.deepEqual(warnings, []);
	t.deepEqual(config!.mqtt, {
		control: { enabled: false, host: "", port: 1883, username: "", password: "", topicPrefix: "TWC" },
		status: { enabled: false, host: "", port: 1883, username: "", password: "", topicPrefix: "TWC", ratelimit: 60, homeassistantDiscovery: true, discoveryPrefix: "homeassistant", deviceNamePrefix: "TWC" },
	});
});

test("a TWCManager config with MQTT: a string port, credentials, its own prefixes; no warning about status", (t) => {
	const { config, errors, warnings } = parseConfig({
		control: { MQTT: { enabled: true, brokerIP: "192.168.1.2", brokerPort: "1884", topicPrefix: "garage/TWC", username: "u", password: "p" } },
		status: { MQTT: { enabled: true, brokerIP: "192.168.1.2", topicPrefix: "garage/TWC", ratelimit: 0, homeassistantDiscovery: false, discoveryPrefix: "ha", deviceNamePrefix: "Garage" } },
	});
	t.deepEqual(errors, []);
	t.deepEqual(warnings, []);
	t.deepEqual(config!.mqtt.control, { enabled: true, host: "192.168.1.2", port: 1884, username: "u", password: "p", topicPrefix: "garage/TWC" });
	t.like(config!.mqtt.status, { enabled: true, port: 1883, ratelimit: 0, homeassistantDiscovery: false, discoveryPrefix: "ha", deviceNamePrefix: "Garage" });
});

test("enabled without a broker, with TLS, or with a prefix no topic can have: errors naming the key", (t) => {
	const errors = (document: Record<string, unknown>) => parseConfig(document).errors;
	t.deepEqual(errors({ status: { MQTT: { enabled: true } } }), ["status.MQTT.brokerIP: required when status.MQTT.enabled is true (the MQTT broker's host name or address)"]);
	t.deepEqual(errors({ control: { MQTT: { enabled: true, brokerIP: "b", brokerTLS: true } } }), [
		"control.MQTT.brokerTLS: TLS to the broker is not supported by this build; use the broker's plain listener (e.g. port 1883 on the local network) and set brokerTLS to false",
	]);
	t.deepEqual(errors({ status: { MQTT: { enabled: true, brokerIP: "b", topicPrefix: "TWC/#" } } }), ['status.MQTT.topicPrefix: "TWC/#" contains an MQTT wildcard ("+" or "#"), which no published topic may contain']);
	t.deepEqual(errors({ control: { MQTT: { enabled: true, brokerIP: "b", topicPrefix: "TWC/" } } }), ['control.MQTT.topicPrefix: "TWC/" has an empty topic level (a leading, trailing or double "/")']);
	t.deepEqual(errors({ status: { MQTT: { enabled: true, brokerIP: "b", topicPrefix: "" } } }), ['status.MQTT.topicPrefix: must not be empty (e.g. "TWC")']);
	t.deepEqual(errors({ status: { MQTT: { enabled: true, brokerIP: "b", discoveryPrefix: "home+assistant" } } }), ['status.MQTT.discoveryPrefix: "home+assistant" contains an MQTT wildcard ("+" or "#"), which no published topic may contain']);
	t.deepEqual(errors({ status: { MQTT: { enabled: true, brokerIP: "b", brokerPort: 70000 } } }), ["status.MQTT.brokerPort: must be a whole number from 1 to 65535 (got 70000)"]);
	t.deepEqual(errors({ status: { MQTT: { enabled: false, brokerTLS: true, topicPrefix: "#" } } }), [], "a section that is off is not judged");
});

test("unknown keys under status.MQTT and other status modules are reported as ignored", (t) => {
	const { warnings } = parseConfig({ status: { MQTT: { enabled: false, retain: true }, HASS: { enabled: false } } });
	t.deepEqual(warnings.sort(), ["status.HASS: not supported yet, ignored", "status.MQTT.retain: not supported yet, ignored"]);
});
