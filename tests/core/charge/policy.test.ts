import test, { type ExecutionContext } from "ava";
import { compilePolicies, defaultPolicies, PolicyEngine, type PolicyInput } from "../../../src/charge/policy.js";
import { checkConditions, resolveOperand, type MacroContext, type PolicyLocalTime } from "../../../src/charge/policy-conditions.js";

// Monday 2026-03-02 00:00 (local time = UTC here: the engine takes both as given).
const MONDAY = 1_772_409_600_000;
const MINUTE = 60_000;

/** The clock at weekday (0 = Monday) hour:minute of that week. */
function at(weekday: number, hour: number, minute = 0): { nowMs: number; local: PolicyLocalTime } {
	const nowMs = MONDAY + ((weekday * 24 + hour) * 60 + minute) * MINUTE;
	return { nowMs, local: { year: 2026, month: 3, day: 2 + weekday, hour, minute, second: 0, weekday, isDst: false } };
}
const seconds = (ms: number) => ms / 1000;

function engineFor(t: ExecutionContext, policy?: unknown, config?: unknown): PolicyEngine {
	const compiled = compilePolicies(policy, config);
	t.deepEqual(compiled.errors, []);
	return new PolicyEngine(compiled);
}

/** Evaluates now, ignoring the check interval. */
function evaluate(engine: PolicyEngine, settings: Record<string, unknown>, clock: { nowMs: number; local: PolicyLocalTime }, extra: Partial<PolicyInput> = {}) {
	engine.applyImmediately();
	return engine.evaluate({ settings, local: clock.local, ...extra }, clock.nowMs);
}

const NAMES = ["Charge Now", "Scheduled Charging", "Track Green Energy", "Non Scheduled Charging", "Track Green Energy"];

test("the default list has TWCManager's order, names and fields (§5.2)", (t) => {
	const engine = engineFor(t);
	t.deepEqual(engine.policies.map((p) => p.name), NAMES);
	t.deepEqual(engine.policies[0], {
		name: "Charge Now",
		match: ["settings.chargeNowAmps", "settings.chargeNowTimeEnd", "settings.chargeNowTimeEnd"],
		condition: ["gt", "gt", "gt"],
		value: [0, 0, "now"],
		charge_amps: "settings.chargeNowAmps",
		charge_limit: "config.chargeNowLimit",
	});
	t.deepEqual(engine.policies[2], {
		name: "Track Green Energy",
		match: ["tm_hour", "tm_hour", "settings.hourResumeTrackGreenEnergy", "settings.nonScheduledAction"],
		condition: ["gte", "lt", "lte", "ne"],
		value: ["settings.sunrise", "settings.sunset", "tm_hour", 2],
		background_task: "checkGreenEnergy",
		allowed_flex: "config.greenEnergyFlexAmps",
		charge_limit: "config.greenEnergyLimit",
	});
	t.is(engine.policies[1].charge_amps, "settings.scheduledAmpsMax");
	t.is(engine.policies[3].charge_amps, "settings.nonScheduledAmpsMax");
	t.false("charge_amps" in engine.policies[4]);
	t.is(compilePolicies(undefined, undefined).policyCheckInterval, 30);
});

test("/api/getPolicy: the list serialises as TWCManager's policy dicts", (t) => {
	const engine = engineFor(t);
	t.deepEqual(JSON.parse(JSON.stringify(engine)), defaultPolicies());
});

test("before the first evaluation the policy is \"None\" and there is no action", (t) => {
	const engine = engineFor(t);
	t.is(engine.activePolicyName, "None");
	t.is(engine.activePolicy, null);
	t.is(engine.activePolicyAction(), null);
	t.false(engine.policyIsGreen());
	t.deepEqual(engine.webhooksFor("start"), []);
});

