import test from "ava";
import { readScheduleSettings, SCHEDULE_DEFAULTS } from "../../../src/charge/schedule.js";
import {
	ALLOW_GROUP,
	checkSettingsPatch,
	crc32,
	DENY_GROUP,
	defaultSettings,
	SETTINGS_DEFAULTS,
	SETTINGS_KEYS,
	SettingsStore,
	settingsToText,
	type Settings,
	type SettingsLimits,
} from "../../../src/charge/settings.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import type { Storage } from "../../../src/platform/storage.js";

// Valid VINs (ISO 3779 check digit at position 9).
const VIN_A = "5YJ3E1EA4KF317001";
const VIN_B = "5YJSA1E29FF100002";
const VIN_C = "7SAYGDEE7PA000003";
const BAD_VIN = "5YJ3E1EA5KF317001"; // check digit off by one

const LIMITS: SettingsLimits = { wiringMaxAmpsAllTWCs: 40, minAmpsPerTWC: 6 };

/** Storage in memory: the document and its backup, each written only when asked. */
class MemoryStorage implements Storage {
	readonly files = new Map<string, string>();
	readonly backups = new Map<string, string>();
	/** Writes of the document. */
	writes = 0;
	backupWrites = 0;
	/** Every write (document and backup) throws this, as a full disk would. */
	failWith: string | undefined;
	read(name: string): string | undefined {
		return this.files.get(name);
	}
	write(name: string, text: string): void {
		if (this.failWith) throw new Error(this.failWith);
		this.files.set(name, text);
		this.writes++;
	}
	readBackup(name: string): string | undefined {
		return this.backups.get(name);
	}
	writeBackup(name: string, text: string): void {
		if (this.failWith) throw new Error(this.failWith);
		this.backups.set(name, text);
		this.backupWrites++;
	}
}

class RecordingLog implements Log {
	readonly lines: { level: LogLevel; topic: string; message: string }[] = [];
	write(level: LogLevel, topic: string, message: string): void {
		this.lines.push({ level, topic, message });
	}
	at(level: LogLevel): string[] {
		return this.lines.filter((l) => l.level === level).map((l) => l.message);
	}
}

function makeStore(storage?: Storage, onChange?: (changed: readonly string[]) => void) {
	const log = new RecordingLog();
	const store = new SettingsStore({ storage, log, limits: LIMITS, onChange });
	return { store, log };
}

function check(patch: Record<string, unknown>, current: Readonly<Settings> = SETTINGS_DEFAULTS) {
	return checkSettingsPatch(current, patch, LIMITS);
}

/** A store that saved two versions: the main file holds `second`, the backup `first`. */
function twoVersions(first: Record<string, unknown>, second: Record<string, unknown>) {
	const storage = new MemoryStorage();
	const { store } = makeStore(storage);
	store.load();
	for (const patch of [first, second]) {
		if (!store.update(patch, "test").ok) throw new Error(`setup patch refused: ${JSON.stringify(patch)}`);
	}
	return storage;
}

// ---- defaults ---------------------------------------------------------------------------------

test("defaults are TWCManager's (§5.7), frozen, and defaultSettings() is a fresh copy", (t) => {
	const d = SETTINGS_DEFAULTS;
	t.is(d.chargeNowAmps, 0);
	t.is(d.chargeNowTimeEnd, 0);
	t.is(d.scheduledAmpsStartHour, -1);
	t.is(d.scheduledAmpsEndHour, -1);
	t.is(d.scheduledAmpsDaysBitmap, 0x7f);
	t.is(d.scheduledAmpsBatterySize, 100);
	t.is(d.hourResumeTrackGreenEnergy, -1);
	t.is(d.homeLat, 10000);
	t.is(d.homeLon, 10000);
	t.is(d.chargeAuthorizationMode, 1);
	t.is(d.chargeStopMode, 1);
	t.is(d.nonScheduledAction, 1);
	t.is(d.nonScheduledAmpsMax, 0);
	t.true(d.spikeAmpsProactively);
	t.true(d.spikeAmpsReactively);
	t.is(d.timeZone, "");
	t.deepEqual(Object.keys(d.VehicleGroups).sort(), [ALLOW_GROUP, DENY_GROUP]);
	t.is(d.VehicleGroups[ALLOW_GROUP]["Built-in"], 1);
	t.is(d.VehicleGroups[DENY_GROUP]["Built-in"], 1);
	t.deepEqual(Object.keys(d).sort(), [...SETTINGS_KEYS].sort());
	t.true(Object.isFrozen(d) && Object.isFrozen(d.VehicleGroups[DENY_GROUP].Members));

	const fresh = defaultSettings();
	fresh.chargeNowAmps = 12;
	fresh.VehicleGroups[DENY_GROUP].Members.push(VIN_A);
	t.is(SETTINGS_DEFAULTS.chargeNowAmps, 0);
	t.deepEqual(defaultSettings().VehicleGroups[DENY_GROUP].Members, []);
});

