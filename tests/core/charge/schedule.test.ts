import test from "ava";
import { isScheduledChargingActive, readScheduleSettings, type ScheduleSettings } from "../../../src/charge/schedule.js";

const MON = 0;
const TUE = 1;
const SUN = 6;
const MONDAY_ONLY = 1; // bit 0 = Monday (§7)

function window(start: number, end: number, days = 0x7f, amps = 16): ScheduleSettings {
	return { scheduledAmpsMax: amps, scheduledAmpsStartHour: start, scheduledAmpsEndHour: end, scheduledAmpsDaysBitmap: days };
}
const at = (weekday: number, hour: number, minute = 0) => ({ weekday, hour, minute });

test("a window within one day: start inclusive, end exclusive, minutes count", (t) => {
	const s = window(1.5, 7); // 01:30 … 07:00
	t.false(isScheduledChargingActive(s, at(MON, 1, 29)));
	t.true(isScheduledChargingActive(s, at(MON, 1, 30)));
	t.true(isScheduledChargingActive(s, at(MON, 6, 59)));
	t.false(isScheduledChargingActive(s, at(MON, 7, 0)));
});

test("the day bitmap: bit 0 is Monday, bit 6 is Sunday", (t) => {
	t.true(isScheduledChargingActive(window(1, 7, MONDAY_ONLY), at(MON, 3)));
	t.false(isScheduledChargingActive(window(1, 7, MONDAY_ONLY), at(TUE, 3)));
	t.true(isScheduledChargingActive(window(1, 7, 64), at(SUN, 3)));
	t.false(isScheduledChargingActive(window(1, 7, 64), at(MON, 3)));
});

test("a window crossing midnight needs only the day it starts on", (t) => {
	const s = window(22, 6, MONDAY_ONLY);
	t.true(isScheduledChargingActive(s, at(MON, 22)), "Monday evening");
	t.true(isScheduledChargingActive(s, at(MON, 23, 59)));
	t.true(isScheduledChargingActive(s, at(TUE, 0)), "Tuesday morning belongs to Monday's window");
	t.true(isScheduledChargingActive(s, at(TUE, 5, 59)));
	t.false(isScheduledChargingActive(s, at(TUE, 6)));
	t.false(isScheduledChargingActive(s, at(TUE, 22)), "Tuesday's own window is not enabled");
	t.false(isScheduledChargingActive(s, at(MON, 3)), "Monday morning belongs to Sunday's window");
	t.false(isScheduledChargingActive(s, at(MON, 12)));
	// Sunday → Monday wraps the weekday.
	t.true(isScheduledChargingActive(window(22, 6, 64), at(MON, 2)));
});

test("start == end is never active", (t) => {
	for (let hour = 0; hour < 24; hour++) t.false(isScheduledChargingActive(window(8, 8), at(MON, hour)));
});

test("disabled unless amps > 0, start and end set and some day enabled", (t) => {
	const now = at(MON, 3);
	t.true(isScheduledChargingActive(window(1, 7), now));
	t.false(isScheduledChargingActive(window(1, 7, 0x7f, 0), now));
	t.false(isScheduledChargingActive(window(-1, 7), now));
	t.false(isScheduledChargingActive(window(1, -1), now));
	t.false(isScheduledChargingActive(window(1, 7, 0), now));
	t.true(isScheduledChargingActive(window(0, 7), now), "start 0 (midnight) is a valid start");
});

test("settings are read with the §5.7 defaults and numeric strings", (t) => {
	t.deepEqual(readScheduleSettings({}), window(-1, -1, 0x7f, 0));
	t.deepEqual(readScheduleSettings({ scheduledAmpsMax: "16", scheduledAmpsStartHour: 22.5, scheduledAmpsEndHour: "6", scheduledAmpsDaysBitmap: 3 }), window(22.5, 6, 3, 16));
});
