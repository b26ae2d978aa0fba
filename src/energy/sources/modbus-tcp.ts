/**
 * `sources.ModbusTCP`: any meter or inverter with Modbus TCP, by a register map (beyond
 * TWCManager). Per value (generation, consumption, grid, voltage, battery, soc): the register, its
 * type (int16/uint16/int32/uint32/float32), word order, a scale (a factor, or a SunSpec scale-factor
 * register) and the function (3 holding, 4 input). Ready maps:
 * - "sunspec-inverter": model 101/103 right after the common model (AC power 40083 × 10^40084,
 *   phase voltage 40079 × 10^40082), unit 1;
 * - "sunspec-meter": model 203 right after the common model (total real power 40087 × 10^40091,
 *   + import, phase voltage 40077 × 10^40084), unit 1;
 * - "sma": SMA Sunny Boy / Tripower (power 30775 int32, grid voltage L1 30783 uint32 / 100), unit 3.
 * A value a map sets can be changed or added to by the section's own keys.
 */
import { decodeRegisters, isNotAvailable, ModbusTcpClient, registerCount, type ReadFunction, type RegisterType, type WordOrder } from "../modbus-tcp.js";
import { emptyReading, PollGuard, type EnergySource, type PollResult, type SourceContext, type SourceDefinition, type SourceReading } from "../source.js";
import { implausible, round3, SectionReader } from "../source-values.js";

const NAME = "ModbusTCP";

const VALUES = ["generation", "consumption", "grid", "voltage", "battery", "soc"] as const;
type ValueName = (typeof VALUES)[number];

export interface RegisterSpec {
	register: number;
	type: RegisterType;
	wordOrder: WordOrder;
	/** Multiplies the raw value (-1 turns the sign). */
	scale: number;
	/** A SunSpec scale-factor register (int16): the value is multiplied by 10^its value too. */
	scaleRegister?: number;
	function: ReadFunction;
}

interface Preset {
	unit: number;
	port: number;
	values: Partial<Record<ValueName, RegisterSpec>>;
}

function spec(register: number, type: RegisterType, scale = 1, scaleRegister?: number): RegisterSpec {
	return { register, type, wordOrder: "big", scale, scaleRegister, function: 3 };
}

/** Built when asked for: module-level objects are read-only on the device. */
function preset(name: string): Preset | undefined {
	switch (name) {
		case "sunspec-inverter":
			return { unit: 1, port: 502, values: { generation: spec(40083, "int16", 1, 40084), voltage: spec(40079, "int16", 1, 40082) } };
		case "sunspec-meter":
			return { unit: 1, port: 502, values: { grid: spec(40087, "int16", 1, 40091), voltage: spec(40077, "int16", 1, 40084) } };
		case "sma":
			return { unit: 3, port: 502, values: { generation: spec(30775, "int32"), voltage: spec(30783, "uint32", 0.01) } };
		default:
			return undefined;
	}
}

export const PRESETS = "sunspec-inverter, sunspec-meter, sma";

const TYPES: readonly string[] = ["int16", "uint16", "int32", "uint32", "float32"];

/** A value's register spec from the section (an object, or a bare register number), or an error. */
function readSpec(key: string, raw: unknown, base: RegisterSpec | undefined): RegisterSpec | string {
	const where = `sources.${NAME}.${key}`;
	if (typeof raw === "number" || typeof raw === "string") raw = { register: raw };
	if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return `${where}: must be {"register": 30775, "type": "int32", ...} or a register number`;
	const config = new SectionReader(NAME, raw as Record<string, unknown>);
	const register = config.number("register", base?.register ?? NaN, 0, 65535);
	const type = config.string("type", base?.type ?? "int16");
	const order = config.string("wordOrder", base?.wordOrder ?? "big");
	const scale = config.number("scale", base?.scale ?? 1);
	const scaleRegister = config.number("scaleRegister", base?.scaleRegister ?? -1, -1, 65535);
	const fn = config.number("function", base?.function ?? 3);
	if (config.error) return config.error.replace(`sources.${NAME}.`, `${where}.`);
	if (!Number.isInteger(register)) return `${where}.register: required (a register address from 0 to 65535)`;
	if (!TYPES.includes(type)) return `${where}.type: must be one of ${TYPES.join(", ")} (got ${JSON.stringify(type)})`;
	if (order !== "big" && order !== "little") return `${where}.wordOrder: must be "big" (high word first) or "little" (got ${JSON.stringify(order)})`;
	if (fn !== 3 && fn !== 4) return `${where}.function: must be 3 (holding registers) or 4 (input registers) (got ${fn})`;
	return { register, type: type as RegisterType, wordOrder: order, scale, scaleRegister: scaleRegister >= 0 ? scaleRegister : undefined, function: fn };
}

