/**
 * Home Assistant's MQTT discovery rules (reference test-peers.md §4, from HA core
 * components/mqtt/discovery.py and the sensor/number/select/button platforms), as a checker of
 * discovery messages: each problem is a sentence naming the topic. Written from HA's rules, not
 * from our discovery code, and shared by the core tests and the tests against real brokers.
 */

/** HA's SUPPORTED_COMPONENTS (the MQTT platforms discovery accepts). */
const SUPPORTED_COMPONENTS = [
	"alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover", "device_automation", "device_tracker", "event", "fan",
	"humidifier", "image", "lawn_mower", "light", "lock", "notify", "number", "scene", "select", "sensor", "siren", "switch", "tag", "text",
	"update", "vacuum", "valve", "water_heater",
];

/** Sensor device classes we may use, with the units HA accepts for each. */
const SENSOR_UNITS: Record<string, string[]> = {
	power: ["W", "kW", "MW", "GW", "TW", "mW", "BTU/h"],
	energy: ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"],
	current: ["A", "mA"],
	voltage: ["V", "mV", "µV", "kV", "MV"],
};
/** Number device classes we may use, with their units. */
const NUMBER_UNITS: Record<string, string[]> = { current: ["A", "mA"], power: ["W", "kW"], voltage: ["V", "mV"] };
const STATE_CLASSES = ["measurement", "total", "total_increasing"];

export interface DiscoveryCheck {
	discoveryPrefix: string;
	/** Every retained discovery message: topic → payload ("" = removal, skipped). */
	messages: ReadonlyMap<string, string>;
	/** What was published on state topics: topic → last payload. */
	states: ReadonlyMap<string, string>;
	/** The filter the controller subscribes for commands (e.g. "TWC/control/#"). */
	commandFilter?: string;
}

function isTopic(value: unknown): value is string {
	return typeof value === "string" && value !== "" && !/[+#]/.test(value);
}

function matches(filter: string, topic: string): boolean {
	const f = filter.split("/");
	const t = topic.split("/");
	for (let i = 0; i < f.length; i++) {
		if (f[i] === "#") return true;
		if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
	}
	return f.length === t.length;
}

/** Every rule broken, as sentences; [] when Home Assistant would accept every entity. */
export function discoveryProblems(check: DiscoveryCheck): string[] {
	const problems: string[] = [];
	const uniqueIds = new Map<string, string>();
	const escaped = check.discoveryPrefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
	const topicRe = new RegExp(`^${escaped}/(\\w+)/(?:([a-zA-Z0-9_-]+)/)?([a-zA-Z0-9_-]+)/config$`);
	for (const [topic, payload] of check.messages) {
		if (payload === "") continue;
		const say = (text: string) => problems.push(`${topic}: ${text}`);
		const m = topicRe.exec(topic);
		if (!m) {
			say("topic does not match <prefix>/<component>/[<node_id>/]<object_id>/config");
			continue;
		}
		const component = m[1];
		if (!SUPPORTED_COMPONENTS.includes(component)) say(`component ${component} is not supported`);
		let doc: Record<string, unknown>;
		try {
			doc = JSON.parse(payload);
		} catch {
			say("payload is not JSON");
			continue;
		}
		if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
			say("payload is not a JSON object");
			continue;
		}
		if (typeof doc.unique_id !== "string" || doc.unique_id === "") say("no unique_id");
		else if (uniqueIds.has(doc.unique_id)) say(`unique_id ${doc.unique_id} also used by ${uniqueIds.get(doc.unique_id)}`);
		else uniqueIds.set(doc.unique_id, topic);
		if (typeof doc.name !== "string" || doc.name === "") say("no name");
		const device = doc.device as Record<string, unknown> | undefined;
		if (typeof device !== "object" || device === null) say("no device block (needed with unique_id for a device)");
		else {
			const ids = device.identifiers;
			if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string" && id !== "")) say("device.identifiers is not a list of strings");
			if (typeof device.name !== "string" || device.name === "") say("device has no name");
		}
		if (!isTopic(doc.availability_topic)) say("no availability_topic");
		for (const key of ["state_topic", "command_topic"]) {
			if (doc[key] !== undefined && !isTopic(doc[key])) say(`${key} ${JSON.stringify(doc[key])} is not a topic one can publish to`);
		}
		const stateTopic = doc.state_topic as string | undefined;
		const state = stateTopic === undefined ? undefined : check.states.get(stateTopic);
		if (stateTopic !== undefined && state === undefined) say(`state_topic ${stateTopic} is never published`);
		const command = doc.command_topic as string | undefined;
		if (command !== undefined && check.commandFilter !== undefined && !matches(check.commandFilter, command)) {
			say(`command_topic ${command} is not under ${check.commandFilter}: nobody listens`);
		}
		const deviceClass = doc.device_class as string | undefined;
		const unit = doc.unit_of_measurement as string | undefined;
		const stateClass = doc.state_class as string | undefined;
		switch (component) {
			case "sensor": {
				if (stateTopic === undefined) say("sensor without state_topic");
				if (deviceClass !== undefined) {
					const units = SENSOR_UNITS[deviceClass];
					if (!units) say(`device_class ${deviceClass} not expected here`);
					else if (unit === undefined || !units.includes(unit)) say(`device_class ${deviceClass} needs one of ${units.join(", ")} (got ${unit})`);
				}
				if (stateClass !== undefined && !STATE_CLASSES.includes(stateClass)) say(`state_class ${stateClass} is not one of ${STATE_CLASSES.join(", ")}`);
				if (deviceClass === "energy" && stateClass !== "total" && stateClass !== "total_increasing") say(`device_class energy needs state_class total or total_increasing (got ${stateClass})`);
				// A sensor with a unit or a state class is numeric: HA refuses a state that is not a number.
				const numeric = unit !== undefined || stateClass !== undefined || deviceClass !== undefined;
				if (numeric && state !== undefined && (state.trim() === "" || !Number.isFinite(Number(state)))) say(`numeric sensor's state ${JSON.stringify(state)} is not a number`);
				break;
			}
			case "number": {
				if (command === undefined) say("number without command_topic");
				const min = doc.min as number;
				const max = doc.max as number;
				const step = (doc.step as number | undefined) ?? 1;
				if (typeof min !== "number" || typeof max !== "number" || !(min < max)) say(`min ${min} / max ${max} do not make a range`);
				if (!(step > 0)) say(`step ${step} is not positive`);
				if (deviceClass !== undefined && !(NUMBER_UNITS[deviceClass] ?? []).includes(unit ?? "")) say(`number device_class ${deviceClass} with unit ${unit}`);
				if (state !== undefined && !(Number(state) >= min && Number(state) <= max)) say(`number state ${JSON.stringify(state)} is outside ${min}..${max}`);
				break;
			}
			case "select": {
				if (command === undefined) say("select without command_topic");
				const options = doc.options;
				if (!Array.isArray(options) || options.length === 0 || !options.every((o) => typeof o === "string")) say("options is not a list of strings");
				else {
					if (new Set(options).size !== options.length) say("options repeat");
					if (state !== undefined && !options.includes(state)) say(`select state ${JSON.stringify(state)} is not one of its options`);
				}
				break;
			}
			case "button":
				if (command === undefined) say("button without command_topic");
				break;
			default:
		}
	}
	return problems;
}
