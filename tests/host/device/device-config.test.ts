/**
 * modules/device-config.ts, the device's configuration document on flash, without the SDK: the
 * first boot's document from the manifest block, the document on flash ruling afterwards, the
 * backup, the device keys' checks next to the host's config.json checks, and a change through the
 * API surviving a restart (a new DeviceConfig on the same storage).
 */
import test from "ava";
import { addConfigRoutes } from "../../../src/api/config-routes.js";
import { Router } from "../../../src/api/router.js";
import { parseConfig } from "../../../src/config/config.js";
import { silentLog } from "../../../src/platform/log.js";
import type { Storage } from "../../../src/platform/storage.js";
import { CONFIG_NAME, DeviceConfig, checkDocument, firstBootDocument } from "../../../modules/device-config.js";

class MemoryStorage implements Storage {
	documents = new Map<string, string>();
	backups = new Map<string, string>();
	read = (name: string) => this.documents.get(name);
	readBackup = (name: string) => this.backups.get(name);
	write = (name: string, text: string) => void this.documents.set(name, text);
	writeBackup = (name: string, text: string) => void this.backups.set(name, text);
}

/** The manifest block as shipped (wiring limits 0), with mcconfig overrides as strings. */
const SHIPPED = { uart: 2, txPin: 17, rxPin: 16, dePin: -1, wiringMaxAmpsAllTWCs: 0, wiringMaxAmpsPerTWC: 0, minAmpsPerTWC: 6, logLevel: "info", ssid: "", password: "", httpPort: 80 };
const OVERRIDDEN = { ...SHIPPED, wiringMaxAmpsAllTWCs: "40", wiringMaxAmpsPerTWC: "32", httpPort: "8088", serialDevice: "/tmp/x/twc-dev" };

function make(storage = new MemoryStorage(), manifest: Record<string, unknown> = OVERRIDDEN) {
	return { storage, config: new DeviceConfig({ storage, parseConfig, manifest }) };
}

test("first boot: the manifest block becomes the document on flash (and its backup), overrides read as numbers", (t) => {
	const { storage, config } = make();
	const loaded = config.load();
	t.is(loaded.source, "manifest");
	t.deepEqual(loaded.errors, []);
	t.is(loaded.config?.wiringMaxAmpsAllTWCs, 40);
	t.is(loaded.config?.wiringMaxAmpsPerTWC, 32);
	t.is(loaded.device?.httpPort, 8088);
	t.is(loaded.device?.serialDevice, "/tmp/x/twc-dev");
	const stored = JSON.parse(storage.documents.get(CONFIG_NAME)!);
	t.deepEqual(stored.config, { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32, minAmpsPerTWC: 6 });
	t.is(stored.device.httpPort, 8088);
	t.is(storage.backups.get(CONFIG_NAME), storage.documents.get(CONFIG_NAME));
});

test("first boot as shipped (wiring limits 0): errors name both limits; the device keys are good so the API can serve", (t) => {
	const { config } = make(new MemoryStorage(), SHIPPED);
	const loaded = config.load();
	t.is(loaded.config, undefined);
	t.true(loaded.errors.some((e) => e.startsWith("config.wiringMaxAmpsAllTWCs: required on a real bus")), loaded.errors.join("; "));
	t.true(loaded.errors.some((e) => e.startsWith("config.wiringMaxAmpsPerTWC: required on a real bus")));
	t.is(loaded.device?.httpPort, 80);
});

test("after the first boot the document on flash rules, not the manifest", (t) => {
	const storage = new MemoryStorage();
	storage.documents.set(CONFIG_NAME, JSON.stringify({ config: { wiringMaxAmpsAllTWCs: 24, wiringMaxAmpsPerTWC: 16 }, device: { httpPort: 8080 } }));
	const loaded = make(storage).config.load();
	t.is(loaded.source, "flash");
	t.is(loaded.config?.wiringMaxAmpsAllTWCs, 24);
	t.is(loaded.device?.httpPort, 8080);
	t.is(loaded.device?.txPin, 17, "absent device keys take their defaults");
});

test("a document on flash that is not JSON: the backup is used, and the log is told", (t) => {
	const storage = new MemoryStorage();
	storage.documents.set(CONFIG_NAME, "{\"config\": {\"wiringMax");
	storage.backups.set(CONFIG_NAME, JSON.stringify({ config: { wiringMaxAmpsAllTWCs: 30, wiringMaxAmpsPerTWC: 30 } }));
	const loaded = make(storage).config.load();
	t.is(loaded.source, "backup");
	t.is(loaded.config?.wiringMaxAmpsAllTWCs, 30);
	t.regex(loaded.notes.join("\n"), /not a JSON object; using its backup/);
});