class ModbusMapSource implements EnergySource {
	readonly name = NAME;
	readonly intervalS: number;
	readonly #client: ModbusTcpClient;
	readonly #values: [ValueName, RegisterSpec][];
	readonly #guard = new PollGuard();

	constructor(client: ModbusTcpClient, values: [ValueName, RegisterSpec][], intervalS: number) {
		this.#client = client;
		this.#values = values;
		this.intervalS = intervalS;
	}

	poll(done: (result: PollResult) => void): void {
		const finish = this.#guard.start(NAME, done);
		if (finish === undefined) return;
		const fail = (error: string) => finish({ ok: false, error: `${NAME}: ${this.#client.where}: ${error}` });
		const got: Partial<Record<ValueName, number | null>> = {};
		const next = (i: number): void => {
			if (i >= this.#values.length) return finish(this.#reading(got));
			const [name, s] = this.#values[i];
			this.#client.read(s.function, s.register, registerCount(s.type), (result) => {
				if (!result.ok) return fail(`${name} (register ${s.register}): ${result.error}`);
				const raw = result.registers;
				// "Not available" (SunSpec/SMA NaN): an inverter asleep at night says so for its power.
				const value = isNotAvailable(raw, s.type, s.wordOrder) ? (name === "generation" ? 0 : null) : decodeRegisters(raw, s.type, s.wordOrder) * s.scale;
				if (s.scaleRegister === undefined || value === null || value === 0) {
					got[name] = value;
					return next(i + 1);
				}
				this.#client.read(s.function, s.scaleRegister, 1, (sf) => {
					if (!sf.ok) return fail(`${name} scale (register ${s.scaleRegister}): ${sf.error}`);
					const exponent = decodeRegisters(sf.registers, "int16");
					if (isNotAvailable(sf.registers, "int16") || exponent < -10 || exponent > 10) return fail(`${name} scale (register ${s.scaleRegister}) is ${exponent}, not a SunSpec scale factor`);
					got[name] = value * 10 ** exponent;
					next(i + 1);
				});
			});
		};
		next(0);
	}

	#reading(got: Partial<Record<ValueName, number | null>>): PollResult {
		const reading: SourceReading = emptyReading();
		reading.generationW = round3(got.generation ?? null);
		reading.consumptionW = round3(got.consumption ?? null);
		reading.gridW = round3(got.grid ?? null);
		reading.voltageV = round3(got.voltage ?? null);
		reading.batteryW = round3(got.battery ?? null);
		reading.socPercent = round3(got.soc ?? null);
		// The house load from a balance when no register gives it: generation + grid import + battery discharge.
		if (reading.consumptionW === null && reading.generationW !== null && reading.gridW !== null) {
			reading.consumptionW = round3(reading.generationW + reading.gridW + (reading.batteryW ?? 0));
		}
		const error = implausible(reading);
		if (error) return { ok: false, error: `${NAME}: ${this.#client.where}: ${error}` };
		return { ok: true, reading };
	}

	close(): void {
		this.#guard.close();
		this.#client.close();
	}
}

export const modbusTcpSource: SourceDefinition = {
	name: NAME,
	summary: `any Modbus TCP meter or inverter by a register map (ready maps: ${PRESETS})`,
	create(section, context: SourceContext) {
		const config = new SectionReader(NAME, section);
		const presetName = config.string("preset", "");
		const base = presetName === "" ? { unit: 1, port: 502, values: {} } : preset(presetName);
		if (base === undefined) return `sources.${NAME}.preset: unknown map ${JSON.stringify(presetName)} (known: ${PRESETS})`;
		const host = Object.prototype.hasOwnProperty.call(section, "host") ? config.string("host") : config.string("serverIP");
		const port = config.port("port", base.port);
		const unit = config.number("unit", base.unit, 0, 255);
		const timeoutMs = config.number("timeoutMs", 3000, 100, 60_000);
		const intervalS = config.number("cacheTime", 10, 1, 3600);
		if (config.error) return config.error;
		const values: [ValueName, RegisterSpec][] = [];
		for (const name of VALUES) {
			const raw = section[name];
			const fromPreset = base.values[name];
			if (raw === undefined || raw === null) {
				if (fromPreset) values.push([name, fromPreset]);
				continue;
			}
			const s = readSpec(name, raw, fromPreset);
			if (typeof s === "string") return s;
			values.push([name, s]);
		}
		if (values.length === 0) return `sources.${NAME}: no values to read (give "preset" (${PRESETS}) or at least "generation", "consumption" or "grid")`;
		if (context.tcp === undefined) return `sources.${NAME}: no TCP client on this platform`;
		return new ModbusMapSource(new ModbusTcpClient({ tcp: context.tcp, clock: context.clock, host, port, unit, timeoutMs }), values, intervalS);
	},
};
