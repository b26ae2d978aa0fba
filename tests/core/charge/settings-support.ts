/** Test doubles for the settings store: a Storage in memory and a Log that keeps its lines. */
import type { Log, LogLevel } from "../../../src/platform/log.js";
import type { Storage } from "../../../src/platform/storage.js";

/** Storage in memory: the document and its backup, each written only when asked. */
export class MemoryStorage implements Storage {
	readonly files = new Map<string, string>();
	readonly backups = new Map<string, string>();
	writes = 0;
	backupWrites = 0;
	/** When set, a write of the document / the backup calls it instead (it may throw, or write half). */
	onWrite: ((name: string, text: string) => void) | undefined;
	onWriteBackup: ((name: string, text: string) => void) | undefined;
	read(name: string): string | undefined {
		return this.files.get(name);
	}
	write(name: string, text: string): void {
		if (this.onWrite) return this.onWrite(name, text);
		this.files.set(name, text);
		this.writes++;
	}
	readBackup(name: string): string | undefined {
		return this.backups.get(name);
	}
	writeBackup(name: string, text: string): void {
		if (this.onWriteBackup) return this.onWriteBackup(name, text);
		this.backups.set(name, text);
		this.backupWrites++;
	}
	/** Both copies, to compare before and after. */
	snapshot(): { files: [string, string][]; backups: [string, string][] } {
		return { files: [...this.files], backups: [...this.backups] };
	}
}

export class RecordingLog implements Log {
	readonly lines: { level: LogLevel; topic: string; message: string }[] = [];
	write(level: LogLevel, topic: string, message: string): void {
		this.lines.push({ level, topic, message });
	}
	at(level: LogLevel): string[] {
		return this.lines.filter((l) => l.level === level).map((l) => l.message);
	}
}
