/**
 * Settings checks against hostile or out-of-range input (issue 8 item 3): offset names that every
 * JavaScript object has, offset bounds and count, amps above the wiring limit in a stored
 * document, and a Charge Now that would never end.
 */
import test from "ava";
import {
	checkSettingsPatch,
	defaultSettings,
	SettingsStore,
	settingsToText,
	type SettingsLimits,
} from "../../../src/charge/settings.js";
import { MemoryStorage, RecordingLog } from "./settings-support.js";

const LIMITS: SettingsLimits = { wiringMaxAmpsAllTWCs: 40, minAmpsPerTWC: 6 };
const NOW_MS = Date.UTC(2026, 5, 21, 10, 0);
const NOW_S = NOW_MS / 1000;
const DAY = 86400;

function check(patch: Record<string, unknown>) {
	return checkSettingsPatch(defaultSettings(), patch, LIMITS);
}

/** A store loading `document` (as a JSON object text), with the clock at `nowMs`. */
function load(document: Record<string, unknown> | string, nowMs: number | undefined = NOW_MS) {
	const storage = new MemoryStorage();
	storage.files.set("settings.json", typeof document === "string" ? document : JSON.stringify(document));
	const log = new RecordingLog();
	const store = new SettingsStore({ storage, log, limits: LIMITS, clock: nowMs === undefined ? undefined : { now: () => nowMs } });
	const problems = store.load();
	return { store, problems, log, storage };
}

// ---- consumption offsets --------------------------------------------------------------------

test("offset names __proto__, constructor, toString are refused by name; nothing else changes", (t) => {
	for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
		// As the API receives it: JSON text, where "__proto__" is an ordinary key.
		const patch = JSON.parse(`{"consumptionOffset": {"Heat pump": {"value": 1500, "unit": "W"}, ${JSON.stringify(name)}: {"value": 500, "unit": "W"}}}`);
		const result = check(patch);
		t.deepEqual(result.errors, [`consumptionOffset: name ${JSON.stringify(name)} is not allowed (reserved: every JavaScript object has it)`], name);
		t.deepEqual(result.values, {});
	}
	const storage = new MemoryStorage();
	const store = new SettingsStore({ storage, log: new RecordingLog(), limits: LIMITS });
	store.load();
	const result = store.update(JSON.parse('{"consumptionOffset": {"__proto__": {"value": 500, "unit": "W"}}}'), "api");
	t.false(result.ok, "not silently accepted as an empty list");
	t.deepEqual(Object.keys(store.current.consumptionOffset), []);
	t.is(Object.getPrototypeOf(store.current.consumptionOffset), Object.prototype);
});

test("a stored document with an offset named constructor or __proto__: that offset dropped with a reason, the others kept", (t) => {
	const { store, problems } = load('{"consumptionOffset": {"constructor": {"value": 100, "unit": "W"}, "__proto__": {"value": 200, "unit": "W"}, "Pool": {"value": 300, "unit": "W"}}}');
	t.deepEqual(store.current.consumptionOffset, { Pool: { value: 300, unit: "W" } });
	t.deepEqual(problems, [
		'settings.json: consumptionOffset: name "constructor" is not allowed (reserved: every JavaScript object has it); entry dropped',
		'settings.json: consumptionOffset: name "__proto__" is not allowed (reserved: every JavaScript object has it); entry dropped',
	]);
});

test("a group named __proto__ or toString is refused", (t) => {
	const result = check(JSON.parse('{"VehicleGroups": {"__proto__": {"Members": []}}}'));
	t.deepEqual(result.errors, ['VehicleGroups: group name "__proto__" is not allowed (reserved: every JavaScript object has it)']);
	t.deepEqual(check({ VehicleGroups: { toString: { Members: [] } } }).errors, ['VehicleGroups: group name "toString" is not allowed (reserved: every JavaScript object has it)']);
});

test("offset values are bounded: ±100 kW in W, ±400 A in A", (t) => {
	t.deepEqual(check({ consumptionOffset: { a: { value: 100000, unit: "W" }, b: { value: -100000, unit: "W" }, c: { value: 400, unit: "A" }, d: { value: -400, unit: "A" } } }).errors, []);
	t.deepEqual(check({ consumptionOffset: { Pool: { value: 100001, unit: "W" } } }).errors, ["consumptionOffset.Pool.value: 100001 W is not allowed (allowed: -100000 to 100000 W, not 0)"]);
	t.deepEqual(check({ consumptionOffset: { Pool: { value: -1e308, unit: "W" } } }).errors, ["consumptionOffset.Pool.value: -1e+308 W is not allowed (allowed: -100000 to 100000 W, not 0)"]);
	t.deepEqual(check({ consumptionOffset: { Pool: { value: 401, unit: "A" } } }).errors, ["consumptionOffset.Pool.value: 401 A is not allowed (allowed: -400 to 400 A, not 0)"]);
	const { store, problems } = load({ consumptionOffset: { Big: { value: 5e6, unit: "W" }, Small: { value: 250, unit: "W" } } });
	t.deepEqual(store.current.consumptionOffset, { Small: { value: 250, unit: "W" } });
	t.deepEqual(problems, ["settings.json: consumptionOffset.Big.value: 5000000 W is not allowed (allowed: -100000 to 100000 W, not 0); entry dropped"]);
});