test("the schedule reads the settings under TWCManager's key names", (t) => {
	t.deepEqual(readScheduleSettings(SETTINGS_DEFAULTS as unknown as Record<string, unknown>), SCHEDULE_DEFAULTS);
	const r = check({ scheduledAmpsMax: "16", scheduledAmpsStartHour: "22.5", scheduledAmpsEndHour: 6, scheduledAmpsDaysBitmap: "3" });
	t.deepEqual(r.errors, []);
	t.deepEqual(readScheduleSettings({ ...SETTINGS_DEFAULTS, ...r.values }), {
		scheduledAmpsMax: 16,
		scheduledAmpsStartHour: 22.5,
		scheduledAmpsEndHour: 6,
		scheduledAmpsDaysBitmap: 3,
	});
});

// ---- validation -------------------------------------------------------------------------------

test("amps above the wiring limit are refused with the limit named", (t) => {
	t.deepEqual(check({ chargeNowAmps: 50 }).errors, ["chargeNowAmps: 50 is above wiringMaxAmpsAllTWCs (40)"]);
	t.deepEqual(check({ scheduledAmpsMax: 41 }).errors, ["scheduledAmpsMax: 41 is above wiringMaxAmpsAllTWCs (40)"]);
	t.deepEqual(check({ nonScheduledAmpsMax: "40.5" }).errors, ["nonScheduledAmpsMax: 40.5 is above wiringMaxAmpsAllTWCs (40)"]);
	t.deepEqual(check({ chargeNowAmps: 40 }).errors, []);
	const negative = check({ chargeNowAmps: -1 }).errors;
	t.is(negative.length, 1);
	t.regex(negative[0], /^chargeNowAmps: -1 is below 0/);
	t.regex(check({ chargeNowAmps: "fast" }).errors[0], /^chargeNowAmps: "fast" is not a number \(allowed: 0 to 40 A\)/);
	t.regex(check({ chargeNowAmps: null }).errors[0], /^chargeNowAmps: null is not a number/);
});

test("amps between 0 and minAmpsPerTWC are accepted with a warning", (t) => {
	const r = check({ scheduledAmpsMax: 4 });
	t.deepEqual(r.errors, []);
	t.is(r.values.scheduledAmpsMax, 4);
	t.true(r.warnings.some((w) => w.startsWith("scheduledAmpsMax: 4 A is below minAmpsPerTWC (6)") && w.includes("0 A")), r.warnings.join("\n"));
	t.false(check({ scheduledAmpsMax: 6 }).warnings.some((w) => w.includes("minAmpsPerTWC")));
	t.false(check({ scheduledAmpsMax: 0 }).warnings.some((w) => w.includes("minAmpsPerTWC")));
});

test("numbers accept numeric strings, booleans accept 0/1 and their strings", (t) => {
	const r = check({
		chargeNowAmps: "16",
		chargeNowTimeEnd: "1767225600",
		chargeStopMode: "3",
		chargeAuthorizationMode: "2",
		nonScheduledAction: " 3 ",
		spikeAmpsProactively: "0",
		spikeAmpsReactively: 1,
		scheduledAmpsFlexStart: "True",
		homeLat: "52.52",
	});
	t.deepEqual(r.errors, []);
	t.deepEqual(r.values, {
		chargeNowAmps: 16,
		chargeNowTimeEnd: 1767225600,
		chargeStopMode: 3,
		chargeAuthorizationMode: 2,
		nonScheduledAction: 3,
		spikeAmpsProactively: false,
		spikeAmpsReactively: true,
		scheduledAmpsFlexStart: true,
		homeLat: 52.52,
	});
	t.regex(check({ spikeAmpsReactively: "yes" }).errors[0], /^spikeAmpsReactively: "yes" is not a boolean/);
	t.regex(check({ scheduledAmpsFlexStart: 2 }).errors[0], /^scheduledAmpsFlexStart: 2 is not a boolean/);
	t.regex(check({ chargeNowAmps: "16A" }).errors[0], /^chargeNowAmps: "16A" is not a number/);
});

