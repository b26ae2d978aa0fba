import test from "ava";
import { parseConfig, parseConfigText } from "../../../src/config/config.js";
import { KEY_SPECS } from "../../../src/config/keys.js";

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
		sources: { Fronius: { enabled: true } },
		logging: {},
		control: { MQTT: { enabled: true } },
	});
	t.truthy(config);
	t.true(warnings.includes("sources: section not supported yet, ignored"));
	t.true(warnings.includes("logging: section not supported yet, ignored"));
	t.true(warnings.includes("config.teslaApiClientID: not supported yet, ignored"));
	t.true(warnings.includes("config.wiringMaxAmpsAlTWCs: not supported yet, ignored"), "a typo is visible");
	t.true(warnings.includes("control.MQTT: not supported yet, ignored"));
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
