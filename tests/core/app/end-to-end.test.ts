/**
 * The whole app end to end, in Node and inside XS (tests/xs/run-xs.mjs): the App of src/app.ts on
 * a simulated RS485 bus with two simulated wall connectors and cars (host-sim/sim), in virtual
 * time, driven only through its HTTP routes as a phone would. What is checked is what a user sees:
 * the limits the units hold, the current the cars draw, the API's answers.
 */
import test from "ava";
import { AppWorld, MemoryStorage } from "../support/app-world.js";

/** A car's current settles within ±0.01 A of its offer. */
function near(actual: number, expected: number): boolean {
	return Math.abs(actual - expected) < 0.01;
}

/** Runs `ms` sampling every 10 ms; returns the largest sum of held limits seen. */
function highestHeldSum(w: AppWorld, ms: number): number {
	let highest = 0;
	w.run(ms, 10, () => {
		highest = Math.max(highest, w.heldSum());
	});
	return highest;
}

/** Runs until both units are linked (a minute at most), sampling every 10 ms like highestHeldSum. */
function linkSampling(w: AppWorld): number {
	let highest = 0;
	for (let ms = 0; ms < 60_000 && w.linked() < w.world.units.length; ms += 10) {
		w.advance(10);
		highest = Math.max(highest, w.heldSum());
	}
	return highest;
}

test("two units link and are listed; Charge Now 40 A gives each car 20 A on the 40 A circuit, never more in total; cancelling returns to the non-scheduled amps", (t) => {
	const w = new AppWorld();
	t.is(w.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 16 }).status, 204);
	const highest: number[] = [linkSampling(w)];
	t.is(w.linked(), 2, "both units linked");

	const listed = w.get("/api/getSlaveTWCs");
	t.is(listed.status, 200);
	t.deepEqual(Object.keys(listed.json).sort(), [w.id(0), w.id(1), "total"].sort(), "both units and the total");
	for (const i of [0, 1]) {
		t.is(listed.json[w.id(i)].TWCID, w.id(i));
		t.is(listed.json[w.id(i)].maxAmps, 32, "the unit's own maximum, as it reported it");
	}

	// Before Charge Now: Non Scheduled Charging divides its 16 A.
	highest.push(highestHeldSum(w, 30_000));
	t.is(w.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	t.deepEqual([w.held(0), w.held(1)], [8, 8], "16 A divided between two cars");

	const now = w.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 });
	t.is(now.status, 200);
	t.deepEqual(now.json, { status: "success", rate: 40, duration: 3600 });
	highest.push(highestHeldSum(w, 60_000));
	t.is(w.get("/api/getStatus").json.currentPolicy, "Charge Now");
	t.deepEqual([w.held(0), w.held(1)], [20, 20], "40 A divided equally, not 32 A to one car");
	t.true(near(w.carAmps(0), 20) && near(w.carAmps(1), 20), `the cars draw ${w.carAmps(0)} A and ${w.carAmps(1)} A`);
	const during = w.get("/api/getSlaveTWCs").json;
	t.is(during.total.carsCharging, 2);
	t.is(during[w.id(0)].lastAmpsOffered, 20);
	t.is(during[w.id(1)].lastAmpsOffered, 20);

	t.deepEqual(w.post("/api/cancelChargeNow").json, { status: "success" });
	highest.push(highestHeldSum(w, 30_000));
	t.is(w.get("/api/getStatus").json.currentPolicy, "Non Scheduled Charging");
	t.deepEqual([w.held(0), w.held(1)], [8, 8], "back to the non-scheduled 16 A, divided");
	t.true(near(w.carAmps(0), 8) && near(w.carAmps(1), 8), `the cars draw ${w.carAmps(0)} A and ${w.carAmps(1)} A`);
	// Linking, 16 A, Charge Now, after the cancel: the highest sum of held limits in each stretch.
	t.true(Math.max(...highest) <= 40, `the units held ${highest.join(" / ")} A together at most, above the 40 A circuit`);
	t.is(highest[2], 40, "Charge Now used the whole circuit");
	w.stop();
});

test("settings survive an App restart on the same storage: nonScheduledAmpsMax and a denied VIN; the denied car does not charge", (t) => {
	const storage = new MemoryStorage();
	const w = new AppWorld({ storage });
	w.waitLinked();
	t.is(w.post("/api/setSetting", { setting: "nonScheduledAmpsMax", value: 24 }).status, 204);
	const deny = w.request("POST", "/vehicle/groupMgmt", `group=Deny+Charging&operation=add&vin=${w.vin(1)}`, "application/x-www-form-urlencoded");
	t.is(deny.status, 200, JSON.stringify(deny.json));
	const before = w.get("/api/v1/settings").json;
	t.true(storage.writes >= 2, "each change was written");

	w.restart();
	const settings = w.get("/api/v1/settings").json;
	t.is(settings.nonScheduledAmpsMax, 24, "the new App has the amps");
	t.deepEqual(settings.VehicleGroups["Deny Charging"].Members, [w.vin(1)], "and the denied VIN");
	t.deepEqual(settings, before, "every setting as it was");
	t.deepEqual(w.app.problems, [], "nothing to report about the stored settings");

	// The VIN is asked of a unit only while its car draws (as TWCManager does): the denied car may
	// start for a moment, is stopped once its VIN is read, and stays off while plugged in.
	let startedAt: number | undefined;
	let lastDrawAt: number | undefined;
	w.run(150_000, 100, (now) => {
		if (w.carAmps(1) > 0) {
			startedAt ??= now;
			lastDrawAt = now;
		}
	});
	t.is(w.get("/api/getSlaveTWCs").json[w.id(1)].lastVIN, w.vin(1), "the new master read the denied car's VIN over the bus");
	if (startedAt !== undefined) t.true(lastDrawAt! - startedAt <= 5000, `the denied car drew current for ${(lastDrawAt! - startedAt) / 1000} s`);
	t.is(w.held(1), 0, "the denied car's unit holds 0 A");
	t.is(w.carAmps(1), 0);
	t.is(w.held(0), 24, "the other car gets all 24 A (within its 32 A)");
	t.true(near(w.carAmps(0), 24), `the allowed car draws ${w.carAmps(0)} A`);
	const why = w.state().slaves.find((s: { twcId: string }) => s.twcId === w.id(1)).why;
	t.is(why.boundBy, "VIN denied");

	// The same world on an empty storage: the defaults (0 A), so nothing above came from elsewhere.
	const fresh = new AppWorld({ storage: new MemoryStorage() });
	t.is(fresh.get("/api/v1/settings").json.nonScheduledAmpsMax, 0);
	t.deepEqual(fresh.get("/api/v1/settings").json.VehicleGroups["Deny Charging"].Members, []);
	fresh.stop();
	w.stop();
});