test("each range family names its key and the offending value", (t) => {
	const refused: [Record<string, unknown>, string, string][] = [
		[{ chargeNowTimeEnd: -5 }, "chargeNowTimeEnd", "-5"],
		[{ scheduledAmpsStartHour: 24 }, "scheduledAmpsStartHour", "24"],
		[{ scheduledAmpsEndHour: -0.5 }, "scheduledAmpsEndHour", "-0.5"],
		[{ scheduledAmpsDaysBitmap: 128 }, "scheduledAmpsDaysBitmap", "128"],
		[{ scheduledAmpsDaysBitmap: 1.5 }, "scheduledAmpsDaysBitmap", "1.5"],
		[{ scheduledAmpsBatterySize: 40 }, "scheduledAmpsBatterySize", "40"],
		[{ scheduledAmpsBatterySize: 301 }, "scheduledAmpsBatterySize", "301"],
		[{ hourResumeTrackGreenEnergy: 24 }, "hourResumeTrackGreenEnergy", "24"],
		[{ hourResumeTrackGreenEnergy: 7.5 }, "hourResumeTrackGreenEnergy", "7.5"],
		[{ nonScheduledAction: 4 }, "nonScheduledAction", "4"],
		[{ chargeAuthorizationMode: 3 }, "chargeAuthorizationMode", "3"],
		[{ chargeStopMode: 0 }, "chargeStopMode", "0"],
		[{ homeLat: 91 }, "homeLat", "91"],
		[{ homeLon: -180.5 }, "homeLon", "-180.5"],
		[{ timeZone: 1 }, "timeZone", "1"],
	];
	for (const [patch, key, value] of refused) {
		const { errors, values } = check(patch);
		t.is(errors.length, 1, `${key} ${value}: ${errors.join(" | ")}`);
		t.true(errors[0]?.startsWith(`${key}: ${value} `), `${errors[0]}`);
		t.true(errors[0]?.includes("allowed") || errors[0]?.includes("must be"), `${errors[0]} says what is allowed`);
		t.deepEqual(values, {});
	}
	const accepted: Record<string, unknown>[] = [
		{ scheduledAmpsStartHour: -1 },
		{ scheduledAmpsStartHour: 0 },
		{ scheduledAmpsEndHour: 23.75 },
		{ scheduledAmpsDaysBitmap: 0 },
		{ scheduledAmpsDaysBitmap: 127 },
		{ scheduledAmpsBatterySize: 40.5 },
		{ scheduledAmpsBatterySize: 300 },
		{ hourResumeTrackGreenEnergy: -1 },
		{ hourResumeTrackGreenEnergy: 23 },
		{ homeLat: 10000, homeLon: 10000 },
		{ homeLat: -33.87, homeLon: 151.21 },
	];
	for (const patch of accepted) t.deepEqual(check(patch).errors, [], JSON.stringify(patch));
	t.true(check({ homeLat: 91 }).errors[0].includes("10000 for unknown"));
});

test("timeZone: empty, or a POSIX rule; the parser's reason is in the error", (t) => {
	t.deepEqual(check({ timeZone: "" }).values, { timeZone: "" });
	t.deepEqual(check({ timeZone: "CET-1CEST,M3.5.0,M10.5.0/3" }).values, { timeZone: "CET-1CEST,M3.5.0,M10.5.0/3" });
	const errors = check({ timeZone: "Europe/Berlin" }).errors;
	t.is(errors.length, 1);
	t.true(errors[0].startsWith('timeZone: "Europe/Berlin" is not a POSIX TZ rule ('));
	t.true(errors[0].includes("tz database name"), errors[0]);
});

