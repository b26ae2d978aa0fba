/**
 * TWCManager's charge policy list and its evaluation (reference twcmanager-core.md §5,
 * `lib/TWCManager/Policy/Policy.py`), pure: settings, local time and green amps come in as values.
 *
 * `compilePolicies` builds the list from the config's `policy` section (§5.5) and checks every
 * condition and macro up front; a broken policy is reported and left out. `PolicyEngine` walks the
 * list (§5.1), latches (§5.4) and says what the winning policy wishes for: fixed amps or green.
 */
import {
	checkConditionLists,
	checkConditions,
	numericOperandProblem,
	resolveOperand,
	toNumber,
	type MacroContext,
	type Operand,
	type PolicyLocalTime,
	type Term,
} from "./policy-conditions.js";

export type { Operand, PolicyLocalTime, Term } from "./policy-conditions.js";

export type WebhookEvent = "enter" | "start" | "stop" | "exit";
const WEBHOOK_EVENTS: readonly string[] = ["enter", "start", "stop", "exit"];
export type Webhooks = Readonly<Partial<Record<WebhookEvent, string>>>;
export interface WebhookCall {
	event: WebhookEvent;
	url: string;
}

/** One policy, shaped and named as TWCManager's dicts (and /api/getPolicy). */
export interface Policy {
	readonly name: string;
	readonly match: readonly Term[];
	readonly condition: readonly Term[];
	readonly value: readonly Term[];
	/** Present → fixed amps; absent → a green policy (§5.2). */
	readonly charge_amps?: Operand;
	readonly background_task?: string;
	readonly allowed_flex?: Operand;
	readonly charge_limit?: Operand;
	/** Minutes (§5.4). */
	readonly latch_period?: number;
	readonly webhooks?: Webhooks;
}

const POLICY_KEYS = new Set(["name", "match", "condition", "value", "charge_amps", "background_task", "allowed_flex", "charge_limit", "latch_period", "webhooks"]);

/** The built-in list, in TWCManager's order (§5.2). Fresh objects on every call. */
export function defaultPolicies(): Policy[] {
	const green = { background_task: "checkGreenEnergy", allowed_flex: "config.greenEnergyFlexAmps", charge_limit: "config.greenEnergyLimit" };
	return [
		{
			name: "Charge Now",
			match: ["settings.chargeNowAmps", "settings.chargeNowTimeEnd", "settings.chargeNowTimeEnd"],
			condition: ["gt", "gt", "gt"],
			value: [0, 0, "now"],
			charge_amps: "settings.chargeNowAmps",
			charge_limit: "config.chargeNowLimit",
		},
		{
			name: "Scheduled Charging",
			match: ["checkScheduledCharging()"],
			condition: ["eq"],
			value: [1],
			charge_amps: "settings.scheduledAmpsMax",
			charge_limit: "config.scheduledLimit",
		},
		{
			name: "Track Green Energy",
			match: ["tm_hour", "tm_hour", "settings.hourResumeTrackGreenEnergy", "settings.nonScheduledAction"],
			condition: ["gte", "lt", "lte", "ne"],
			value: ["settings.sunrise", "settings.sunset", "tm_hour", 2],
			...green,
		},
		{
			name: "Non Scheduled Charging",
			match: ["settings.nonScheduledAction"],
			condition: ["lt"],
			value: [3],
			charge_amps: "settings.nonScheduledAmpsMax",
			charge_limit: "config.nonScheduledLimit",
		},
		{
			// Same name as #3 on purpose (TWCManager); config aimed at the name reaches #3 only (§12.13).
			name: "Track Green Energy",
			match: ["settings.nonScheduledAction"],
			condition: ["eq"],
			value: [3],
			...green,
		},
	];
}

export interface CompiledPolicies {
	policies: Policy[];
	/** Seconds between evaluations (§5.1, `policy.engine.policyCheckInterval`). */
	policyCheckInterval: number;
	alwaysPollEMS: boolean;
	/** The config.json `config` section, for the config.<key> macros. */
	config: Readonly<Record<string, unknown>>;
	errors: string[];
	warnings: string[];
}

const DEFAULT_CHECK_INTERVAL_S = 30;

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
	return JSON.stringify(value) ?? String(value);
}

const cloneTerm = (term: Term): Term => (Array.isArray(term) ? term.map(cloneTerm) : term);

class Report {
	readonly errors: string[] = [];
	readonly warnings: string[] = [];
	warnUnknownKeys(node: Record<string, unknown>, known: readonly string[], where: string): void {
		for (const key of Object.keys(node)) if (!known.includes(key)) this.warnings.push(`${where}: unknown key "${key}" ignored`);
	}
}

