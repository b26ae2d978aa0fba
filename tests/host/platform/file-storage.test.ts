import test from "ava";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStorage, LOCK_FILE } from "../../../host-sim/file-storage.js";
import type { Log } from "../../../src/platform/log.js";
import { recordingLog } from "./helpers.js";

function tempDir(t: { teardown(fn: () => void): void }): string {
	const dir = mkdtempSync(join(tmpdir(), "twc-storage-"));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

/** A FileStorage on `dir`, closed (its lock released) when the test ends. */
function open(t: { teardown(fn: () => void): void }, dir: string, log?: Log): FileStorage {
	const storage = new FileStorage({ dir, log });
	t.teardown(() => storage.close());
	return storage;
}

test("creates the directory; read/readBackup are undefined until something is written", (t) => {
	const dir = join(tempDir(t), "nested", "settings");
	const storage = open(t, dir);
	t.is(storage.read("settings"), undefined);
	t.is(storage.readBackup("settings"), undefined);
	storage.write("settings", '{"v":1}');
	t.is(readFileSync(join(dir, "settings.json"), "utf8"), '{"v":1}');
	t.is(storage.read("settings"), '{"v":1}');
	t.is(storage.readBackup("settings"), undefined, "no backup until one is written");
});

test("write replaces only the document, writeBackup only the backup; no temp file is left", (t) => {
	const dir = tempDir(t);
	const storage = open(t, dir);
	storage.write("settings", '{"v":1}');
	storage.write("settings", '{"v":2}');
	t.is(storage.read("settings"), '{"v":2}');
	t.is(storage.readBackup("settings"), undefined, "the storage does not choose the backup");
	storage.writeBackup("settings", '{"v":1}');
	t.is(storage.readBackup("settings"), '{"v":1}');
	storage.write("settings", '{"v":3}');
	t.is(storage.readBackup("settings"), '{"v":1}');
	t.deepEqual(readdirSync(dir).sort(), ["settings.json", "settings.json.backup", LOCK_FILE]);
	t.is(readFileSync(join(dir, "settings.json.backup"), "utf8"), '{"v":1}');
});

test("a broken main file is never copied anywhere by the storage", (t) => {
	const dir = tempDir(t);
	const storage = open(t, dir);
	storage.write("settings", '{"chargeNowAmps":16}');
	storage.writeBackup("settings", '{"chargeNowAmps":0}');
	// Something (a crash, an editor) leaves the main file cut short.
	writeFileSync(join(dir, "settings.json"), '{"chargeNow');
	t.throws(() => JSON.parse(storage.read("settings")!));
	storage.write("settings", '{"chargeNowAmps":20}');
	t.is(storage.read("settings"), '{"chargeNowAmps":20}');
	t.is(storage.readBackup("settings"), '{"chargeNowAmps":0}');
});

test("temp files left by a power cut are never read and are removed when the storage opens", (t) => {
	const dir = tempDir(t);
	const first = open(t, dir);
	first.write("settings", '{"v":1}');
	first.writeBackup("settings", '{"v":0}');
	first.close();
	writeFileSync(join(dir, "settings.json.tmp"), '{"v":"partial');
	writeFileSync(join(dir, "settings.json.backup.tmp"), '{"v":"par');
	const log = recordingLog();
	const storage = open(t, dir, log);
	t.is(storage.read("settings"), '{"v":1}');
	t.is(storage.readBackup("settings"), '{"v":0}');
	t.false(existsSync(join(dir, "settings.json.tmp")));
	t.false(existsSync(join(dir, "settings.json.backup.tmp")));
	t.is(log.entries.filter(([level, , message]) => level === "info" && /left by a write that did not finish/.test(message)).length, 2);
	storage.write("settings", '{"v":2}');
	t.is(storage.read("settings"), '{"v":2}');
});

test("documents are independent; names cannot escape the directory", (t) => {
	const storage = open(t, tempDir(t));
	storage.write("a", "[1]");
	storage.write("b", "[2]");
	t.is(storage.read("a"), "[1]");
	t.is(storage.read("b"), "[2]");
	for (const bad of ["../x", "a/b", "", ".hidden", "a\\b"]) {
		t.throws(() => storage.write(bad, "{}"), { message: /bad storage name/ });
		t.throws(() => storage.read(bad), { message: /bad storage name/ });
	}
});

test("unicode text survives the round trip", (t) => {
	const storage = open(t, tempDir(t));
	storage.write("names", '{"car":"Zoë ⚡"}');
	t.is(storage.read("names"), '{"car":"Zoë ⚡"}');
});
