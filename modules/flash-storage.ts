/**
 * The core's Storage on the SDK's `file` module: LittleFS on the ESP32's `storage` partition
 * ($(MODULES)/files/file/manifest_littlefs.json), plain files on the lin simulator.
 *
 * The host's promise (host-sim/file-storage.ts): each copy is written atomically. The text goes to
 * `<name>.tmp` first, then `File.rename` puts it in place: LittleFS renames atomically (the old file
 * or the new one survives a power cut, never a mix), and so does rename(2) on lin. The backup is
 * `<name>.backup`, written only when the caller says so (`writeBackup`). Leftover temp files are
 * removed when the storage opens. Errors other than "no such file" are thrown.
 *
 * Names are those the core uses ("settings.json", "config.json"); flash is small, so a document
 * above `maxBytes` is refused both ways. No file is touched at module load (preloaded).
 */
import { Directory, File, Iterator } from "file";
import type { Log } from "platform/log";
import type { Storage } from "platform/storage";

export interface FlashStorageOptions {
	/** The directory, ending in "/": "/" on LittleFS; on lin a directory of its own (the SDK's default is /tmp/). */
	root: string;
	log?: Log;
	/** Largest document written or read (default 16 KiB). */
	maxBytes?: number;
}

export class FlashStorage implements Storage {
	readonly #root: string;
	readonly #maxBytes: number;

	constructor(options: FlashStorageOptions) {
		this.#root = options.root.endsWith("/") ? options.root : options.root + "/";
		this.#maxBytes = options.maxBytes ?? 16 * 1024;
		if (this.#root !== "/") {
			try {
				Directory.create(this.#root);
			} catch (error) {
				throw new Error(`cannot create the storage directory ${this.#root}: ${String(error)}`);
			}
		}
		this.#removeLeftoverTemps(options.log);
	}

	/** The directory the documents are in. */
	get root(): string {
		return this.#root;
	}

	read(name: string): string | undefined {
		return this.#read(this.#path(name));
	}

	readBackup(name: string): string | undefined {
		return this.#read(this.#path(name) + ".backup");
	}

	write(name: string, text: string): void {
		this.#write(this.#path(name), text);
	}

	writeBackup(name: string, text: string): void {
		this.#write(this.#path(name) + ".backup", text);
	}

	#path(name: string): string {
		// Plain names: no separators, no "..", no hidden files.
		if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name) || name.length > 48) throw new Error(`bad storage name "${name}"`);
		return this.#root + name;
	}

	#read(path: string): string | undefined {
		if (!File.exists(path)) return undefined;
		const file = new File(path);
		try {
			const length = file.length;
			if (length > this.#maxBytes) throw new Error(`${path} is ${length} bytes, more than ${this.#maxBytes}`);
			return length === 0 ? "" : file.read(String);
		} finally {
			file.close();
		}
	}

	/** Temp file, then rename: the file is the old or the new text, never a mix. A failed write leaves no temp file. */
	#write(path: string, text: string): void {
		const bytes = ArrayBuffer.fromString(text);
		if (bytes.byteLength > this.#maxBytes) throw new Error(`${path}: ${bytes.byteLength} bytes, more than ${this.#maxBytes}`);
		const temp = path + ".tmp";
		try {
			// The file module opens an existing file without truncating it: start from nothing.
			if (File.exists(temp)) File.delete(temp);
			const file = new File(temp, true);
			try {
				file.write(bytes);
			} finally {
				file.close();
			}
			const name = path.slice(path.lastIndexOf("/") + 1);
			if (!File.rename(temp, name)) throw new Error(`cannot rename ${temp} to ${name}`);
		} catch (error) {
			removeQuietly(temp);
			throw error;
		}
	}

	/** A write cut short by a power cut leaves `<name>.tmp`: never read, removed now. */
	#removeLeftoverTemps(log: Log | undefined): void {
		let entries: Iterator;
		try {
			entries = new Iterator(this.#root);
		} catch {
			return;
		}
		// Names first, then delete: the directory is not changed under the iterator.
		const leftovers: string[] = [];
		for (let entry = entries.next(); entry !== undefined; entry = entries.next()) {
			if (entry.length !== undefined && entry.name.endsWith(".tmp")) leftovers.push(entry.name);
		}
		for (const name of leftovers) {
			removeQuietly(this.#root + name);
			log?.write("info", "storage", `removed ${this.#root}${name}, left by a write that did not finish (power cut or crash)`);
		}
	}
}

function removeQuietly(path: string): void {
	try {
		File.delete(path);
	} catch {
		// Gone already.
	}
}

/**
 * What the master runs on when the flash cannot be opened: nothing is read, every write throws
 * with the reason, so the API says NOT saved instead of pretending (the settings live in RAM).
 */
export class UnavailableStorage implements Storage {
	readonly #reason: string;

	constructor(reason: string) {
		this.#reason = reason;
	}

	read(_name: string): string | undefined {
		return undefined;
	}

	readBackup(_name: string): string | undefined {
		return undefined;
	}

	write(name: string, _text: string): void {
		throw new Error(`${name}: no storage (${this.#reason})`);
	}

	writeBackup(name: string, _text: string): void {
		throw new Error(`${name}: no storage (${this.#reason})`);
	}
}
