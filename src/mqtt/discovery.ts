/**
 * Home Assistant MQTT discovery (reference test-peers §4, integrations §C.2): one retained config
 * message per entity on `<discoveryPrefix>/<component>/<node_id>/<object_id>/config`. Topic names
 * and unique ids follow TWCManager's MQTTStatus, so entities made by TWCManager keep their
 * history when this master replaces it. Every entity names its state topic (published by
 * status.ts), the availability topic and its device.
 */
import { availabilityTopic, nonScheduledActionNames, siteKeys, unitKeys, unitOf, type HaKind, type StatusKey } from "./status.js";

export interface DiscoveryOptions {
	statusPrefix: string;
	/** Undefined when control.MQTT is off: no controls are announced (and old ones are removed). */
	controlPrefix: string | undefined;
	discoveryPrefix: string;
	deviceNamePrefix: string;
	/** The numbers' maximum. */
	wiringMaxAmpsAllTWCs: number;
	/** Voltage of phases B and C as entities too. */
	threePhase: boolean;
}

export interface DiscoveryMessage {
	topic: string;
	/** JSON; "" removes the entity (an empty retained message). */
	payload: string;
}

/** Home Assistant's node_id / object_id alphabet: anything else becomes "_". */
export function discoveryId(text: string): string {
	return text.replace(/[^a-zA-Z0-9_-]/g, "_");
}

const SITE = "all";

/** Sensor entities of one wall connector. */
export function unitDiscovery(options: DiscoveryOptions, twcId: string): DiscoveryMessage[] {
	const device = deviceBlock(options, twcId);
	return unitKeys(options.threePhase)
		.filter((key) => key.entity !== undefined)
		.map((key) => sensor(options, twcId, key, device));
}

/** Sensors of the whole site, and the controls (or their removal when control.MQTT is off). */
export function siteDiscovery(options: DiscoveryOptions): DiscoveryMessage[] {
	const device = deviceBlock(options, SITE);
	const messages = siteKeys()
		.filter((key) => key.entity !== undefined)
		.map((key) => sensor(options, SITE, key, device));
	const control = options.controlPrefix;
	const state = (key: string) => `${options.statusPrefix}/${SITE}/${key}`;
	const controls: { component: string; id: string; doc: Record<string, unknown> }[] = [
		{
			component: "number",
			id: "charge_now_amps",
			doc: {
				name: "Charge Now amps",
				state_topic: state("chargeNowAmps"),
				command_topic: `${control}/control/chargeNowAmps`,
				min: 0,
				max: options.wiringMaxAmpsAllTWCs,
				step: 1,
				mode: "box",
				device_class: "current",
				unit_of_measurement: "A",
				icon: "mdi:ev-station",
			},
		},
		{
			component: "number",
			id: "non_scheduled_amps_max",
			doc: {
				name: "Non-scheduled amps",
				state_topic: state("nonScheduledAmpsMax"),
				command_topic: `${control}/control/nonScheduledAmpsMax`,
				min: 0,
				max: options.wiringMaxAmpsAllTWCs,
				step: 1,
				mode: "box",
				device_class: "current",
				unit_of_measurement: "A",
			},
		},
		{
			component: "select",
			id: "non_scheduled_action",
			doc: {
				name: "Non-scheduled action",
				state_topic: state("nonScheduledActionName"),
				command_topic: `${control}/control/nonScheduledAction`,
				options: nonScheduledActionNames(),
			},
		},
		{ component: "button", id: "start_charging", doc: { name: "Start charging", command_topic: `${control}/control/startCharging`, icon: "mdi:play" } },
		{ component: "button", id: "stop_charging", doc: { name: "Stop charging", command_topic: `${control}/control/stopCharging`, icon: "mdi:stop" } },
		{ component: "button", id: "charge_now_end", doc: { name: "End Charge Now", command_topic: `${control}/control/chargeNowEnd`, icon: "mdi:timer-off" } },
	];
	for (const c of controls) {
		const topic = configTopic(options, c.component, SITE, `${SITE}_${c.id}`);
		if (control === undefined) {
			messages.push({ topic, payload: "" });
			continue;
		}
		const doc: Record<string, unknown> = { ...c.doc, unique_id: uniqueId(options, SITE, `${c.id}_control`) };
		Object.assign(doc, common(options, device));
		messages.push({ topic, payload: JSON.stringify(doc) });
	}
	return messages;
}

function sensor(options: DiscoveryOptions, twident: string, key: StatusKey, device: Record<string, unknown>): DiscoveryMessage {
	const doc: Record<string, unknown> = {
		name: key.entity,
		unique_id: uniqueId(options, twident, key.underscore),
		state_topic: `${options.statusPrefix}/${twident}/${key.camel}`,
	};
	Object.assign(doc, haClass(key.kind));
	Object.assign(doc, common(options, device));
	return { topic: configTopic(options, "sensor", twident, `${twident}_${key.underscore}`), payload: JSON.stringify(doc) };
}

/** device_class, unit and state_class as Home Assistant requires them together (none for text). */
function haClass(kind: HaKind): Record<string, unknown> {
	const unit = unitOf(kind);
	if (unit === undefined) return {};
	return { device_class: kind, unit_of_measurement: unit, state_class: kind === "energy" ? "total_increasing" : "measurement" };
}

function common(options: DiscoveryOptions, device: Record<string, unknown>): Record<string, unknown> {
	return { availability_topic: availabilityTopic(options.statusPrefix), payload_available: "online", payload_not_available: "offline", device };
}

/** TWCManager's: `<discoveryPrefix>/<component>/<topicPrefix>_<twident>/<twident>_<key>/config`. */
function configTopic(options: DiscoveryOptions, component: string, twident: string, objectId: string): string {
	return `${options.discoveryPrefix}/${component}/${discoveryId(`${options.statusPrefix}_${twident}`)}/${discoveryId(objectId)}/config`;
}

/** TWCManager's: `twcmanager_<deviceNamePrefix, spaces → _>_<twident>_<key_underscore>`. */
function uniqueId(options: DiscoveryOptions, twident: string, key: string): string {
	return `twcmanager_${options.deviceNamePrefix.replace(/ /g, "_")}_${twident}_${key}`;
}

/** A fresh object per call (XS: module-level objects are read-only, and are not stringified). */
function deviceBlock(options: DiscoveryOptions, twident: string): Record<string, unknown> {
	const site = twident === SITE;
	const device: Record<string, unknown> = {
		identifiers: [deviceId(options, twident)],
		manufacturer: site ? "Open Source" : "Tesla",
		model: site ? "TWCManager" : "Wall Connector gen2",
		name: `${options.deviceNamePrefix} ${twident}`,
	};
	if (!site) device.via_device = deviceId(options, SITE);
	return device;
}

function deviceId(options: DiscoveryOptions, twident: string): string {
	return `twcmanager_${options.statusPrefix}_${twident}`;
}