test("Charge Now: active while chargeNowTimeEnd > now and amps > 0, and ends by itself (§7)", (t) => {
	const engine = engineFor(t);
	const night = at(0, 22);
	const settings = { chargeNowAmps: 24, chargeNowTimeEnd: seconds(night.nowMs) + 3600 };
	let result = evaluate(engine, settings, night);
	t.is(result.policy?.name, "Charge Now");
	t.deepEqual(result.wish, { kind: "amps", amps: 24, flexAmps: 0 });
	t.true(result.changed);
	t.is(engine.activePolicyAction(), 1);

	result = evaluate(engine, settings, at(0, 22, 59));
	t.is(result.policy?.name, "Charge Now");
	t.false(result.changed);

	// One hour later, with the settings untouched (TWCManager does not clear them on expiry).
	result = evaluate(engine, settings, at(0, 23));
	t.is(result.policy?.name, "Non Scheduled Charging");
	t.true(result.changed);

	t.is(evaluate(engine, { ...settings, chargeNowAmps: 0 }, night).policy?.name, "Non Scheduled Charging", "amps 0: no Charge Now");
	t.is(evaluate(engine, { chargeNowAmps: "16", chargeNowTimeEnd: String(seconds(night.nowMs) + 60) }, night).policy?.name, "Charge Now", "numeric strings");
});

test("Scheduled Charging: inside the window, also across midnight with only the start day enabled", (t) => {
	const engine = engineFor(t);
	const settings = { scheduledAmpsMax: 20, scheduledAmpsStartHour: 22, scheduledAmpsEndHour: 6, scheduledAmpsDaysBitmap: 1, nonScheduledAmpsMax: 6 };
	const monday23 = evaluate(engine, settings, at(0, 23));
	t.is(monday23.policy?.name, "Scheduled Charging");
	t.deepEqual(monday23.wish, { kind: "amps", amps: 20, flexAmps: 0 });
	t.is(evaluate(engine, settings, at(1, 5, 59)).policy?.name, "Scheduled Charging", "Tuesday morning ends Monday's window");
	t.is(evaluate(engine, settings, at(1, 23)).policy?.name, "Non Scheduled Charging", "Tuesday is not enabled");
	t.is(evaluate(engine, settings, at(0, 3)).policy?.name, "Non Scheduled Charging", "Sunday is not enabled");
	// Charge Now comes first.
	const chargeNow = { ...settings, chargeNowAmps: 32, chargeNowTimeEnd: seconds(at(0, 23).nowMs) + 60 };
	t.is(evaluate(engine, chargeNow, at(0, 23)).policy?.name, "Charge Now");
});

test("Track Green Energy between sunrise and sunset hours (defaults 6 and 20)", (t) => {
	const engine = engineFor(t);
	const name = (settings: Record<string, unknown>, hour: number, minute = 0) => evaluate(engine, settings, at(2, hour, minute)).policy?.name;
	t.is(name({}, 5, 59), "Non Scheduled Charging");
	t.is(name({}, 6), "Track Green Energy");
	t.is(name({}, 19, 59), "Track Green Energy");
	t.is(name({}, 20), "Non Scheduled Charging");
	t.is(name({ sunrise: 8, sunset: 17 }, 7), "Non Scheduled Charging");
	t.is(name({ sunrise: 8, sunset: 17 }, 16), "Track Green Energy");
	t.is(name({ hourResumeTrackGreenEnergy: 14 }, 12), "Non Scheduled Charging", "green resumes at 14 h");
	t.is(name({ hourResumeTrackGreenEnergy: 14 }, 14), "Track Green Energy");
	t.true(engine.policyIsGreen());
	t.is(engine.activePolicyAction(), 3);
});

test("nonScheduledAction 1, 2 and 3 (§5.2)", (t) => {
	const engine = engineFor(t);
	const day = at(3, 12);
	const night = at(3, 23);
	// 1: charge at nonScheduledAmpsMax outside the daytime green window.
	const one = { nonScheduledAction: 1, nonScheduledAmpsMax: 10 };
	t.is(evaluate(engine, one, day).policy, engine.policies[2]);
	const r1 = evaluate(engine, one, night);
	t.is(r1.policy, engine.policies[3]);
	t.deepEqual(r1.wish, { kind: "amps", amps: 10, flexAmps: 0 });
	t.is(engine.activePolicyAction(), 1);

	// 2 ("do not charge"): #3 excludes action 2, so day and night fall to #4 "Non Scheduled Charging"
	// (2 lt 3). It does not charge only because saving action > 1 in the settings form forces
	// nonScheduledAmpsMax = 0 (HTTPControl.process_save_settings); #4 still charges whatever
	// nonScheduledAmpsMax holds. getActivePolicyAction then reports 2.
	const two = { nonScheduledAction: 2, nonScheduledAmpsMax: 0 };
	for (const clock of [day, night]) {
		const r = evaluate(engine, two, clock);
		t.is(r.policy, engine.policies[3]);
		t.deepEqual(r.wish, { kind: "amps", amps: 0, flexAmps: 0 });
		t.is(engine.activePolicyAction(), 2);
	}
	t.deepEqual(evaluate(engine, { nonScheduledAction: 2, nonScheduledAmpsMax: 16 }, night).wish, { kind: "amps", amps: 16, flexAmps: 0 }, "as TWCManager");

	// 3: green by day (#3) and by night (#4 fails as 3 lt 3 is false → #5, the second Track Green Energy).
	const three = { nonScheduledAction: 3 };
	t.is(evaluate(engine, three, day).policy, engine.policies[2]);
	const r3 = evaluate(engine, three, night);
	t.is(r3.policy, engine.policies[4]);
	t.false(r3.changed, "#3 → #5 keeps the name: not a change (TWCManager compares names)");
	t.deepEqual(r3.wish, { kind: "green", flexAmps: 0 });
	t.is(engine.activePolicyAction(), 3);

	// Unset reads as 0 → #4.
	t.is(evaluate(engine, {}, night).policy, engine.policies[3]);
});

