/**
 * The settings in memory and their two copies in Storage (reference §8): the document and a
 * backup. Only this store knows what a good document is (it parses, its checksum holds, its
 * values pass the checks), so it alone decides what becomes the backup: always text it wrote
 * from checked settings, never a copy of a file that was rejected. After every successful save
 * the document holds the new settings and the backup the settings before the change, so one
 * damaged file costs at most the last change.
 *
 * A save writes the backup first, then the document (each atomic on the host: temp file, fsync,
 * rename). A failed write (full disk, flash error) stops the save there: the files stay as they
 * were (a written backup holds checked settings, so nothing good is replaced by anything bad),
 * the settings still take effect in memory, and the failure is logged and reported.
 */
import type { Clock } from "../platform/clock.js";
import type { Log } from "../platform/log.js";
import type { Storage } from "../platform/storage.js";
import { checkSettingsDocument, checkSettingsPatch } from "./settings-checks.js";
import { copyData, deepFreeze, hasOwn, isObject, message, show } from "./settings-data.js";
import { canonical, readStoredCopy, settingsToText } from "./settings-document.js";
import { defaultSettings, SETTINGS_KEYS, type PatchResult, type Settings, type SettingsLimits } from "./settings-schema.js";

/** Options of SettingsStore. */
export interface SettingsStoreOptions {
	/** Where the document lives; without one the settings are kept in memory only. */
	storage?: Storage;
	log: Log;
	limits: SettingsLimits;
	/** Document name, default "settings.json". */
	name?: string;
	/** Called after a patch changed something, with the changed keys. */
	onChange?(changed: readonly string[]): void;
	/**
	 * The wall clock. With it, loading drops a chargeNowTimeEnd more than a week ahead (only
	 * once the clock is set: a device starts near 1970 until SNTP).
	 */
	clock?: Pick<Clock, "now">;
}

const TOPIC = "settings";
/** Before this (2024-01-01) the clock is taken as not set yet. */
const CLOCK_SET_AFTER_S = 1_704_067_200;

/** The settings in memory and their document in Storage (§8: atomic write, previous copy kept). */
export class SettingsStore {
	readonly #storage: Storage | undefined;
	readonly #log: Log;
	readonly #limits: SettingsLimits;
	readonly #name: string;
	readonly #onChange: ((changed: readonly string[]) => void) | undefined;
	readonly #clock: Pick<Clock, "now"> | undefined;
	#current: Readonly<Settings>;
	/** The text the document holds as far as we know; undefined when it must be (re)written. */
	#savedText: string | undefined;
	/** Checked settings as text: what the next save puts in the backup (the settings before the change). */
	#goodText: string;
	/** The text the backup holds as far as we know (a rewrite of the same text is skipped). */
	#backupText: string | undefined;
	#lastSaveError: string | undefined;

	constructor(options: SettingsStoreOptions) {
		this.#storage = options.storage;
		this.#log = options.log;
		this.#limits = options.limits;
		this.#name = options.name ?? "settings.json";
		this.#onChange = options.onChange;
		this.#clock = options.clock;
		this.#current = deepFreeze(defaultSettings());
		this.#savedText = settingsToText(this.#current);
		this.#goodText = this.#savedText;
	}

	/** The settings now (deeply frozen: a patch replaces them). */
	get current(): Readonly<Settings> {
		return this.#current;
	}

	/**
	 * Why the last save failed, while the settings in memory differ from the stored ones; undefined
	 * once a save succeeds. The change holds until a restart.
	 */
	get lastSaveError(): string | undefined {
		return this.#lastSaveError;
	}

