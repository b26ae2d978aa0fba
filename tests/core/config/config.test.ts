import test from "ava";
import { parseConfig, parseConfigText } from "../../../src/config/config.js";
import { KEY_SPECS } from "../../../src/config/keys.js";
import { TWCMANAGER_EXAMPLE_CONFIG } from "./twcmanager-example.js";

test("TWCManager's sectioned config is read with its key names and meanings", (t) => {
	const { config, errors, warnings } = parseConfig({
		config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 12 },
		interface: { RS485: { enabled: true, port: "/dev/ttyUSB0", baud: 9600 } },
		control: { HTTP: { enabled: true, listenPort: 8088 } },
	});
	t.deepEqual(errors, []);
	t.deepEqual(warnings, []);
	t.is(config!.wiringMaxAmpsAllTWCs, 40);
	t.is(config!.wiringMaxAmpsPerTWC, 32);
	t.is(config!.minAmpsPerTWC, 12);
	t.is(config!.rs485.port, "/dev/ttyUSB0");
	t.is(config!.http.listenPort, 8088);
});

test("defaults come from one table, and a key missing from the document takes its default", (t) => {
	const { config } = parseConfig({});
	for (const spec of KEY_SPECS) t.not(spec.default, undefined, spec.path);
	t.is(config!.masterId, 0x7777);
	t.is(config!.slaveTimeout, 26);
	t.is(config!.startStopDelay, 60);
	t.is(config!.defaultVoltage, 240);
	t.is(config!.numberOfPhases, 1);
});

test("a value of the wrong type or out of range is an error that names the key", (t) => {
	const cases: [unknown, RegExp][] = [
		[{ config: { wiringMaxAmpsAllTWCs: "lots" } }, /^config\.wiringMaxAmpsAllTWCs: must be a number from 1 to 500 \(got "lots"\)$/],
		[{ config: { wiringMaxAmpsPerTWC: -3 } }, /^config\.wiringMaxAmpsPerTWC: must be a number from 1 to 80/],
		[{ config: { minAmpsPerTWC: 6.5 } }, /^config\.minAmpsPerTWC: must be a whole number/],
		[{ control: { HTTP: { listenPort: 70000 } } }, /^control\.HTTP\.listenPort: must be a whole number from 1 to 65535/],
		[{ interface: { RS485: { enabled: "yes" } } }, /^interface\.RS485\.enabled: must be true or false/],
		[{ config: [] }, /^config: must be an object/],
		["not an object", /must be a JSON object/],
	];
	for (const [document, expected] of cases) {
		const result = parseConfig(document);
		t.is(result.config, undefined);
		t.true(result.errors.some((e) => expected.test(e)), `${JSON.stringify(document)} → ${result.errors.join("; ")}`);
	}
});

test("numeric strings are accepted, as TWCManager's YAML and settings produce them", (t) => {
	const { config, errors } = parseConfig({ config: { wiringMaxAmpsAllTWCs: "24" } });
	t.deepEqual(errors, []);
	t.is(config!.wiringMaxAmpsAllTWCs, 24);
});

test("on a real bus the two wiring limits must be given", (t) => {
	const missing = parseConfig({ config: { minAmpsPerTWC: 6 } }, { requireWiringLimits: true });
	t.is(missing.config, undefined);
	t.true(missing.errors.some((e) => e.startsWith("config.wiringMaxAmpsAllTWCs: required")));
	t.true(missing.errors.some((e) => e.startsWith("config.wiringMaxAmpsPerTWC: required")));
	const given = parseConfig({ config: { wiringMaxAmpsAllTWCs: 20, wiringMaxAmpsPerTWC: 20 } }, { requireWiringLimits: true });
	t.deepEqual(given.errors, []);
});

