/**
 * Bad input end to end (issue 3): the host's clock stepping back and forward in the middle of a
 * Charge Now, settings that contradict each other or the wiring, a custom policy with an unknown
 * macro, a wall connector reporting nonsense amps. Whatever comes in, no unit is offered more than
 * its caps, the offers add up to at most wiringMaxAmpsAllTWCs, and the timers keep their length.
 */
import test from "ava";
import { Harness } from "./harness.js";

/** Checks, every second for `ms`, what the units hold against the caps; and that every unit hears the master. */
function watch(h: Harness, t: { true(v: boolean, m?: string): void }, ms: number, caps = [32, 32], total = 40, maxSilenceMs = 2500): void {
	const lastBeat = h.world.units.map((u) => u.lastHeartbeatAt ?? h.clock.now());
	h.run(ms, 1000, (now) => {
		const held = h.world.units.map((u) => u.limitAmps);
		held.forEach((a, i) => t.true(a <= caps[i], `unit ${i} holds ${a} A, above its cap of ${caps[i]} A`));
		const sum = held.reduce((a, b) => a + b, 0);
		t.true(sum <= total, `the units hold ${sum} A, above wiringMaxAmpsAllTWCs (${total})`);
		h.world.units.forEach((u, i) => {
			const at = u.lastHeartbeatAt ?? lastBeat[i];
			t.true(now - at <= maxSilenceMs, `unit ${i} has heard no heartbeat for ${(now - at) / 1000} s`);
		});
	});
}

test("the clock steps back 1 h in the middle of a Charge Now: heartbeats go on, the caps hold, the minimum off time is not stretched", (t) => {
	const h = new Harness({ slaves: 2 });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	watch(h, t, 60_000);
	t.is(h.lastOffer(0), 20);
	const endBefore = h.get("/api/getStatus").json.chargeNowTimeEnd;

	h.stepClock(-3600_000);
	watch(h, t, 30_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Charge Now", "Charge Now goes on (its end is a wall-clock time)");
	t.is(h.get("/api/getStatus").json.chargeNowTimeEnd, endBefore);
	for (const i of [0, 1]) t.true(Math.abs(h.carAmps(i) - 20) < 0.01, `car ${i} still charges (${h.carAmps(i)} A)`);

	// A stop, then the clock steps back again during the minimum off time: it still ends 60 s after the stop.
	h.post("/api/cancelChargeNow");
	h.advance(2000);
	const stopped = h.clock.now();
	t.is(h.lastOffer(0), 0);
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	h.advance(10_000);
	h.stepClock(-3600_000);
	h.advance(5000);
	const why = h.why(0);
	t.is(why.boundBy, "minimum off time");
	const left = why.timers.find((x) => x.name === "minimum off time")!.secondsLeft;
	t.true(left <= 60 - 15 + 1, `${left} s left, not an hour more`);
	watch(h, t, 60_000);
	t.true(h.offersTo(0, stopped).some((f) => f.amps === 20 && f.at - stopped < 63_000), "offered again about 60 s after the stop");
	t.true(Math.abs(h.carAmps(0) - 20) < 0.01);
	h.stop();
});

test("the clock steps forward 3 h in the middle of a Charge Now: the caps hold, the policy and the timers follow the new time, charging resumes", (t) => {
	const h = new Harness({ slaves: 2 });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 5 * 3600 });
	watch(h, t, 60_000);
	const end = h.get("/api/getStatus").json.chargeNowTimeEnd;

	h.stepClock(3 * 3600_000);
	// A step forward counts as time that passed: the slaves look silent for 3 h, are dropped and relink.
	watch(h, t, 3 * 60_000, [32, 32], 40, 60_000);
	const status = h.get("/api/getStatus").json;
	t.is(status.currentPolicy, "Charge Now", "2 h of Charge Now are left");
	t.is(status.chargeNowTimeEnd, end);
	t.is(h.linked(), 2);
	for (const i of [0, 1]) {
		t.is(h.lastOffer(i), 20);
		t.true(Math.abs(h.carAmps(i) - 20) < 0.01, `car ${i} charges again (${h.carAmps(i)} A)`);
	}
	watch(h, t, 60_000);

	// And it ends at its (wall-clock) end.
	h.stepClock(2 * 3600_000 - 5 * 60_000);
	h.advance(10_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	h.stop();
});

