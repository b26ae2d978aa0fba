/**
 * The runtime settings (TWCManager's settings.json, reference twcmanager-core.md §5.7, §6, §7, §8),
 * in five files:
 * - settings-schema.ts: the shape, the keys, the defaults and the limits;
 * - settings-checks.ts: the per-key checks of a patch and of a stored document;
 * - crc32.ts: the CRC-32 of the document's `_checksum`;
 * - settings-document.ts: settings <-> stored text, the checksum, judging a stored copy;
 * - settings-store.ts: SettingsStore (load, save, the backup copy).
 * This file re-exports them for the existing imports.
 */
export { crc32 } from "./crc32.js";
export { checkSettingsDocument, checkSettingsPatch, type DocumentReading } from "./settings-checks.js";
export { settingsToText } from "./settings-document.js";
export {
	ALLOW_GROUP,
	DENY_GROUP,
	defaultSettings,
	MAX_CHARGE_NOW_AHEAD_S,
	MAX_CHARGE_NOW_TIME_END,
	MAX_CONSUMPTION_OFFSETS,
	MAX_OFFSET_AMPS,
	MAX_OFFSET_WATTS,
	SETTINGS_DEFAULTS,
	SETTINGS_KEYS,
	UNKNOWN_POSITION,
	type ConsumptionOffset,
	type PatchResult,
	type Settings,
	type SettingsLimits,
	type VehicleGroup,
	type VehicleRecord,
} from "./settings-schema.js";
export { SettingsStore, type SettingsStoreOptions } from "./settings-store.js";
