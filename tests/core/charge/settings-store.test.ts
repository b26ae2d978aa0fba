/**
 * SettingsStore and its two copies (reference §8): a rejected document never becomes the backup,
 * every successful save leaves a second good copy, a power cut or a full disk loses nothing that
 * was saved, and nothing stringifies a module-level (on the device: preloaded, read-only) object.
 */
import test from "ava";
import * as crcModule from "../../../src/charge/crc32.js";
import * as checksModule from "../../../src/charge/settings-checks.js";
import * as documentModule from "../../../src/charge/settings-document.js";
import * as schemaModule from "../../../src/charge/settings-schema.js";
import * as storeModule from "../../../src/charge/settings-store.js";
import * as settingsModule from "../../../src/charge/settings.js";
import { checkSettingsPatch, defaultSettings, SettingsStore, settingsToText, type Settings, type SettingsLimits } from "../../../src/charge/settings.js";
import type { Storage } from "../../../src/platform/storage.js";
import { MemoryStorage, RecordingLog } from "./settings-support.js";

const LIMITS: SettingsLimits = { wiringMaxAmpsAllTWCs: 40, minAmpsPerTWC: 6 };
const NAME = "settings.json";
const END = 1767225600; // 2026-01-01

function open(storage: Storage | undefined) {
	const log = new RecordingLog();
	const store = new SettingsStore({ storage, log, limits: LIMITS });
	const problems = store.load();
	return { store, log, problems };
}

function apply(store: SettingsStore, patch: Record<string, unknown>) {
	const result = store.update(patch, "test");
	if (!result.ok) throw new Error(`patch refused: ${result.errors.join("; ")}`);
	return result;
}

/** The copy is a document this store accepts: it parses and its checksum holds. */
function isGoodCopy(text: string | undefined): boolean {
	if (text === undefined) return false;
	const storage = new MemoryStorage();
	storage.files.set(NAME, text);
	const { problems } = open(storage);
	return problems.every((p) => !p.includes("is corrupt"));
}

/** Settings saved twice: { chargeNowAmps 10 … } then scheduledAmpsMax 16. */
function savedTwice(): MemoryStorage {
	const storage = new MemoryStorage();
	const { store } = open(storage);
	apply(store, { chargeNowAmps: 10, chargeNowTimeEnd: END, timeZone: "CET-1CEST,M3.5.0,M10.5.0/3" });
	apply(store, { scheduledAmpsMax: 16 });
	return storage;
}

test("a hand-edited settings.json is never made the backup: save, damage the main file, the last good values load", (t) => {
	const storage = savedTwice();
	// Hand-edit a value: the checksum no longer matches.
	storage.files.set(NAME, storage.files.get(NAME)!.replace('"scheduledAmpsMax": 16', '"scheduledAmpsMax": 20'));
	const edited = storage.files.get(NAME)!;

	const first = open(storage);
	t.regex(first.problems[0], /^settings\.json is corrupt \(checksum mismatch: .*\); using the previous copy$/);
	t.is(first.store.current.chargeNowAmps, 10, "the previous copy's values");
	t.is(first.store.current.scheduledAmpsMax, 0);
	const result = apply(first.store, { nonScheduledAmpsMax: 8 });
	t.is(result.saveError, undefined);
	t.not(storage.backups.get(NAME), edited, "the rejected document is not the backup");
	t.true(isGoodCopy(storage.backups.get(NAME)), "the backup is a good document");
	t.true(isGoodCopy(storage.files.get(NAME)));

	// One more damaged file: the main one cut short.
	storage.files.set(NAME, storage.files.get(NAME)!.slice(0, 40));
	const second = open(storage);
	t.regex(second.problems[0], /^settings\.json is corrupt \(not valid JSON: .*\); using the previous copy$/);
	const s = second.store.current;
	t.is(s.chargeNowAmps, 10, "not the default 0");
	t.is(s.chargeNowTimeEnd, END);
	t.is(s.timeZone, "CET-1CEST,M3.5.0,M10.5.0/3");
	t.is(s.nonScheduledAmpsMax, 0, "only the last change is lost");
});