test("the green wish carries allowed_flex from config.greenEnergyFlexAmps; charge_limit resolves to 50…100 or −1", (t) => {
	const engine = engineFor(t, undefined, { greenEnergyFlexAmps: 4, greenEnergyLimit: 80, nonScheduledLimit: 30 });
	const r = evaluate(engine, {}, at(0, 12));
	t.deepEqual(r.wish, { kind: "green", flexAmps: 4 });
	t.is(r.chargeLimit, 80);
	t.is(evaluate(engine, {}, at(0, 23)).chargeLimit, -1, "30 is outside 50…100");
	t.is(evaluate(engine, { chargeNowAmps: 8, chargeNowTimeEnd: seconds(at(0, 23).nowMs) + 5 }, at(0, 23)).chargeLimit, -1, "config.chargeNowLimit unset → 0 → −1");
});

test("nothing matches and no policy yet: stays \"None\"; with a policy: the current one stays", (t) => {
	const engine = engineFor(t);
	const r = evaluate(engine, { nonScheduledAction: 4 }, at(0, 23));
	t.is(r.policy, null);
	t.is(r.wish, null);
	t.is(engine.activePolicyName, "None");
	t.is(evaluate(engine, { chargeNowAmps: 10, chargeNowTimeEnd: seconds(at(0, 23).nowMs) + 60 }, at(0, 23)).policy?.name, "Charge Now");
	const kept = evaluate(engine, { nonScheduledAction: 4, chargeNowAmps: 10, chargeNowTimeEnd: 1 }, at(0, 23, 30));
	t.is(kept.policy?.name, "Charge Now", "nothing matched: the current policy is enforced again");
	t.false(kept.changed);
});

test("conditions: the top list is AND, a nested list OR, alternating deeper (§5.3)", (t) => {
	const engine = engineFor(t, {
		extend: {
			emergency: [
				{
					name: "Night boost",
					// (hour < 7 OR hour >= 22) AND settings.boost == 1
					match: [["tm_hour", "tm_hour"], "settings.boost"],
					condition: [["lt", "gte"], "eq"],
					value: [[7, 22], 1],
					charge_amps: 30,
				},
			],
		},
	});
	const name = (boost: number, hour: number) => evaluate(engine, { boost }, at(0, hour)).policy?.name;
	t.is(name(1, 3), "Night boost");
	t.is(name(1, 23), "Night boost");
	t.is(name(1, 12), "Track Green Energy");
	t.is(name(0, 3), "Non Scheduled Charging");

	// a OR (b AND c): the third level is AND again.
	const ctx: MacroContext = { nowMs: 0, local: at(0, 0).local, settings: {}, config: {}, greenAmps: 0, gridTargetAmps: 0 };
	const check = (a: number, b: number, c: number) =>
		checkConditions([["settings.a", ["settings.b", "settings.c"]]], [["eq", ["eq", "eq"]]], [[1, [1, 1]]], { ...ctx, settings: { a, b, c } }, () => {});
	t.true(check(1, 0, 0));
	t.true(check(0, 1, 1));
	t.false(check(0, 1, 0));
	t.false(check(0, 0, 0));
	t.true(checkConditions([], [], [], ctx, () => {}), "an empty AND holds");
	t.true(checkConditions(["x"], ["none"], [0], ctx, () => {}));
	t.false(checkConditions(["x"], ["false"], [0], ctx, () => {}));
});

