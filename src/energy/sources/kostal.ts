/**
 * `sources.Kostal`: a Kostal Plenticore / Piko IQ inverter over Modbus TCP (reference §A.8): port
 * 1502, unit 71, holding registers. Register 5 says the word order of its floats (1 = high word
 * first, as SunSpec; anything else = low word first), read once per connection. Generation is the
 * total DC power (100); the house load is what the home takes from battery (106), grid (108) and
 * PV (116) — TWCManager adds only the last two, missing a battery-fed load.
 */
import { decodeRegisters, ModbusTcpClient, readBlocks, type WordOrder } from "../modbus-tcp.js";
import { emptyReading, PollGuard, type EnergySource, type PollResult, type SourceContext, type SourceDefinition } from "../source.js";
import { implausible, round3, SectionReader } from "../source-values.js";

const NAME = "Kostal";

class KostalSource implements EnergySource {
	readonly name = NAME;
	readonly intervalS = 10;
	readonly #client: ModbusTcpClient;
	#order: WordOrder | undefined;
	readonly #guard = new PollGuard();

	constructor(client: ModbusTcpClient) {
		this.#client = client;
	}

	poll(done: (result: PollResult) => void): void {
		const finish = this.#guard.start(NAME, done);
		if (finish === undefined) return;
		const fail = (error: string) => {
			// The word order is asked again after a failure (the inverter may have been replaced).
			this.#order = undefined;
			finish({ ok: false, error: `${NAME}: ${this.#client.where}: ${error}` });
		};
		const readValues = (order: WordOrder) => {
			const reads = [100, 106, 108, 116].map((address) => ({ fn: 3 as const, address, count: 2 }));
			readBlocks(this.#client, reads, (result) => {
				if (typeof result === "string") return fail(result);
				const [dc, fromBattery, fromGrid, fromPv] = result.map((r) => decodeRegisters(r, "float32", order));
				const reading = emptyReading();
				reading.generationW = round3(dc);
				reading.consumptionW = round3(fromBattery + fromGrid + fromPv);
				const error = implausible(reading);
				if (error) return fail(error);
				finish({ ok: true, reading });
			});
		};
		if (this.#order !== undefined) return readValues(this.#order);
		this.#client.read(3, 5, 1, (result) => {
			if (!result.ok) return fail(`register 5 (byte order): ${result.error}`);
			this.#order = result.registers[0] === 1 ? "big" : "little";
			readValues(this.#order);
		});
	}

	close(): void {
		this.#guard.close();
		this.#client.close();
	}
}

export const kostalSource: SourceDefinition = {
	name: NAME,
	summary: "a Kostal Plenticore / Piko IQ inverter over Modbus TCP (port 1502, unit 71)",
	create(section, context: SourceContext) {
		const config = new SectionReader(NAME, section);
		const host = config.string("serverIP");
		const port = config.port("modbusPort", 1502);
		const unit = config.number("unitID", 71, 0, 255);
		if (config.error) return config.error;
		if (context.tcp === undefined) return `sources.${NAME}: no TCP client on this platform`;
		return new KostalSource(new ModbusTcpClient({ tcp: context.tcp, clock: context.clock, host, port, unit }));
	},
};