test("consumptionOffset: names under 32 characters without @#$%^&*\"+<>;/, non-zero value, unit W or A", (t) => {
	const good = check({ consumptionOffset: { "Heat pump": { value: "1500", unit: "W" }, Battery: { value: -2.5, unit: "A" } } });
	t.deepEqual(good.errors, []);
	t.deepEqual(good.values.consumptionOffset, { "Heat pump": { value: 1500, unit: "W" }, Battery: { value: -2.5, unit: "A" } });
	t.deepEqual(check({ consumptionOffset: { ["x".repeat(31)]: { value: 1, unit: "W" } } }).errors, []);

	const refused: [unknown, RegExp][] = [
		[{ "a/b": { value: 1, unit: "W" } }, /^consumptionOffset: name "a\/b" contains a character that is not allowed/],
		[{ ["x".repeat(32)]: { value: 1, unit: "W" } }, /^consumptionOffset: name "x+" has 32 characters \(allowed: fewer than 32\)/],
		[{ Pool: { value: 0, unit: "W" } }, /^consumptionOffset\.Pool\.value: 0 is not allowed \(allowed: a non-zero number\)/],
		[{ Pool: { value: 100, unit: "kW" } }, /^consumptionOffset\.Pool\.unit: "kW" is not allowed \(allowed: "W" or "A"\)/],
		[{ Pool: { value: 100, unit: "W", enabled: true } }, /^consumptionOffset\.Pool: unknown field "enabled"/],
		[[1, 2], /^consumptionOffset: \[1,2\] is not an object/],
	];
	for (const [value, expected] of refused) {
		const errors = check({ consumptionOffset: value }).errors;
		t.is(errors.length, 1, errors.join(" | "));
		t.regex(errors[0] ?? "", expected);
	}
});

test("VehicleGroups: VINs are checked and upper-cased, built-in groups stay, one VIN cannot be allowed and denied", (t) => {
	const good = check({ VehicleGroups: { [ALLOW_GROUP]: { Members: [VIN_A.toLowerCase(), VIN_A] }, [DENY_GROUP]: { Members: [VIN_B] }, Family: { Members: [VIN_C], Description: "ours" } } });
	t.deepEqual(good.errors, []);
	const groups = good.values.VehicleGroups!;
	t.deepEqual(groups[ALLOW_GROUP].Members, [VIN_A]);
	t.is(groups[ALLOW_GROUP]["Built-in"], 1);
	t.deepEqual(groups.Family, { Members: [VIN_C], Description: "ours" });

	const invalid = check({ VehicleGroups: { [ALLOW_GROUP]: { Members: [BAD_VIN] }, [DENY_GROUP]: { Members: [] } } }).errors;
	t.deepEqual(invalid, [`VehicleGroups."${ALLOW_GROUP}": "${BAD_VIN}" is not a valid VIN (17 characters with the ISO 3779 check digit)`]);

	const both = check({ VehicleGroups: { [ALLOW_GROUP]: { Members: [VIN_A] }, [DENY_GROUP]: { Members: [VIN_A.toLowerCase()] } } }).errors;
	t.deepEqual(both, [`VehicleGroups: VIN ${VIN_A} is in both "${ALLOW_GROUP}" and "${DENY_GROUP}"`]);

	// Removing a built-in group: it comes back with its current members, with a warning.
	const current = { ...defaultSettings(), VehicleGroups: { [ALLOW_GROUP]: { Members: [], "Built-in": 1 }, [DENY_GROUP]: { Members: [VIN_B], "Built-in": 1 } } };
	const removed = check({ VehicleGroups: { [ALLOW_GROUP]: { Members: [VIN_A] } } }, current);
	t.deepEqual(removed.errors, []);
	t.deepEqual(removed.values.VehicleGroups![DENY_GROUP].Members, [VIN_B]);
	t.is(removed.values.VehicleGroups![DENY_GROUP]["Built-in"], 1);
	t.true(removed.warnings.some((w) => w.startsWith(`VehicleGroups: "${DENY_GROUP}" is built in and cannot be removed`)), removed.warnings.join("\n"));

	t.regex(check({ VehicleGroups: { Family: { Members: VIN_A } } }).errors[0], /^VehicleGroups\."Family"\.Members: .* is not a list of VINs/);
	t.regex(check({ VehicleGroups: "none" }).errors[0], /^VehicleGroups: "none" is not an object/);
});

test("Vehicles: VIN keys and non-negative numbers", (t) => {
	const good = check({ Vehicles: { [VIN_A.toLowerCase()]: { chargeSessions: "3", startkWh: 1000.5, totalkWh: 42, lastSeen: 1767225600 } } });
	t.deepEqual(good.errors, []);
	t.deepEqual(good.values.Vehicles, { [VIN_A]: { chargeSessions: 3, startkWh: 1000.5, totalkWh: 42, lastSeen: 1767225600 } });
	t.deepEqual(check({ Vehicles: { [VIN_A]: { chargeSessions: 1, startkWh: 0, totalkWh: -1 } } }).errors, [
		`Vehicles.${VIN_A}.totalkWh: -1 is not allowed (allowed: a number 0 or more)`,
	]);
	t.deepEqual(check({ Vehicles: { [VIN_A]: { chargeSessions: 1.5, startkWh: 0, totalkWh: 0 } } }).errors, [
		`Vehicles.${VIN_A}.chargeSessions: 1.5 is not allowed (allowed: a whole number 0 or more)`,
	]);
	t.regex(check({ Vehicles: { NOTAVIN: { chargeSessions: 1, startkWh: 0, totalkWh: 0 } } }).errors[0], /^Vehicles: "NOTAVIN" is not a valid VIN/);
});

