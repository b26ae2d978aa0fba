/**
 * Policies end to end (issue 3): the whole controller on the simulated bus, commanded through the
 * HTTP API as a user would, judged by the offers on the bus, the cars' current, /api/getStatus and
 * the "why" records of /api/v1/state.
 */
import test from "ava";
import { GreenStub, Harness, utc } from "./harness.js";

const CET = "CET-1CEST,M3.5.0,M10.5.0/3";

test("Charge Now via POST /api/chargeNow gives each car its share and ends by itself at its end time", (t) => {
	const h = new Harness({ slaves: 2 });
	h.waitLinked();
	h.advance(5000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	t.is(h.lastOffer(0), 0, "nothing to divide before Charge Now");
	t.is(h.carAmps(0), 0);

	const started = h.clock.now();
	// 100 s: not a multiple of the 30 s policy evaluation interval.
	const r = h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 100 });
	t.is(r.status, 200);
	t.deepEqual(r.json, { status: "success", rate: 40, duration: 100 });
	h.advance(2000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Charge Now", "applied at once, not at the next 30 s evaluation");
	h.advance(20_000);
	for (const i of [0, 1]) {
		t.is(h.lastOffer(i), 20, `unit ${i} offered its half of 40 A`);
		t.true(Math.abs(h.carAmps(i) - 20) < 0.01, `car ${i} draws 20 A (${h.carAmps(i)})`);
		t.regex(h.why(i).reason, /equal share of the 40 A Charge Now leaves, between 2 cars/);
	}
	const status = h.get("/api/getStatus").json;
	t.is(status.chargeNowAmps, 40);
	t.is(status.chargeNowTimeEnd, Math.floor(started / 1000) + 100);

	// The end: at most one heartbeat after chargeNowTimeEnd the cars are offered 0 A.
	h.clock.runUntil(started + 98_000);
	t.is(h.lastOffer(0), 20, "still charging just before the end");
	h.clock.runUntil(started + 101_500);
	t.is(h.lastOffer(0), 0, "0 A right after the end time");
	t.is(h.lastOffer(1), 0);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging", "the policy fell back");
	t.is(h.why(0).policy, "Non Scheduled Charging");
	h.advance(5000);
	t.is(h.carAmps(0), 0);
	t.is(h.carAmps(1), 0);
	h.stop();
});

test("POST /api/cancelChargeNow ends Charge Now at once", (t) => {
	const h = new Harness({ slaves: 1 });
	h.waitLinked();
	t.is(h.post("/api/chargeNow", { chargeNowRate: 16, chargeNowDuration: 3600 }).status, 200);
	h.advance(20_000);
	t.is(h.lastOffer(0), 16);
	t.true(h.carAmps(0) > 15);
	const r = h.post("/api/cancelChargeNow");
	t.is(r.status, 200);
	t.deepEqual(r.json, { status: "success" });
	h.advance(1500);
	t.is(h.lastOffer(0), 0);
	const status = h.get("/api/getStatus").json;
	t.is(status.currentPolicy, "Non Scheduled Charging");
	t.false("chargeNowAmps" in status, "cleared (TWCManager reports chargeNowAmps only when > 0)");
	t.false("chargeNowTimeEnd" in status);
	h.stop();
});

test("POST /api/chargeNow refuses a rate or duration ≤ 0 with 400, changing nothing; a rate above the wiring is accepted and capped, as TWCManager does", (t) => {
	const h = new Harness({ slaves: 1 });
	h.waitLinked();
	for (const body of [
		{ chargeNowRate: 0, chargeNowDuration: 60 },
		{ chargeNowRate: 16, chargeNowDuration: -5 },
		{ chargeNowRate: "lots", chargeNowDuration: 60 },
	]) {
		const r = h.post("/api/chargeNow", body);
		t.is(r.status, 400, JSON.stringify(body));
		t.truthy(r.json.error);
	}
	t.is(h.post("/api/chargeNow", "not json").status, 400);
	h.advance(5000);
	t.is(h.lastOffer(0), 0);
	t.is(h.app.settings.current.chargeNowTimeEnd, 0);
	// Clients that send the car's maximum: accepted, capped to the wiring limit, and said so.
	const capped = h.post("/api/chargeNow", { chargeNowRate: 80, chargeNowDuration: 60 });
	t.is(capped.status, 200);
	t.is(capped.json.rate, 40);
	t.true((capped.json.warnings as string[]).some((w) => /40/.test(w)), JSON.stringify(capped.json));
	t.is(h.app.settings.current.chargeNowAmps, 40);
	h.advance(5000);
	t.true(h.lastOffer(0)! <= 32, "the unit never above its own wiring");
	h.stop();
});

