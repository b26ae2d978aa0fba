/**
 * One instance per settings directory: FileStorage locks the directory (a lock file holding the
 * PID); a second one fails with an Error naming the directory; a lock left by a process that is
 * gone is taken over (and logged); the lock goes with close() and with the process.
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FileStorage, LOCK_FILE } from "../../../host-sim/file-storage.js";
import { createNodePlatform } from "../../../host-sim/node-platform.js";
import type { BytePort } from "../../../src/platform/byte-port.js";
import { recordingLog } from "./helpers.js";

const nullBus: BytePort = { listen() {}, write: () => false, close() {} };

function tempDir(t: { teardown(fn: () => void): void }): string {
	const dir = mkdtempSync(join(tmpdir(), "twc-lock-"));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

/** The PID of a process that has already exited. */
function deadPid(): number {
	const child = spawnSync(process.execPath, ["-e", ""]);
	return child.pid!;
}

test("a second storage on the same directory fails, naming the directory; after close() it opens", (t) => {
	const dir = tempDir(t);
	const first = new FileStorage({ dir });
	t.teardown(() => first.close());
	t.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
	const error = t.throws(() => new FileStorage({ dir }));
	t.true(error!.message.startsWith(`the settings directory ${dir} is in use by another instance`), error!.message);
	first.write("settings", "{}");
	first.close();
	t.false(existsSync(join(dir, LOCK_FILE)), "released");
	t.throws(() => first.write("settings", "{}"), { message: `the storage of ${dir} is closed` });
	const second = new FileStorage({ dir });
	t.is(second.read("settings"), "{}");
	second.close();
});

test("a lock whose process is gone is stale: taken over, with a warning in the log", (t) => {
	const dir = tempDir(t);
	const pid = deadPid();
	writeFileSync(join(dir, LOCK_FILE), `${pid}\n`);
	const log = recordingLog();
	const storage = new FileStorage({ dir, log });
	t.teardown(() => storage.close());
	t.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
	t.deepEqual(log.entries, [["warn", "storage", `${join(dir, LOCK_FILE)}: taking over a stale lock of PID ${pid}, which is no longer running`]]);
});

test("a lock held by another running process: refused with its PID and the directory", async (t) => {
	const dir = tempDir(t);
	const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
	t.teardown(() => {
		child.kill();
	});
	await new Promise((done) => child.once("spawn", done));
	writeFileSync(join(dir, LOCK_FILE), `${child.pid}\n`);
	const error = t.throws(() => new FileStorage({ dir }));
	t.is(
		error!.message,
		`the settings directory ${dir} is in use by another instance (PID ${child.pid}; lock file ${join(dir, LOCK_FILE)}): stop that instance, or give this one its own directory`,
	);
	t.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(child.pid), "its lock is left alone");
});

test("creating a second platform on the same settings directory fails; close() releases it", (t) => {
	const dir = tempDir(t);
	const log = recordingLog();
	const first = createNodePlatform({ bus: nullBus, log, storageDir: dir });
	let closed = false;
	t.teardown(() => {
		if (!closed) first.close();
	});
	t.throws(() => createNodePlatform({ bus: nullBus, log, storageDir: dir }), {
		message: new RegExp(`^the settings directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is in use by another instance`),
	});
	first.close();
	closed = true;
	t.false(existsSync(join(dir, LOCK_FILE)));
	const second = createNodePlatform({ bus: nullBus, log, storageDir: dir });
	second.close();
});

test("the lock goes with the process when it exits without close()", (t) => {
	const dir = tempDir(t);
	const module = pathToFileURL(resolve("host-sim/file-storage.ts")).href;
	const script = `const { FileStorage } = await import(${JSON.stringify(module)}); new FileStorage({ dir: ${JSON.stringify(dir)} }); console.log("locked"); process.exit(0);`;
	const child = spawnSync(process.execPath, ["--import=tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
	t.is(child.stdout.trim(), "locked", child.stderr);
	t.false(existsSync(join(dir, LOCK_FILE)));
	const storage = new FileStorage({ dir });
	storage.close();
});