test("macros: now, tm_*, settings (defaults, numeric strings), config, functions, modules", (t) => {
	const local: PolicyLocalTime = { year: 2024, month: 3, day: 1, hour: 13, minute: 45, second: 7, weekday: 4, isDst: true };
	const ctx: MacroContext = {
		nowMs: 1_700_000_000_500,
		local,
		settings: { chargeStopMode: "1", label: "abc", chargeNowAmps: null },
		config: { greenEnergyFlexAmps: 3 },
		greenAmps: 11.5,
		gridTargetAmps: 7,
		modules: (module, attr) => (module === "Fronius" && attr === "generatedW" ? 4200 : undefined),
	};
	const r = (operand: string | number) => resolveOperand(operand, ctx);
	t.is(r("now"), 1_700_000_000.5);
	t.deepEqual(
		["tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst"].map(r),
		[2024, 3, 1, 13, 45, 7, 4, 61, 1],
	);
	t.is(r("settings.chargeStopMode"), 1);
	t.is(r("settings.label"), "abc");
	t.is(r("settings.chargeNowAmps"), 0, "null reads as the default");
	t.is(r("settings.sunset"), 20, "§5.7 default");
	t.is(r("settings.nothing"), 0);
	t.is(r("config.greenEnergyFlexAmps"), 3);
	t.is(r("config.nothing"), 0);
	t.is(r("getMaxAmpsToDivideGreenEnergy()"), 11.5);
	t.is(r("getMaxAmpsForTargetGridUsage()"), 7);
	t.is(r("checkScheduledCharging()"), 0);
	t.is(r("modules.Fronius.generatedW"), 4200);
	t.is(r("modules.Fronius.other"), 0);
	t.is(r("plain text"), "plain text");
	t.is(r(42), 42);
});

test("latching keeps a policy for latch_period minutes after its conditions last matched (§5.4)", (t) => {
	const engine = engineFor(t, undefined, { greenEnergyLatch: 15 });
	t.is(engine.policies[2].latch_period, 15);
	t.is(engine.policies[4].latch_period, undefined, "only the first Track Green Energy (§12.13)");

	t.false(evaluate(engine, {}, at(0, 19, 59)).latched);
	let r = evaluate(engine, {}, at(0, 20, 10));
	t.is(r.policy, engine.policies[2]);
	t.true(r.latched);
	t.is((engine.toJSON()[2] as { __latchTime: number }).__latchTime, seconds(at(0, 20, 14).nowMs));
	r = evaluate(engine, {}, at(0, 20, 14));
	t.is(r.policy?.name, "Non Scheduled Charging");
	t.false(r.latched);

	// A policy earlier in the list still wins over a latched one.
	evaluate(engine, {}, at(1, 19, 59));
	const chargeNow = { chargeNowAmps: 16, chargeNowTimeEnd: seconds(at(1, 21).nowMs) };
	t.is(evaluate(engine, chargeNow, at(1, 20, 5)).policy?.name, "Charge Now");
});

test("a policy's own latch_period works the same", (t) => {
	const engine = engineFor(t, {
		extend: { emergency: [{ name: "Boost", match: ["settings.boost"], condition: ["eq"], value: [1], charge_amps: 20, latch_period: 2 }] },
	});
	t.is(evaluate(engine, { boost: 1 }, at(0, 1)).policy?.name, "Boost");
	t.true(evaluate(engine, { boost: 0 }, at(0, 1, 1)).latched);
	t.is(evaluate(engine, { boost: 0 }, at(0, 1, 2)).policy?.name, "Non Scheduled Charging");
});

test("a clock stepping back moves a running latch back with it: it is not held an hour longer", (t) => {
	const engine = engineFor(t, {
		extend: { emergency: [{ name: "Boost", match: ["settings.boost"], condition: ["eq"], value: [1], charge_amps: 20, latch_period: 2 }] },
	});
	evaluate(engine, { boost: 1 }, at(0, 5));
	t.true(evaluate(engine, { boost: 0 }, at(0, 5, 1)).latched, "latched until 05:02");
	// The clock is set back an hour: the minute of latch left is kept, not the hour.
	t.true(evaluate(engine, { boost: 0 }, at(0, 4, 2)).latched);
	t.is(evaluate(engine, { boost: 0 }, at(0, 4, 3)).policy?.name, "Non Scheduled Charging");
});

