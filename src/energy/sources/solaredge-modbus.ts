/**
 * `sources.SolarEdge` with `inverterHost`: a SolarEdge inverter's local Modbus TCP (SunSpec),
 * reference §A.15 — port 1502, unit 1, holding registers, high word first. sources/solaredge.ts
 * (the cloud API) hands the section here when it names an inverter host.
 *
 * Inverter (SunSpec model 101/103 after the common model): phase voltage A 40079, voltage scale
 * 40082, AC power 40083 and its scale 40084. Meters 1/2/3 (model 201–204 at 40188 + 0/174/348):
 * total real power 40206 + offset, scale 40210 + offset. As TWCManager: each meter in `smartMeters`
 * is a "consumption" or an "export" meter (positive when exporting); with export meters the house
 * load is the consumption meters + generation − export.
 */
import { decodeRegisters, isNotAvailable, ModbusTcpClient, readBlocks, type RegisterRead } from "../modbus-tcp.js";
import { emptyReading, PollGuard, type EnergySource, type PollResult, type SourceContext } from "../source.js";
import { implausible, round3, SectionReader } from "../source-values.js";

const NAME = "SolarEdge";
const METER_OFFSETS: Readonly<Record<string, number>> = { Meter1: 0, Meter2: 174, Meter3: 348 };

interface SmartMeter {
	name: string;
	offset: number;
	type: "consumption" | "export";
}

/** value × 10^scale, with SunSpec's scale factor (int16) and "not implemented" checks. */
function scaled(value: number, scale: number): number | undefined {
	if (isNotAvailable([value], "int16") || isNotAvailable([scale], "int16")) return undefined;
	const sf = decodeRegisters([scale], "int16");
	if (sf < -10 || sf > 10) return undefined;
	return round3(decodeRegisters([value], "int16") * 10 ** sf) ?? undefined;
}

class SolarEdgeModbusSource implements EnergySource {
	readonly name = NAME;
	readonly intervalS = 10;
	readonly #client: ModbusTcpClient;
	readonly #meters: SmartMeter[];
	readonly #guard = new PollGuard();

	constructor(client: ModbusTcpClient, meters: SmartMeter[]) {
		this.#client = client;
		this.#meters = meters;
	}

	poll(done: (result: PollResult) => void): void {
		const finish = this.#guard.start(NAME, done);
		if (finish === undefined) return;
		const fail = (error: string) => finish({ ok: false, error: `${NAME}: ${this.#client.where}: ${error}` });
		const reads: RegisterRead[] = [{ fn: 3, address: 40079, count: 6 }];
		for (const meter of this.#meters) {
			reads.push({ fn: 3, address: 40188 + meter.offset, count: 1 }, { fn: 3, address: 40206 + meter.offset, count: 5 });
		}
		readBlocks(this.#client, reads, (result) => {
			if (typeof result === "string") return fail(result);
			const inverter = result[0];
			const generation = scaled(inverter[4], inverter[5]);
			if (generation === undefined) return fail("the inverter gives no AC power (register 40083; is this a SunSpec inverter with Modbus TCP enabled?)");
			const reading = emptyReading();
			reading.generationW = generation;
			const volts = scaled(inverter[0], inverter[3]);
			if (volts !== undefined && volts > 0) reading.voltageV = volts;
			let consumption = 0;
			let exported = 0;
			let exportMeters = 0;
			for (let i = 0; i < this.#meters.length; i++) {
				const meter = this.#meters[i];
				const model = result[1 + 2 * i][0];
				if (model < 201 || model > 204) return fail(`${meter.name} is not there (SunSpec model ${model} at ${40188 + meter.offset}, a meter is 201 to 204)`);
				const power = result[2 + 2 * i];
				const watts = scaled(power[0], power[4]);
				if (watts === undefined) return fail(`${meter.name} gives no power (register ${40206 + meter.offset})`);
				if (meter.type === "export") {
					exported += watts;
					exportMeters++;
				} else consumption += watts;
			}
			if (this.#meters.length > 0) {
				reading.consumptionW = round3(exportMeters > 0 ? consumption + generation - exported : consumption);
				if (exportMeters > 0) reading.gridW = round3(-exported);
			}
			const error = implausible(reading);
			if (error) return fail(error);
			finish({ ok: true, reading });
		});
	}

	close(): void {
		this.#guard.close();
		this.#client.close();
	}
}

/** The local Modbus source of a `sources.SolarEdge` section (one that sets `inverterHost`). */
export function createSolarEdgeModbus(section: Readonly<Record<string, unknown>>, context: SourceContext): EnergySource | string {
	const config = new SectionReader(NAME, section);
	const host = config.string("inverterHost");
	const port = config.port("inverterPort", 1502);
	const unit = config.number("unitID", 1, 0, 255);
	if (config.error) return config.error;
	const meters: SmartMeter[] = [];
	const list = section.smartMeters;
	if (list !== undefined && list !== null) {
		if (!Array.isArray(list)) return `sources.${NAME}.smartMeters: must be a list of {"name": "Meter1", "type": "consumption"}`;
		for (let i = 0; i < list.length; i++) {
			const entry = list[i] as { name?: unknown; type?: unknown } | null;
			const name = entry?.name;
			const type = entry?.type;
			if (typeof name !== "string" || !(name in METER_OFFSETS)) return `sources.${NAME}.smartMeters[${i}].name: must be "Meter1", "Meter2" or "Meter3" (got ${JSON.stringify(name)})`;
			if (type !== "consumption" && type !== "export") return `sources.${NAME}.smartMeters[${i}].type: must be "consumption" or "export" (got ${JSON.stringify(type)})`;
			meters.push({ name, offset: METER_OFFSETS[name], type });
		}
	}
	if (context.tcp === undefined) return `sources.${NAME}: no TCP client on this platform`;
	return new SolarEdgeModbusSource(new ModbusTcpClient({ tcp: context.tcp, clock: context.clock, host, port, unit }), meters);
}
