/**
 * The runtime settings: TWCManager's settings.json (reference twcmanager-core.md §5.7, §6, §7),
 * with TWCManager's key names, so the policy engine reads them as `settings.<key>` (§5.3) and a
 * TWCManager settings.json can be read. This file: the shape, the keys, the defaults and the
 * limits. The checks are in settings-checks.ts, the stored text in settings-document.ts, the
 * store (load, save, backup) in settings-store.ts.
 */
import { deepFreeze } from "./settings-data.js";

/** One named consumption offset (§5.6, §9 addConsumptionOffset): watts, or amps via A2W. */
export interface ConsumptionOffset {
	value: number;
	unit: "W" | "A";
}

/** A group of vehicles by VIN (§6). The two built-in groups carry `"Built-in": 1`. */
export interface VehicleGroup {
	Members: string[];
	"Built-in"?: number;
	Description?: string;
}

/** What is kept per VIN (§6 `settings.Vehicles`): sessions and energy delivered. */
export interface VehicleRecord {
	chargeSessions: number;
	/** The wall connector's lifetime meter (kWh) when the last session began. */
	startkWh: number;
	totalkWh: number;
	/** Epoch seconds of the last session start or end. */
	lastSeen?: number;
}

/** settings.json as this controller keeps it (§5.7); keys are TWCManager's. */
export interface Settings {
	/** Charge Now amps (§7); 0 = none. */
	chargeNowAmps: number;
	/** Charge Now end, epoch seconds; 0 = none. */
	chargeNowTimeEnd: number;
	scheduledAmpsMax: number;
	/** Float hours (07:30 = 7.5); −1 = unset (§7). */
	scheduledAmpsStartHour: number;
	scheduledAmpsEndHour: number;
	/** Bit 0 = Monday … bit 6 = Sunday, 0 … 127 (§7). */
	scheduledAmpsDaysBitmap: number;
	scheduledAmpsFlexStart: boolean;
	/** kWh; only > 40 accepted (§5.7). */
	scheduledAmpsBatterySize: number;
	/** −1 = unset, else the hour 0 … 23 (§7). */
	hourResumeTrackGreenEnergy: number;
	/** 1 charge at nonScheduledAmpsMax, 2 do not charge, 3 track green energy (§5.2). */
	nonScheduledAction: 1 | 2 | 3;
	nonScheduledAmpsMax: number;
	/** 1 allowed unless denied, 2 denied unless allowed (§6). */
	chargeAuthorizationMode: 1 | 2;
	/** How charging is stopped (§4.5). */
	chargeStopMode: 1 | 2 | 3;
	/** §3.8. */
	spikeAmpsProactively: boolean;
	spikeAmpsReactively: boolean;
	consumptionOffset: Record<string, ConsumptionOffset>;
	/** Always has "Allow Charging" and "Deny Charging" (§6). */
	VehicleGroups: Record<string, VehicleGroup>;
	Vehicles: Record<string, VehicleRecord>;
	/** Degrees; 10000 = unknown (TWCManager). */
	homeLat: number;
	homeLon: number;
	/** POSIX TZ rule; "" = use config.timeZone. */
	timeZone: string;
}

/** The built-in group of vehicles that may charge (§6, chargeAuthorizationMode 2). */
export const ALLOW_GROUP = "Allow Charging";
/** The built-in group of vehicles that may not charge (§6, chargeAuthorizationMode 1). */
export const DENY_GROUP = "Deny Charging";
/** Latitude/longitude meaning "unknown" (TWCManager, §5.7). */
export const UNKNOWN_POSITION = 10000;

/** The keys of Settings, in the order the stored document lists them. */
export const SETTINGS_KEYS = Object.freeze([
	"chargeNowAmps",
	"chargeNowTimeEnd",
	"scheduledAmpsMax",
	"scheduledAmpsStartHour",
	"scheduledAmpsEndHour",
	"scheduledAmpsDaysBitmap",
	"scheduledAmpsFlexStart",
	"scheduledAmpsBatterySize",
	"hourResumeTrackGreenEnergy",
	"nonScheduledAction",
	"nonScheduledAmpsMax",
	"chargeAuthorizationMode",
	"chargeStopMode",
	"spikeAmpsProactively",
	"spikeAmpsReactively",
	"consumptionOffset",
	"VehicleGroups",
	"Vehicles",
	"homeLat",
	"homeLon",
	"timeZone",
] as const) satisfies readonly (keyof Settings)[];

