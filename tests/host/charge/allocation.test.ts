/**
 * Sharing the budget between the cars, end to end (issue 3): equal shares in whole amps, the caps
 * (the unit's own maximum from FD E2, wiringMaxAmpsPerTWC), a car that limits itself, and the
 * rotation when the budget cannot give every car its minimum.
 */
import test from "ava";
import { Harness } from "./harness.js";

/** Periods during which unit i was offered at least `min` amps, from the heartbeats on the bus. */
function onPeriods(h: Harness, i: number, min = 6, until = h.clock.now()): { from: number; to: number }[] {
	const periods: { from: number; to: number }[] = [];
	let from: number | undefined;
	for (const f of h.offersTo(i)) {
		if (f.amps! >= min && from === undefined) from = f.at;
		else if (f.amps! < min && from !== undefined) {
			periods.push({ from, to: f.at });
			from = undefined;
		}
	}
	if (from !== undefined) periods.push({ from, to: until });
	return periods;
}

test("3 cars on 40 A (32 A per unit): equal shares 14/13/13 in whole amps", (t) => {
	const h = new Harness({ slaves: 3 });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 });
	h.advance(30_000);
	const offers = [0, 1, 2].map((i) => h.slaveTwc(i).lastAmpsOffered as number);
	t.deepEqual(offers.slice().sort(), [13, 13, 14]);
	t.is(h.get("/api/getSlaveTWCs").json.total.lastAmpsOffered, 40);
	for (const i of [0, 1, 2]) {
		t.is(h.lastOffer(i), offers[i], "what the API shows is what went on the bus");
		t.true(Math.abs(h.carAmps(i) - offers[i]) < 0.01, `car ${i} follows its offer`);
		t.is(h.why(i).reason, `${offers[i]} A: an equal share of the 40 A Charge Now leaves, between 3 cars`);
	}
	const total = [0, 1, 2].reduce((sum, i) => sum + h.carAmps(i), 0);
	t.true(total <= 40.001, `the cars draw ${total} A in all`);
	h.stop();
});

test("caps: a unit with a 12 A maximum (FD E2) takes 12 A and the rest goes to the other car; one car alone is held to wiringMaxAmpsPerTWC", (t) => {
	const h = new Harness({ slaves: 2, perUnit: [{ maxAmps: 12 }, {}] });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 });
	h.advance(30_000);
	t.is(h.lastOffer(0), 12);
	t.is(h.lastOffer(1), 28);
	const why = h.why(0);
	t.is(why.boundBy, "unit maximum");
	t.is(why.reason, "12 A: its cap (unit maximum)");
	t.deepEqual(why.caps.find((c) => c.name === "unit maximum"), { name: "unit maximum", amps: 12 });
	t.is(h.slaveTwc(0).maxAmps, 12);
	t.true(Math.abs(h.carAmps(1) - 28) < 0.01);
	h.stop();

	const one = new Harness({ slaves: 1, config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 24 } });
	one.waitLinked();
	one.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 });
	one.advance(30_000);
	t.is(one.lastOffer(0), 24, "40 A asked, 24 A of wiring per unit");
	t.is(one.why(0).boundBy, "wiringMaxAmpsPerTWC");
	t.true(one.carAmps(0) <= 24.001);
	one.stop();
});

test("a car that limits itself (onboard charger 8 A) draws 8 A; the other keeps its equal share and the offers stay within the total", (t) => {
	const h = new Harness({ slaves: 2, perCar: [{ maxAmps: 8 }, undefined] });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 3600 });
	h.advance(60_000);
	t.true(Math.abs(h.carAmps(0) - 8) < 0.01, `the limited car draws its 8 A (${h.carAmps(0)})`);
	t.true(Math.abs(h.carAmps(1) - 20) < 0.01, `the other car draws its share (${h.carAmps(1)})`);
	t.is(h.lastOffer(0) ?? 0, 20);
	t.is((h.lastOffer(0) ?? 0) + (h.lastOffer(1) ?? 0), 40);
	// 20 A is above the spike current (16 A): nothing to spike.
	t.is(h.offersTo(0).filter((f) => f.amps === 16).length, 0);
	h.stop();
});

