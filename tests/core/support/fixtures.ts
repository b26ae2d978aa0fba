/**
 * Reads a file of ../shared/fixtures (real captured data, used as it is). Under Node it is read
 * from disk; under XS, where there is no file system, tests/xs/run-xs.mjs bundles every fixture
 * that a core test names in a `readFixture("...")` call with a literal path.
 */
declare const __FIXTURES__: Record<string, string> | undefined;

interface NodeProcess {
	cwd(): string;
	getBuiltinModule(name: "node:fs"): { readFileSync(path: string, encoding: "utf8"): string };
}

export function readFixture(relativePath: string): string {
	if (typeof __FIXTURES__ !== "undefined") {
		const text = __FIXTURES__[relativePath];
		if (text === undefined) throw new Error(`fixture ${relativePath} was not bundled for XS`);
		return text;
	}
	const process = (globalThis as unknown as { process: NodeProcess }).process;
	return process.getBuiltinModule("node:fs").readFileSync(`${process.cwd()}/../shared/fixtures/${relativePath}`, "utf8");
}

/** One line of twc-captures/twc_gen2_frames.jsonl. */
export interface CapturedFrame {
	id: string;
	direction: string;
	body_hex: string;
	body_len?: number;
	checksum_ok?: boolean | null;
	end_type_after_C0?: string | null;
	prefix_byte_logged?: string | null;
	// Values as the fixture gives them (strings, numbers, arrays): compared as they are.
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	decoded?: Record<string, any>;
}

export function capturedFrames(): CapturedFrame[] {
	return readFixture("twc-captures/twc_gen2_frames.jsonl")
		.split("\n")
		.filter((line) => line.trim() !== "")
		.map((line) => JSON.parse(line) as CapturedFrame);
}
