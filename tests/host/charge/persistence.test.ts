/**
 * Settings survive a restart (reference §8): the whole controller on the host's FileStorage in a
 * temporary directory, changed through the API, then a new App on the same directory. A settings
 * file cut short falls back to the previous copy; both broken fall back to the defaults; each
 * with the reason in the log. A rejected file never becomes the backup; a full disk loses nothing
 * on disk and says the change was not saved.
 */
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStorage } from "../../../host-sim/file-storage.js";
import { Harness, RecordingLog, utc } from "./harness.js";

const VIN_A = "5YJ3E1EA4KF317001";
const VIN_B = "5YJSA1E29FF100002";
const CET = "CET-1CEST,M3.5.0,M10.5.0/3";
const START = utc(2026, 6, 21, 10, 0);

function tempDir(t: { teardown(fn: () => void): void }): string {
	const dir = mkdtempSync(join(tmpdir(), "twc-settings-"));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

/** The FileStorage of each running Harness: the directory stays locked until `shutdown`. */
const storages = new WeakMap<Harness, FileStorage>();

/** A controller on the settings in `dir`; the clock starts at `startMs`. */
function boot(dir: string, startMs = START, log?: RecordingLog) {
	const storage = new FileStorage({ dir });
	try {
		const h = new Harness({ slaves: 1, startMs, storage, log, noStart: true, car: { vin: VIN_A } });
		storages.set(h, storage);
		return h;
	} catch (error) {
		storage.close();
		throw error;
	}
}

/** Stops the controller and releases its settings directory, as the CLI does at exit. */
function shutdown(h: Harness): void {
	h.stop();
	storages.get(h)?.close();
}

/** Changes one of everything through the API, as a user would. */
function configure(h: Harness, t: { is(a: unknown, b: unknown, m?: string): void }): void {
	const ok = (r: { status: number; json: unknown }, status: number, what: string) => t.is(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
	ok(h.post("/api/chargeNow", { chargeNowRate: 24, chargeNowDuration: 7200 }), 200, "chargeNow");
	ok(h.post("/api/setScheduledChargingSettings", { enabled: true, amps: 16, startingMinute: 22 * 60 + 30, endingMinute: 6 * 60, saturday: true, sunday: true }), 202, "schedule");
	ok(h.post("/api/setSetting", { setting: "nonScheduledAction", value: "3" }), 204, "nonScheduledAction");
	ok(h.post("/api/setSetting", { setting: "chargeAuthorizationMode", value: 2 }), 204, "chargeAuthorizationMode");
	ok(h.request("POST", "/vehicle/groupMgmt", `group=Allow+Charging&operation=add&vin=${VIN_A}`, "application/x-www-form-urlencoded"), 200, "allow");
	ok(h.request("POST", "/vehicle/groupMgmt", `group=Deny+Charging&operation=add&vin=${VIN_B}`, "application/x-www-form-urlencoded"), 200, "deny");
	ok(h.post("/api/setSetting", { setting: "timeZone", value: CET }), 204, "timeZone");
	ok(h.post("/api/setLatLon", { lat: 52.52, lon: 13.405 }), 204, "location");
	ok(h.post("/api/setSetting", { setting: "chargeStopMode", value: "3" }), 204, "chargeStopMode");
}

test("Charge Now, schedule, nonScheduledAction, VIN groups, time zone and location survive a restart", (t) => {
	const dir = tempDir(t);
	const first = boot(dir);
	configure(first, t);
	const before = first.get("/api/v1/settings").json;
	shutdown(first);
	t.deepEqual(readdirSync(dir).filter((f) => !f.endsWith(".backup")), ["settings.json"], "TWCManager's file name, nothing else left behind");

	const second = boot(dir, START + 60_000);
	t.deepEqual(second.get("/api/v1/settings").json, before, "every setting back");
	const status = second.get("/api/getStatus").json;
	t.is(status.chargeNowAmps, 24);
	t.is(status.chargeNowTimeEnd, Math.floor(START / 1000) + 7200);
	t.like(status.ScheduledCharging, { enabled: true, amps: 16, startingMinute: 1350, endingMinute: 360, saturday: true, sunday: true, monday: false });
	const s = second.app.settings.current;
	t.is(s.nonScheduledAction, 3);
	t.is(s.chargeAuthorizationMode, 2);
	t.deepEqual(s.VehicleGroups["Allow Charging"].Members, [VIN_A]);
	t.deepEqual(s.VehicleGroups["Deny Charging"].Members, [VIN_B]);
	t.is(s.chargeStopMode, 3);
	// The time zone and location are in use, not just stored.
	const state = second.state();
	t.is(state.time.timeZone, CET);
	t.regex(state.time.local, /^2026-06-21 12:01/, "10:01 UTC is 12:01 CEST");
	t.regex(state.policy.sun.source, /at 52\.520, 13\.405$/);
	// Charge Now is still running after the restart.
	second.app.start();
	second.waitLinked();
	second.advance(10_000);
	t.is(second.get("/api/getStatus").json.currentPolicy, "Charge Now");
	t.is(second.lastOffer(0), 24);
	shutdown(second);
});

test("a settings.json cut short: the previous copy is used and the reason logged", (t) => {
	const dir = tempDir(t);
	const first = boot(dir);
	configure(first, t);
	// One more change: the backup now holds everything but this.
	t.is(first.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 12 }).status, 204);
	shutdown(first);
	const file = join(dir, "settings.json");
	const text = readFileSync(file, "utf8");
	writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));

	const log = new RecordingLog();
	const second = boot(dir, START + 60_000, log);
	const warned = log.find(/^settings\.json is corrupt \(not valid JSON: .*\); using the previous copy$/, "warn");
	t.is(warned.length, 1, log.text());
	t.true(second.app.problems.some((p) => p.startsWith("settings.json is corrupt (not valid JSON")), "also listed among the problems");
	const s = second.app.settings.current;
	t.is(s.nonScheduledAmpsMax, 0, "the last change was only in the lost file");
	t.is(s.chargeNowAmps, 24, "the rest is back from the previous copy");
	t.is(s.timeZone, CET);
	t.deepEqual(s.VehicleGroups["Allow Charging"].Members, [VIN_A]);
	// The next change repairs the file.
	t.is(second.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 10 }).status, 204);
	t.is(JSON.parse(readFileSync(file, "utf8")).nonScheduledAmpsMax, 10);
	shutdown(second);
	const third = boot(dir, START + 120_000, new RecordingLog());
	t.is(third.app.settings.current.nonScheduledAmpsMax, 10);
	t.is(third.app.settings.current.chargeNowAmps, 24);
	shutdown(third);
});