test("unknown keys are refused, and a patch is all or nothing", (t) => {
	const unknown = check({ chargeNowAmps: 16, sunrise: 7 });
	t.is(unknown.errors.length, 1);
	t.true(unknown.errors[0].startsWith("sunrise: unknown setting"));
	t.deepEqual(unknown.values, {}, "no values when anything is wrong");
	t.regex(checkSettingsPatch(SETTINGS_DEFAULTS, [] as unknown as Record<string, unknown>, LIMITS).errors[0], /not an object/);

	const storage = new MemoryStorage();
	const changes: (readonly string[])[] = [];
	const { store, log } = makeStore(storage, (c) => changes.push(c));
	store.load();
	const result = store.update({ chargeNowAmps: 16, chargeNowTimeEnd: 1767225600, scheduledAmpsMax: 99 }, "api");
	t.false(result.ok);
	t.deepEqual(result.errors, ["scheduledAmpsMax: 99 is above wiringMaxAmpsAllTWCs (40)"]);
	t.deepEqual(result.changed, []);
	t.is(store.current.chargeNowAmps, 0, "the valid part is not applied either");
	t.is(storage.writes, 0);
	t.deepEqual(changes, []);
	t.true(log.at("warn").some((m) => m.includes("from api refused") && m.includes("scheduledAmpsMax: 99")));
});

test("contradictions are warnings: empty window, incomplete schedule, no day; action 2 with amps is refused", (t) => {
	const empty = check({ scheduledAmpsMax: 16, scheduledAmpsStartHour: 7, scheduledAmpsEndHour: 7 });
	t.deepEqual(empty.errors, []);
	t.true(empty.warnings.some((w) => w.includes("never active") && w.includes("both 7")), empty.warnings.join("\n"));

	const incomplete = check({ scheduledAmpsMax: 16, scheduledAmpsStartHour: 22 });
	t.true(incomplete.warnings.some((w) => w.includes("incomplete") && w.includes("inactive")), incomplete.warnings.join("\n"));
	const incompleteEnd = check({ scheduledAmpsEndHour: 6 });
	t.true(incompleteEnd.warnings.some((w) => w.includes("incomplete")));

	const noDay = check({ scheduledAmpsMax: 16, scheduledAmpsDaysBitmap: 0 });
	t.true(noDay.warnings.some((w) => w.startsWith("scheduledAmpsDaysBitmap: 0") && w.includes("never active")), noDay.warnings.join("\n"));

	// "Do not charge" that would charge at 16 A (policy Non Scheduled Charging): refused, not warned.
	const action = check({ nonScheduledAction: 2, nonScheduledAmpsMax: 16 });
	t.true(action.errors.some((w) => w.startsWith("nonScheduledAmpsMax: 16 A with nonScheduledAction 2")), action.errors.join("\n"));
	t.true(check({ nonScheduledAction: 2 }, { ...defaultSettings(), nonScheduledAmpsMax: 10 }).errors.length === 1, "either key may complete the contradiction");
	t.deepEqual(check({ nonScheduledAction: 2, nonScheduledAmpsMax: 0 }, { ...defaultSettings(), nonScheduledAmpsMax: 10 }).errors, [], "both in one patch is fine");

	const fine = check({ scheduledAmpsMax: 16, scheduledAmpsStartHour: 22, scheduledAmpsEndHour: 6, scheduledAmpsDaysBitmap: 31 });
	t.deepEqual(fine.warnings, []);
	// Unrelated patches do not repeat warnings about untouched keys.
	const current = { ...defaultSettings(), scheduledAmpsStartHour: 22 };
	t.deepEqual(check({ chargeNowAmps: 0 }, current).warnings, []);
});

// ---- the store ----------------------------------------------------------------------------

test("no saved document: defaults, an info line, nothing written", (t) => {
	const storage = new MemoryStorage();
	const { store, log } = makeStore(storage);
	t.deepEqual(store.load(), []);
	t.deepEqual(store.current, SETTINGS_DEFAULTS);
	t.true(log.at("info").includes("no saved settings; using defaults"));
	store.save();
	t.is(storage.writes, 0, "nothing changed, nothing written");
});

