/**
 * TWCManager's scheduled charging window (reference twcmanager-core.md §7,
 * `TWCMaster.checkScheduledCharging`). Flex start (`scheduledAmpsFlexStart`) is not part of this.
 */

export interface ScheduleSettings {
	scheduledAmpsMax: number;
	/** Hours as floats (07:30 = 7.5), −1 = unset. */
	scheduledAmpsStartHour: number;
	scheduledAmpsEndHour: number;
	/** Bit 0 = Monday … bit 6 = Sunday. */
	scheduledAmpsDaysBitmap: number;
}

export interface ScheduleClock {
	hour: number;
	minute: number;
	/** 0 = Monday … 6 = Sunday (Python's tm_wday). */
	weekday: number;
}

/** The settings.json defaults (§5.7): no window, every day. */
export const SCHEDULE_DEFAULTS: Readonly<ScheduleSettings> = Object.freeze({
	scheduledAmpsMax: 0,
	scheduledAmpsStartHour: -1,
	scheduledAmpsEndHour: -1,
	scheduledAmpsDaysBitmap: 0x7f,
});

/** Reads the four settings from settings.json values: missing → §5.7 default, numeric strings → numbers. */
export function readScheduleSettings(settings: Readonly<Record<string, unknown>>): ScheduleSettings {
	const read = (key: keyof ScheduleSettings): number => {
		const raw = settings[key];
		if (raw === undefined || raw === null || raw === "") return SCHEDULE_DEFAULTS[key];
		return typeof raw === "number" ? raw : Number(raw);
	};
	return {
		scheduledAmpsMax: read("scheduledAmpsMax"),
		scheduledAmpsStartHour: read("scheduledAmpsStartHour"),
		scheduledAmpsEndHour: read("scheduledAmpsEndHour"),
		scheduledAmpsDaysBitmap: read("scheduledAmpsDaysBitmap"),
	};
}

/** True while the local time is inside an enabled scheduled-charging window (§7). */
export function isScheduledChargingActive(settings: ScheduleSettings, local: ScheduleClock): boolean {
	const { scheduledAmpsMax: amps, scheduledAmpsStartHour: start, scheduledAmpsEndHour: end, scheduledAmpsDaysBitmap: days } = settings;
	if (!(amps > 0 && start > -1 && end > -1 && days > 0)) return false;
	const hourNow = local.hour + local.minute / 60;
	const dayEnabled = (weekday: number) => (days & (1 << weekday)) !== 0;
	if (start > end) {
		// Crosses midnight: only the day the window starts on must be enabled (§7).
		const yesterday = (local.weekday + 6) % 7;
		return (hourNow >= start && dayEnabled(local.weekday)) || (hourNow < end && dayEnabled(yesterday));
	}
	// start == end gives an empty window: never active.
	return hourNow >= start && hourNow < end && dayEnabled(local.weekday);
}
