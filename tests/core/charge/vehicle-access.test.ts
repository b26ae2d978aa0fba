import test from "ava";
import { ALLOW_GROUP, checkSettingsPatch, DENY_GROUP, SETTINGS_DEFAULTS, type VehicleGroup, type VehicleRecord } from "../../../src/charge/settings.js";
import { ChargeSessions, checkVinEntitlement, manageGroup } from "../../../src/charge/vehicle-access.js";

const VIN_A = "5YJ3E1EA4KF317001";
const VIN_B = "5YJSA1E29FF100002";
const VIN_C = "7SAYGDEE7PA000003";
const BAD_VIN = "5YJ3E1EA5KF317001";

const T0 = Date.UTC(2026, 0, 5, 18, 0, 0);
const MIN = 60_000;
const SLAVE_1 = 0x4142;
const SLAVE_2 = 0x4344;

function groups(allow: string[] = [], deny: string[] = [], extra: Record<string, VehicleGroup> = {}): Record<string, VehicleGroup> {
	return {
		[ALLOW_GROUP]: { Members: allow, "Built-in": 1 },
		[DENY_GROUP]: { Members: deny, "Built-in": 1 },
		...extra,
	};
}

// ---- entitlement --------------------------------------------------------------------------

test("mode 1: every car charges unless it is in Deny Charging", (t) => {
	const g = groups([], [VIN_B]);
	t.true(checkVinEntitlement(VIN_A, 1, g).allowed);
	const denied = checkVinEntitlement(VIN_B, 1, g);
	t.false(denied.allowed);
	t.true(denied.reason.includes(VIN_B) && denied.reason.includes(DENY_GROUP), denied.reason);
	t.false(checkVinEntitlement(VIN_B.toLowerCase(), 1, g).allowed, "VINs compare without case");
	t.true(checkVinEntitlement(VIN_B, 1, groups([VIN_B], [])).allowed, "Allow Charging does not matter in mode 1");
});

test("mode 2: only cars in Allow Charging charge", (t) => {
	const g = groups([VIN_A], [VIN_B]);
	const allowed = checkVinEntitlement(VIN_A, 2, g);
	t.true(allowed.allowed);
	t.true(allowed.reason.includes(ALLOW_GROUP));
	const stranger = checkVinEntitlement(VIN_C, 2, g);
	t.false(stranger.allowed);
	t.true(stranger.reason.includes(`not in "${ALLOW_GROUP}"`), stranger.reason);
	t.false(checkVinEntitlement(VIN_A, 2, groups([], [])).allowed, "an empty allow list lets nobody charge");
	t.false(checkVinEntitlement(VIN_A, 2, {}).allowed, "missing groups read as empty");
});

test("no VIN is allowed in both modes", (t) => {
	for (const mode of [1, 2] as const) {
		t.deepEqual(checkVinEntitlement("", mode, groups([], [VIN_A])), { allowed: true, reason: "no VIN (not reported by the car)" });
	}
});

// ---- groupMgmt ----------------------------------------------------------------------------

test("groupMgmt add and remove return a new groups object", (t) => {
	const before = groups([], [VIN_B]);
	const added = manageGroup(before, ALLOW_GROUP, "add", VIN_A.toLowerCase());
	t.is(added.error, undefined);
	t.deepEqual(added.groups![ALLOW_GROUP].Members, [VIN_A], "stored upper-case");
	t.deepEqual(before[ALLOW_GROUP].Members, [], "input not changed");
	t.is(added.groups![ALLOW_GROUP]["Built-in"], 1);

	const twice = manageGroup(added.groups!, ALLOW_GROUP, "add", VIN_A);
	t.deepEqual(twice.groups![ALLOW_GROUP].Members, [VIN_A], "no duplicate");

	const removed = manageGroup(added.groups!, ALLOW_GROUP, "remove", VIN_A);
	t.deepEqual(removed.groups![ALLOW_GROUP].Members, []);
	t.deepEqual(added.groups![ALLOW_GROUP].Members, [VIN_A]);

	const custom = manageGroup(groups([], [], { Guests: { Members: [] } }), "Guests", "add", VIN_C);
	t.deepEqual(custom.groups!.Guests.Members, [VIN_C]);

	// The result is a valid VehicleGroups value for the settings.
	t.deepEqual(checkSettingsPatch(SETTINGS_DEFAULTS, { VehicleGroups: added.groups }, { wiringMaxAmpsAllTWCs: 32, minAmpsPerTWC: 6 }).errors, []);
});