test("at most 20 offsets: the 21st is refused with the limit named; a stored document keeps the first 20", (t) => {
	const offsets: Record<string, unknown> = {};
	for (let i = 1; i <= 20; i++) offsets[`Load ${i}`] = { value: i * 10, unit: "W" };
	t.deepEqual(check({ consumptionOffset: offsets }).errors, []);
	offsets["Load 21"] = { value: 210, unit: "W" };
	t.deepEqual(check({ consumptionOffset: offsets }).errors, ['consumptionOffset: "Load 21" would be offset number 21 (allowed: at most 20 offsets)']);
	const { store, problems } = load({ consumptionOffset: offsets });
	t.is(Object.keys(store.current.consumptionOffset).length, 20);
	t.false("Load 21" in store.current.consumptionOffset);
	t.deepEqual(problems, ['settings.json: consumptionOffset: "Load 21" would be offset number 21 (allowed: at most 20 offsets); entry dropped']);
});

// ---- amps above the wiring limit ------------------------------------------------------------

test("a TWCManager settings.json with nonScheduledAmpsMax 90 on a 40 A circuit: clamped to 40 A with a warning, not 0 A", (t) => {
	const { store, problems } = load({ nonScheduledAction: "1", nonScheduledAmpsMax: "90", scheduledAmpsMax: 48, chargeNowAmps: 64, chargeNowTimeEnd: NOW_S + 3600 });
	const s = store.current;
	t.is(s.nonScheduledAmpsMax, 40);
	t.is(s.scheduledAmpsMax, 40);
	t.is(s.chargeNowAmps, 40);
	t.deepEqual(problems, [
		"settings.json: nonScheduledAmpsMax: 90 A is above wiringMaxAmpsAllTWCs (40); 40 A is used",
		"settings.json: scheduledAmpsMax: 48 A is above wiringMaxAmpsAllTWCs (40); 40 A is used",
		"settings.json: chargeNowAmps: 64 A is above wiringMaxAmpsAllTWCs (40); 40 A is used",
	]);
});

test("a patch above the wiring limit is still refused", (t) => {
	t.deepEqual(check({ nonScheduledAmpsMax: 90 }).errors, ["nonScheduledAmpsMax: 90 is above wiringMaxAmpsAllTWCs (40)"]);
});

// ---- chargeNowTimeEnd -----------------------------------------------------------------------

test("chargeNowTimeEnd beyond the year 2100 (1e308 = forever) is refused, in a patch and on load", (t) => {
	t.deepEqual(check({ chargeNowAmps: 16, chargeNowTimeEnd: 1e308 }).errors, [
		"chargeNowTimeEnd: 1e+308 is beyond the year 2100 (allowed: 0 for none, or epoch seconds up to 4102444800)",
	]);
	t.deepEqual(check({ chargeNowTimeEnd: "Infinity" }).errors, ['chargeNowTimeEnd: "Infinity" is not a time (allowed: 0 for none, or epoch seconds)']);
	t.deepEqual(check({ chargeNowTimeEnd: 4102444800 }).errors, []);
	// Without a clock (or before it is set) only the 2100 bound applies.
	const { store, problems } = load({ chargeNowAmps: 16, chargeNowTimeEnd: 1e308 }, undefined);
	t.is(store.current.chargeNowTimeEnd, 0);
	t.is(problems[0], "settings.json: chargeNowTimeEnd: 1e+308 is beyond the year 2100 (allowed: 0 for none, or epoch seconds up to 4102444800); the default 0 is used");
});

test("on load, a Charge Now ending more than a week ahead is dropped with a problem; within a week it is kept", (t) => {
	const far = load({ chargeNowAmps: 16, chargeNowTimeEnd: NOW_S + 30 * DAY });
	t.is(far.store.current.chargeNowTimeEnd, 0);
	t.is(far.problems[0], `settings.json: chargeNowTimeEnd: ${NOW_S + 30 * DAY} ends 30 days from now (allowed: at most 7 days ahead); the default 0 is used`);
	const near = load({ chargeNowAmps: 16, chargeNowTimeEnd: NOW_S + 7 * DAY });
	t.is(near.store.current.chargeNowTimeEnd, NOW_S + 7 * DAY);
	t.deepEqual(near.problems, []);
	// A device before SNTP reads 1970: the week is not checked then.
	const unset = load({ chargeNowAmps: 16, chargeNowTimeEnd: NOW_S + 30 * DAY }, 5000);
	t.is(unset.store.current.chargeNowTimeEnd, NOW_S + 30 * DAY);
});

test("a stored document over the limits is rewritten clean at the next save", (t) => {
	const { store, storage } = load({ nonScheduledAmpsMax: 90, chargeNowTimeEnd: 1e308 });
	t.true(store.update({ scheduledAmpsMax: 10 }, "api").ok);
	const saved = storage.files.get("settings.json")!;
	t.is(saved, settingsToText(store.current));
	t.is(JSON.parse(saved).nonScheduledAmpsMax, 40);
	t.is(JSON.parse(saved).chargeNowTimeEnd, 0);
});
