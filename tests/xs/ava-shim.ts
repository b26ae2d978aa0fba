/**
 * Just enough of ava for tests/core/** to run inside XS (esbuild aliases `ava` to this file).
 * Behaves like ava where it matters: a failed assertion marks the test failed but does not stop
 * it, a test without assertions fails, a thrown error or rejected promise fails the test.
 *
 * It also speaks to tests/xs/run-xs.mjs through xsnap's `handleCommand`: "load" imports every
 * test file and lists the tests, "run <id>" runs one test. Node times each command, so a test
 * that hangs or crashes the worker fails alone.
 */
type Implementation = (t: ExecutionContext, ...args: any[]) => unknown;
type Expectation = { message?: string | RegExp; instanceOf?: Function; name?: string; is?: unknown };

interface Entry {
	title: string;
	file: string;
	fn?: Implementation;
	args: unknown[];
}

const entries: Entry[] = [];
let currentFile = "";

function register(title: string, fn: Implementation | undefined, args: unknown[]): void {
	entries.push({ title, file: currentFile, fn, args });
}

const test = Object.assign((title: string, fn: Implementation, ...args: unknown[]) => register(title, fn, args), {
	serial: (title: string, fn: Implementation, ...args: unknown[]) => register(title, fn, args),
	only: (title: string, fn: Implementation, ...args: unknown[]) => register(title, fn, args),
	skip: (title: string, _fn?: Implementation) => register(title, undefined, []),
	todo: (title: string) => register(title, undefined, []),
});
export default test;

// ---- assertions -------------------------------------------------------------------------------

class ExecutionContext {
	readonly title: string;
	readonly errors: string[] = [];
	readonly logs: string[] = [];
	readonly teardowns: (() => unknown)[] = [];
	count = 0;
	planned: number | undefined;

	constructor(title: string) {
		this.title = title;
	}

	failedAssertions = 0;

	// Like ava, only the first failed assertion of a test is described.
	#check(ok: boolean, message: string | undefined, detail: () => string): boolean {
		this.count++;
		if (!ok && this.failedAssertions++ === 0) this.errors.push(message ? `${message}\n${detail()}` : detail());
		return ok;
	}

	is(actual: unknown, expected: unknown, message?: string) {
		return this.#check(Object.is(actual, expected), message, () => `t.is: ${show(actual)} !== ${show(expected)}`);
	}
	not(actual: unknown, expected: unknown, message?: string) {
		return this.#check(!Object.is(actual, expected), message, () => `t.not: both are ${show(actual)}`);
	}
	deepEqual(actual: unknown, expected: unknown, message?: string) {
		return this.#check(deepEqual(actual, expected), message, () => `t.deepEqual:\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
	}
	/** ava's t.like: the selector's own properties (recursively for plain objects) deep-equal the actual's. */
	like(actual: unknown, selector: unknown, message?: string) {
		return this.#check(likeMatch(actual, selector), message, () => `t.like:\n  actual:   ${show(actual)}\n  selector: ${show(selector)}`);
	}
	notDeepEqual(actual: unknown, expected: unknown, message?: string) {
		return this.#check(!deepEqual(actual, expected), message, () => `t.notDeepEqual: both are ${show(actual)}`);
	}
	true(actual: unknown, message?: string) {
		return this.#check(actual === true, message, () => `t.true: got ${show(actual)}`);
	}
	false(actual: unknown, message?: string) {
		return this.#check(actual === false, message, () => `t.false: got ${show(actual)}`);
	}
	truthy(actual: unknown, message?: string) {
		return this.#check(!!actual, message, () => `t.truthy: got ${show(actual)}`);
	}
	falsy(actual: unknown, message?: string) {
		return this.#check(!actual, message, () => `t.falsy: got ${show(actual)}`);
	}
	assert(actual: unknown, message?: string) {
		return this.#check(!!actual, message, () => `t.assert: got ${show(actual)}`);
	}
	regex(text: string, re: RegExp, message?: string) {
		return this.#check(re.test(text), message, () => `t.regex: ${show(text)} does not match ${re}`);
	}
	notRegex(text: string, re: RegExp, message?: string) {
		return this.#check(!re.test(text), message, () => `t.notRegex: ${show(text)} matches ${re}`);
	}
	pass(_message?: string) {
		return this.#check(true, undefined, () => "");
	}
	fail(message?: string) {
		return this.#check(false, message, () => "t.fail()");
	}

	throws(fn: () => unknown, expectation?: Expectation | null, message?: string): any {
		let result: unknown;
		try {
			result = fn();
		} catch (error) {
			const problem = mismatch(error, expectation);
			return this.#check(!problem, message, () => `t.throws: ${problem}`) ? error : undefined;
		}
		const hint = isThenable(result) ? " (it returned a promise: use t.throwsAsync)" : "";
		this.#check(false, message, () => `t.throws: the function did not throw${hint}`);
		return undefined;
	}
	async throwsAsync(thrower: Promise<unknown> | (() => Promise<unknown>), expectation?: Expectation | null, message?: string): Promise<any> {
		try {
			await (typeof thrower === "function" ? thrower() : thrower);
		} catch (error) {
			const problem = mismatch(error, expectation);
			return this.#check(!problem, message, () => `t.throwsAsync: ${problem}`) ? error : undefined;
		}
		this.#check(false, message, () => "t.throwsAsync: the promise did not reject");
		return undefined;
	}
	notThrows(fn: () => unknown, message?: string) {
		try {
			fn();
			this.#check(true, message, () => "");
		} catch (error) {
			this.#check(false, message, () => `t.notThrows: it threw ${describeError(error, true)}`);
		}
	}
	async notThrowsAsync(thrower: Promise<unknown> | (() => Promise<unknown>), message?: string) {
		try {
			await (typeof thrower === "function" ? thrower() : thrower);
			this.#check(true, message, () => "");
		} catch (error) {
			this.#check(false, message, () => `t.notThrowsAsync: it rejected with ${describeError(error, true)}`);
		}
	}

	log(...values: unknown[]) {
		this.logs.push(values.map((v) => (typeof v === "string" ? v : show(v))).join(" "));
	}
	plan(count: number) {
		this.planned = count;
	}
	teardown(fn: () => unknown) {
		this.teardowns.push(fn);
	}
	timeout(_ms: number) {} // Node's runner bounds each test instead.
}

