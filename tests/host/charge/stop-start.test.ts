/**
 * Stopping and starting cars end to end (issue 3 §6, reference §3.8, §4.2 steps 10–13, §4.5): the
 * green stop delay and minimum off time as the "why" records show them, and the three stop
 * methods of settings.chargeStopMode as they appear on the bus.
 */
import test from "ava";
import { SimulatedCar } from "../../../host-sim/sim/car.js";
import { GreenStub, Harness, utc } from "./harness.js";

const NOON = utc(2026, 6, 21, 12, 0); // no location: TWCManager's daytime 6 to 20 h → Track Green Energy

/** The timers of a why record, with seconds left within ±1 s of `expected` (decisions happen at heartbeats). */
function timersNear(t: { true(v: boolean, m?: string): void }, actual: { name: string; secondsLeft: number }[], name: string, expected: number): void {
	t.true(actual.length === 1 && actual[0].name === name && Math.abs(actual[0].secondsLeft - expected) <= 1, `${JSON.stringify(actual)} instead of ${name}: ${expected} s`);
}

test("a green shortage holds the car at its minimum for startStopDelay (the why record counts down), then 0 A, and no new offer before minOffTime", (t) => {
	const green = new GreenStub();
	green.amps = 10;
	const h = new Harness({ slaves: 1, startMs: NOON, green, config: { startStopDelay: 30, minOffTime: 60 } });
	h.waitLinked();
	h.advance(90_000); // past the minimum on time
	t.is(h.lastOffer(0), 10);
	t.true(Math.abs(h.carAmps(0) - 10) < 0.01);

	const short = h.clock.now();
	green.amps = 3;
	h.advance(5000);
	t.is(h.lastOffer(0), 6, "held at its minimum");
	let why = h.why(0);
	t.is(why.boundBy, "minimum");
	timersNear(t, why.timers, "stop delay (startStopDelay)", 25);
	t.is(why.reason, `6 A: held on (stop delay (startStopDelay): ${why.timers[0].secondsLeft} s left) although Track Green Energy leaves 3 A`);
	h.clock.runUntil(short + 20_000);
	timersNear(t, h.why(0).timers, "stop delay (startStopDelay)", 10); // the same delay counting down, not restarted
	t.true(Math.abs(h.carAmps(0) - 6) < 0.01, "the car follows 6 A");

	// The delay ends: 0 A within a heartbeat. Decisions are taken at heartbeats (one a second), so the
	// shortage is seen up to a second after it began, and the stop goes out up to a second after the delay.
	h.clock.runUntil(short + 29_000);
	t.is(h.lastOffer(0), 6);
	h.clock.runUntil(short + 32_500);
	t.is(h.lastOffer(0), 0, "0 A once startStopDelay has passed");
	const stoppedAt = h.offersTo(0).find((f) => f.at > short && f.amps === 0)!.at;
	t.true(stoppedAt - short >= 30_000 && stoppedAt - short <= 32_100, `stopped ${(stoppedAt - short) / 1000} s after the shortage began`);
	h.advance(3000);
	t.is(h.carAmps(0), 0);
	t.regex(h.why(0).reason, /^0 A: Track Green Energy leaves 3 A, below the minimum of 6 A$/);

	// The sun is back at once: no offer before the minimum off time.
	green.amps = 12;
	h.advance(10_000);
	t.is(h.lastOffer(0), 0);
	why = h.why(0);
	t.is(why.boundBy, "minimum off time");
	const left = why.timers.find((x) => x.name === "minimum off time")!.secondsLeft;
	t.true(left > 40 && left <= 60 - 13 + 1, `${left} s left`);
	t.is(why.reason, `0 A: stopped recently, may start again in ${left} s`);
	h.clock.runUntil(stoppedAt + 59_000);
	t.is(h.lastOffer(0), 0);
	t.true(h.offersTo(0, stoppedAt + 1).every((f) => f.amps === 0), "not offered again before minOffTime");
	h.clock.runUntil(stoppedAt + 61_500);
	t.is(h.lastOffer(0), 12, "offered again right after minOffTime");
	h.advance(10_000);
	t.true(h.carAmps(0) > 11.9);
	h.stop();
});