test("sections and keys not supported yet are reported as ignored, never dropped silently", (t) => {
	const { config, warnings } = parseConfig({
		config: { wiringMaxAmpsAllTWCs: 20, wiringMaxAmpsPerTWC: 20, teslaApiClientID: "x", wiringMaxAmpsAlTWCs: 30 },
		sources: { NoSuchMeter: { enabled: true } },
		logging: {},
		control: { OCPP: { enabled: true } },
	});
	t.truthy(config);
	t.true(warnings.some((w) => w.startsWith("sources.NoSuchMeter: unknown energy system (known: ")), "an energy system this version does not know");
	t.true(warnings.includes("logging: section not supported yet, ignored"));
	t.true(warnings.includes("config.teslaApiClientID: not supported yet, ignored"));
	t.true(warnings.includes("config.wiringMaxAmpsAlTWCs: not supported yet, ignored"), "a typo is visible");
	t.true(warnings.includes("control.OCPP: not supported yet, ignored"));
});

test("a per-unit limit above the total is held to the total, fractional amps are rounded down, with a warning", (t) => {
	const { config, warnings } = parseConfig({ config: { wiringMaxAmpsAllTWCs: 20.7, wiringMaxAmpsPerTWC: 32 } });
	t.is(config!.wiringMaxAmpsAllTWCs, 20);
	t.is(config!.wiringMaxAmpsPerTWC, 20);
	t.true(warnings.some((w) => w.includes("wiringMaxAmpsPerTWC (32) is above")));
	t.true(warnings.some((w) => w.includes("rounded down to 20 A")));
});

test("config text: comment lines and trailing commas are allowed; a syntax error names the line", (t) => {
	const good = parseConfigText(`{
	# TWCManager-style comment
	// another
	"config": { "wiringMaxAmpsAllTWCs": 16, "wiringMaxAmpsPerTWC": 16, },
}`);
	t.deepEqual(good.errors, []);
	t.is(good.config!.wiringMaxAmpsAllTWCs, 16);
	const bad = parseConfigText(`{\n  "config": {\n    "wiringMaxAmpsAllTWCs": 16\n    "wiringMaxAmpsPerTWC": 16\n  }\n}`);
	t.is(bad.config, undefined);
	t.regex(bad.errors[0], /^config file is not valid JSON: /);
});

test("a wiring or minimum key given twice is an error naming the key and both values", (t) => {
	const wiring = parseConfigText(`{ "config": { "wiringMaxAmpsAllTWCs": 40, "wiringMaxAmpsPerTWC": 32, "wiringMaxAmpsPerTWC": 80 } }`);
	t.is(wiring.config, undefined);
	t.deepEqual(wiring.errors, ["config.wiringMaxAmpsPerTWC is given twice (32, then 80): a wiring limit must be given once"]);
	const all = parseConfigText(`{ "config": { "wiringMaxAmpsAllTWCs": 40, "wiringMaxAmpsPerTWC": 32, "wiringMaxAmpsAllTWCs": 40 } }`);
	t.deepEqual(all.errors, ["config.wiringMaxAmpsAllTWCs is given twice (40, then 40): a wiring limit must be given once"], "even with the same value");
	const min = parseConfigText(`{ "config": { "minAmpsPerTWC": 6, "wiringMaxAmpsAllTWCs": 40, "minAmpsPerTWC": 12 } }`);
	t.deepEqual(min.errors, ["config.minAmpsPerTWC is given twice (6, then 12): a current limit must be given once"]);
	const flex = parseConfigText(`{ "config": { "greenEnergyFlexAmps": 2, "greenEnergyFlexAmps": 20 } }`);
	t.deepEqual(flex.errors, ["config.greenEnergyFlexAmps is given twice (2, then 20): a current limit must be given once"]);
});

test("a whole config section given twice is an error when the first sets a limit the second replaces", (t) => {
	const result = parseConfigText(`{
	"config": { "wiringMaxAmpsAllTWCs": 16, "wiringMaxAmpsPerTWC": 16 },
	"control": { "HTTP": { "listenPort": 8080 } },
	"config": { "minAmpsPerTWC": 6 }
}`);
	t.is(result.config, undefined);
	t.is(result.errors.length, 1);
	t.regex(result.errors[0], /^config is given twice: the second replaces the first, which sets config\.wiringMaxAmpsAllTWCs, config\.wiringMaxAmpsPerTWC;/);
});