const policy = (name: string, amps = 10) => ({ name, match: ["settings.never"], condition: ["eq"], value: [1], charge_amps: amps });

test("extend: emergency first, before after Charge Now, after before Non Scheduled Charging (§5.5)", (t) => {
	const engine = engineFor(t, {
		extend: { emergency: [policy("E1"), policy("E2")], before: [policy("B")], after: [policy("A")] },
	});
	t.deepEqual(engine.policies.map((p) => p.name), [
		"E1",
		"E2",
		"Charge Now",
		"B",
		"Scheduled Charging",
		"Track Green Energy",
		"A",
		"Non Scheduled Charging",
		"Track Green Energy",
	]);
});

test("extend.restrictions are AND-ed onto the first policy of that name", (t) => {
	const engine = engineFor(t, {
		extend: {
			restrictions: {
				"Charge Now": { match: ["tm_hour"], condition: ["lt"], value: [7] },
				"Track Green Energy": { match: [0], condition: ["false"], value: [0] },
			},
		},
	});
	t.deepEqual(engine.policies[0].match, ["settings.chargeNowAmps", "settings.chargeNowTimeEnd", "settings.chargeNowTimeEnd", "tm_hour"]);
	t.deepEqual(engine.policies[0].condition, ["gt", "gt", "gt", "lt"]);
	t.deepEqual(engine.policies[0].value, [0, 0, "now", 7]);
	const chargeNow = (clock: ReturnType<typeof at>) => ({ chargeNowAmps: 16, chargeNowTimeEnd: seconds(clock.nowMs) + 60 });
	t.is(evaluate(engine, chargeNow(at(0, 3)), at(0, 3)).policy?.name, "Charge Now");
	t.is(evaluate(engine, chargeNow(at(0, 23)), at(0, 23)).policy?.name, "Non Scheduled Charging");
	// #3 never matches now, but #5 keeps its own conditions (§12.13).
	t.is(evaluate(engine, {}, at(0, 12)).policy?.name, "Non Scheduled Charging");
	t.is(evaluate(engine, { nonScheduledAction: 3 }, at(0, 12)).policy, engine.policies[4]);
});

test("override replaces the whole list; extend and greenEnergyLatch are not applied", (t) => {
	const compiled = compilePolicies(
		{ override: [policy("Only", 12), { ...policy("Always", 6), match: [0], condition: ["none"] }], extend: { before: [policy("B")] } },
		{ greenEnergyLatch: 10 },
	);
	t.deepEqual(compiled.errors, []);
	t.deepEqual(compiled.policies.map((p) => p.name), ["Only", "Always"]);
	t.is(compiled.warnings.length, 2);
	t.regex(compiled.warnings.join("\n"), /policy\.extend: ignored/);
	t.regex(compiled.warnings.join("\n"), /config\.greenEnergyLatch: ignored/);
	const engine = new PolicyEngine(compiled);
	t.deepEqual(evaluate(engine, {}, at(0, 12)).wish, { kind: "amps", amps: 6, flexAmps: 0 });
	t.is(compilePolicies({ override: [] }, {}).policies.length, 5, "an empty override changes nothing");
});

test("webhooks: exit of the old and enter of the new policy on a change; start/stop on request", (t) => {
	const engine = engineFor(t, {
		extend: {
			webhooks: {
				"Charge Now": { enter: "http://hook/cn-enter", exit: "http://hook/cn-exit", start: "http://hook/cn-start" },
				"Non Scheduled Charging": { enter: "http://hook/ns-enter", stop: "http://hook/ns-stop" },
			},
		},
	});
	const night = at(0, 23);
	const settings = { chargeNowAmps: 16, chargeNowTimeEnd: seconds(night.nowMs) + 600 };
	t.deepEqual(evaluate(engine, {}, night).webhooks, [{ event: "enter", url: "http://hook/ns-enter" }]);
	t.deepEqual(evaluate(engine, {}, night).webhooks, [], "no change, no webhook");
	t.deepEqual(evaluate(engine, settings, night).webhooks, [{ event: "enter", url: "http://hook/cn-enter" }]);
	t.deepEqual(engine.webhooksFor("start"), [{ event: "start", url: "http://hook/cn-start" }]);
	t.deepEqual(engine.webhooksFor("stop"), []);
	t.deepEqual(evaluate(engine, settings, at(0, 23, 10)).webhooks, [
		{ event: "exit", url: "http://hook/cn-exit" },
		{ event: "enter", url: "http://hook/ns-enter" },
	]);
	t.deepEqual(engine.webhooksFor("stop"), [{ event: "stop", url: "http://hook/ns-stop" }]);
	t.deepEqual(engine.toJSON()[0].webhooks, { enter: "http://hook/cn-enter", exit: "http://hook/cn-exit", start: "http://hook/cn-start" });
});