/** Why `error` does not meet the expectation, or "" when it does. */
function mismatch(error: unknown, expected: Expectation | null | undefined): string {
	if (!(error instanceof Error)) return `it threw a non-error: ${show(error)}`;
	if (!expected) return "";
	const message = error.message;
	if (expected.instanceOf && !(error instanceof expected.instanceOf)) return `expected an instance of ${expected.instanceOf.name}, got ${describeError(error)}`;
	if (expected.name !== undefined && error.name !== expected.name) return `expected name ${show(expected.name)}, got ${describeError(error)}`;
	if (typeof expected.message === "string" && message !== expected.message) return `expected message ${show(expected.message)}, got ${show(message)}`;
	if (expected.message instanceof RegExp && !expected.message.test(message)) return `expected message matching ${expected.message}, got ${show(message)}`;
	if ("is" in expected && error !== expected.is) return `expected exactly ${show(expected.is)}, got ${describeError(error)}`;
	return "";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
	return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as any).then === "function";
}

/**
 * Structural equality as ava's deepEqual sees it: NaN equals NaN, 0 and -0 differ, prototypes
 * must match, Map and Set entries are compared in insertion order, holes equal undefined.
 */
function deepEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
	if (Object.is(a, b)) return true;
	if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
	if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
	if (seen.get(a) === b) return true; // cycles
	seen.set(a, b);
	const listsEqual = (x: ArrayLike<unknown>, y: ArrayLike<unknown>) => {
		if (x.length !== y.length) return false;
		for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i], seen)) return false;
		return true;
	};
	if (a instanceof ArrayBuffer || a instanceof DataView) return listsEqual(bytesOf(a), bytesOf(b as DataView));
	if (ArrayBuffer.isView(a)) return listsEqual(a as unknown as ArrayLike<unknown>, b as unknown as ArrayLike<unknown>);
	if (Array.isArray(a)) return listsEqual(a, b as unknown[]);
	if (a instanceof Map || a instanceof Set) {
		if (!listsEqual([...a], [...(b as Set<unknown>)])) return false;
	}
	if (a instanceof Date && !Object.is(a.getTime(), (b as Date).getTime())) return false;
	if (a instanceof RegExp && String(a) !== String(b)) return false;
	if (a instanceof Error && (a.name !== (b as Error).name || a.message !== (b as Error).message)) return false;
	const keysA = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
	const keysB = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
	if (keysA.length !== keysB.length) return false;
	for (const key of keysA) {
		if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
		if (!deepEqual((a as any)[key], (b as any)[key], seen)) return false;
	}
	return true;
}

function bytesOf(value: ArrayBufferView | ArrayBuffer): Uint8Array {
	return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** A short, readable rendering of any value for failure messages. */
function show(value: unknown): string {
	const text = render(value, 0);
	return text.length > 1000 ? `${text.slice(0, 1000)} …(${text.length} characters)` : text;
}

function render(value: unknown, depth: number): string {
	if (typeof value === "string") return JSON.stringify(value);
	if (typeof value === "bigint") return `${value}n`;
	if (typeof value === "function") return `[Function ${value.name || "anonymous"}]`;
	if (typeof value !== "object" || value === null) return Object.is(value, -0) ? "-0" : String(value);
	if (depth > 4) return "…";
	const list = (items: string[]) => (items.length > 40 ? [...items.slice(0, 40), `… ${items.length - 40} more`] : items).join(", ");
	if (value instanceof Error) return describeError(value);
	if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
		return `${value.constructor.name} [${list(Array.from(value as unknown as ArrayLike<number | bigint>, (v) => render(v, depth + 1)))}]`;
	}
	if (value instanceof Map) return `Map {${list([...value].map(([k, v]) => `${render(k, depth + 1)} => ${render(v, depth + 1)}`))}}`;
	if (value instanceof Set) return `Set {${list([...value].map((v) => render(v, depth + 1)))}}`;
	if (value instanceof Date) return `Date(${value.getTime()})`;
	if (Array.isArray(value)) return `[${list(value.map((v) => render(v, depth + 1)))}]`;
	const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : "";
	return `${name}{${list(Object.keys(value).map((k) => `${k}: ${render((value as any)[k], depth + 1)}`))}}`;
}

