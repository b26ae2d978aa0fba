import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Log } from "../src/platform/log.js";
import type { Storage } from "../src/platform/storage.js";

export interface FileStorageOptions {
	/** Directory of the documents; created when missing. */
	dir: string;
	/** Where a stale lock taken over or a leftover temp file removed is reported. */
	log?: Log;
}

/** The lock file in the directory: the PID of the process using it. */
export const LOCK_FILE = "twc-master.lock";

const TOPIC = "storage";

/**
 * Documents as files `<dir>/<name>.json` (or `<dir>/<name>` when the name ends in .json), each
 * copy written atomically (temp file, fsync, rename, fsync of the directory). The backup is
 * `<name>.json.backup`, like TWCManager's settings.json; what goes into it is the caller's choice
 * (`writeBackup`): a storage cannot tell a good document from a rejected one.
 *
 * The directory is locked while the storage is open (`twc-master.lock`, holding the PID): a
 * second instance on the same directory fails at creation with an Error naming the directory; a
 * lock whose process is gone is taken over (logged). `close()` (and the process exit) releases it.
 * Temp files a power cut left behind are removed when the storage opens.
 * Errors other than "no such file" are thrown: the caller decides what a broken disk means.
 */
export class FileStorage implements Storage {
	readonly #dir: string;
	#lock: string | undefined;

	constructor(options: FileStorageOptions) {
		this.#dir = options.dir;
		mkdirSync(this.#dir, { recursive: true });
		this.#lock = takeLock(this.#dir, options.log);
		removeLeftoverTemps(this.#dir, options.log);
	}

	read(name: string): string | undefined {
		return readIfExists(this.#file(name));
	}

	readBackup(name: string): string | undefined {
		return readIfExists(this.#file(name) + ".backup");
	}

	write(name: string, text: string): void {
		this.#writeFile(this.#file(name), text);
	}

	writeBackup(name: string, text: string): void {
		this.#writeFile(this.#file(name) + ".backup", text);
	}

	/** Releases the directory's lock; later writes throw. */
	close(): void {
		if (this.#lock === undefined) return;
		releaseLock(this.#lock);
		this.#lock = undefined;
	}

	#writeFile(file: string, text: string): void {
		if (this.#lock === undefined) throw new Error(`the storage of ${this.#dir} is closed`);
		writeAtomically(file, text);
		syncDirectory(this.#dir);
	}

	#file(name: string): string {
		// Names are plain identifiers: no separators, no "..", no hidden files.
		if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`bad storage name "${name}"`);
		// "settings.json" (SettingsStore's name, TWCManager's file name) is not doubled to settings.json.json.
		return join(this.#dir, name.endsWith(".json") ? name : `${name}.json`);
	}
}

function readIfExists(file: string): string | undefined {
	try {
		return readFileSync(file, "utf8");
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
		throw error;
	}
}

/** Temp file, fsync, rename: the file is the old or the new text, never a mix. A failed write leaves no temp file. */
function writeAtomically(file: string, text: string): void {
	const temp = file + ".tmp";
	try {
		const fd = openSync(temp, "w");
		try {
			writeSync(fd, text);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		renameSync(temp, file);
	} catch (error) {
		removeQuietly(temp);
		throw error;
	}
}

/** Makes the renames durable; directories cannot be opened on Windows, where this is skipped. */
function syncDirectory(dir: string): void {
	let fd: number | undefined;
	try {
		fd = openSync(dir, "r");
		fsyncSync(fd);
	} catch {
		// Best effort.
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

function removeQuietly(file: string): void {
	try {
		unlinkSync(file);
	} catch {
		// Gone already.
	}
}

/** A write cut short by a power cut leaves `<file>.tmp`: never read, removed at the next start. */
function removeLeftoverTemps(dir: string, log: Log | undefined): void {
	for (const entry of readdirSync(dir)) {
		if (!/\.json(\.backup)?\.tmp$/.test(entry)) continue;
		try {
			unlinkSync(join(dir, entry));
			log?.write("info", TOPIC, `removed ${join(dir, entry)}, left by a write that did not finish (power cut or crash)`);
		} catch {
			// Not a file we can remove (e.g. a directory): it is never read anyway.
		}
	}
}

// ---- the directory lock ---------------------------------------------------------------------

/** Locks held by this process, released at exit. */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it runs, under another user.
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}

function takeLock(dir: string, log: Log | undefined): string {
	const file = join(dir, LOCK_FILE);
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			const fd = openSync(file, "wx");
			try {
				writeSync(fd, `${process.pid}\n`);
				fsyncSync(fd);
			} finally {
				closeSync(fd);
			}
			heldLocks.add(file);
			if (!exitHookInstalled) {
				exitHookInstalled = true;
				process.once("exit", () => {
					for (const held of heldLocks) releaseLock(held);
				});
			}
			return file;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
				throw new Error(`cannot lock the settings directory ${dir} (${(error as Error).message})`);
			}
		}
		const text = (readIfExists(file) ?? "").trim();
		const pid = /^\d+$/.test(text) ? Number(text) : undefined;
		if (pid !== undefined && pid > 0 && isRunning(pid)) {
			const who = pid === process.pid ? `this process (PID ${pid}) already has it open` : `PID ${pid}`;
			throw new Error(
				`the settings directory ${dir} is in use by another instance (${who}; lock file ${file}): stop that instance, or give this one its own directory`,
			);
		}
		const what = pid === undefined ? `an unreadable lock (${JSON.stringify(text.slice(0, 20))})` : `a stale lock of PID ${pid}, which is no longer running`;
		log?.write("warn", TOPIC, `${file}: taking over ${what}`);
		removeQuietly(file);
	}
	throw new Error(`cannot lock the settings directory ${dir}: ${file} keeps coming back`);
}

function releaseLock(file: string): void {
	heldLocks.delete(file);
	try {
		// Only our own lock: a lock taken over by another process stays.
		if ((readIfExists(file) ?? "").trim() === String(process.pid)) removeQuietly(file);
	} catch {
		// The directory is gone or unreadable: nothing left to release.
	}
}