	/** Reads the stored document (call once at start). Returns the problems found, each also logged. */
	load(): string[] {
		const name = this.#name;
		const storage = this.#storage;
		this.#current = deepFreeze(defaultSettings());
		this.#savedText = settingsToText(this.#current);
		this.#goodText = this.#savedText;
		this.#backupText = undefined;
		this.#lastSaveError = undefined;
		if (!storage) {
			this.#log.write("info", TOPIC, "no storage; settings are kept in memory only");
			return [];
		}
		const main = readStoredCopy(() => storage.read(name));
		if (main.kind === "none") {
			this.#log.write("info", TOPIC, "no saved settings; using defaults");
			return [];
		}
		const problems: string[] = [];
		let document: Record<string, unknown>;
		if (main.kind === "good") {
			document = main.document;
		} else {
			// §8: the previous copy is used when the main file is rejected. The rejected file is
			// never copied anywhere: the next save replaces it with checked settings.
			let backupText: string | undefined;
			const backup = readStoredCopy(() => (backupText = storage.readBackup(name)));
			if (backup.kind !== "good") {
				const why = backup.kind === "none" ? "there is no previous copy" : `the previous copy is corrupt too (${backup.reason})`;
				const line = `${name} is corrupt (${main.reason}) and ${why}; using defaults`;
				this.#log.write("error", TOPIC, line);
				this.#savedText = undefined; // the next save replaces the corrupt file
				return [line];
			}
			this.#backupText = backupText;
			const line = `${name} is corrupt (${main.reason}); using the previous copy`;
			this.#log.write("warn", TOPIC, line);
			problems.push(line);
			document = backup.document;
		}
		const reading = checkSettingsDocument(document, this.#limits, this.#nowSeconds());
		for (const problem of reading.problems) {
			this.#log.write("warn", TOPIC, `${name}: ${problem}`);
			problems.push(`${name}: ${problem}`);
		}
		if (reading.ignored.length > 0) {
			this.#log.write("info", TOPIC, `${name}: ignored, not used by this controller (dropped at the next save): ${reading.ignored.join(", ")}`);
		}
		this.#current = deepFreeze(reading.settings);
		this.#goodText = settingsToText(this.#current);
		this.#savedText = main.kind === "good" ? this.#goodText : undefined;
		return problems;
	}

	/**
	 * Validates and applies a patch, saves, calls onChange. `source` (e.g. "api", "mqtt") goes into
	 * the log line. A change that could not be saved still applies; `saveError` says why it was not saved.
	 */
	update(patch: Readonly<Record<string, unknown>>, source: string): PatchResult {
		const checked = checkSettingsPatch(this.#current, patch, this.#limits);
		if (checked.errors.length > 0) {
			this.#log.write("warn", TOPIC, `change from ${source} refused: ${checked.errors.join("; ")}`);
			return { ok: false, errors: checked.errors, warnings: checked.warnings, changed: [] };
		}
		const before = this.#current;
		const values = checked.values as Record<string, unknown>;
		const changed = SETTINGS_KEYS.filter((key) => hasOwn(values, key) && canonical(values[key]) !== canonical(before[key]));
		const warnings = checked.warnings.slice();
		for (const warning of warnings) this.#log.write("warn", TOPIC, `from ${source}: ${warning}`);
		if (changed.length === 0) return { ok: true, errors: [], warnings, changed: [] };

		const next = copyData(before) as Settings;
		for (const key of changed) (next as unknown as Record<string, unknown>)[key] = copyData(values[key]);
		this.#current = deepFreeze(next);
		const described = changed.map((key) => (isObject(before[key]) ? `${key} (updated)` : `${key} ${show(before[key])} → ${show(values[key])}`));
		this.#log.write("info", TOPIC, `changed by ${source}: ${described.join(", ")}`);
		const failure = this.#write();
		if (failure) warnings.push(failure);
		if (this.#onChange) {
			try {
				this.#onChange(changed);
			} catch (error) {
				this.#log.write("error", TOPIC, `onChange failed after a change by ${source}: ${message(error)}`);
			}
		}
		const result: PatchResult = { ok: true, errors: [], warnings, changed: [...changed] };
		if (failure) result.saveError = failure;
		return result;
	}

	/**
	 * Saves now when the stored document differs (e.g. after Vehicles changed, or a failed write).
	 * Returns why it could not save, or undefined (saved, or nothing to save); never throws.
	 */
	save(): string | undefined {
		return this.#write();
	}

	/** Backup (the checked settings before the change), then the document; a failure is logged and returned. */
	#write(): string | undefined {
		const storage = this.#storage;
		if (!storage) return undefined;
		const text = settingsToText(this.#current);
		if (text === this.#savedText) return undefined;
		const backup = this.#goodText;
		if (backup !== this.#backupText) {
			try {
				storage.writeBackup(this.#name, backup);
			} catch (error) {
				this.#backupText = undefined;
				return this.#failed(`its backup could not be written (${message(error)}); the files are left as they were`);
			}
			this.#backupText = backup;
		}
		try {
			storage.write(this.#name, text);
		} catch (error) {
			return this.#failed(`${message(error)}; the file is left as it was, its backup holds the settings before this change`);
		}
		this.#savedText = text;
		this.#goodText = text;
		if (this.#lastSaveError !== undefined) this.#log.write("info", TOPIC, `${this.#name} saved again`);
		this.#lastSaveError = undefined;
		return undefined;
	}

	#failed(why: string): string {
		const line = `the change is NOT saved: could not save ${this.#name} (${why}); the settings hold in memory until a restart`;
		this.#log.write("error", TOPIC, line);
		this.#lastSaveError = line;
		return line;
	}

	#nowSeconds(): number | undefined {
		if (!this.#clock) return undefined;
		const now = Math.floor(this.#clock.now() / 1000);
		return Number.isFinite(now) && now >= CLOCK_SET_AFTER_S ? now : undefined;
	}
}