test("Scheduled Charging across midnight and the spring DST change: only the start day enabled (CET)", (t) => {
	// Saturday 28 March 2026, 21:30 CET (20:30 UTC). DST begins on Sunday 29 March at 02:00 CET.
	const h = new Harness({ slaves: 1, startMs: utc(2026, 3, 28, 20, 30), config: { timeZone: CET } });
	h.waitLinked();
	const r = h.post("/api/setScheduledChargingSettings", {
		enabled: true,
		amps: 24,
		startingMinute: 22 * 60,
		endingMinute: 6 * 60,
		saturday: true,
	});
	t.is(r.status, 202);
	t.is(h.app.settings.current.scheduledAmpsDaysBitmap, 32, "Saturday only");
	const status = h.get("/api/getStatus").json;
	t.like(status.ScheduledCharging, { enabled: true, amps: 24, startingMinute: 1320, endingMinute: 360, saturday: true, sunday: false, friday: false });

	h.advance(60_000);
	t.regex(h.state().time.local, /^2026-03-28 21:31:/);
	t.is(h.lastOffer(0), 0, "21:31 local: before the window");
	t.is(h.why(0).policy, "Non Scheduled Charging");

	// 22:00 CET = 21:00 UTC: the window opens (within one policy evaluation).
	h.clock.runUntil(utc(2026, 3, 28, 21, 0, 31));
	t.is(h.get("/api/getStatus").json.currentPolicy, "Scheduled Charging");
	h.advance(20_000);
	t.is(h.lastOffer(0), 24);
	t.true(h.carAmps(0) > 23);

	// Through the night and the missing hour 02:00–03:00: still charging at 05:50 CEST (03:50 UTC).
	h.clock.runUntil(utc(2026, 3, 29, 1, 30));
	t.is(h.state().time.local.slice(11, 16), "03:30", "the clock went from 01:59 CET to 03:00 CEST");
	t.true(h.state().time.isDst);
	t.is(h.lastOffer(0), 24, "still inside the window after the DST change");
	h.clock.runUntil(utc(2026, 3, 29, 3, 50));
	t.is(h.lastOffer(0), 24, "05:50 CEST: still inside");
	// 06:00 CEST = 04:00 UTC (not 05:00 UTC, which 06:00 CET would be).
	h.clock.runUntil(utc(2026, 3, 29, 4, 0, 32));
	// No location: TWCManager's default daytime 6 to 20 h, and no green readings: 0 A.
	t.is(h.get("/api/getStatus").json.currentPolicy, "Track Green Energy", "06:00 CEST: the window closed");
	h.advance(2000);
	t.is(h.lastOffer(0), 0);

	// Sunday 22:00 CEST (20:00 UTC): Sunday is not enabled, no window.
	h.clock.jumpTo(utc(2026, 3, 29, 19, 50));
	h.advance(60_000);
	h.clock.runUntil(utc(2026, 3, 29, 20, 10));
	t.is(h.lastOffer(0), 0, "Sunday night: not enabled");
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	// Early Sunday morning after a Saturday-night start counts; early Saturday after Friday does not.
	h.clock.jumpTo(utc(2026, 3, 28, 1, 0)); // Saturday 02:00 CET: "yesterday" is Friday, not enabled
	h.advance(31_000);
	t.is(h.lastOffer(0), 0, "Saturday 02:00: the window that would have started on Friday is not enabled");
	h.stop();
});

test("Scheduled Charging switched off through the API: amps 0, hours -1, no day", (t) => {
	const h = new Harness({ slaves: 1, startMs: utc(2026, 3, 28, 22, 30), config: { timeZone: CET } });
	h.waitLinked();
	h.post("/api/setScheduledChargingSettings", { enabled: true, amps: 16, startingMinute: 22 * 60, endingMinute: 6 * 60, saturday: true });
	h.advance(20_000);
	t.is(h.lastOffer(0), 16);
	t.is(h.post("/api/setScheduledChargingSettings", { enabled: false }).status, 202);
	h.advance(2000);
	t.is(h.lastOffer(0), 0);
	const s = h.app.settings.current;
	t.deepEqual([s.scheduledAmpsMax, s.scheduledAmpsStartHour, s.scheduledAmpsEndHour, s.scheduledAmpsDaysBitmap], [0, -1, -1, 0]);
	t.is(h.get("/api/getStatus").json.ScheduledCharging.enabled, false);
	h.stop();
});