test("contradictory or out-of-range settings through /api/setSetting: 400 naming the key, nothing changed", (t) => {
	const h = new Harness({ slaves: 1 });
	h.waitLinked();
	const set = (setting: string, value: unknown) => h.post("/api/setSetting", { setting, value });
	t.is(set("nonScheduledAmpsMax", 10).status, 204);

	const cases: [string, unknown, RegExp][] = [
		// "Do not charge" while the Non Scheduled Charging policy would still offer 10 A.
		["nonScheduledAction", 2, /^nonScheduledAmpsMax: 10 A with nonScheduledAction 2 \(do not charge\): the Non Scheduled Charging policy would still charge at 10 A/],
		["chargeNowAmps", 50, /^chargeNowAmps: 50 is above wiringMaxAmpsAllTWCs \(40\)$/],
		["scheduledAmpsMax", -3, /^scheduledAmpsMax: -3 is below 0/],
		["scheduledAmpsStartHour", 24, /^scheduledAmpsStartHour: 24 is not an hour/],
		["nonScheduledAction", "sometimes", /^nonScheduledAction: "sometimes" is not allowed \(allowed: 1 charge at nonScheduledAmpsMax, 2 do not charge, 3 track green energy\)$/],
		["chargeStopMode", 4, /^chargeStopMode: 4 is not allowed/],
		["timeZone", "Mars/Olympus", /^timeZone: "Mars\/Olympus" is not a POSIX TZ rule/],
		["homeLat", 123, /^homeLat: 123 is not allowed: latitude must be a number from -90 to 90/],
		["VehicleGroups", { "Allow Charging": { Members: ["5YJ3E1EA4KF317001"] }, "Deny Charging": { Members: ["5YJ3E1EA4KF317001"] } }, /^VehicleGroups: VIN 5YJ3E1EA4KF317001 is in both "Allow Charging" and "Deny Charging"$/],
		["chargeNowAmpz", 10, /^chargeNowAmpz: unknown setting \(known: chargeNowAmps, /],
	];
	const before = h.get("/api/v1/settings").json;
	for (const [setting, value, error] of cases) {
		const r = set(setting, value);
		t.is(r.status, 400, `${setting} = ${JSON.stringify(value)}`);
		t.regex(r.json.error, error);
	}
	t.deepEqual(h.get("/api/v1/settings").json, before, "nothing changed");
	t.is(h.post("/api/setSetting", { value: 3 }).status, 400, "no setting named");

	// The way out the message gives: amps to 0 first, or both at once.
	t.is(set("nonScheduledAmpsMax", 0).status, 204);
	t.is(set("nonScheduledAction", 2).status, 204);
	const both = h.post("/api/v1/settings", { nonScheduledAction: 1, nonScheduledAmpsMax: 8 });
	t.is(both.status, 200);
	t.is(h.post("/api/v1/settings", { nonScheduledAction: 2, nonScheduledAmpsMax: 0 }).status, 200);
	h.advance(35_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	t.is(h.lastOffer(0), 0, "do not charge means 0 A");
	h.stop();
});

test("a custom policy with an unknown macro is left out with a clear warning; the other custom policies work", (t) => {
	const policy = {
		extend: {
			before: [
				{ name: "Typo", match: ["tm_hours"], condition: ["eq"], value: [0], charge_amps: 32 },
				{ name: "Midnight", match: ["tm_hour"], condition: ["eq"], value: [0], charge_amps: 12 },
			],
		},
	};
	const h = new Harness({ slaves: 1, document: { policy } });
	t.true(h.configWarnings.some((w) => w === 'policy error: policy.extend.before[0] "Typo": unknown macro "tm_hours"'), h.configWarnings.join("\n"));
	t.true(h.configWarnings.some((w) => w === 'policy.extend.before[0] "Typo": left out because of the errors above; the other policies are used'));
	t.true(h.app.problems.some((p) => p.includes('"Typo": unknown macro "tm_hours"')), "the problem is shown in the status");
	h.waitLinked();
	t.true(h.state().problems.some((p: string) => p.includes("tm_hours")));
	const names = (h.get("/api/getPolicy").json as { name: string }[]).map((p) => p.name);
	t.false(names.includes("Typo"));
	t.true(names.includes("Midnight"));
	h.advance(5000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Midnight", "00:00 UTC: the good custom policy is in force");
	t.is(h.lastOffer(0), 12);
	h.stop();
});

test("a wall connector reporting nonsense amps (300 A on a 32 A unit): warned, counted at its cap, every offer within the caps", (t) => {
	const h = new Harness({ slaves: 2, perUnit: [{ reportAmps: (amps) => (amps > 1 ? 300 : amps) }, {}] });
	h.world.units[1].unplug();
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	watch(h, t, 60_000);
	t.true(h.log.find(/reports 300 A, above its 32 A maximum: the report is implausible and counted as 32 A/, "warn").length >= 1);
	t.is(h.slaveTwc(0).reportedAmpsActual, 300, "getSlaveTWCs shows what the unit said");
	t.true(Math.abs(h.carAmps(0) - 32) < 0.01, "its own car charges at its cap");

	// A car arrives on the other unit: the shares become 20/20; the sum on the wire stays within 40 A.
	h.world.units[1].plugIn();
	watch(h, t, 90_000);
	t.is(h.lastOffer(0), 20);
	t.true(h.carAmps(1) >= 6, `the other car charges (${h.carAmps(1)} A)`);
	t.true(h.unitLimit(0) + h.unitLimit(1) <= 40);
	h.stop();
});

test("a latched custom policy is not held an hour longer when the clock steps back 1 h", (t) => {
	const policy = {
		extend: {
			before: [{ name: "Boost", match: ["settings.hourResumeTrackGreenEnergy"], condition: ["eq"], value: [5], charge_amps: 16, latch_period: 2 }],
		},
	};
	const h = new Harness({ slaves: 1, document: { policy } });
	h.waitLinked();
	t.is(h.post("/api/setSetting", { setting: "hourResumeTrackGreenEnergy", value: 5 }).status, 204);
	h.advance(10_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Boost");
	t.is(h.post("/api/setSetting", { setting: "hourResumeTrackGreenEnergy", value: -1 }).status, 204);
	const unmatched = h.clock.now();
	h.advance(30_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Boost", "latched");
	t.true(h.state().policy.latched);
	h.stepClock(-3600_000);
	h.clock.runUntil(unmatched + 2 * 60_000 + 35_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging", "the 2 min latch ended on time");
	h.stop();
});