function readWebhooks(raw: unknown, errors: string[], warnings: string[]): Webhooks | undefined {
	if (!isObject(raw)) {
		errors.push(`webhooks: must be an object {enter, start, stop, exit: url} (got ${show(raw)})`);
		return undefined;
	}
	const hooks: Partial<Record<WebhookEvent, string>> = {};
	for (const [event, url] of Object.entries(raw)) {
		if (!WEBHOOK_EVENTS.includes(event)) warnings.push(`webhooks: unknown event "${event}" ignored (enter, start, stop, exit)`);
		else if (typeof url !== "string" || url === "") errors.push(`webhooks.${event}: must be a URL (got ${show(url)})`);
		else hooks[event as WebhookEvent] = url;
	}
	return hooks;
}

/** Checks one policy object; undefined (with errors) if it cannot be used. */
function readPolicy(raw: unknown, where: string, report: Report): Policy | undefined {
	if (!isObject(raw) || typeof raw.name !== "string" || raw.name === "") {
		report.errors.push(`${where}: must be an object with a "name"`);
		return undefined;
	}
	const label = `${where} "${raw.name}"`;
	const errors: string[] = [];
	const warnings: string[] = [];
	checkConditionLists(raw.match, raw.condition, raw.value, errors, warnings);
	for (const key of ["charge_amps", "allowed_flex", "charge_limit"]) {
		const problem = key in raw ? numericOperandProblem(raw[key]) : undefined;
		if (problem) errors.push(`${key}: ${problem}`);
	}
	const latch = raw.latch_period;
	if (latch !== undefined && !(typeof latch === "number" && latch >= 0)) errors.push(`latch_period: must be minutes ≥ 0 (got ${show(latch)})`);
	if (raw.background_task !== undefined && typeof raw.background_task !== "string") errors.push(`background_task: must be a name (got ${show(raw.background_task)})`);
	const webhooks = raw.webhooks === undefined ? undefined : readWebhooks(raw.webhooks, errors, warnings);
	for (const key of Object.keys(raw)) if (!POLICY_KEYS.has(key)) warnings.push(`unknown key "${key}" ignored`);

	for (const text of errors) report.errors.push(`${label}: ${text}`);
	for (const text of warnings) report.warnings.push(`${label}: ${text}`);
	if (errors.length > 0) {
		report.warnings.push(`${label}: left out because of the errors above; the other policies are used`);
		return undefined;
	}
	const policy: Record<string, unknown> = {
		name: raw.name,
		match: (raw.match as Term[]).map(cloneTerm),
		condition: (raw.condition as Term[]).map(cloneTerm),
		value: (raw.value as Term[]).map(cloneTerm),
	};
	for (const key of ["charge_amps", "background_task", "allowed_flex", "charge_limit", "latch_period"]) if (key in raw) policy[key] = raw[key];
	if (webhooks) policy.webhooks = webhooks;
	return policy as unknown as Policy;
}

function readPolicyList(raw: unknown, where: string, report: Report): Policy[] {
	if (raw === undefined || raw === null) return [];
	if (!Array.isArray(raw)) {
		report.errors.push(`${where}: must be a list of policies`);
		return [];
	}
	const list: Policy[] = [];
	raw.forEach((item, i) => {
		const policy = readPolicy(item, `${where}[${i}]`, report);
		if (policy) list.push(policy);
	});
	return list;
}

/** `extend.restrictions`: AND-ed onto the first policy of that name; a broken one drops that policy (§5.5). */
function applyRestrictions(raw: unknown, policies: Policy[], report: Report): void {
	if (raw === undefined || raw === null) return;
	if (!isObject(raw)) {
		report.errors.push(`policy.extend.restrictions: must be an object {policyName: {match, condition, value}}`);
		return;
	}
	for (const [name, restriction] of Object.entries(raw)) {
		const label = `policy.extend.restrictions "${name}"`;
		const index = policies.findIndex((p) => p.name === name);
		if (index < 0) {
			report.errors.push(`${label}: no policy named "${name}"`);
			continue;
		}
		const errors: string[] = [];
		const warnings: string[] = [];
		if (!isObject(restriction)) errors.push(`must be an object {match, condition, value}`);
		else {
			checkConditionLists(restriction.match ?? [], restriction.condition ?? [], restriction.value ?? [], errors, warnings);
			for (const key of Object.keys(restriction)) if (!["match", "condition", "value"].includes(key)) warnings.push(`unknown key "${key}" ignored`);
		}
		for (const text of errors) report.errors.push(`${label}: ${text}`);
		for (const text of warnings) report.warnings.push(`${label}: ${text}`);
		if (errors.length > 0 || !isObject(restriction)) {
			// Without its restriction the policy would charge when it must not: leave it out.
			report.warnings.push(`${label}: policy "${name}" left out because its restriction has errors`);
			policies.splice(index, 1);
			continue;
		}
		const target = policies[index];
		const more = (key: "match" | "condition" | "value") => ((restriction[key] ?? []) as Term[]).map(cloneTerm);
		policies[index] = { ...target, match: [...target.match, ...more("match")], condition: [...target.condition, ...more("condition")], value: [...target.value, ...more("value")] };
	}
}