test("a shortage that begins during the minimum on time is counted from when it begins, not from the end of the minimum on time", (t) => {
	const green = new GreenStub();
	green.amps = 0;
	const h = new Harness({ slaves: 1, startMs: NOON, green, config: { startStopDelay: 50, minOnTime: 60 } });
	h.waitLinked();
	h.advance(5000);
	green.amps = 10;
	h.advance(3000);
	const on = h.offersTo(0).find((f) => f.amps === 10)!.at;
	h.clock.runUntil(on + 20_000);
	green.amps = 2;
	h.advance(2000);
	const why = h.why(0);
	t.is(h.lastOffer(0), 6);
	t.is(why.timers[0].name, "minimum on time", "first the minimum on time holds it");
	h.clock.runUntil(on + 61_000);
	t.is(h.lastOffer(0), 6, "then the stop delay, which began 41 s ago");
	timersNear(t, h.why(0).timers, "stop delay (startStopDelay)", 9);
	h.clock.runUntil(on + 72_000);
	t.is(h.lastOffer(0), 0, "stopped 50 s after the shortage began (not 60 + 50 s after the start)");
	h.stop();
});

test("the green surplus coming back before the stop delay ends cancels the stop", (t) => {
	const green = new GreenStub();
	green.amps = 10;
	const h = new Harness({ slaves: 1, startMs: NOON, green, config: { startStopDelay: 60 } });
	h.waitLinked();
	h.advance(90_000);
	green.amps = 4;
	h.advance(40_000);
	t.is(h.lastOffer(0), 6);
	green.amps = 9;
	h.advance(5000);
	t.is(h.lastOffer(0), 9);
	green.amps = 4;
	h.advance(40_000);
	t.is(h.lastOffer(0), 6, "a new shortage: a fresh delay");
	t.is(h.world.cars[0]!.chargeStops, 0, "the car never stopped");
	h.stop();
});

/** Charges, stops (Charge Now cancelled), waits, starts again (Charge Now). */
function stopAndStart(h: Harness, rate: number): { stopAt: number; startAt: number } {
	h.post("/api/chargeNow", { chargeNowRate: rate, chargeNowDuration: 7200 });
	h.advance(90_000);
	const stopAt = h.clock.now();
	h.post("/api/cancelChargeNow");
	h.advance(70_000);
	const startAt = h.clock.now();
	h.post("/api/chargeNow", { chargeNowRate: rate, chargeNowDuration: 7200 });
	h.advance(30_000);
	return { stopAt, startAt };
}

test("chargeStopMode 3: FC B2 with the stop, only to units that acknowledge it, and FC B1 before the next start", (t) => {
	// Unit 0 takes FC B1/B2 (firmware 4.5.3+), unit 1 does not, unit 2 is protocol 1.
	const h = new Harness({ slaves: 3, perUnit: [{}, { supportsStartStop: false }, { protocol: 1 }] });
	h.waitLinked();
	t.is(h.post("/api/setSetting", { setting: "chargeStopMode", value: "3" }).status, 204);
	const first = stopAndStart(h, 30);
	t.is(h.framesTo(0, "stop").length, 1, "FC B2 to the unit that takes it");
	t.true(h.framesTo(0, "stop")[0].at - first.stopAt < 2000);
	t.is(h.world.units[0].counts.stopCommands, 1, "…which obeyed it");
	t.is(h.framesTo(2, "stop").length, 0, "never to a protocol 1 unit");
	t.is(h.app.master.slaves.find((s) => s.id === h.world.units[1].id)!.acksStartStop, false, "unit 1 did not answer: learned");
	t.is(h.app.master.slaves.find((s) => s.id === h.world.units[0].id)!.acksStartStop, true);
	// FC B1 before the start, to the unit stopped by FC B2.
	const b1 = h.framesTo(0, "start", first.startAt);
	t.is(b1.length, 1, "FC B1 with the next start");
	const firstOffer = h.offersTo(0, first.startAt).find((f) => f.amps! > 0)!;
	t.true(Math.abs(b1[0].at - firstOffer.at) < 1500, "in the same second as the new offer");
	t.true(h.carAmps(0) > 9.9, `the car charges again (${h.carAmps(0)} A)`);
	t.is(h.world.units[0].counts.startCommands, 1);
	t.regex(h.why(1).stopMethod, /does not acknowledge/);
	t.is(h.why(0).stopMethod, "0 A offer, then FC B2 (chargeStopMode 3)");

	// The next stop: FC B2 only where it was acknowledged.
	const before1 = h.framesTo(1, "stop").length;
	const second = stopAndStart(h, 30);
	t.is(h.framesTo(0, "stop", second.stopAt).length, 1);
	t.is(h.framesTo(1, "stop").length, before1, "no FC B2 to a unit that ignored it");
	t.is(h.framesTo(2, "stop").length + h.framesTo(2, "start").length, 0);
	for (const i of [0, 1, 2]) t.true(h.carAmps(i) > 9.9, `car ${i} charges again (${h.carAmps(i)} A)`);
	h.stop();
});