/** "Name: message", plus the top of the stack (lines in dist/xs/tests.js) if asked for. */
function describeError(error: unknown, withStack = false): string {
	if (!(error instanceof Error)) return show(error);
	const stack = withStack && typeof error.stack === "string" ? error.stack.split("\n").slice(1, 4).join("\n") : "";
	return `${error.name}: ${error.message}${stack ? `\n${stack}` : ""}`;
}

// ---- running (driven by run-xs.mjs) --------------------------------------------------------------

interface Outcome {
	status: "passed" | "failed" | "skipped";
	errors: string[];
	logs: string[];
}

async function runOne(entry: Entry): Promise<Outcome> {
	if (!entry.fn) return { status: "skipped", errors: [], logs: [] };
	const t = new ExecutionContext(entry.title);
	try {
		const result = entry.fn(t, ...entry.args);
		if (isThenable(result)) await result;
	} catch (error) {
		t.errors.push(`Error thrown in test: ${describeError(error, true)}`);
	}
	for (const fn of t.teardowns.reverse()) {
		try {
			await fn();
		} catch (error) {
			t.errors.push(`Error thrown in teardown: ${describeError(error, true)}`);
		}
	}
	if (t.errors.length === 0 && t.planned !== undefined && t.count !== t.planned) {
		t.errors.push(`Planned for ${t.planned} assertions, but got ${t.count}`);
	}
	if (t.failedAssertions > 1) t.errors.push(`(and ${t.failedAssertions - 1} more failed assertions)`);
	if (t.errors.length === 0 && t.count === 0) t.errors.push("Test finished without running any assertions");
	return { status: t.errors.length ? "failed" : "passed", errors: t.errors, logs: t.logs };
}

const loaders: [string, () => Promise<unknown>][] = [];

/** Called by the generated entry once per test file; the import runs at "load". */
export function __addTestFile(file: string, load: () => Promise<unknown>): void {
	loaders.push([file, load]);
}

async function loadAll() {
	const files: { file: string; error?: string }[] = [];
	for (const [file, load] of loaders) {
		currentFile = file;
		try {
			await load();
			files.push({ file });
		} catch (error) {
			files.push({ file, error: describeError(error, true) });
			// Like ava: a file that throws while loading runs none of its tests.
			for (let i = entries.length - 1; i >= 0; i--) if (entries[i].file === file) entries.splice(i, 1);
		}
	}
	currentFile = "";
	return { files, tests: entries.map(({ title, file }) => ({ title, file })) };
}

// xsnap bytes <-> text: replies are JSON escaped to ASCII, so no TextEncoder is needed.
function toBytes(text: string): ArrayBuffer {
	const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
	return Uint8Array.from(ascii, (c) => c.charCodeAt(0)).buffer;
}

/**
 * Installs the xsnap command handler. The worker drains the job queue before it reads
 * `report.result`, and only then reports unhandled rejections, through `console.error` when there
 * is one: the shim supplies that method so the rejection lands in the reply (`late`).
 */
export function __serve(): void {
	const g = globalThis as any;
	let report: { result?: ArrayBuffer } = {};
	let value: unknown;
	let late: string[] = [];
	const reply = () => (report.result = toBytes(JSON.stringify({ ...(value as object), late })));
	g.console ??= {
		error(...args: unknown[]) {
			late.push(args.map((v) => (typeof v === "string" ? v : describeError(v, true))).join(" "));
			reply();
		},
	};
	g.handleCommand = (message: ArrayBuffer) => {
		const [command, arg] = String.fromCharCode(...new Uint8Array(message)).split(" ");
		report = {};
		value = undefined;
		late = [];
		const work = command === "load" ? loadAll() : runOne(entries[Number(arg)]);
		work.then(
			(result) => ((value = result), reply()),
			(error) => ((value = { status: "failed", errors: [`runner: ${describeError(error, true)}`], logs: [] }), reply()),
		);
		return report;
	};
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** ava's like(): only the selector's keys are compared; nested plain objects are selectors too. */
function likeMatch(actual: unknown, selector: unknown): boolean {
	if (!isPlainObject(selector)) return deepEqual(actual, selector);
	if (typeof actual !== "object" || actual === null) return false;
	for (const key of Object.keys(selector)) {
		if (!likeMatch((actual as Record<string, unknown>)[key], selector[key])) return false;
	}
	return true;
}
