import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Storage } from "../src/platform/storage.js";

export interface FileStorageOptions {
	/** Directory of the documents; created when missing. */
	dir: string;
}

/**
 * Documents as files `<dir>/<name>.json` (or `<dir>/<name>` when the name ends in .json), written atomically (temp file, fsync, rename) with the
 * replaced copy kept as `<name>.json.backup`, like TWCManager's settings.json.
 * Errors other than "no such file" are thrown: the caller decides what a broken disk means.
 */
export class FileStorage implements Storage {
	#dir: string;

	constructor(options: FileStorageOptions) {
		this.#dir = options.dir;
	}

	read(name: string): string | undefined {
		return readIfExists(this.#file(name));
	}

	readBackup(name: string): string | undefined {
		return readIfExists(this.#file(name) + ".backup");
	}

	write(name: string, text: string): void {
		const file = this.#file(name);
		mkdirSync(this.#dir, { recursive: true });
		const current = readIfExists(file);
		// A main file that does not parse (cut short by a crash or an editor) must not replace a good backup.
		if (current !== undefined && parses(current)) writeAtomically(file + ".backup", current);
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

function writeAtomically(file: string, text: string): void {
	const temp = file + ".tmp";
	const fd = openSync(temp, "w");
	try {
		writeSync(fd, text);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	renameSync(temp, file);
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

function parses(text: string): boolean {
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}