test("chargeStopMode 1 (default): never FC B2 or FC B1, 0 A only", (t) => {
	const h = new Harness({ slaves: 2 });
	h.waitLinked();
	stopAndStart(h, 40);
	stopAndStart(h, 40);
	t.is(h.frames.filter((f) => f.kind === "stop" || f.kind === "start").length, 0);
	for (const i of [0, 1]) {
		t.is(h.world.units[i].counts.stopCommands + h.world.units[i].counts.startCommands, 0);
		t.true(h.world.cars[i]!.chargeStops >= 2, "stopped by the 0 A offer");
		t.true(h.carAmps(i) > 6);
		t.is(h.why(i).stopMethod, "0 A offer");
	}
	h.stop();
});

test("a simulated car that ignores 0 A keeps drawing until its unit loses the master", (t) => {
	const car = new SimulatedCar({ ignoresLowOffer: true });
	car.plugIn(0);
	car.currentAt(0, 16);
	t.is(car.currentAt(30_000), 16);
	car.currentAt(30_000, 0);
	t.is(car.currentAt(60_000), 16, "0 A offered, still 16 A");
	car.faultAt(60_000, "charge cable fault");
	t.is(car.currentAt(60_001), 0);
});

test("chargeStopMode 2: a car still drawing 10 s after 0 A gets no heartbeats for 60 s; the other unit keeps its heartbeats", (t) => {
	const h = new Harness({ slaves: 2, perCar: [{ ignoresLowOffer: true }, undefined] });
	h.waitLinked();
	t.is(h.post("/api/setSetting", { setting: "chargeStopMode", value: 2 }).status, 204);
	t.is(h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 }).status, 200);
	h.advance(90_000);
	t.true(h.carAmps(0) > 19 && h.carAmps(1) > 19);
	const stopAt = h.clock.now();
	h.post("/api/cancelChargeNow");
	h.advance(5000);
	t.is(h.lastOffer(0), 0);
	t.true(h.carAmps(0) > 19, "car 0 ignores 0 A");
	t.is(h.carAmps(1), 0, "car 1 stopped");
	t.regex(h.why(0).stopMethod, /no heartbeats for 60 s/);

	h.clock.runUntil(stopAt + 12_000);
	const beats = (i: number, from: number, to: number) => h.framesTo(i, "heartbeat", from).filter((f) => f.at < to).length;
	const silencedFrom = h.framesTo(0, "heartbeat", stopAt).at(-1)!.at;
	t.true(silencedFrom - stopAt >= 9_000 && silencedFrom - stopAt <= 12_000, `last heartbeat ${(silencedFrom - stopAt) / 1000} s after 0 A`);
	t.true(h.log.find(/still drawing .* 10 s after 0 A; not answering it for 60 s/, "warn").length === 1);
	h.clock.runUntil(silencedFrom + 59_000);
	t.is(beats(0, silencedFrom + 1, silencedFrom + 59_000), 0, "no heartbeats to unit 0 for 60 s");
	t.true(beats(1, silencedFrom + 1, silencedFrom + 59_000) >= 57, "unit 1 keeps its heartbeats");
	t.is(h.carAmps(0), 0, "without heartbeats the unit stopped the car");
	t.is(h.world.units[0].counts.stopCommands, 0, "no FC B2 in mode 2");
	h.clock.runUntil(silencedFrom + 90_000);
	t.true(beats(0, silencedFrom + 60_000, silencedFrom + 90_000) > 0, "heartbeats again after 60 s");
	t.is(h.carAmps(0), 0);

	// The next stop of the same car is silenced again (TWCManager: it works up to 3 times per session).
	h.post("/api/chargeNow", { chargeNowRate: 40, chargeNowDuration: 7200 });
	h.advance(90_000);
	t.true(h.carAmps(0) > 19, `car 0 charges again (${h.carAmps(0)} A)`);
	const stop2 = h.clock.now();
	h.post("/api/cancelChargeNow");
	h.advance(20_000);
	t.is(h.log.find(/still drawing .* 10 s after 0 A; not answering it for 60 s/, "warn").length, 2, "silenced again");
	const last2 = h.framesTo(0, "heartbeat", stop2).at(-1)!.at;
	h.advance(40_000);
	t.is(beats(0, last2 + 1, h.clock.now()), 0);
	t.is(h.carAmps(0), 0);
	h.stop();
});