test("rotation: Charge Now 10 A for 3 cars (minimum 6 A): one car at a time, turns of rotationMinutes, everyone's turn comes, the why record counts down", (t) => {
	const h = new Harness({ slaves: 3, config: { rotationMinutes: 1 } });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 10, chargeNowDuration: 3600 });
	const start = h.clock.now();
	let checkedWhy = 0;
	let overlap = 0;
	h.run(6 * 60_000, 1000, () => {
		const drawing = [0, 1, 2].filter((i) => h.carAmps(i) >= 1);
		t.true(drawing.length <= 1, `at most one car draws at a time (${drawing.join(", ")} at ${(h.clock.now() - start) / 1000} s)`);
		const total = [0, 1, 2].reduce((sum, i) => sum + h.carAmps(i), 0);
		t.true(total <= 10.001, `the cars draw ${total} A, more than the 10 A of Charge Now`);
		// At a turn change the new unit may get its limit up to one heartbeat before the old one drops.
		const offered = [0, 1, 2].map((i) => h.unitLimit(i));
		overlap = offered.filter((a) => a >= 6).length > 1 ? overlap + 1 : 0;
		t.true(overlap <= 1, `two units held 10 A for more than a second: ${offered.join("/")}`);
		if ((h.clock.now() - start) % 20_000 === 0) {
			const state = h.state();
			const next = state.rotation.secondsToNextTurn as number;
			const waiting = state.slaves.filter((s: any) => s.why.shareReason === "waiting-turn");
			t.is(waiting.length, 2, "two cars wait");
			for (const s of waiting) t.is(s.why.reason, `0 A: waiting for its turn (10 A cannot give every car its minimum); next turn in ${next} s`);
			t.true(next >= 0 && next <= 60, `next turn in ${next} s`);
			checkedWhy++;
		}
	});
	t.true(checkedWhy >= 15);
	for (const i of [0, 1, 2]) {
		const periods = onPeriods(h, i);
		t.true(periods.length >= 2, `car ${i} had ${periods.length} turns in 6 min`);
		for (const p of periods.filter((p) => p.to < h.clock.now() && p.from > start)) {
			const seconds = (p.to - p.from) / 1000;
			t.true(seconds >= 59 && seconds <= 63, `a turn of ${seconds} s`);
		}
		t.true(h.world.cars[i]!.chargeStarts >= 2, "the car itself started each turn");
	}
	h.stop();
});

test("rotation respects the minimum on time (90 s) longer than a turn (1 min), and still gives every car its turn", (t) => {
	const h = new Harness({ slaves: 3, config: { rotationMinutes: 1, minOnTime: 90 } });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 10, chargeNowDuration: 3600 });
	const start = h.clock.now();
	const heldReasons = new Set<string>();
	h.run(8 * 60_000, 1000, () => {
		const drawing = [0, 1, 2].filter((i) => h.carAmps(i) >= 1);
		t.true(drawing.length <= 1);
		for (const why of h.app.charge.arbiter.explanations.values()) if (why.reason.includes("held on")) heldReasons.add(why.reason.replace(/\d+ s left/, "N s left"));
	});
	t.true(h.log.find(/passes its turn/).length >= 3);
	t.deepEqual([...heldReasons], ["10 A: held on (minimum on time: N s left) although its turn is over"], "the why record says why a car keeps charging past its turn");
	const turns = [0, 1, 2].map((i) => onPeriods(h, i));
	for (const [i, periods] of turns.entries()) {
		t.true(periods.length >= 2, `car ${i}: ${periods.length} turns in 8 min (${JSON.stringify(periods.map((p) => [(p.from - start) / 1000, (p.to - start) / 1000]))})`);
		for (const p of periods.filter((p) => p.to < h.clock.now())) {
			t.true(p.to - p.from >= 90_000 - 1000, `car ${i} stopped after ${(p.to - p.from) / 1000} s, before its minimum on time`);
		}
	}
	h.stop();
});