test("bad requests answer 400 naming the problem, change nothing, and the master keeps heartbeating both units", (t) => {
	const w = new AppWorld();
	w.waitLinked();
	t.is(w.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 }).status, 200);
	w.advance(30_000);
	t.deepEqual([w.held(0), w.held(1)], [20, 20]);
	const settings = w.get("/api/v1/settings").json;

	const deep = `${"[".repeat(40)}${"]".repeat(40)}`;
	// 60 KB of nesting: JSON.parse on XS would overflow its stack (a 500) without the depth check.
	const deeper = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
	const bad: [string, string, RegExp][] = [
		["/api/chargeNow", `{"chargeNowRate":40,"chargeNowDuration":`, /^malformed JSON body/],
		["/api/setSetting", `{"setting":"nonScheduledAmpsMax","value":16`, /^malformed JSON body/],
		["/api/chargeNow", `{"chargeNowRate":${deep},"chargeNowDuration":60}`, /nests too deeply/],
		["/api/setSetting", `{"setting":"nonScheduledAmpsMax","value":${deep}}`, /nests too deeply/],
		["/api/v1/settings", `{"nonScheduledAmpsMax":${deeper}}`, /nests too deeply/],
		["/api/chargeNow", `{"chargeNowRate":"0x20","chargeNowDuration":60}`, /^chargeNowRate must be a whole decimal number of amps \(got "0x20"\)$/],
	];
	for (const [path, body, error] of bad) {
		const r = w.post(path, body);
		t.is(r.status, 400, `${path} ${body}`);
		t.regex(r.json.error, error, `${path} ${body}`);
	}
	t.deepEqual(w.get("/api/v1/settings").json, settings, "nothing changed");

	// The next 10 s: every unit hears a heartbeat at least every 1.5 s, the cars keep their 20 A.
	let longestSilence = 0;
	w.run(10_000, 100, (now) => {
		for (const unit of w.world.units) longestSilence = Math.max(longestSilence, now - (unit.lastHeartbeatAt ?? -Infinity));
	});
	t.true(longestSilence <= 1500, `a unit heard nothing for ${longestSilence} ms`);
	t.is(w.linked(), 2);
	t.deepEqual([w.held(0), w.held(1)], [20, 20]);
	t.true(near(w.carAmps(0), 20) && near(w.carAmps(1), 20), `the cars draw ${w.carAmps(0)} A and ${w.carAmps(1)} A`);
	t.is(w.get("/api/getStatus").json.currentPolicy, "Charge Now");
	t.is(w.log.find(/./, "error").length, 0, w.log.text());
	w.stop();
});

test("GET /api/v1/state: each slave with why it gets its current, the bus section, the problems", (t) => {
	// A settings document that is not JSON: the app starts on the defaults and says so.
	const storage = new MemoryStorage();
	storage.documents.set("settings.json", "{ not json");
	const w = new AppWorld({ storage });
	w.waitLinked();
	t.is(w.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 }).status, 200);
	// Past the first minute: the link-ready bursts of the start, which may collide, are behind.
	w.advance(90_000);

	const r = w.get("/api/v1/state");
	t.is(r.status, 200);
	const state = r.json;
	t.deepEqual(state.slaves.map((s: { twcId: string }) => s.twcId).sort(), [w.id(0), w.id(1)].sort());
	for (const slave of state.slaves) {
		t.is(slave.offeredAmps, 20, slave.twcId);
		t.true(near(slave.actualAmps, 20), `${slave.twcId} reports ${slave.actualAmps} A`);
		t.not(slave.why, null, `${slave.twcId} has no "why"`);
		const why = slave.why ?? {};
		t.is(why.twcId, slave.twcId);
		t.is(why.amps, 20);
		t.is(why.policy, "Charge Now");
		t.is(why.budgetAmps, 40);
		t.is(typeof why.reason, "string");
		t.regex(why.reason ?? "", /^20 A: /, "one sentence starting with the amps");
	}
	t.is(state.policy.name, "Charge Now");
	t.is(state.chargeNow.active, true);

	t.is(state.bus.state, "up");
	t.deepEqual(state.bus.units.map((u: { twcId: string }) => u.twcId).sort(), [w.id(0), w.id(1)].sort());
	for (const unit of state.bus.units) t.is(unit.repliesMissedLastMinute, 0, unit.twcId);
	t.is(state.bus.noisy, false);
	t.is(state.bus.otherMaster, null);
	t.true(state.bus.counters.heartbeatsSent > 0);

	t.is(state.problems.length, 1, JSON.stringify(state.problems));
	t.regex(state.problems[0], /^settings\.json is corrupt \(not valid JSON: .*\) and there is no previous copy; using defaults$/);
	w.stop();
});