test("groupMgmt errors: unknown group or operation, invalid VIN, contradiction, not a member", (t) => {
	const g = groups([VIN_A], [VIN_B]);
	const unknown = manageGroup(g, "Friends", "add", VIN_C);
	t.is(unknown.groups, undefined);
	t.true(unknown.error?.startsWith('unknown group "Friends"'), unknown.error);
	t.true(unknown.error?.includes(`"${ALLOW_GROUP}"`));

	t.true(manageGroup(g, ALLOW_GROUP, "replace", VIN_C).error?.startsWith('unknown operation "replace"'));
	const invalid = manageGroup(g, ALLOW_GROUP, "add", BAD_VIN);
	t.is(invalid.error, `"${BAD_VIN}" is not a valid VIN (17 characters with the ISO 3779 check digit)`);
	t.true(manageGroup(g, ALLOW_GROUP, "add", "").error?.includes("not a valid VIN"));

	const intoAllow = manageGroup(g, ALLOW_GROUP, "add", VIN_B);
	t.is(intoAllow.error, `VIN ${VIN_B} is in "${DENY_GROUP}"; remove it there before adding it to "${ALLOW_GROUP}"`);
	const intoDeny = manageGroup(g, DENY_GROUP, "add", VIN_A);
	t.true(intoDeny.error?.includes(`is in "${ALLOW_GROUP}"`));

	t.is(manageGroup(g, DENY_GROUP, "remove", VIN_C).error, `VIN ${VIN_C} is not in "${DENY_GROUP}"`);
});

// ---- sessions -----------------------------------------------------------------------------

test("a session counts, starts at the meter, and adds the energy at the end", (t) => {
	const sessions = new ChargeSessions();
	const before: Record<string, VehicleRecord> = { [VIN_B]: { chargeSessions: 1, startkWh: 5, totalkWh: 7 } };
	const begun = sessions.begin(SLAVE_1, VIN_A, 1000, T0, before);
	t.deepEqual(begun.vehicles, {
		[VIN_A]: { chargeSessions: 1, startkWh: 1000, totalkWh: 0, lastSeen: T0 / 1000 },
		[VIN_B]: { chargeSessions: 1, startkWh: 5, totalkWh: 7 },
	});
	t.true(begun.note.includes(VIN_A) && begun.note.includes("1000 kWh"), begun.note);
	t.deepEqual(before, { [VIN_B]: { chargeSessions: 1, startkWh: 5, totalkWh: 7 } }, "input not changed");
	t.deepEqual(sessions.active(SLAVE_1), { vin: VIN_A, startkWh: 1000, startedAt: T0 });

	t.deepEqual(sessions.begin(SLAVE_1, VIN_A, 1001, T0 + MIN, begun.vehicles!), { note: "" }, "the same VIN again is the same session");

	const ended = sessions.end(SLAVE_1, 1012.5, T0 + 90 * MIN, begun.vehicles!);
	t.deepEqual(ended.vehicles![VIN_A], { chargeSessions: 1, startkWh: 1000, totalkWh: 12.5, lastSeen: T0 / 1000 + 5400 });
	t.true(ended.note.includes("12.5 kWh delivered") && ended.note.includes("90 min"), ended.note);
	t.is(sessions.active(SLAVE_1), undefined);

	// A second session adds up.
	const again = sessions.begin(SLAVE_1, VIN_A, 1500, T0 + 1440 * MIN, ended.vehicles!);
	t.is(again.vehicles![VIN_A].chargeSessions, 2);
	const second = sessions.end(SLAVE_1, 1520.25, T0 + 1500 * MIN, again.vehicles!);
	t.is(second.vehicles![VIN_A].totalkWh, 32.75);

	t.deepEqual(sessions.end(SLAVE_1, 1600, T0 + 1600 * MIN, second.vehicles!), { note: "" }, "no session: nothing");
});

test("no meter reading at the start: the first reading that follows is the start", (t) => {
	const sessions = new ChargeSessions();
	const begun = sessions.begin(SLAVE_1, VIN_A, undefined, T0, {});
	t.is(begun.vehicles![VIN_A].chargeSessions, 1);
	t.true(begun.note.includes("no meter reading yet"), begun.note);
	t.is(sessions.active(SLAVE_1)?.startkWh, undefined);

	const first = sessions.meter(SLAVE_1, 2000, T0 + MIN, begun.vehicles!);
	t.is(sessions.active(SLAVE_1)?.startkWh, 2000);
	t.is(first.vehicles![VIN_A].startkWh, 2000);
	t.true(first.note.includes("2000 kWh"));
	t.deepEqual(sessions.meter(SLAVE_1, 2003, T0 + 2 * MIN, first.vehicles!), { note: "" }, "later readings do not move the start");

	const ended = sessions.end(SLAVE_1, 2010, T0 + 60 * MIN, first.vehicles!);
	t.is(ended.vehicles![VIN_A].totalkWh, 10);
});

