/**
 * smart-me (reference §A.13): the cloud's `GET https://smart-me.com/api/DeviceBySerial?serial=`
 * with HTTP Basic auth. `ActivePower` (in `ActivePowerUnit`, "kW" or W) is the meter's one signed
 * figure: positive = import from the grid, negative = export. As TWCManager does, an export is
 * reported as generation and an import as consumption (only one is non-zero); the figure itself is
 * the grid power.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition, SourceReading } from "../source.js";
import { numberFrom, SectionReader, valueAt } from "../source-values.js";
import { basicAuth } from "./http-values.js";

const NAME = "SmartMe";

/** Fills grid, generation (export) and consumption (import) from a DeviceBySerial answer. */
export function smartmeReading(answer: unknown, reading: SourceReading): string | undefined {
	const power = numberFrom(valueAt(answer, "ActivePower"));
	if (power === undefined) return `the answer has no ActivePower (is the serial number right?)`;
	const unit = valueAt(answer, "ActivePowerUnit");
	const watts = unit === "kW" ? power * 1000 : power;
	reading.gridW = watts;
	reading.generationW = watts < 0 ? -watts : 0;
	reading.consumptionW = watts > 0 ? watts : 0;
	return undefined;
}

export const smartmeSource: SourceDefinition = {
	name: NAME,
	summary: "smart-me meter from the smart-me cloud (DeviceBySerial, Basic auth)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const user = r.string("username");
		const password = r.string("password");
		const serial = r.string("serialNumber");
		// Not a TWCManager key: the API's address, for a test server or a proxy.
		const server = r.string("serverURL", "https://smart-me.com").replace(/\/+$/, "");
		if (r.error !== undefined) return r.error;
		const headers = { Authorization: basicAuth(user, password), "content-type": "application/json" };
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => [{ request: { method: "GET", url: `${server}/api/DeviceBySerial?serial=${encodeURIComponent(serial)}`, headers } }],
			read: ([answer], reading) => smartmeReading(answer, reading),
		});
	},
};