test("an unknown condition or macro is reported with its place; that policy is left out, the others work", (t) => {
	const compiled = compilePolicies(
		{
			extend: {
				before: [
					{ name: "Cheap hours", match: ["tm_hour"], condition: ["gtx"], value: [3], charge_amps: 10 },
					{ name: "Typo", match: ["tm_hours", ["settings.a"]], condition: ["lt", ["eq"]], value: [7, ["foo()"]], charge_amps: 10 },
					{ name: "Bad amps", match: [], condition: [], value: [], charge_amps: "setings.amps" },
					{ name: "Short", match: ["tm_hour", "tm_min"], condition: ["lt"], value: [7] },
					"not a policy",
					{ name: "Fine", match: ["settings.fine"], condition: ["eq"], value: [1], charge_amps: 9 },
				],
			},
		},
		{},
	);
	t.deepEqual(compiled.errors, [
		'policy.extend.before[0] "Cheap hours": unknown condition "gtx"',
		'policy.extend.before[1] "Typo": unknown macro "tm_hours"',
		'policy.extend.before[1] "Typo": unknown macro "foo()"',
		'policy.extend.before[2] "Bad amps": charge_amps: "setings.amps" is not a number or a known macro',
		'policy.extend.before[3] "Short": "match", "condition" and "value" must be lists of the same length',
		'policy.extend.before[4]: must be an object with a "name"',
	]);
	t.regex(compiled.warnings[0], /^policy\.extend\.before\[0\] "Cheap hours": left out because of the errors above/);
	t.deepEqual(compiled.policies.map((p) => p.name), ["Charge Now", "Fine", ...NAMES.slice(1)]);
	const engine = new PolicyEngine(compiled);
	t.is(evaluate(engine, { fine: 1 }, at(0, 12)).policy?.name, "Fine");
	t.is(evaluate(engine, {}, at(0, 12)).policy?.name, "Track Green Energy");
});

test("a broken restriction leaves its policy out; other config mistakes are reported", (t) => {
	const compiled = compilePolicies(
		{
			engine: { policyCheckInterval: "soon" },
			extend: {
				restrictions: { "Non Scheduled Charging": { match: ["tm_hour"], condition: ["below"], value: [7] }, Nobody: { match: [], condition: [], value: [] } },
				webhooks: { "Charge Now": { enter: 5, leave: "http://x" } },
			},
			surprise: 1,
		},
		{ greenEnergyLatch: "long" },
	);
	t.deepEqual(compiled.errors, [
		'policy.engine.policyCheckInterval: must be seconds ≥ 0 (got "soon"); using 30',
		'policy.extend.restrictions "Non Scheduled Charging": unknown condition "below"',
		'policy.extend.restrictions "Nobody": no policy named "Nobody"',
		'policy.extend.webhooks "Charge Now": webhooks.enter: must be a URL (got 5)',
		'config.greenEnergyLatch: must be minutes > 0 (got "long")',
	]);
	t.deepEqual(compiled.policies.map((p) => p.name), ["Charge Now", "Scheduled Charging", "Track Green Energy", "Track Green Energy"]);
	t.is(compiled.policyCheckInterval, 30);
	t.true(compiled.warnings.includes('policy: unknown key "surprise" ignored'));
	t.true(compiled.warnings.some((w) => w.includes('unknown event "leave"')));
});

test("a literal that looks like a macro is a warning when compared as text", (t) => {
	const compiled = compilePolicies({ extend: { after: [{ name: "T", match: ["setting.x"], condition: ["eq"], value: [1] }] } }, {});
	t.deepEqual(compiled.errors, []);
	t.deepEqual(compiled.warnings, ['policy.extend.after[0] "T": "setting.x" is not a macro and is compared as text']);
});