/** `extend.webhooks`: replaces the webhooks of the first policy of that name (§5.5). */
function applyWebhooks(raw: unknown, policies: Policy[], report: Report): void {
	if (raw === undefined || raw === null) return;
	if (!isObject(raw)) {
		report.errors.push(`policy.extend.webhooks: must be an object {policyName: {enter, start, stop, exit: url}}`);
		return;
	}
	for (const [name, hooks] of Object.entries(raw)) {
		const label = `policy.extend.webhooks "${name}"`;
		const errors: string[] = [];
		const warnings: string[] = [];
		const webhooks = readWebhooks(hooks, errors, warnings);
		for (const text of errors) report.errors.push(`${label}: ${text}`);
		for (const text of warnings) report.warnings.push(`${label}: ${text}`);
		const index = policies.findIndex((p) => p.name === name);
		if (index < 0) report.warnings.push(`${label}: no policy named "${name}", ignored`);
		else if (webhooks) policies[index] = { ...policies[index], webhooks };
	}
}

/** `config.greenEnergyLatch` (minutes) → latch_period of the first Track Green Energy policy (§5.4). */
function applyGreenLatch(config: Readonly<Record<string, unknown>>, policies: Policy[], report: Report): void {
	const latch = config.greenEnergyLatch;
	if (latch === undefined || latch === null || latch === 0) return;
	if (typeof latch !== "number" || !(latch > 0)) {
		report.errors.push(`config.greenEnergyLatch: must be minutes > 0 (got ${show(latch)})`);
		return;
	}
	const index = policies.findIndex((p) => p.name === "Track Green Energy");
	if (index >= 0) policies[index] = { ...policies[index], latch_period: latch };
}

/**
 * Builds the policy list from config.json's `policy` and `config` sections (§5.5). Every problem
 * is reported with its place (`policy.extend.before[0] "Cheap hours": unknown condition "gtx"`);
 * a policy with errors is left out and the others keep working.
 */
export function compilePolicies(policySection: unknown, configSection: unknown): CompiledPolicies {
	const report = new Report();
	const config = isObject(configSection) ? configSection : {};
	const section = isObject(policySection) ? policySection : {};
	if (policySection !== undefined && policySection !== null && !isObject(policySection)) report.errors.push(`policy: must be an object`);
	report.warnUnknownKeys(section, ["alwaysPollEMS", "engine", "extend", "override"], "policy");

	let policyCheckInterval = DEFAULT_CHECK_INTERVAL_S;
	const engine = section.engine;
	if (isObject(engine)) {
		report.warnUnknownKeys(engine, ["policyCheckInterval"], "policy.engine");
		const interval = engine.policyCheckInterval;
		if (typeof interval === "number" && interval >= 0) policyCheckInterval = interval;
		else if (interval !== undefined) report.errors.push(`policy.engine.policyCheckInterval: must be seconds ≥ 0 (got ${show(interval)}); using ${DEFAULT_CHECK_INTERVAL_S}`);
	} else if (engine !== undefined) report.errors.push(`policy.engine: must be an object`);

	const alwaysPollEMS = section.alwaysPollEMS === true || section.alwaysPollEMS === 1;
	const extend = isObject(section.extend) ? section.extend : {};
	if (section.extend !== undefined && !isObject(section.extend)) report.errors.push(`policy.extend: must be an object`);

	let policies: Policy[];
	if (Array.isArray(section.override) && section.override.length > 0) {
		// A non-empty override replaces everything; extend and greenEnergyLatch are not applied (§5.5).
		policies = readPolicyList(section.override, "policy.override", report);
		if (Object.keys(extend).length > 0) report.warnings.push(`policy.extend: ignored because policy.override replaces the policy list`);
		if (config.greenEnergyLatch) report.warnings.push(`config.greenEnergyLatch: ignored because policy.override replaces the policy list`);
	} else {
		if (section.override !== undefined && !Array.isArray(section.override)) report.errors.push(`policy.override: must be a list of policies`);
		report.warnUnknownKeys(extend, ["emergency", "before", "after", "restrictions", "webhooks"], "policy.extend");
		const [chargeNow, scheduled, green, nonScheduled, green2] = defaultPolicies();
		policies = [
			...readPolicyList(extend.emergency, "policy.extend.emergency", report),
			chargeNow,
			...readPolicyList(extend.before, "policy.extend.before", report),
			scheduled,
			green,
			...readPolicyList(extend.after, "policy.extend.after", report),
			nonScheduled,
			green2,
		];
		applyRestrictions(extend.restrictions, policies, report);
		applyWebhooks(extend.webhooks, policies, report);
		applyGreenLatch(config, policies, report);
	}
	return { policies, policyCheckInterval, alwaysPollEMS, config, errors: report.errors, warnings: report.warnings };
}

