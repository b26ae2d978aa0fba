import test from "ava";
import { SPIKE_HOLD_MS, spikeAmpsFor, SpikeWorkaround, type SpikeInput } from "../../../src/charge/spike.js";

/** A car on a 32 A unit offered 10 A; the slave holds what was commanded. */
function input(now: number, more: Partial<SpikeInput> = {}): SpikeInput {
	return { now, target: 10, cap: 32, unitMaxAmps: 32, commanded: 10, reportedLimit: 10, actual: 5.2, charging: true, proactive: true, reactive: true, ...more };
}

test("the spike current is 16 A, or 21 A on 80 A units (§3.8)", (t) => {
	t.is(spikeAmpsFor(32), 16);
	t.is(spikeAmpsFor(80), 21);
});

test("a car stuck at 5.2 A of 10 A for 10 s gets 16 A for 5 s from when the slave confirms, then the target", (t) => {
	const spike = new SpikeWorkaround();
	t.is(spike.step(input(0)).amps, 10);
	t.is(spike.step(input(9_000)).amps, 10, "not before 10 s of steady lag");
	const start = spike.step(input(10_000));
	t.is(start.amps, 16);
	t.regex(start.note!, /lock-up/);
	t.is(spike.step(input(11_000, { commanded: 16, reportedLimit: 16 })).amps, 16);
	t.is(spike.step(input(11_000 + SPIKE_HOLD_MS - 1, { commanded: 16, reportedLimit: 16 })).amps, 16);
	t.is(spike.step(input(11_000 + SPIKE_HOLD_MS, { commanded: 16, reportedLimit: 16, actual: 15 })).amps, 10);
	const done = spike.step(input(11_000 + SPIKE_HOLD_MS + 16_000, { actual: 9.8 }));
	t.is(done.amps, 10);
	t.true(spike.lockUpLearned, "the car followed after the spike: it has the lock-up");
	t.is(spike.spikes, 1);
});

test("a car that limits itself is not spiked again and again: the retry waits longer each time", (t) => {
	const spike = new SpikeWorkaround();
	let now = 0;
	const spikeTimes: number[] = [];
	let confirmed = -1;
	for (; now < 3 * 3_600_000; now += 1000) {
		const out = spike.step(input(now, confirmed >= 0 ? { commanded: 16, reportedLimit: 16 } : {}));
		if (out.amps === 16 && confirmed < 0) {
			spikeTimes.push(now);
			confirmed = now;
		} else if (out.amps !== 16) confirmed = -1;
		t.true(out.amps === 10 || out.amps === 16, "whole amps, the target or the spike, nothing between");
	}
	t.false(spike.lockUpLearned);
	t.true(spikeTimes.length >= 3 && spikeTimes.length <= 6, `spikes at ${spikeTimes.join(", ")}`);
	for (let i = 2; i < spikeTimes.length; i++) t.true(spikeTimes[i] - spikeTimes[i - 1] > spikeTimes[i - 1] - spikeTimes[i - 2], "back-off grows");
});

test("switched off, never above the caps, abandoned when the gate has no room", (t) => {
	const off = new SpikeWorkaround();
	for (let now = 0; now < 60_000; now += 1000) t.is(off.step(input(now, { reactive: false })).amps, 10);
	const capped = new SpikeWorkaround();
	let max = 0;
	for (let now = 0; now < 60_000; now += 1000) max = Math.max(max, capped.step(input(now, { cap: 13 })).amps);
	t.is(max, 13, "the spike is limited to the cap");
	const noRoom = new SpikeWorkaround();
	let last = 0;
	for (let now = 0; now <= 30_000; now += 1000) last = noRoom.step(input(now)).amps;
	t.is(last, 10, "commanded never reached the spike: given up, back to the target");
});

test("proactive spikes only for a car that locked up before, on a raise", (t) => {
	const spike = new SpikeWorkaround();
	t.is(spike.step(input(0, { target: 12, actual: 10 })).amps, 12, "unknown car: a raise is not spiked");
	// Teach it: a lock-up cleared by a spike.
	let now = 1000;
	while (spike.step(input(now)).amps !== 16) now += 1000;
	now += 1000;
	spike.step(input(now, { commanded: 16, reportedLimit: 16 }));
	now += SPIKE_HOLD_MS;
	spike.step(input(now, { commanded: 16, reportedLimit: 16, actual: 15 }));
	now += 16_000;
	spike.step(input(now, { actual: 10 }));
	t.true(spike.lockUpLearned);
	now += 61_000;
	t.is(spike.step(input(now, { target: 12, commanded: 10, actual: 10 })).amps, 16, "a raise of a known car is spiked");
	spike.reset();
	t.false(spike.lockUpLearned, "a new car starts unknown");
});