/** The description a built-in group gets when it has none (§6, TWCMaster.loadSettings). */
export function builtInGroupDescription(name: string): string | undefined {
	if (name === ALLOW_GROUP) return "Built-in Group: vehicles in this group can charge on managed TWCs (chargeAuthorizationMode 2)";
	if (name === DENY_GROUP) return "Built-in Group: vehicles in this group cannot charge on managed TWCs (chargeAuthorizationMode 1)";
	return undefined;
}

/**
 * TWCManager's defaults (§5.7, `TWCMaster.__init__`/`loadSettings`), a fresh mutable object at
 * each call. nonScheduledAction is unset there (the `settings.x` macro reads 0, §5.2); 1 with
 * nonScheduledAmpsMax 0 selects the same policies: "Non Scheduled Charging" at 0 A, i.e. no
 * charging outside green hours.
 *
 * Built here rather than copied from a module-level object: on the device every object made at
 * module load lives in the preloaded, read-only heap, and XS cannot JSON.stringify it.
 */
export function defaultSettings(): Settings {
	return {
		chargeNowAmps: 0,
		chargeNowTimeEnd: 0,
		scheduledAmpsMax: 0,
		scheduledAmpsStartHour: -1,
		scheduledAmpsEndHour: -1,
		scheduledAmpsDaysBitmap: 0x7f,
		scheduledAmpsFlexStart: false,
		scheduledAmpsBatterySize: 100,
		hourResumeTrackGreenEnergy: -1,
		nonScheduledAction: 1,
		nonScheduledAmpsMax: 0,
		chargeAuthorizationMode: 1,
		chargeStopMode: 1,
		spikeAmpsProactively: true,
		spikeAmpsReactively: true,
		consumptionOffset: {},
		// Created on load with "Built-in": 1 (§6, TWCMaster.loadSettings).
		VehicleGroups: {
			[ALLOW_GROUP]: { Members: [], "Built-in": 1, Description: builtInGroupDescription(ALLOW_GROUP) },
			[DENY_GROUP]: { Members: [], "Built-in": 1, Description: builtInGroupDescription(DENY_GROUP) },
		},
		Vehicles: {},
		homeLat: UNKNOWN_POSITION,
		homeLon: UNKNOWN_POSITION,
		timeZone: "",
	};
}

/**
 * The defaults as a frozen object, for code that compares with them. Nothing in the settings
 * files serialises or copies it (on the device it is in the preloaded heap): use defaultSettings().
 */
export const SETTINGS_DEFAULTS: Readonly<Settings> = deepFreeze(defaultSettings());

/** What the amps settings are checked against (config.json, §8). */
export interface SettingsLimits {
	wiringMaxAmpsAllTWCs: number;
	minAmpsPerTWC: number;
}

/** The outcome of SettingsStore.update. `changed` lists the keys whose value differs now. */
export interface PatchResult {
	ok: boolean;
	errors: string[];
	warnings: string[];
	changed: string[];
	/**
	 * Set when the change took effect in memory but could NOT be saved (full disk, flash error):
	 * why, in words for the user. It is lost at the next restart unless a later save succeeds.
	 */
	saveError?: string;
}

/** At most this many consumption offsets (the 21st is refused). */
export const MAX_CONSUMPTION_OFFSETS = 20;
/** A consumption offset in watts is within ± this (100 kW). */
export const MAX_OFFSET_WATTS = 100_000;
/** A consumption offset in amps is within ± this. */
export const MAX_OFFSET_AMPS = 400;
/** chargeNowTimeEnd is refused beyond 2100-01-01T00:00:00Z (epoch seconds). */
export const MAX_CHARGE_NOW_TIME_END = 4_102_444_800;
/** On load, a Charge Now ending more than this many seconds after now is dropped (a week). */
export const MAX_CHARGE_NOW_AHEAD_S = 7 * 24 * 3600;