test("write() keeps the previous document as the backup", (t) => {
	const { storage, config } = make();
	config.load();
	const first = storage.documents.get(CONFIG_NAME);
	config.write(JSON.stringify({ config: { wiringMaxAmpsAllTWCs: 20, wiringMaxAmpsPerTWC: 20 } }));
	t.is(storage.backups.get(CONFIG_NAME), first);
	t.is(JSON.parse(storage.documents.get(CONFIG_NAME)!).config.wiringMaxAmpsAllTWCs, 20);
});

test("device keys are checked, each error naming its key", (t) => {
	const base = { config: { wiringMaxAmpsAllTWCs: 32, wiringMaxAmpsPerTWC: 32 } };
	const errorFor = (device: Record<string, unknown>) => checkDocument({ ...base, device }, parseConfig).errors.join("; ");
	t.regex(errorFor({ uart: 0 }), /^device\.uart: must be a whole number from 1 to 2 \(got 0\)/);
	t.regex(errorFor({ httpPort: 0 }), /^device\.httpPort: must be a whole number from 1 to 65535/);
	t.regex(errorFor({ txPin: 16 }), /^device\.rxPin: the same GPIO as device\.txPin \(16\)/);
	t.regex(errorFor({ dePin: 17 }), /^device\.dePin: GPIO 17 is already device\.txPin or device\.rxPin/);
	t.regex(errorFor({ logLevel: "verbose" }), /^device\.logLevel: must be one of error, warn, info, debug/);
	t.regex(errorFor({ password: "short" }), /^device\.password: a Wi-Fi \(WPA2\) password has 8 to 63 characters/);
	t.false(errorFor({ password: "short" }).includes("short\""), "the password is not repeated");
	t.regex(errorFor({ hostname: "twc master" }), /^device\.hostname: letters, digits and inner hyphens \(empty: twc-xxxx from the MAC address\) only/);
	const good = checkDocument({ ...base, device: { httpPort: "8080", hostname: "garage-twc" } }, parseConfig);
	t.deepEqual(good.errors, []);
	t.is(good.device?.httpPort, 8080, "a numeric string is read as a number");
	t.deepEqual(checkDocument({ ...base, device: { colour: "red" } }, parseConfig).warnings, ["device.colour: not supported, ignored"]);
});

test("the device refuses what would leave it without a bus or without its API", (t) => {
	const base = { config: { wiringMaxAmpsAllTWCs: 32, wiringMaxAmpsPerTWC: 32 } };
	const errors = (extra: Record<string, unknown>) => checkDocument({ ...base, ...extra }, parseConfig).errors.join("; ");
	t.regex(errors({ interface: { Dummy: { enabled: true } } }), /interface\.Dummy\.enabled: the device has no simulated wall connectors/);
	t.regex(errors({ interface: { RS485: { enabled: false } } }), /interface\.RS485\.enabled: the device's master needs its RS485 bus/);
	t.regex(errors({ control: { HTTP: { enabled: false } } }), /control\.HTTP\.enabled: the API is how the device's configuration is changed/);
});

test("a change through POST /api/v1/config survives a restart; a refused one changes nothing", (t) => {
	const storage = new MemoryStorage();
	const before = make(storage);
	before.config.load();
	const router = new Router(silentLog);
	addConfigRoutes(router, before.config);
	const post = (body: unknown) => {
		const r = router.handle({ method: "POST", path: "/api/v1/config", query: new Map(), headers: new Map(), body: JSON.stringify(body) });
		return { status: r.status, json: JSON.parse(r.body!) };
	};
	const refused = post({ device: { uart: 3 } });
	t.is(refused.status, 400);
	t.regex(refused.json.error, /^device\.uart: /);
	const ok = post({ config: { minAmpsPerTWC: 10 }, device: { logLevel: "debug" } });
	t.is(ok.status, 200, JSON.stringify(ok.json));
	t.true(ok.json.restartRequired);
	// The restart: a new DeviceConfig on the same flash, and a manifest that says otherwise.
	const after = new DeviceConfig({ storage, parseConfig, manifest: { ...OVERRIDDEN, minAmpsPerTWC: 6, logLevel: "info" } }).load();
	t.is(after.source, "flash");
	t.is(after.config?.minAmpsPerTWC, 10);
	t.is(after.device?.logLevel, "debug");
	t.is(after.device?.uart, 2);
});