test("other keys given twice are a warning; the last value is used", (t) => {
	const result = parseConfigText(`{
	"config": { "startStopDelay": 60, "startStopDelay": 30, "teslaApiClientID": "a", "teslaApiClientID": "b" },
	"control": { "MQTT": { "password": "secret1", "password": "secret2" } },
	"control": { "HTTP": { "listenPort": 8080, "listenPort": 8081 } }
}`);
	t.deepEqual(result.errors, []);
	t.is(result.config!.startStopDelay, 30);
	t.is(result.config!.http.listenPort, 8081);
	t.true(result.warnings.includes("config.startStopDelay is given twice (60, then 30): the last is used"));
	t.true(result.warnings.includes('config.teslaApiClientID is given twice ("a", then "b"): the last is used'));
	t.true(result.warnings.includes("control.MQTT.password is given twice (…, then …): the last is used"), "a password is not repeated");
	t.true(result.warnings.includes("control is given twice ({…}, then {…}): the last is used"));
	t.true(result.warnings.includes("control.HTTP.listenPort is given twice (8080, then 8081): the last is used"));
	t.false(result.warnings.some((w) => w.includes("secret")));
});

test("minAmpsPerTWC above a wiring limit is an error: no car could ever charge", (t) => {
	const per = parseConfig({ config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 10, minAmpsPerTWC: 12 } });
	t.is(per.config, undefined);
	t.deepEqual(per.errors, ["config.minAmpsPerTWC (12) is above config.wiringMaxAmpsPerTWC (10): no car could ever charge"]);
	const all = parseConfig({ config: { wiringMaxAmpsAllTWCs: 8, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 12 } });
	t.is(all.config, undefined);
	t.deepEqual(all.errors, ["config.minAmpsPerTWC (12) is above config.wiringMaxAmpsAllTWCs (8): no car could ever charge"]);
	const equal = parseConfig({ config: { wiringMaxAmpsAllTWCs: 12, wiringMaxAmpsPerTWC: 12, minAmpsPerTWC: 12 } });
	t.deepEqual(equal.errors, []);
});

test("config text: a UTF-8 BOM is accepted", (t) => {
	const result = parseConfigText(`\uFEFF{ "config": { "wiringMaxAmpsAllTWCs": 16, "wiringMaxAmpsPerTWC": 16 } }`);
	t.deepEqual(result.errors, []);
	t.is(result.config!.wiringMaxAmpsAllTWCs, 16);
});

test("config text: a # comment after a value is cut; a # or a comma inside a string is kept", (t) => {
	const result = parseConfigText(`{
	"config": {
		"wiringMaxAmpsAllTWCs": 16, # 20 A breaker * 0.8
		"wiringMaxAmpsPerTWC": 16 # the same breaker
		, "settingsPath": "/data/#twc, }" # a path with a # and ", }" in it
	},
	"control": { "MQTT": { "password": "pa#ss" } } // after the last value
}`);
	t.deepEqual(result.errors, []);
	t.is(result.config!.wiringMaxAmpsAllTWCs, 16);
	t.is(result.config!.settingsPath, "/data/#twc, }");
	const control = result.config!.document.control as { MQTT: { password: string } };
	t.is(control.MQTT.password, "pa#ss");
});