test("settings.json and its previous copy both corrupt: defaults, with an error in the log", (t) => {
	const dir = tempDir(t);
	const first = boot(dir);
	configure(first, t);
	shutdown(first);
	writeFileSync(join(dir, "settings.json"), '{"chargeNowAmps": 24, "chargeNowTimeEnd"');
	const backup = join(dir, "settings.json.backup");
	writeFileSync(backup, readFileSync(backup, "utf8").replace(/"chargeNowAmps": \d+/, '"chargeNowAmps": 39'));

	const log = new RecordingLog();
	const second = boot(dir, START + 60_000, log);
	const errors = log.find(/^settings\.json is corrupt \(not valid JSON: .*\) and the previous copy is corrupt too \(checksum mismatch: .*\); using defaults$/, "error");
	t.is(errors.length, 1, log.text());
	const s = second.app.settings.current;
	t.is(s.chargeNowAmps, 0);
	t.is(s.nonScheduledAction, 1);
	t.is(s.chargeAuthorizationMode, 1);
	t.deepEqual(s.VehicleGroups["Allow Charging"].Members, []);
	t.is(s.timeZone, "");
	second.app.start();
	second.waitLinked();
	second.advance(5000);
	t.is(second.get("/api/getStatus").json.currentPolicy, "Track Green Energy", "10:00 UTC, defaults: daytime green tracking (no readings: 0 A)");
	t.is(second.lastOffer(0), 0);
	shutdown(second);
});

test("a hand-edited settings.json never becomes the backup: edit, restart, change through the API, truncate, restart: the last good settings, not defaults", (t) => {
	const dir = tempDir(t);
	const first = boot(dir);
	configure(first, t);
	t.is(first.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 12 }).status, 204);
	shutdown(first);
	// A value edited by hand: the checksum no longer matches, the file is rejected.
	const file = join(dir, "settings.json");
	const text = readFileSync(file, "utf8");
	t.true(text.includes('"chargeStopMode": 3'));
	writeFileSync(file, text.replace('"chargeStopMode": 3', '"chargeStopMode": 2'));

	const log = new RecordingLog();
	const second = boot(dir, START + 60_000, log);
	t.true(second.app.problems.some((p) => /^settings\.json is corrupt \(checksum mismatch: .*\); using the previous copy$/.test(p)), second.app.problems.join("\n"));
	t.is(second.app.settings.current.chargeStopMode, 3, "the previous copy, not the edit");
	t.is(second.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 10 }).status, 204);
	shutdown(second);
	const backup = readFileSync(join(dir, "settings.json.backup"), "utf8");
	t.false(backup.includes('"chargeStopMode": 2'), "the rejected file is not the backup");

	// One more damaged file: settings.json cut short.
	writeFileSync(file, readFileSync(file, "utf8").slice(0, 50));
	const third = boot(dir, START + 120_000, new RecordingLog());
	t.true(third.app.problems.some((p) => /^settings\.json is corrupt \(not valid JSON: .*\); using the previous copy$/.test(p)), third.app.problems.join("\n"));
	const s = third.app.settings.current;
	t.is(s.chargeNowAmps, 24, "not the default 0");
	t.is(s.nonScheduledAction, 3);
	t.is(s.chargeAuthorizationMode, 2);
	t.is(s.chargeStopMode, 3);
	t.is(s.timeZone, CET);
	t.deepEqual(s.VehicleGroups["Allow Charging"].Members, [VIN_A]);
	t.deepEqual(s.VehicleGroups["Deny Charging"].Members, [VIN_B]);
	t.is(s.nonScheduledAmpsMax, 0, "only the last change is lost");
	shutdown(third);
});

