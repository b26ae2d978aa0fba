/**
 * Every config.json key the core reads: its TWCManager name, type, range and default (§8). One
 * table, so the defaults are written once and a test can check them.
 */
export interface KeySpec {
	path: string;
	type: "boolean" | "string" | "number" | "integer";
	min?: number;
	max?: number;
	default: unknown;
	/** "realBus": must be given when driving a real bus (the wiring limits); "always": always. */
	required?: "realBus" | "always";
	/** A key that limits current: given twice in one file it is an error, not a warning ("wiring": the installation's wiring). */
	limitsCurrent?: "wiring" | "current";
	doc: string;
}

export const KEY_SPECS: readonly KeySpec[] = Object.freeze([
	{
		path: "config.wiringMaxAmpsAllTWCs",
		type: "number",
		min: 1,
		max: 500,
		default: 32,
		required: "realBus",
		limitsCurrent: "wiring",
		doc: "Amps the circuit feeding all wall connectors may carry (80 % of its breaker)",
	},
	{
		path: "config.wiringMaxAmpsPerTWC",
		type: "number",
		min: 1,
		max: 80,
		default: 32,
		required: "realBus",
		limitsCurrent: "wiring",
		doc: "Amps the wiring of each wall connector may carry",
	},
	{ path: "config.minAmpsPerTWC", type: "integer", min: 0, max: 80, default: 6, limitsCurrent: "current", doc: "Lowest current offered to a car (below it: 0 A)" },
	{ path: "config.startStopDelay", type: "integer", min: 0, max: 3600, default: 60, doc: "Seconds between stopping and starting a car" },
	{ path: "config.defaultVoltage", type: "number", min: 100, max: 480, default: 240, doc: "Volts when the wall connectors report none" },
	{ path: "config.numberOfPhases", type: "integer", min: 1, max: 3, default: 1, doc: "Phases when the wall connectors report none" },
	{ path: "config.settingsPath", type: "string", default: "", doc: "Directory of settings.json (host; default: the config file's directory on a real bus, memory only in the demo)" },
	{ path: "config.timeZone", type: "string", default: "UTC0", doc: "Local time as a POSIX TZ rule, e.g. CET-1CEST,M3.5.0,M10.5.0/3 (schedules, sunrise)" },
	{ path: "config.latitude", type: "number", min: -90, max: 90, default: null, doc: "Home latitude, north positive (sunrise and sunset for Track Green Energy)" },
	{ path: "config.longitude", type: "number", min: -180, max: 180, default: null, doc: "Home longitude, east positive" },
	{ path: "config.minOnTime", type: "integer", min: 0, max: 3600, default: 60, doc: "Seconds a started car keeps at least its minimum (start negotiation)" },
	{ path: "config.minOffTime", type: "integer", min: 0, max: 3600, default: 60, doc: "Seconds a stopped car stays off before it is offered power again" },
	{ path: "config.rotationMinutes", type: "integer", min: 0, max: 1440, default: 15, doc: "Turn length when the power cannot serve every car at its minimum (0 = no rotation)" },
	{ path: "config.greenEnergyFlexAmps", type: "number", min: 0, max: 80, default: 0, limitsCurrent: "current", doc: "Amps of grid import allowed to keep a car charging on green energy" },
	{ path: "config.useFlexAmpsToStartCharge", type: "boolean", default: false, doc: "Flex amps may also start a car" },
	{ path: "config.greenEnergyLatch", type: "number", min: 0, max: 1440, default: 0, doc: "Minutes Track Green Energy stays active after its conditions end" },
	{ path: "config.chargeNowLimit", type: "integer", min: -1, max: 100, default: -1, doc: "Car charge limit (%) during Charge Now; -1 = the car's own" },
	{ path: "config.scheduledLimit", type: "integer", min: -1, max: 100, default: -1, doc: "Car charge limit (%) during Scheduled Charging" },
	{ path: "config.greenEnergyLimit", type: "integer", min: -1, max: 100, default: -1, doc: "Car charge limit (%) during Track Green Energy" },
	{ path: "config.nonScheduledLimit", type: "integer", min: -1, max: 100, default: -1, doc: "Car charge limit (%) during Non Scheduled Charging" },
	{ path: "config.webhookMethod", type: "string", default: "POST", doc: "POST (the status as JSON) or GET for policy webhooks" },
	{ path: "config.subtractChargerLoad", type: "boolean", default: false, doc: "The consumption meter sees the car: subtract the chargers' draw (§5.6)" },
	{ path: "config.treatGenerationAsGridDelivery", type: "boolean", default: false, doc: "Generation is what goes to the grid: consumption may go negative (§5.6)" },
	{ path: "config.greenEnergyAmpsOffset", type: "number", min: -80, max: 80, default: 0, limitsCurrent: "current", doc: "Amps kept for the house (positive) when tracking green energy" },
	{ path: "config.greenStartSurplusW", type: "number", min: 0, max: 100000, default: null, doc: "Surplus W that starts a car after one start delay (default: the minimum current's power + 60 %); a steady surplus just above the minimum also starts it, after 6 start delays" },
	{ path: "config.greenStopSurplusW", type: "number", min: 0, max: 100000, default: null, doc: "Surplus W below which charging stops (default: the minimum current's power)" },
	{ path: "config.greenStartDelay", type: "integer", min: 0, max: 3600, default: 60, doc: "Seconds the start threshold must hold before a car starts" },
	{ path: "config.greenStopDelay", type: "integer", min: 0, max: 3600, default: 60, doc: "Not used by the green logic since the dip budget (kept so existing config files load)" },
	{ path: "config.greenRiseSeconds", type: "number", min: 0, max: 3600, default: 30, doc: "Smoothing of rising surplus (time constant, s); drops are followed at once" },
	{ path: "config.greenDeficitWh", type: "number", min: 0, max: 1000, default: 12, doc: "Grid energy (Wh) one dip below the minimum may cost before the car stops (2 Wh in a run's first 10 minutes); shallow dips earn some of it back" },
	{ path: "config.greenStaleSeconds", type: "integer", min: 1, max: 3600, default: 60, doc: "Readings older than this count as none (no surplus)" },
	{ path: "config.masterId", type: "integer", min: 1, max: 0xfffe, default: 0x7777, doc: "Our bus ID (TWCManager: 7777)" },
	{ path: "interface.Dummy.enabled", type: "boolean", default: false, doc: "Simulated wall connectors instead of a bus (TWCManager's Dummy interface; the host's demo units)" },
	{ path: "interface.Dummy.twcID", type: "string", default: "", doc: "TWCManager's ID of its dummy unit; accepted, the demo's simulated units pick their own IDs" },
	{ path: "interface.Dummy.scenario", type: "string", default: "", doc: "TWCManager's test scenario; not supported (the demo's simulated units are used)" },
	{ path: "interface.RS485.enabled", type: "boolean", default: true, doc: "Use the RS485 bus" },
	{ path: "interface.RS485.port", type: "string", default: "", doc: "Serial device or socket://HOST:PORT (host only)" },
	{ path: "interface.RS485.baud", type: "integer", min: 1200, max: 115200, default: 9600, doc: "Bus speed (the TWCs use 9600)" },
	{ path: "interface.RS485.slaveTimeout", type: "integer", min: 5, max: 120, default: 26, doc: "Seconds of silence before a slave is dropped" },
	{ path: "control.HTTP.enabled", type: "boolean", default: true, doc: "Serve the web page and API" },
	{ path: "control.HTTP.listenPort", type: "integer", min: 1, max: 65535, default: 8080, doc: "HTTP port" },
	// MQTT control and status (TWCManager's MQTTControl and MQTTStatus; reference integrations §B.2, §C.2).
	{ path: "control.MQTT.enabled", type: "boolean", default: false, doc: "Take commands on <topicPrefix>/control/..." },
	{ path: "control.MQTT.brokerIP", type: "string", default: "", doc: "MQTT broker host name or address (required when enabled)" },
	{ path: "control.MQTT.brokerPort", type: "integer", min: 1, max: 65535, default: 1883, doc: "MQTT broker port" },
	{ path: "control.MQTT.brokerTLS", type: "boolean", default: false, doc: "TLS to the broker: not supported (true is refused)" },
	{ path: "control.MQTT.username", type: "string", default: "", doc: "MQTT user name (none when empty)" },
	{ path: "control.MQTT.password", type: "string", default: "", doc: "MQTT password" },
	{ path: "control.MQTT.topicPrefix", type: "string", default: "TWC", doc: "Commands are read from <topicPrefix>/control/#" },
	{ path: "status.MQTT.enabled", type: "boolean", default: false, doc: "Publish the status on <topicPrefix>/<TWCID>/<key>" },
	{ path: "status.MQTT.brokerIP", type: "string", default: "", doc: "MQTT broker host name or address (required when enabled)" },
	{ path: "status.MQTT.brokerPort", type: "integer", min: 1, max: 65535, default: 1883, doc: "MQTT broker port" },
	{ path: "status.MQTT.brokerTLS", type: "boolean", default: false, doc: "TLS to the broker: not supported (true is refused)" },
	{ path: "status.MQTT.username", type: "string", default: "", doc: "MQTT user name (none when empty)" },
	{ path: "status.MQTT.password", type: "string", default: "", doc: "MQTT password" },
	{ path: "status.MQTT.topicPrefix", type: "string", default: "TWC", doc: "Status topics are <topicPrefix>/<TWCID>/<key>, <topicPrefix>/all/<key>" },
	{ path: "status.MQTT.ratelimit", type: "integer", min: 0, max: 3600, default: 60, doc: "Seconds between two publishes of one topic (a later value waits, it is not lost); 0 = none" },
	{ path: "status.MQTT.homeassistantDiscovery", type: "boolean", default: true, doc: "Announce sensors and controls to Home Assistant (MQTT discovery)" },
	{ path: "status.MQTT.discoveryPrefix", type: "string", default: "homeassistant", doc: "Home Assistant's discovery prefix" },
	{ path: "status.MQTT.deviceNamePrefix", type: "string", default: "TWC", doc: "Device names in Home Assistant: \"<deviceNamePrefix> <TWCID>\"" },
]);