test("update applies, logs the source, saves once, and calls onChange with the changed keys", (t) => {
	const storage = new MemoryStorage();
	const changes: (readonly string[])[] = [];
	const { store, log } = makeStore(storage, (c) => changes.push(c));
	store.load();
	const result = store.update({ chargeNowAmps: "16", chargeNowTimeEnd: 1767225600, chargeStopMode: 1 }, "mqtt");
	t.true(result.ok);
	t.deepEqual(result.changed, ["chargeNowAmps", "chargeNowTimeEnd"], "chargeStopMode was already 1");
	t.deepEqual(changes, [["chargeNowAmps", "chargeNowTimeEnd"]]);
	t.is(store.current.chargeNowAmps, 16);
	t.is(storage.writes, 1);
	t.true(log.at("info").some((m) => m.includes("by mqtt") && m.includes("chargeNowAmps 0 → 16")), log.at("info").join("\n"));

	const again = store.update({ chargeNowAmps: 16 }, "mqtt");
	t.true(again.ok);
	t.deepEqual(again.changed, []);
	t.is(storage.writes, 1, "an update that changes nothing is not saved");
	t.is(changes.length, 1);
	t.throws(() => {
		(store.current as Settings).chargeNowAmps = 1;
	});
	t.is(store.current.chargeNowAmps, 16);
});

test("save and load round trip, with a CRC-32 over the canonical text", (t) => {
	const storage = new MemoryStorage();
	const { store } = makeStore(storage);
	store.load();
	const patch = {
		scheduledAmpsMax: 16,
		scheduledAmpsStartHour: 22.5,
		scheduledAmpsEndHour: 6,
		scheduledAmpsDaysBitmap: 31,
		chargeAuthorizationMode: 2,
		consumptionOffset: { "Wärmepumpe": { value: 1500, unit: "W" } },
		VehicleGroups: { [ALLOW_GROUP]: { Members: [VIN_A] }, [DENY_GROUP]: { Members: [VIN_B] }, Guests: { Members: [VIN_C] } },
		Vehicles: { [VIN_A]: { chargeSessions: 2, startkWh: 1000, totalkWh: 22.5, lastSeen: 1767225600 } },
		homeLat: 52.52,
		homeLon: 13.405,
		timeZone: "CET-1CEST,M3.5.0,M10.5.0/3",
	};
	t.true(store.update(patch, "api").ok);
	const text = storage.files.get("settings.json")!;
	const document = JSON.parse(text);
	t.regex(document._checksum, /^[0-9a-f]{8}$/);
	t.is(text, settingsToText(store.current));

	const second = makeStore(storage);
	t.deepEqual(second.store.load(), []);
	t.deepEqual(second.store.current, store.current);
	t.deepEqual(second.log.at("warn"), []);
	t.deepEqual(second.log.at("error"), []);
	second.store.save();
	t.is(storage.writes, 1, "loading does not rewrite an unchanged document");
});

test("crc32 is the IEEE CRC of the UTF-8 bytes (zlib values)", (t) => {
	t.is(crc32(""), 0);
	t.is(crc32("123456789"), 0xcbf43926);
	t.is(crc32("é"), 0x0e048d3e);
	t.is(crc32("€ 5"), 0xc0335997);
	t.is(crc32("😀"), 0x054db544);
});

test("a checksum mismatch uses the previous copy, with a warn line naming the reason", (t) => {
	const storage = twoVersions({ chargeNowAmps: 10, chargeNowTimeEnd: 1767225600 }, { chargeNowAmps: 20 });
	const main = storage.files.get("settings.json")!;
	t.true(main.includes('"chargeNowAmps": 20'));
	storage.files.set("settings.json", main.replace('"chargeNowAmps": 20', '"chargeNowAmps": 30'));

	const { store, log } = makeStore(storage);
	const problems = store.load();
	t.is(store.current.chargeNowAmps, 10, "the backup's value");
	const warns = log.at("warn");
	t.is(warns.length, 1, warns.join("\n"));
	t.true(warns[0].startsWith("settings.json is corrupt (checksum mismatch"), warns[0]);
	t.true(warns[0].endsWith("; using the previous copy"));
	t.deepEqual(problems, warns);

	// The next save repairs the main file.
	store.save();
	const repaired = makeStore(storage);
	repaired.store.load();
	t.is(repaired.store.current.chargeNowAmps, 10);
	t.deepEqual(repaired.log.at("warn"), []);
});