// ---- evaluation ----------------------------------------------------------------------------

/** What one evaluation reads (§5.3 macros). */
export interface PolicyInput {
	/** settings.json values; a missing key reads as its §5.7 default, else 0. */
	settings: Readonly<Record<string, unknown>>;
	local: PolicyLocalTime;
	/** getMaxAmpsToDivideGreenEnergy(); 0 if not given. */
	greenAmps?: number;
	/** getMaxAmpsForTargetGridUsage(); 0 if not given. */
	gridTargetAmps?: number;
	/** modules.<Module>.<attr>; undefined reads as 0. */
	modules?: (module: string, attr: string) => unknown;
}

/** What the active policy asks for: fixed amps to divide among the slaves, or green tracking. */
export type PolicyWish = { kind: "amps"; amps: number; flexAmps: number } | { kind: "green"; flexAmps: number };

export interface PolicyResult {
	/** The enforced policy; null while nothing ever matched. */
	policy: Policy | null;
	wish: PolicyWish | null;
	/** Resolved charge_limit: 50 … 100, or −1 = leave the car's own limit (§5.4). */
	chargeLimit: number;
	/** The active policy name changed (TWCManager compares names). */
	changed: boolean;
	/** The policy holds only by its latch: its conditions no longer match. */
	latched: boolean;
	/** False when skipped by policyCheckInterval: the rest repeats the last evaluation. */
	evaluated: boolean;
	/** exit of the old policy, then enter of the new one, on a change. */
	webhooks: WebhookCall[];
	/** Values that could not be read as numbers (e.g. charge_amps "abc" → 0). */
	warnings: string[];
}

const NOTHING: PolicyResult = Object.freeze({ policy: null, wish: null, chargeLimit: -1, changed: false, latched: false, evaluated: false, webhooks: [], warnings: [] });

/** The policy list in action (§5.1, §5.4). */
export class PolicyEngine {
	readonly #policies: readonly Policy[];
	readonly #config: Readonly<Record<string, unknown>>;
	readonly #intervalMs: number;
	/** undefined: evaluate at the next call. */
	#lastCheckMs: number | undefined;
	#latchUntilMs = new Map<Policy, number>();
	/** The time of the last evaluate() call, evaluated or not (to see the clock step back). */
	#seenMs: number | undefined;
	#last: PolicyResult = NOTHING;

	constructor(compiled: Pick<CompiledPolicies, "policies" | "policyCheckInterval" | "config">) {
		this.#policies = compiled.policies.slice();
		this.#config = compiled.config;
		this.#intervalMs = compiled.policyCheckInterval * 1000;
	}

	get policies(): readonly Policy[] {
		return this.#policies;
	}

	get activePolicy(): Policy | null {
		return this.#last.policy;
	}

	/** TWCManager's `currentPolicy`: "None" until a policy was enforced. */
	get activePolicyName(): string {
		return this.#last.policy?.name ?? "None";
	}

	/** The next evaluate() runs whatever the interval (chargeNow, cancel, setPolicy: §5.1). */
	applyImmediately(): void {
		this.#lastCheckMs = undefined;
	}

