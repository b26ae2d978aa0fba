/**
 * The 6 A lock-up end to end (reference §3.8): a simulated car with the Oct-2017 firmware quirk
 * sticks at ~5.2 A after an offer increase until offered 16 A for 5 s; the arbiter must notice it
 * from the slave's reports, spike, and go back to the target; a car that merely limits itself must
 * not be spiked over and over.
 */
import test from "ava";
import { GreenStub, Harness, utc } from "./harness.js";

const NOON = utc(2026, 6, 21, 12, 0);

/** Start times of the spikes to unit i (runs of 16 A offers on the bus). */
function spikes(h: Harness, i: number, amps = 16): number[] {
	const starts: number[] = [];
	let previous = 0;
	for (const f of h.offersTo(i)) {
		if (f.amps === amps && previous !== amps) starts.push(f.at);
		previous = f.amps!;
	}
	return starts;
}

function lockedCar(spikeAmpsReactively?: boolean) {
	const green = new GreenStub();
	green.amps = 6;
	const h = new Harness({ slaves: 1, startMs: NOON, green, car: { lockUp6A: true } });
	h.waitLinked();
	if (spikeAmpsReactively !== undefined) h.post("/api/setSetting", { setting: "spikeAmpsReactively", value: spikeAmpsReactively ? "1" : "0" });
	h.advance(60_000);
	return { h, green };
}

test("a car locked at ~5.2 A after green amps rise from 6 to 10 A is detected, spiked to 16 A for at least 5 s, then follows 10 A", (t) => {
	const { h, green } = lockedCar();
	t.true(Math.abs(h.carAmps(0) - 6) < 0.01, "charging at 6 A");
	t.false(h.world.cars[0]!.isLockedAt(h.clock.now()));
	const raised = h.clock.now();
	green.amps = 10;
	h.advance(5000);
	t.is(h.lastOffer(0), 10);
	t.true(h.world.cars[0]!.isLockedAt(h.clock.now()), "the raise locked the car up");
	t.true(Math.abs(h.carAmps(0) - 5.2) < 0.05, `stuck at ${h.carAmps(0)} A`);

	h.advance(40_000);
	const [spike, ...more] = spikes(h, 0);
	t.truthy(spike, "a spike was sent");
	t.is(more.length, 0, "one spike");
	t.true(spike - raised >= 10_000 && spike - raised <= 15_000, `spiked ${(spike - raised) / 1000} s after the raise (10 s of steady lag)`);
	// 16 A from the spike's command to the next limit command (heartbeats in between say "no change").
	const back = h.offersTo(0, spike + 1)[0];
	t.is(back.amps, 10);
	t.true(back.at - spike >= 5000, `16 A held for ${(back.at - spike) / 1000} s`);
	t.true(h.framesTo(0, "heartbeat", spike).filter((f) => f.at < back.at).length >= 5, "the unit heard heartbeats all along");
	t.false(h.world.cars[0]!.isLockedAt(h.clock.now()), "the spike cleared the lock-up");
	t.true(Math.abs(h.carAmps(0) - 10) < 0.01, `follows 10 A (${h.carAmps(0)} A)`);
	t.is(h.lastOffer(0), 10);
	t.regex(h.why(0).spike ?? "", /6 A lock-up cleared: the car draws 10\.0 A/);
	t.is(h.world.cars[0]!.lockUps, 1, "one lock-up, cleared");

	// The next raise, a minute later, locks it again: spiked again (at most once a minute), then 14 A.
	h.advance(60_000);
	green.amps = 14;
	const raise2 = h.clock.now();
	h.advance(30_000);
	t.is(spikes(h, 0).length, 2);
	t.true(spikes(h, 0)[1] - raise2 < 2000, "a car that locked up before is spiked with the raise (proactive)");
	t.true(Math.abs(h.carAmps(0) - 14) < 0.01, `follows 14 A (${h.carAmps(0)} A)`);
	t.is(h.world.cars[0]!.lockUps, 2);
	h.stop();
});

test("with spikeAmpsReactively off (settings) the locked car stays stuck at ~5.2 A", (t) => {
	const { h, green } = lockedCar(false);
	t.false(h.app.settings.current.spikeAmpsReactively);
	green.amps = 10;
	h.advance(5 * 60_000);
	t.is(spikes(h, 0).length, 0, "never spiked");
	t.is(h.lastOffer(0), 10);
	t.true(Math.abs(h.carAmps(0) - 5.2) < 0.05, `stuck at ${h.carAmps(0)} A`);
	t.true(h.world.cars[0]!.isLockedAt(h.clock.now()));
	h.stop();
});

test("a car that limits itself (8 A onboard, offered 12 A) is not spiked more than a few times per hour", (t) => {
	const h = new Harness({ slaves: 1, car: { maxAmps: 8 } });
	h.waitLinked();
	h.post("/api/chargeNow", { chargeNowRate: 12, chargeNowDuration: 3 * 3600 });
	const start = h.clock.now();
	h.advance(3600_000);
	const first = spikes(h, 0);
	t.true(first.length >= 1 && first.length <= 4, `${first.length} spikes in the first hour`);
	h.advance(3600_000);
	const second = spikes(h, 0).filter((at) => at >= start + 3600_000);
	t.true(second.length <= 2, `${second.length} spikes in the second hour`);
	const all = spikes(h, 0);
	for (let i = 2; i < all.length; i++) t.true(all[i] - all[i - 1] >= all[i - 1] - all[i - 2], "the retry waits at least as long each time");
	t.true(Math.abs(h.carAmps(0) - 8) < 0.01);
	t.is(h.lastOffer(0), 12);
	const why = h.why(0);
	t.regex(why.spike ?? "", /it limits itself \(not the 6 A lock-up\); next try in \d+ min/);
	t.is(why.amps, 12);
	h.stop();
});

test("a car that is not locked is never spiked when the green amps rise", (t) => {
	const green = new GreenStub();
	green.amps = 6;
	const h = new Harness({ slaves: 1, startMs: NOON, green });
	h.waitLinked();
	h.advance(60_000);
	for (const amps of [10, 7, 12, 9, 14]) {
		green.amps = amps;
		h.advance(60_000);
		t.true(Math.abs(h.carAmps(0) - amps) < 0.01, `follows ${amps} A`);
	}
	t.deepEqual(spikes(h, 0), [], "no spike: the car follows every raise within its ramp");
	h.stop();
});