test("a half-written main file uses the previous copy", (t) => {
	const storage = twoVersions({ scheduledAmpsMax: 12 }, { scheduledAmpsMax: 24 });
	const main = storage.files.get("settings.json")!;
	storage.files.set("settings.json", main.slice(0, Math.floor(main.length / 2)));
	const { store, log } = makeStore(storage);
	store.load();
	t.is(store.current.scheduledAmpsMax, 12);
	const warns = log.at("warn");
	t.is(warns.length, 1);
	t.true(warns[0].startsWith("settings.json is corrupt (not valid JSON: "), warns[0]);
	t.true(warns[0].endsWith("; using the previous copy"));
});

test("main and previous copy both bad: defaults, an error line with both reasons", (t) => {
	const storage = new MemoryStorage();
	storage.files.set("settings.json", '{"chargeNowAmps": 1');
	storage.backups.set("settings.json", "[1, 2]");
	const { store, log } = makeStore(storage);
	const problems = store.load();
	t.deepEqual(store.current, SETTINGS_DEFAULTS);
	const errors = log.at("error");
	t.is(errors.length, 1);
	t.true(errors[0].startsWith("settings.json is corrupt (not valid JSON: "), errors[0]);
	t.true(errors[0].includes("the previous copy is corrupt too (not a JSON object"), errors[0]);
	t.true(errors[0].endsWith("using defaults"));
	t.deepEqual(problems, errors);

	const alone = new MemoryStorage();
	alone.files.set("settings.json", "");
	const second = makeStore(alone);
	second.store.load();
	t.true(second.log.at("error")[0]?.includes("there is no previous copy"));
});

test("a TWCManager settings.json loads: strings for numbers, its extra keys listed once as ignored", (t) => {
	const twcmanager = {
		chargeNowAmps: 0,
		chargeNowTimeEnd: 0,
		chargeStopMode: "1",
		chargeAuthorizationMode: "2",
		homeLat: 52.52,
		homeLon: 13.405,
		hourResumeTrackGreenEnergy: "-1",
		kWhDelivered: 119,
		nonScheduledAction: "3",
		nonScheduledAmpsMax: "0",
		respondToSlaves: 1,
		scheduledAmpsDaysBitmap: 127,
		scheduledAmpsEndHour: 6.0,
		scheduledAmpsMax: "16",
		scheduledAmpsStartHour: 22.5,
		scheduledAmpsFlexStart: false,
		scheduledAmpsBatterySize: 75,
		sendServerTime: 0,
		spikeAmpsProactively: "0",
		sunrise: 6,
		sunset: 20,
		consumptionOffset: { "Heat pump": { value: 1500.0, unit: "W" } },
		VehicleGroups: {
			[ALLOW_GROUP]: { Description: "Built-in Group", "Built-in": 1, Members: [VIN_A.toLowerCase()] },
			[DENY_GROUP]: { Description: "Built-in Group", "Built-in": 1, Members: [] },
		},
		Vehicles: { [VIN_A]: { chargeSessions: 3, startkWh: 1000, totalkWh: 45.5 } },
		SlaveTWCs: { "4142": { supportsVINQuery: 1 } },
		history: [[1700000000, 0]],
		webControlTheme: "Modern",
	};
	const storage = new MemoryStorage();
	storage.files.set("settings.json", JSON.stringify(twcmanager, null, 4));
	const { store, log } = makeStore(storage);
	t.deepEqual(store.load(), []);
	const s = store.current;
	t.is(s.chargeStopMode, 1);
	t.is(s.chargeAuthorizationMode, 2);
	t.is(s.nonScheduledAction, 3);
	t.is(s.scheduledAmpsMax, 16);
	t.is(s.scheduledAmpsStartHour, 22.5);
	t.is(s.scheduledAmpsBatterySize, 75);
	t.false(s.spikeAmpsProactively);
	t.true(s.spikeAmpsReactively, "absent key: default");
	t.deepEqual(s.VehicleGroups[ALLOW_GROUP].Members, [VIN_A]);
	t.deepEqual(s.Vehicles[VIN_A], { chargeSessions: 3, startkWh: 1000, totalkWh: 45.5 });
	t.deepEqual(s.consumptionOffset, { "Heat pump": { value: 1500, unit: "W" } });
	t.deepEqual(log.at("warn"), []);
	const ignored = log.at("info").filter((m) => m.includes("ignored"));
	t.is(ignored.length, 1);
	for (const key of ["kWhDelivered", "respondToSlaves", "sendServerTime", "sunrise", "sunset", "SlaveTWCs", "history", "webControlTheme"]) {
		t.true(ignored[0].includes(key), `${key} listed`);
	}
	t.false(ignored[0].includes("chargeNowAmps"));
});