test("Track Green Energy follows sunrise and sunset computed from config.latitude/longitude", (t) => {
	// Berlin, 21 June 2026: sunrise 04:43 CEST, sunset 21:33 CEST → green from 04:00 to 22:00 local.
	const green = new GreenStub();
	green.amps = 12;
	green.note = "stub: 12 A of surplus";
	const h = new Harness({
		slaves: 1,
		startMs: utc(2026, 6, 21, 1, 0), // 03:00 CEST
		config: { timeZone: CET, latitude: 52.52, longitude: 13.405 },
		green,
	});
	h.waitLinked();
	h.advance(10_000);
	const night = h.state();
	t.regex(night.policy.sun.source, /^sunrise 04:4\d, sunset 21:3\d at 52\.520, 13\.405$/);
	t.is(night.policy.sun.sunrise, 4);
	t.is(night.policy.sun.sunset, 22);
	t.is(night.policy.name, "Non Scheduled Charging", "03:00: before sunrise");
	t.is(h.lastOffer(0), 0);

	// 04:00 CEST = 02:00 UTC: green tracking starts (TWCManager's default 6 h would still be night).
	h.clock.runUntil(utc(2026, 6, 21, 2, 0, 31));
	const morning = h.get("/api/getStatus").json;
	t.is(morning.currentPolicy, "Track Green Energy");
	t.is(morning.isGreenPolicy, "Yes");
	h.advance(20_000);
	t.is(h.lastOffer(0), 12, "the car gets what the green source offers");
	t.true(Math.abs(h.carAmps(0) - 12) < 0.01);
	const why = h.why(0);
	t.is(why.wish, "green: 12 A (stub: 12 A of surplus)");
	t.is(h.get("/api/getActivePolicyAction").json, 3);

	// The surplus grows: the offer follows.
	green.amps = 20;
	h.advance(35_000);
	t.is(h.lastOffer(0), 20);

	// 22:00 CEST = 20:00 UTC: back to Non Scheduled Charging (0 A).
	h.clock.jumpTo(utc(2026, 6, 21, 19, 59));
	h.advance(10_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Track Green Energy", "21:59: still daytime");
	h.clock.runUntil(utc(2026, 6, 21, 20, 0, 31));
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	h.advance(3000);
	t.is(h.lastOffer(0), 0);
	h.stop();
});

test("nonScheduledAction 1, 2 and 3 through /api/setSetting, at night and by day", (t) => {
	const green = new GreenStub();
	green.amps = 14;
	// 23:00 UTC (no location: TWCManager's 6 to 20 h green window).
	const h = new Harness({ slaves: 1, startMs: utc(2026, 6, 21, 23, 0), green });
	h.waitLinked();
	const set = (setting: string, value: unknown) => {
		const r = h.post("/api/setSetting", { setting, value });
		t.is(r.status, 204, `${setting} = ${JSON.stringify(value)}: ${JSON.stringify(r.json)}`);
		h.advance(20_000);
	};

	// 1: charge at nonScheduledAmpsMax.
	set("nonScheduledAmpsMax", 10);
	set("nonScheduledAction", "1");
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	t.is(h.lastOffer(0), 10);
	t.true(h.carAmps(0) > 9.9);
	t.is(h.get("/api/getActivePolicyAction").json, 1);

	// 3: track green energy outside the daytime window too.
	set("nonScheduledAction", 3);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Track Green Energy");
	t.is(h.lastOffer(0), 14);
	t.is(h.get("/api/getActivePolicyAction").json, 3);

	// 2: do not charge (with nonScheduledAmpsMax 0, as TWCManager's settings form sets it).
	set("nonScheduledAmpsMax", 0);
	set("nonScheduledAction", 2);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	h.advance(60_000);
	t.is(h.lastOffer(0), 0);
	t.is(h.carAmps(0), 0);
	t.is(h.get("/api/getActivePolicyAction").json, 2);

	// By day, action 2 also turns green tracking off (policy #3 requires nonScheduledAction ≠ 2).
	h.clock.jumpTo(utc(2026, 6, 22, 12, 0));
	h.advance(35_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	t.is(h.lastOffer(0), 0);
	set("nonScheduledAction", 1);
	h.advance(35_000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Track Green Energy", "by day, action 1 tracks green energy");
	t.is(h.lastOffer(0), 14);
	h.stop();
});

test("a custom policy from policy.extend (emergency / before / after) with latch_period", (t) => {
	const policy = {
		extend: {
			emergency: [
				{ name: "Storm", match: ["settings.homeLat"], condition: ["eq"], value: [1], charge_amps: 30 },
			],
			before: [
				// Cheap hour: 01:xx UTC, 18 A, latched 2 minutes after the hour ends.
				{ name: "Cheap Hour", match: ["tm_hour"], condition: ["eq"], value: [1], charge_amps: 18, latch_period: 2 },
			],
			after: [{ name: "Never", match: ["tm_hour"], condition: ["false"], value: [0], charge_amps: 32 }],
		},
	};
	const h = new Harness({ slaves: 1, startMs: utc(2026, 6, 21, 0, 58), document: { policy } });
	t.deepEqual(h.configWarnings.filter((w) => w.startsWith("policy")), []);
	h.waitLinked();
	const names = (h.get("/api/getPolicy").json as { name: string }[]).map((p) => p.name);
	t.deepEqual(names, ["Storm", "Charge Now", "Cheap Hour", "Scheduled Charging", "Track Green Energy", "Never", "Non Scheduled Charging", "Track Green Energy"]);
	t.is(h.lastOffer(0), 0, "00:58: nothing matches but Non Scheduled Charging");

	h.clock.runUntil(utc(2026, 6, 21, 1, 0, 31));
	t.is(h.get("/api/getStatus").json.currentPolicy, "Cheap Hour");
	h.advance(10_000);
	t.is(h.lastOffer(0), 18);
	const latched = (h.get("/api/getPolicy").json as { name: string; __latchTime?: number }[]).find((p) => p.name === "Cheap Hour")!;
	t.true(latched.__latchTime! * 1000 > h.clock.now(), "getPolicy shows the latch time");

	// 02:00: the hour ended but the latch holds it 2 minutes more (counted from the last match).
	h.clock.runUntil(utc(2026, 6, 21, 2, 1, 0));
	t.is(h.get("/api/getStatus").json.currentPolicy, "Cheap Hour");
	t.true(h.state().policy.latched, "the state says it holds by its latch");
	t.is(h.lastOffer(0), 18);
	h.clock.runUntil(utc(2026, 6, 21, 2, 2, 35));
	t.is(h.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging", "latch expired");
	t.is(h.lastOffer(0), 0);

	// The emergency policy comes before Charge Now.
	h.post("/api/chargeNow", { chargeNowRate: 10, chargeNowDuration: 3600 });
	h.advance(5000);
	t.is(h.lastOffer(0), 0, "stopped a few seconds ago: the minimum off time holds");
	t.regex(h.why(0).reason, /^0 A: stopped recently, may start again in \d+ s$/);
	h.advance(60_000);
	t.is(h.lastOffer(0), 10);
	t.is(h.post("/api/setLatLon", { lat: 1, lon: 1 }).status, 204);
	h.advance(5000);
	t.is(h.get("/api/getStatus").json.currentPolicy, "Storm");
	t.is(h.lastOffer(0), 30);
	h.stop();
});

test("/api/getPolicy and /api/getActivePolicyAction answer as TWCManager", (t) => {
	const h = new Harness({ slaves: 1, noStart: true });
	t.is(h.get("/api/getActivePolicyAction").json, null, "null before the first evaluation");
	t.is(h.get("/api/getStatus").json.currentPolicy !== undefined, true);
	const policies = h.get("/api/getPolicy").json as Record<string, unknown>[];
	t.is(policies.length, 5);
	t.deepEqual(policies[0], {
		name: "Charge Now",
		match: ["settings.chargeNowAmps", "settings.chargeNowTimeEnd", "settings.chargeNowTimeEnd"],
		condition: ["gt", "gt", "gt"],
		value: [0, 0, "now"],
		charge_amps: "settings.chargeNowAmps",
		charge_limit: "config.chargeNowLimit",
	});
	t.deepEqual(policies[2], {
		name: "Track Green Energy",
		match: ["tm_hour", "tm_hour", "settings.hourResumeTrackGreenEnergy", "settings.nonScheduledAction"],
		condition: ["gte", "lt", "lte", "ne"],
		value: ["settings.sunrise", "settings.sunset", "tm_hour", 2],
		background_task: "checkGreenEnergy",
		allowed_flex: "config.greenEnergyFlexAmps",
		charge_limit: "config.greenEnergyLimit",
	});
	t.deepEqual(policies.map((p) => p.name), ["Charge Now", "Scheduled Charging", "Track Green Energy", "Non Scheduled Charging", "Track Green Energy"]);
	h.app.start();
	h.waitLinked();
	t.is(h.get("/api/getActivePolicyAction").json, 2, "Non Scheduled Charging at 0 A");
	h.post("/api/chargeNow", { chargeNowRate: 12, chargeNowDuration: 60 });
	h.advance(1000);
	t.is(h.get("/api/getActivePolicyAction").json, 1);
	h.stop();
});