test("after every successful save a second good copy is on disk, holding the settings before the change", (t) => {
	const storage = new MemoryStorage();
	const { store } = open(storage);
	const steps: Record<string, unknown>[] = [{ chargeNowAmps: 12, chargeNowTimeEnd: END }, { scheduledAmpsMax: 20 }, { homeLat: 52.52, homeLon: 13.405 }];
	let before: Readonly<Settings> = store.current;
	for (const patch of steps) {
		apply(store, patch);
		t.true(isGoodCopy(storage.files.get(NAME)));
		t.true(isGoodCopy(storage.backups.get(NAME)), `backup good after ${JSON.stringify(patch)}`);
		// The backup alone brings back the settings before this change.
		const alone = new MemoryStorage();
		alone.files.set(NAME, "");
		alone.backups.set(NAME, storage.backups.get(NAME)!);
		t.deepEqual(open(alone).store.current, before);
		before = store.current;
	}
});

test("a power cut while the backup is written: the main file is untouched and loads", (t) => {
	const storage = savedTwice();
	const main = storage.files.get(NAME)!;
	const { store } = open(storage);
	// A medium that is not atomic: half the backup is written, then the power goes.
	storage.onWriteBackup = (name, text) => {
		storage.backups.set(name, text.slice(0, Math.floor(text.length / 2)));
		throw new Error("power cut");
	};
	const result = store.update({ nonScheduledAmpsMax: 8 }, "api");
	t.true(result.ok);
	t.regex(result.saveError ?? "", /NOT saved.*power cut/);
	t.is(storage.files.get(NAME), main, "the main file was not touched");
	storage.onWriteBackup = undefined;

	const after = open(storage);
	t.deepEqual(after.problems, []);
	t.is(after.store.current.chargeNowAmps, 10);
	t.is(after.store.current.scheduledAmpsMax, 16);
});

test("a power cut while the main file is written: the backup holds the settings before the change", (t) => {
	const storage = savedTwice();
	const { store } = open(storage);
	storage.onWrite = (name, text) => {
		storage.files.set(name, text.slice(0, Math.floor(text.length / 3)));
		throw new Error("power cut");
	};
	t.regex(store.update({ nonScheduledAmpsMax: 8 }, "api").saveError ?? "", /NOT saved/);
	storage.onWrite = undefined;

	const after = open(storage);
	t.regex(after.problems[0], /^settings\.json is corrupt \(not valid JSON.*using the previous copy$/);
	t.is(after.store.current.chargeNowAmps, 10);
	t.is(after.store.current.scheduledAmpsMax, 16, "the last saved settings, not defaults");
});

test("a full disk: both files stay as they were, the change holds in memory and is reported as not saved; a later save succeeds", (t) => {
	const storage = savedTwice();
	const { store, log } = open(storage);
	const before = storage.snapshot();
	const full = () => {
		throw new Error("ENOSPC: no space left on device, write");
	};
	storage.onWrite = full;
	storage.onWriteBackup = full;
	const changes: string[] = [];
	const result = store.update({ nonScheduledAmpsMax: 8 }, "api");
	changes.push(...result.changed);
	t.true(result.ok, "the change is not refused");
	t.deepEqual(changes, ["nonScheduledAmpsMax"]);
	t.is(store.current.nonScheduledAmpsMax, 8, "in effect");
	t.is(result.saveError, "the change is NOT saved: could not save settings.json (its backup could not be written (ENOSPC: no space left on device, write); the files are left as they were); the settings hold in memory until a restart");
	t.true(result.warnings.includes(result.saveError!));
	t.is(store.lastSaveError, result.saveError);
	t.deepEqual(log.at("error"), [result.saveError]);
	t.deepEqual(storage.snapshot(), before, "nothing on disk changed");

	// Only the document write fails: the backup then holds the settings before the change.
	storage.onWriteBackup = undefined;
	t.regex(store.save() ?? "", /^the change is NOT saved: could not save settings\.json \(ENOSPC: no space left on device, write; the file is left as it was/);
	t.deepEqual(storage.files.get(NAME), before.files[0][1], "the document is unchanged");
	t.true(isGoodCopy(storage.backups.get(NAME)));

	storage.onWrite = undefined;
	t.is(store.save(), undefined);
	t.is(store.lastSaveError, undefined);
	t.is(open(storage).store.current.nonScheduledAmpsMax, 8);
	t.true(log.at("info").includes("settings.json saved again"));
});

test("a retried save does not rewrite a backup that already holds the right text", (t) => {
	const storage = savedTwice();
	const { store } = open(storage);
	storage.onWrite = () => {
		throw new Error("I/O error");
	};
	store.update({ nonScheduledAmpsMax: 8 }, "api");
	const backupWrites = storage.backupWrites;
	storage.onWrite = undefined;
	store.save();
	t.is(storage.backupWrites, backupWrites, "flash is not worn by the same text twice");
	t.is(storage.writes, 3);
});

// ---- preloaded (read-only) module objects -------------------------------------------------

/** Every object reachable from the exports of the settings modules: what XS preloads read-only. */
function moduleObjects(): Set<object> {
	const found = new Set<object>();
	const walk = (value: unknown) => {
		if ((typeof value !== "object" && typeof value !== "function") || value === null || found.has(value)) return;
		if (typeof value === "object") found.add(value);
		if (typeof value === "function") return; // classes and functions are not data
		for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key]);
	};
	for (const module of [crcModule, checksModule, documentModule, schemaModule, storeModule, settingsModule]) {
		for (const key of Object.keys(module)) walk((module as Record<string, unknown>)[key]);
	}
	return found;
}