test("bad keys in the stored document are dropped one by one, each with a reason", (t) => {
	const storage = new MemoryStorage();
	storage.files.set(
		"settings.json",
		JSON.stringify({
			chargeNowAmps: -5,
			scheduledAmpsMax: "12",
			scheduledAmpsBatterySize: 30,
			nonScheduledAction: "sometimes",
			homeLat: 52.52,
			VehicleGroups: { [ALLOW_GROUP]: { Members: [VIN_A, "garbage"] }, [DENY_GROUP]: { Members: [VIN_B] } },
		}),
	);
	const { store, log } = makeStore(storage);
	const problems = store.load();
	const s = store.current;
	t.is(s.chargeNowAmps, 0);
	t.is(s.scheduledAmpsMax, 12);
	t.is(s.scheduledAmpsBatterySize, 100);
	t.is(s.nonScheduledAction, 1);
	t.is(s.homeLat, 52.52);
	t.deepEqual(s.VehicleGroups[ALLOW_GROUP].Members, [VIN_A], "only the bad VIN is dropped");
	t.deepEqual(s.VehicleGroups[DENY_GROUP].Members, [VIN_B]);
	const warns = log.at("warn");
	t.is(warns.length, 4, warns.join("\n"));
	t.true(warns.some((w) => w.startsWith("settings.json: chargeNowAmps: -5 is below 0 (allowed: 0 to 40 A); the default 0 is used")));
	t.true(warns.some((w) => w.startsWith("settings.json: scheduledAmpsBatterySize: 30 is not accepted")));
	t.true(warns.some((w) => w.startsWith('settings.json: nonScheduledAction: "sometimes" is not allowed')));
	t.true(warns.some((w) => w.includes('"garbage" is not a valid VIN') && w.endsWith("VIN dropped")));
	t.deepEqual(problems, warns);
});

test("a VIN in both built-in groups on load is kept denied only", (t) => {
	const storage = new MemoryStorage();
	storage.files.set("settings.json", JSON.stringify({ VehicleGroups: { [ALLOW_GROUP]: { Members: [VIN_A, VIN_C] }, [DENY_GROUP]: { Members: [VIN_A] } } }));
	const { store, log } = makeStore(storage);
	store.load();
	t.deepEqual(store.current.VehicleGroups[ALLOW_GROUP].Members, [VIN_C]);
	t.deepEqual(store.current.VehicleGroups[DENY_GROUP].Members, [VIN_A]);
	t.true(log.at("warn").some((w) => w.includes(`VIN ${VIN_A} is in both`)));
});

test("a write that fails is logged, not thrown; the change holds and the next save retries", (t) => {
	const storage = new MemoryStorage();
	const changes: (readonly string[])[] = [];
	const { store, log } = makeStore(storage, (c) => changes.push(c));
	store.load();
	storage.failWith = "flash full";
	const result = store.update({ nonScheduledAmpsMax: 16 }, "api");
	t.true(result.ok);
	t.is(store.current.nonScheduledAmpsMax, 16);
	t.deepEqual(changes, [["nonScheduledAmpsMax"]]);
	t.true(result.warnings.some((w) => w.includes("flash full")));
	t.regex(result.saveError ?? "", /^the change is NOT saved: could not save settings\.json \(its backup could not be written \(flash full\)/);
	t.is(store.lastSaveError, result.saveError);
	const errors = log.at("error");
	t.is(errors.length, 1);
	t.true(errors[0].startsWith("the change is NOT saved: could not save settings.json (its backup could not be written (flash full)"), errors[0]);
	t.false(storage.files.has("settings.json"));

	storage.failWith = undefined;
	t.is(store.save(), undefined);
	t.is(store.lastSaveError, undefined);
	t.is(storage.writes, 1);
	t.is(JSON.parse(storage.files.get("settings.json")!).nonScheduledAmpsMax, 16);
});

test("a read that throws counts as a corrupt document", (t) => {
	const storage = new MemoryStorage();
	storage.backups.set("settings.json", settingsToText({ ...defaultSettings(), chargeNowAmps: 8 }));
	storage.read = () => {
		throw new Error("I/O error");
	};
	const { store, log } = makeStore(storage);
	store.load();
	t.is(store.current.chargeNowAmps, 8);
	t.true(log.at("warn")[0]?.startsWith("settings.json is corrupt (could not be read: I/O error)"));
});
