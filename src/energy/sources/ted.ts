/**
 * TED, The Energy Detective (reference §A.18): `GET /history/export.csv?T=1&D=0&M=1&C=1`; the line
 * starting with `Solar,` holds the solar MTU's power in kW in its third column (sign dropped), the
 * generation. TWCManager runs its regex on the response object and so never reads a value; here it
 * runs on the text, as intended. TED gives no consumption.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { SectionReader } from "../source-values.js";
import { deviceBase } from "./http-values.js";

const NAME = "TED";

/** Generation W from TED's export, or why there is none. */
export function tedGeneration(csv: string): { watts: number } | { error: string } {
	if (csv.trimStart().startsWith("<")) return { error: "the answer is an HTML page, not TED's CSV export (wrong address?)" };
	const match = /^Solar,[^,]+,-?([^, ]+),/m.exec(csv);
	if (match === null) return { error: `no line starting with "Solar," in TED's export (is a solar MTU set up?)` };
	const kw = Number(match[1]);
	if (!Number.isFinite(kw)) return { error: `the Solar line's power ${JSON.stringify(match[1])} is not a number` };
	return { watts: kw * 1000 };
}

export const tedSource: SourceDefinition = {
	name: NAME,
	summary: "TED (The Energy Detective) solar MTU from /history/export.csv",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const base = deviceBase(r, NAME, false, 80);
		if (r.error !== undefined) return r.error;
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => [{ request: { method: "GET", url: `${base}/history/export.csv?T=1&D=0&M=1&C=1`, timeoutMs: 10_000 }, format: "text" }],
			read([csv], reading) {
				const power = tedGeneration(csv as string);
				if ("error" in power) return power.error;
				reading.generationW = power.watts;
				return undefined;
			},
		});
	},
};