test("the end without a reading uses the last one seen; none at all adds nothing", (t) => {
	const sessions = new ChargeSessions();
	const begun = sessions.begin(SLAVE_1, VIN_A, 100, T0, {});
	sessions.meter(SLAVE_1, 104, T0 + MIN);
	const ended = sessions.end(SLAVE_1, undefined, T0 + 2 * MIN, begun.vehicles!);
	t.is(ended.vehicles![VIN_A].totalkWh, 4);

	const blind = new ChargeSessions();
	const b = blind.begin(SLAVE_2, VIN_B, undefined, T0, {});
	const e = blind.end(SLAVE_2, undefined, T0 + MIN, b.vehicles!);
	t.deepEqual(e.vehicles![VIN_B], { chargeSessions: 1, startkWh: 0, totalkWh: 0, lastSeen: T0 / 1000 + 60 });
	t.true(e.note.includes("no meter reading"), e.note);
});

test("a meter that went backwards or jumped is not counted, with the reason", (t) => {
	const sessions = new ChargeSessions();
	const start: Record<string, VehicleRecord> = { [VIN_A]: { chargeSessions: 4, startkWh: 0, totalkWh: 50 } };
	const begun = sessions.begin(SLAVE_1, VIN_A, 1000, T0, start);
	const back = sessions.end(SLAVE_1, 990, T0 + MIN, begun.vehicles!);
	t.is(back.vehicles![VIN_A].totalkWh, 50);
	t.is(back.vehicles![VIN_A].chargeSessions, 5);
	t.true(back.note.includes("went backwards") && back.note.includes("1000 kWh → 990 kWh"), back.note);

	const again = sessions.begin(SLAVE_1, VIN_A, 1000, T0 + 10 * MIN, back.vehicles!);
	const jump = sessions.end(SLAVE_1, 1250, T0 + 20 * MIN, again.vehicles!);
	t.is(jump.vehicles![VIN_A].totalkWh, 50);
	t.true(jump.note.includes("jumped by 250 kWh"), jump.note);

	const ok = sessions.begin(SLAVE_1, VIN_A, 1000, T0 + 30 * MIN, jump.vehicles!);
	t.is(sessions.end(SLAVE_1, 1200, T0 + 40 * MIN, ok.vehicles!).vehicles![VIN_A].totalkWh, 250, "200 kWh is still believed");
});

test("another VIN on the same unit ends the previous session first; units are independent", (t) => {
	const sessions = new ChargeSessions();
	let vehicles: Record<string, VehicleRecord> = {};
	vehicles = sessions.begin(SLAVE_1, VIN_A, 100, T0, vehicles).vehicles!;
	vehicles = sessions.begin(SLAVE_2, VIN_B, 500, T0, vehicles).vehicles!;
	const swap = sessions.begin(SLAVE_1, VIN_C, 108, T0 + 60 * MIN, vehicles);
	vehicles = swap.vehicles!;
	t.is(vehicles[VIN_A].totalkWh, 8);
	t.is(vehicles[VIN_C].chargeSessions, 1);
	t.is(vehicles[VIN_C].startkWh, 108);
	t.true(swap.note.includes(VIN_A) && swap.note.includes(VIN_C), swap.note);
	t.is(sessions.active(SLAVE_1)?.vin, VIN_C);
	t.is(sessions.active(SLAVE_2)?.vin, VIN_B);

	vehicles = sessions.end(SLAVE_2, 503, T0 + 90 * MIN, vehicles).vehicles!;
	t.is(vehicles[VIN_B].totalkWh, 3);
	t.is(sessions.active(SLAVE_1)?.vin, VIN_C, "the other unit's session goes on");

	// The records the sessions produce are valid settings.
	t.deepEqual(checkSettingsPatch(SETTINGS_DEFAULTS, { Vehicles: vehicles }, { wiringMaxAmpsAllTWCs: 32, minAmpsPerTWC: 6 }).errors, []);
});