test("config text: a syntax error names the key, the line and the column", (t) => {
	const bad = parseConfigText(`{\n  "config": {\n    "wiringMaxAmpsAllTWCs": 16\n    "wiringMaxAmpsPerTWC": 16\n  }\n}`);
	t.deepEqual(bad.errors, ['config file is not valid JSON: expected "," or "}" after the value of config.wiringMaxAmpsAllTWCs, found "\\"" at line 4, column 5']);
	const open = parseConfigText(`{ "config": { "settingsPath": "/data }\n}`);
	t.deepEqual(open.errors, ["config file is not valid JSON: a string that does not end on its line at line 1, column 31"]);
	const truncated = parseConfigText(`{ "config": { "minAmpsPerTWC": `);
	t.deepEqual(truncated.errors, ["config file is not valid JSON: expected a value for config.minAmpsPerTWC, found the end of the file at line 1, column 32"]);
});

test("TWCManager's example config.json is read: comments after values, trailing commas, every section", (t) => {
	// As shipped, its sample wiring limits (6 A) are below its minAmpsPerTWC (12 A): no car could charge.
	const shipped = parseConfigText(TWCMANAGER_EXAMPLE_CONFIG);
	t.deepEqual(shipped.errors, ["config.minAmpsPerTWC (12) is above config.wiringMaxAmpsPerTWC (6): no car could ever charge"]);

	// The installer sets the wiring limits (as its comments ask) and chooses the Dummy interface.
	const edited = TWCMANAGER_EXAMPLE_CONFIG
		.replace('"wiringMaxAmpsAllTWCs": 6', '"wiringMaxAmpsAllTWCs": 32')
		.replace('"wiringMaxAmpsPerTWC": 6', '"wiringMaxAmpsPerTWC": 32')
		.replace('"Dummy": {\n        "enabled": false', '"Dummy": {\n        "enabled": true')
		.replace('"RS485": {\n        "enabled": true', '"RS485": {\n        "enabled": false');
	const { config, errors, warnings } = parseConfigText(edited, { requireWiringLimits: true });
	t.deepEqual(errors, []);
	t.is(config!.wiringMaxAmpsAllTWCs, 32);
	t.is(config!.minAmpsPerTWC, 12);
	t.is(config!.settingsPath, "/etc/twcmanager");
	t.true(config!.dummy.enabled);
	t.false(config!.rs485.enabled);
	t.is(config!.rs485.port, "/dev/ttyUSB0");
	t.is(config!.http.listenPort, 8080);
	const sources = config!.document.sources as Record<string, { excludeConsumptionInverters?: number[] }>;
	t.deepEqual(sources.SolarLog.excludeConsumptionInverters, [2], "the comment after the array is cut");
	for (const section of ["logging", "vehicle"]) t.true(warnings.includes(`${section}: section not supported yet, ignored`), section);
	// status.MQTT is read (src/mqtt); TWCManager's deprecated HASS status push is not.
	t.true(warnings.includes("status.HASS: not supported yet, ignored"), warnings.join("\n"));
	t.false(warnings.some((w) => w.startsWith("status.MQTT")), warnings.join("\n"));
	t.like(config!.mqtt.status, { enabled: false, host: "192.168.1.1", topicPrefix: "TWC", ratelimit: 60 });
	t.true(warnings.includes("config.fakeMaster: not supported yet, ignored"));
	t.true(warnings.includes("interface.TCP: not supported yet, ignored"));
	t.false(warnings.some((w) => w.startsWith("interface.Dummy")), warnings.join("\n"));
	t.false(warnings.some((w) => w.includes("given twice")));
});

test("interface.Dummy: TWCManager's keys are accepted; a scenario is reported as not supported", (t) => {
	const plain = parseConfig({ interface: { Dummy: { enabled: true, twcID: "AB" }, RS485: { enabled: false } } });
	t.deepEqual(plain.errors, []);
	t.deepEqual(plain.warnings, []);
	t.true(plain.config!.dummy.enabled);
	t.false(parseConfig({}).config!.dummy.enabled, "off by default");
	const scenario = parseConfig({ interface: { Dummy: { enabled: true, scenario: "multi_slave_balanced" } } });
	t.true(scenario.warnings.some((w) => w.startsWith("interface.Dummy.scenario: TWCManager's test scenarios are not supported")));
});