test("evaluation is throttled to policyCheckInterval unless applyImmediately() was called (§5.1)", (t) => {
	const engine = engineFor(t);
	const t0 = at(0, 23);
	const input = (settings: Record<string, unknown>) => ({ settings, local: t0.local });
	const chargeNow = { chargeNowAmps: 16, chargeNowTimeEnd: seconds(t0.nowMs) + 3600 };
	t.true(engine.evaluate(input({}), t0.nowMs).evaluated);
	let r = engine.evaluate(input(chargeNow), t0.nowMs + 10_000);
	t.false(r.evaluated);
	t.is(r.policy?.name, "Non Scheduled Charging");
	t.false(r.changed);
	t.deepEqual(r.webhooks, []);
	r = engine.evaluate(input(chargeNow), t0.nowMs + 30_000);
	t.true(r.evaluated);
	t.is(r.policy?.name, "Charge Now");

	engine.evaluate(input({}), t0.nowMs + 31_000);
	t.is(engine.activePolicyName, "Charge Now", "throttled");
	engine.applyImmediately();
	t.is(engine.evaluate(input({}), t0.nowMs + 32_000).policy?.name, "Non Scheduled Charging", "applyImmediately");
	t.true(engine.evaluate(input({}), t0.nowMs - 3_600_000).evaluated, "a clock stepping back does not freeze the policy");

	const slow = engineFor(t, { engine: { policyCheckInterval: 60 } });
	slow.evaluate(input({}), t0.nowMs);
	t.false(slow.evaluate(input({}), t0.nowMs + 59_999).evaluated);
	t.true(slow.evaluate(input({}), t0.nowMs + 60_000).evaluated);
});

test("activePolicyAction: 1 charge amps > 0, 2 charge amps 0, 3 green", (t) => {
	const engine = engineFor(t);
	t.is(engine.activePolicyAction(), null);
	evaluate(engine, { nonScheduledAmpsMax: 6 }, at(0, 23));
	t.is(engine.activePolicyAction(), 1);
	t.false(engine.policyIsGreen());
	evaluate(engine, { nonScheduledAmpsMax: 0 }, at(0, 23));
	t.is(engine.activePolicyAction(), 2);
	evaluate(engine, {}, at(0, 12));
	t.is(engine.activePolicyAction(), 3);
	t.true(engine.policyIsGreen());
});

test("wished amps are numbers ≥ 0: NaN → 0 with a warning, negative → 0, macros resolved", (t) => {
	const always = (name: string, charge_amps: unknown) => ({ name, match: ["settings.pick"], condition: ["eq"], value: [name], charge_amps });
	const engine = engineFor(t, {
		extend: {
			emergency: [
				always("text", "settings.weird"),
				always("negative", -5),
				always("green amps", "getMaxAmpsToDivideGreenEnergy()"),
				always("module", "modules.Meter.amps"),
			],
		},
	});
	const noon = at(0, 12);
	let r = evaluate(engine, { pick: "text", weird: "lots" }, noon);
	t.deepEqual(r.wish, { kind: "amps", amps: 0, flexAmps: 0 });
	t.deepEqual(r.warnings, ['policy "text": charge_amps "settings.weird" is "lots", not a number; using 0']);
	t.is(engine.activePolicyAction(), 2);
	t.deepEqual(evaluate(engine, { pick: "negative" }, noon).wish, { kind: "amps", amps: 0, flexAmps: 0 });
	t.deepEqual(evaluate(engine, { pick: "green amps" }, noon, { greenAmps: 13.5 }).wish, { kind: "amps", amps: 13.5, flexAmps: 0 });
	t.deepEqual(evaluate(engine, { pick: "module" }, noon, { modules: (m, a) => (m === "Meter" && a === "amps" ? 7 : undefined) }).wish, {
		kind: "amps",
		amps: 7,
		flexAmps: 0,
	});
	t.deepEqual(evaluate(engine, { pick: "module" }, noon).wish, { kind: "amps", amps: 0, flexAmps: 0 }, "no module: 0");
});

test("a comparison with a non-number is false and reported, never thrown", (t) => {
	const engine = engineFor(t);
	const r = evaluate(engine, { chargeNowAmps: "plenty", chargeNowTimeEnd: seconds(at(0, 23).nowMs) + 60 }, at(0, 23));
	t.is(r.policy?.name, "Non Scheduled Charging");
	t.deepEqual(r.warnings, ['policy "Charge Now": "settings.chargeNowAmps" gt 0: "plenty" is not a number, condition is false']);
});