	/** Picks the policy (§5.1): the first latched or matching one, else the current one stays. */
	evaluate(input: PolicyInput, nowMs: number): PolicyResult {
		// A clock stepping back (NTP): latches count real minutes, so they move back with it.
		const seen = this.#seenMs;
		if (seen !== undefined && nowMs < seen) for (const [policy, until] of this.#latchUntilMs) this.#latchUntilMs.set(policy, until + (nowMs - seen));
		this.#seenMs = nowMs;
		const last = this.#lastCheckMs;
		// A clock stepping back (NTP) must not hold the policy until it catches up.
		if (last !== undefined && nowMs >= last && nowMs < last + this.#intervalMs) {
			return { ...this.#last, changed: false, evaluated: false, webhooks: [], warnings: [] };
		}
		this.#lastCheckMs = nowMs;
		const warnings: string[] = [];
		const ctx: MacroContext = {
			nowMs,
			local: input.local,
			settings: input.settings,
			config: this.#config,
			greenAmps: input.greenAmps ?? 0,
			gridTargetAmps: input.gridTargetAmps ?? 0,
			modules: input.modules,
		};

		let winner: Policy | null = this.#last.policy;
		let latched = false;
		for (const policy of this.#policies) {
			const matched = checkConditions(policy.match, policy.condition, policy.value, ctx, (text) => warnings.push(`policy "${policy.name}": ${text}`));
			const held = (this.#latchUntilMs.get(policy) ?? -Infinity) > nowMs;
			if (!matched && !held) continue;
			// The latch runs latch_period minutes from the last time the conditions matched.
			if (matched && policy.latch_period) this.#latchUntilMs.set(policy, nowMs + policy.latch_period * 60_000);
			winner = policy;
			latched = !matched;
			break;
		}

		const previous = this.#last.policy;
		const changed = winner !== null && winner.name !== previous?.name;
		const webhooks: WebhookCall[] = [];
		if (changed) {
			if (previous) webhooks.push(...this.#webhooks(previous.name, "exit"));
			webhooks.push(...this.#webhooks(winner!.name, "enter"));
		}
		const { wish, chargeLimit } = winner ? this.#wishOf(winner, ctx, warnings) : { wish: null, chargeLimit: -1 };
		this.#last = { policy: winner, wish, chargeLimit, changed, latched, evaluated: true, webhooks, warnings };
		return this.#last;
	}

	/** §5.2 getActivePolicyAction: 1 = charge amps > 0, 2 = charge amps 0, 3 = green, null = none yet. */
	activePolicyAction(): 1 | 2 | 3 | null {
		const wish = this.#last.wish;
		if (!wish) return null;
		if (wish.kind === "green") return 3;
		return wish.amps > 0 ? 1 : 2;
	}

	/** The active policy has no charge_amps (§5.2). */
	policyIsGreen(): boolean {
		return this.#last.wish?.kind === "green";
	}

	/** The active policy's webhook for a car starting or stopping to charge (§5.4). */
	webhooksFor(event: WebhookEvent): WebhookCall[] {
		const policy = this.#last.policy;
		return policy ? this.#webhooks(policy.name, event) : [];
	}

	/** /api/getPolicy: the list as TWCManager dumps it, with `__latchTime` (epoch s) where latched. */
	toJSON(): Record<string, unknown>[] {
		return this.#policies.map((policy) => {
			const until = this.#latchUntilMs.get(policy);
			return until === undefined ? { ...policy } : { ...policy, __latchTime: until / 1000 };
		});
	}

	/** Webhooks are looked up by name, as TWCManager's getPolicyByName: the first of that name. */
	#webhooks(name: string, event: WebhookEvent): WebhookCall[] {
		const url = this.#policies.find((p) => p.name === name)?.webhooks?.[event];
		return url ? [{ event, url }] : [];
	}

	#wishOf(policy: Policy, ctx: MacroContext, warnings: string[]): { wish: PolicyWish; chargeLimit: number } {
		const amps = (key: "charge_amps" | "allowed_flex"): number => {
			const operand = policy[key] ?? 0;
			const resolved = resolveOperand(operand, ctx);
			const n = toNumber(resolved);
			if (Number.isNaN(n)) {
				warnings.push(`policy "${policy.name}": ${key} ${show(operand)} is ${show(resolved)}, not a number; using 0`);
				return 0;
			}
			return Math.max(0, n);
		};
		const flexAmps = amps("allowed_flex");
		const wish: PolicyWish = "charge_amps" in policy ? { kind: "amps", amps: amps("charge_amps"), flexAmps } : { kind: "green", flexAmps };
		const limit = policy.charge_limit === undefined ? -1 : toNumber(resolveOperand(policy.charge_limit, ctx));
		return { wish, chargeLimit: limit >= 50 && limit <= 100 ? limit : -1 };
	}
}
