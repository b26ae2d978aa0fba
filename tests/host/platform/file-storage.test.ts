import test from "ava";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStorage } from "../../../host-sim/file-storage.js";

function tempDir(t: { teardown(fn: () => void): void }): string {
	const dir = mkdtempSync(join(tmpdir(), "twc-storage-"));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

test("creates the directory; read/readBackup are undefined until something is written", (t) => {
	const dir = join(tempDir(t), "nested", "settings");
	const storage = new FileStorage({ dir });
	t.is(storage.read("settings"), undefined);
	t.is(storage.readBackup("settings"), undefined);
	storage.write("settings", '{"v":1}');
	t.is(readFileSync(join(dir, "settings.json"), "utf8"), '{"v":1}');
	t.is(storage.read("settings"), '{"v":1}');
	t.is(storage.readBackup("settings"), undefined, "nothing was replaced yet");
});

test("each write keeps the replaced copy as <name>.json.backup and leaves no temp file", (t) => {
	const dir = tempDir(t);
	const storage = new FileStorage({ dir });
	storage.write("settings", '{"v":1}');
	storage.write("settings", '{"v":2}');
	t.is(storage.read("settings"), '{"v":2}');
	t.is(storage.readBackup("settings"), '{"v":1}');
	storage.write("settings", '{"v":3}');
	t.is(storage.readBackup("settings"), '{"v":2}');
	t.deepEqual(readdirSync(dir).sort(), ["settings.json", "settings.json.backup"]);
	t.is(readFileSync(join(dir, "settings.json.backup"), "utf8"), '{"v":2}');
});

test("a half-written main file: the caller can still read the backup, and the next write keeps it", (t) => {
	const dir = tempDir(t);
	const storage = new FileStorage({ dir });
	storage.write("settings", '{"chargeNowAmps":0}');
	storage.write("settings", '{"chargeNowAmps":16}');
	// Something (a crash, an editor) leaves the main file cut short.
	writeFileSync(join(dir, "settings.json"), '{"chargeNow');
	const text = storage.read("settings")!;
	t.throws(() => JSON.parse(text));
	t.is(storage.readBackup("settings"), '{"chargeNowAmps":0}');
	// Saving again must not put the broken file in the backup's place.
	storage.write("settings", '{"chargeNowAmps":20}');
	t.is(storage.read("settings"), '{"chargeNowAmps":20}');
	t.is(storage.readBackup("settings"), '{"chargeNowAmps":0}');
});

test("a stale temp file from a crash is harmless", (t) => {
	const dir = tempDir(t);
	const storage = new FileStorage({ dir });
	storage.write("settings", '{"v":1}');
	writeFileSync(join(dir, "settings.json.tmp"), '{"v":"partial');
	t.is(storage.read("settings"), '{"v":1}');
	storage.write("settings", '{"v":2}');
	t.is(storage.read("settings"), '{"v":2}');
	t.false(existsSync(join(dir, "settings.json.tmp")));
});

test("documents are independent; names cannot escape the directory", (t) => {
	const storage = new FileStorage({ dir: tempDir(t) });
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
	const storage = new FileStorage({ dir: tempDir(t) });
	storage.write("names", '{"car":"Zoë ⚡"}');
	t.is(storage.read("names"), '{"car":"Zoë ⚡"}');
});