test("two cars on green energy: a dip below their two minimums holds both at 6 A for startStopDelay before one stops", (t) => {
	const green = new GreenStub();
	green.amps = 20;
	const h = new Harness({ slaves: 2, startMs: NOON, green, config: { startStopDelay: 60, rotationMinutes: 15 } });
	h.waitLinked();
	h.advance(90_000);
	for (const i of [0, 1]) t.is(h.lastOffer(i), 10);

	// A cloud: 8 A of surplus for 40 s, less than the delay. Neither car stops.
	green.amps = 8;
	h.advance(5000);
	for (const i of [0, 1]) {
		t.is(h.lastOffer(i), 6, `car ${i} held at its minimum`);
		t.regex(h.why(i).reason, /^6 A: held on \(stop delay \(startStopDelay\): \d+ s left\) although Track Green Energy leaves/);
	}
	h.advance(35_000);
	green.amps = 20;
	h.advance(10_000);
	for (const i of [0, 1]) {
		t.is(h.lastOffer(i), 10);
		t.is(h.world.cars[i]!.chargeStops, 0, `car ${i} never stopped`);
	}

	// A longer shortage: after the delay one car stops and the other gets the 8 A.
	green.amps = 8;
	const short = h.clock.now();
	h.advance(50_000);
	for (const i of [0, 1]) t.is(h.lastOffer(i), 6);
	h.clock.runUntil(short + 62_000);
	const offers = [0, 1].map((i) => h.lastOffer(i)).sort();
	t.deepEqual(offers, [0, 8]);
	const waiting = [0, 1].find((i) => h.lastOffer(i) === 0)!;
	t.regex(h.why(waiting).reason, /^0 A: waiting for its turn \(8 A cannot give every car its minimum\); next turn in \d+ s$/);
	h.stop();
});

test("green rotation: a car whose turn is over stops when its minimum on time ends, without the stop delay (only a dip is ridden out)", (t) => {
	const green = new GreenStub();
	green.amps = 8;
	// Turns of 2 min, but a started car keeps charging 150 s; the stop delay (120 s) is for dips only.
	const h = new Harness({ slaves: 2, startMs: NOON, green, config: { startStopDelay: 120, rotationMinutes: 2, minOnTime: 150 } });
	h.waitLinked();
	const periods: number[][] = [[], []];
	// A car already on when the sampling starts: its first period is not measured whole.
	const onSince: (number | undefined)[] = [0, 1].map((i) => (h.unitLimit(i) >= 6 ? -Infinity : undefined));
	let overlap = 0;
	h.run(14 * 60_000, 1000, (now) => {
		// One car at a time (at a handover the new limit may arrive a heartbeat before the old one drops).
		overlap = h.unitLimit(0) >= 6 && h.unitLimit(1) >= 6 ? overlap + 1 : 0;
		t.true(overlap <= 1, "one car at a time");
		for (const i of [0, 1]) {
			const on = h.unitLimit(i) >= 6;
			if (on && onSince[i] === undefined) onSince[i] = now;
			if (!on && onSince[i] !== undefined) {
				if (onSince[i] !== -Infinity) periods[i].push((now - onSince[i]!) / 1000);
				onSince[i] = undefined;
			}
		}
	});
	t.true(periods[0].length + periods[1].length >= 4, `turns of ${periods[0].join(", ")} s and ${periods[1].join(", ")} s`);
	for (const i of [0, 1]) {
		t.true(periods[i].length >= 1, `car ${i}: turns of ${periods[i].join(", ")} s`);
		for (const p of periods[i]) t.true(p >= 149 && p <= 153, `car ${i} had a turn of ${p} s (minimum on time 150 s)`);
	}
	h.stop();
});
