/**
 * TWCManager's MQTT control payloads (integrations §B.2) and ours for Home Assistant: what each
 * message means, and a clear sentence for each one that cannot be obeyed.
 */
import test from "ava";
import { controlLeaf, parseControl } from "../../../src/mqtt/control.js";

const limits = { wiringMaxAmpsAllTWCs: 40 };

test("the control leaf is read under <prefix>/control/ only", (t) => {
	t.is(controlLeaf("TWC", "TWC/control/chargeNow"), "chargeNow");
	t.is(controlLeaf("home/TWC", "home/TWC/control/stop"), "stop");
	t.is(controlLeaf("TWC", "TWC/1A2B/ampsInUse"), undefined);
	t.is(controlLeaf("TWC", "TWCX/control/chargeNow"), undefined);
});

test("TWCManager's payloads: chargeNow amps,seconds; chargeNowEnd; nonScheduledAmpsMax; nonScheduledAction 1-3; stop", (t) => {
	t.deepEqual(parseControl("chargeNow", "8,3600", limits), { ok: true, command: { kind: "chargeNow", amps: 8, seconds: 3600 } });
	t.deepEqual(parseControl("chargeNow", " 16 , 60 ", limits), { ok: true, command: { kind: "chargeNow", amps: 16, seconds: 60 } }, "Python's int() takes blanks");
	t.deepEqual(parseControl("chargeNowEnd", "", limits), { ok: true, command: { kind: "chargeNowEnd" } });
	t.deepEqual(parseControl("chargeNowEnd", "anything", limits), { ok: true, command: { kind: "chargeNowEnd" } });
	t.deepEqual(parseControl("nonScheduledAmpsMax", "12", limits), { ok: true, command: { kind: "nonScheduledAmpsMax", amps: 12 } });
	for (const action of [1, 2, 3] as const) t.deepEqual(parseControl("nonScheduledAction", String(action), limits), { ok: true, command: { kind: "nonScheduledAction", action } });
	t.deepEqual(parseControl("stop", "", limits), { ok: true, command: { kind: "stop" } });
});

test("a Charge Now rate above the wiring is accepted and capped, and says so", (t) => {
	t.deepEqual(parseControl("chargeNow", "80,3600", limits), { ok: true, command: { kind: "chargeNow", amps: 40, seconds: 3600, note: "80 A is above wiringMaxAmpsAllTWCs: capped to 40 A" } });
	t.deepEqual(parseControl("chargeNowAmps", "48", limits), { ok: true, command: { kind: "chargeNowAmps", amps: 40, note: "48 A is above wiringMaxAmpsAllTWCs: capped to 40 A" } });
});

test("Home Assistant's payloads: the number's value (also as a float), the select's option names, the buttons' PRESS", (t) => {
	t.deepEqual(parseControl("chargeNowAmps", "16", limits), { ok: true, command: { kind: "chargeNowAmps", amps: 16 } });
	t.deepEqual(parseControl("chargeNowAmps", "16.0", limits), { ok: true, command: { kind: "chargeNowAmps", amps: 16 } });
	t.deepEqual(parseControl("chargeNowAmps", "0", limits), { ok: true, command: { kind: "chargeNowAmps", amps: 0 } });
	t.deepEqual(parseControl("nonScheduledAmpsMax", "20.0", limits), { ok: true, command: { kind: "nonScheduledAmpsMax", amps: 20 } });
	t.deepEqual(parseControl("nonScheduledAction", "Do not charge", limits), { ok: true, command: { kind: "nonScheduledAction", action: 2 } });
	t.deepEqual(parseControl("nonScheduledAction", "track green energy", limits), { ok: true, command: { kind: "nonScheduledAction", action: 3 } });
	t.deepEqual(parseControl("startCharging", "PRESS", limits), { ok: true, command: { kind: "startCharging" } });
	t.deepEqual(parseControl("stopCharging", "PRESS", limits), { ok: true, command: { kind: "stopCharging" } });
});

test("bad payloads are refused with the topic, the payload and the rule", (t) => {
	const refused = (leaf: string, payload: string) => {
		const r = parseControl(leaf, payload, limits);
		return r.ok ? "accepted" : r.error;
	};
	t.is(refused("chargeNow", "16"), `control/chargeNow: "16" refused: expected "<amps>,<seconds>", e.g. "16,3600"`);
	t.is(refused("chargeNow", "0,3600"), `control/chargeNow: "0,3600" refused: the amps must be a whole number of 1 or more`);
	t.is(refused("chargeNow", "8.5,3600"), `control/chargeNow: "8.5,3600" refused: the amps must be a whole number of 1 or more`);
	t.is(refused("chargeNow", "16,0"), `control/chargeNow: "16,0" refused: the seconds must be a whole number from 1 to 604800 (a week)`);
	t.is(refused("chargeNow", "16,999999999"), `control/chargeNow: "16,999999999" refused: the seconds must be a whole number from 1 to 604800 (a week)`);
	t.is(refused("chargeNowAmps", "-1"), `control/chargeNowAmps: "-1" refused: expected whole amps from 0 (end Charge Now) to 40`);
	t.is(refused("chargeNowAmps", "abc"), `control/chargeNowAmps: "abc" refused: expected whole amps from 0 (end Charge Now) to 40`);
	t.is(refused("nonScheduledAmpsMax", "41"), `control/nonScheduledAmpsMax: "41" refused: expected whole amps from 0 to wiringMaxAmpsAllTWCs (40)`);
	t.is(refused("nonScheduledAction", "4"), `control/nonScheduledAction: "4" refused: expected 1 (charge at a fixed rate), 2 (do not charge) or 3 (track green energy)`);
	t.is(refused("nonScheduledAction", "maybe"), `control/nonScheduledAction: "maybe" refused: expected 1 (charge at a fixed rate), 2 (do not charge) or 3 (track green energy)`);
	t.regex(refused("setAmps", "16"), /^control\/setAmps: unknown control topic \(known: chargeNow, /);
	t.is(refused("chargeNow", "x".repeat(100)), `control/chargeNow: "${"x".repeat(40)}…" refused: expected "<amps>,<seconds>", e.g. "16,3600"`, "a long payload is cut in the message");
});