test("a power cut during a write leaves a half-written temp file: ignored, removed at the next start, the settings load", (t) => {
	const dir = tempDir(t);
	const first = boot(dir);
	configure(first, t);
	shutdown(first);
	const good = readFileSync(join(dir, "settings.json"), "utf8");
	// The cut came while the backup (or the document) was being written: only the temp file is partial.
	writeFileSync(join(dir, "settings.json.backup.tmp"), good.slice(0, 80));
	writeFileSync(join(dir, "settings.json.tmp"), good.slice(0, 30));

	const second = boot(dir, START + 60_000, new RecordingLog());
	t.deepEqual(second.app.problems, []);
	t.is(second.app.settings.current.chargeNowAmps, 24);
	t.is(second.app.settings.current.chargeStopMode, 3);
	t.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "the temp files are gone");
	shutdown(second);
});

test("a full disk: the change takes effect, the answer says it was NOT saved and why, both files stay as they were", (t) => {
	if (!existsSync("/dev/full")) {
		t.pass("no /dev/full on this system");
		return;
	}
	const dir = tempDir(t);
	const h = boot(dir);
	configure(h, t);
	const file = join(dir, "settings.json");
	const before = { main: readFileSync(file, "utf8"), backup: readFileSync(file + ".backup", "utf8") };
	// Every byte written to /dev/full fails with ENOSPC, as on a full disk (root ignores read-only directories).
	symlinkSync("/dev/full", file + ".backup.tmp");
	const answer = h.post("/api/v1/settings", { nonScheduledAmpsMax: 8 });
	t.is(answer.status, 200, "the change is not refused");
	const notSaved = (answer.json.warnings as string[]).find((w) => w.startsWith("the change is NOT saved: could not save settings.json"));
	t.truthy(notSaved, JSON.stringify(answer.json));
	t.regex(notSaved!, /ENOSPC/);
	t.is(h.app.settings.lastSaveError, notSaved);
	t.is(h.app.settings.current.nonScheduledAmpsMax, 8, "in effect");
	t.is(readFileSync(file, "utf8"), before.main);
	t.is(readFileSync(file + ".backup", "utf8"), before.backup);
	t.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temp file left");

	// The document write fails after the backup was written: the document is still the old one.
	symlinkSync("/dev/full", file + ".tmp");
	const again = h.post("/api/v1/settings", { nonScheduledAmpsMax: 9 });
	t.is(again.status, 200);
	t.true((again.json.warnings as string[]).some((w) => w.startsWith("the change is NOT saved") && w.includes("ENOSPC")));
	t.is(readFileSync(file, "utf8"), before.main);
	// TWCManager's setSetting answers 204 when saved; not saved, it says so instead of a bare 204.
	for (const temp of [file + ".tmp", file + ".backup.tmp"]) if (!existsSync(temp)) symlinkSync("/dev/full", temp);
	const viaTwcManager = h.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 7 });
	t.is(viaTwcManager.status, 200);
	t.is(viaTwcManager.json.saved, false);
	t.true((viaTwcManager.json.warnings as string[]).some((w) => w.startsWith("the change is NOT saved")));
	t.true(h.app.problems.some((p) => p.startsWith("the change is NOT saved") && p.includes("ENOSPC")), "listed among the problems");

	// The master keeps running; once there is room the next change saves everything.
	for (const temp of [file + ".tmp", file + ".backup.tmp"]) rmSync(temp, { force: true });
	h.app.start();
	h.waitLinked();
	h.advance(5000);
	t.is(h.get("/api/getStatus").status, 200);
	t.is(h.post("/api/v1/settings", { nonScheduledAmpsMax: 10 }).status, 200);
	t.is(h.app.settings.lastSaveError, undefined);
	t.false(h.app.problems.some((p) => p.startsWith("the change is NOT saved")));
	t.is(JSON.parse(readFileSync(file, "utf8")).nonScheduledAmpsMax, 10);
	shutdown(h);
});