function deepFreeze(value: unknown): void {
	if (typeof value !== "object" || value === null) return;
	Object.freeze(value);
	for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}

/** Runs `body` with JSON.stringify failing, as XS does, on any module-level object in its argument. */
function asOnTheDevice(preloaded: Set<object>, body: () => void): string[] {
	const seen: string[] = [];
	const original = JSON.stringify;
	const contains = (value: unknown, path: string, depth: number): void => {
		if (typeof value !== "object" || value === null || depth > 20) return;
		if (preloaded.has(value)) {
			seen.push(path);
			throw new TypeError(`read only value (in stringify): ${path}`);
		}
		for (const key of Object.keys(value)) contains((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
	};
	const guarded = function (this: unknown, value: unknown, ...rest: unknown[]) {
		contains(value, "value", 0);
		return (original as (...args: unknown[]) => string).call(JSON, value, ...rest);
	} as typeof JSON.stringify;
	JSON.stringify = guarded;
	try {
		body();
	} finally {
		JSON.stringify = original;
	}
	return seen;
}

test("preloaded defaults: the store constructs, loads, saves and applies a patch without stringifying a module-level object", (t) => {
	const preloaded = moduleObjects();
	for (const object of preloaded) deepFreeze(object);
	t.true(preloaded.size > 0);
	const storage = new MemoryStorage();
	const seen = asOnTheDevice(preloaded, () => {
		const log = new RecordingLog();
		const store = new SettingsStore({ storage, log, limits: LIMITS });
		t.deepEqual(store.load(), []);
		t.deepEqual(store.current, defaultSettings());
		const result = store.update({ chargeNowAmps: 16, chargeNowTimeEnd: END, VehicleGroups: { Guests: { Members: ["5YJ3E1EA4KF317001"] } } }, "api");
		t.true(result.ok, result.errors.join("; "));
		t.is(result.saveError, undefined);
		t.is(store.save(), undefined);
		// Load what was saved, and a rejected main file with its backup.
		const again = new SettingsStore({ storage, log, limits: LIMITS });
		t.deepEqual(again.load(), []);
		t.is(again.current.chargeNowAmps, 16);
		storage.files.set(NAME, "{");
		t.is(new SettingsStore({ storage, log, limits: LIMITS }).load().length, 1);
		t.deepEqual(checkSettingsPatch(defaultSettings(), { scheduledAmpsMax: 12 }, LIMITS).errors, []);
		t.is(typeof settingsToText(defaultSettings()), "string");
	});
	t.deepEqual(seen, [], "no module-level object reached JSON.stringify");
	const fresh = defaultSettings();
	fresh.VehicleGroups["Allow Charging"].Members.push("5YJ3E1EA4KF317001");
	t.deepEqual(defaultSettings().VehicleGroups["Allow Charging"].Members, [], "defaultSettings() builds a fresh object each call");
});
