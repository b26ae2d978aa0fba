/**
 * `sources.DSMRreader`: the JSON telegram DSMR-reader publishes on MQTT (reference §A.1b; configure
 * it at DSMR-reader's /admin/dsmr_mqtt/jsontelegrammqttsettings/). As TWCManager:
 * `electricity_currently_delivered` (kW, grid import) is consumption, `electricity_currently_returned`
 * (kW, export) is generation (use with subtractChargerLoad and treatGenerationAsGridDelivery);
 * grid W = import − export; the phase voltages, where sent, give the voltage.
 */
import type { SourceReading } from "../source.js";
import type { SourceContext, SourceDefinition } from "../source.js";
import { numberFrom, parseJsonAnswer, isAnswerError, round3, SectionReader } from "../source-values.js";
import { readBroker, ToldSource, type BrokerConfig } from "./mqtt.js";

const NAME = "DSMRreader";

class DsmrReaderSource extends ToldSource {
	readonly #topic: string;

	constructor(context: SourceContext, broker: BrokerConfig, topic: string) {
		super(NAME, context, broker, "DSMRreader.EMS", [topic]);
		this.#topic = topic;
	}

	protected take(_topic: string, payload: string, set: (key: string, value: number) => void, forget: (key: string) => void): string | undefined {
		const json = parseJsonAnswer(payload, "the message");
		if (isAnswerError(json)) return json.error;
		if (json === null || typeof json !== "object" || Array.isArray(json)) return "the message is not a JSON object (is this DSMR-reader's JSON telegram topic?)";
		const fields = json as Record<string, unknown>;
		const delivered = numberFrom(fields.electricity_currently_delivered);
		const returned = numberFrom(fields.electricity_currently_returned);
		if (delivered === undefined && returned === undefined) return "no electricity_currently_delivered / electricity_currently_returned in the message (is this DSMR-reader's JSON telegram topic?)";
		// Each message is a whole telegram: what it leaves out is not known any more.
		for (const key of ["delivered", "returned", "voltage"]) forget(key);
		if (delivered !== undefined) set("delivered", round3(delivered * 1000)!);
		if (returned !== undefined) set("returned", round3(returned * 1000)!);
		const volts = ["phase_voltage_l1", "phase_voltage_l2", "phase_voltage_l3"].map((k) => numberFrom(fields[k])).filter((v): v is number => v !== undefined && v > 0);
		if (volts.length > 0) set("voltage", Math.round((volts.reduce((a, b) => a + b, 0) / volts.length) * 10) / 10);
		return undefined;
	}

	protected read(value: (key: string) => number | null, reading: SourceReading): void {
		const delivered = value("delivered");
		const returned = value("returned");
		reading.consumptionW = delivered;
		reading.generationW = returned;
		if (delivered !== null || returned !== null) reading.gridW = round3((delivered ?? 0) - (returned ?? 0));
		reading.voltageV = value("voltage");
	}

	protected get waitingFor(): string {
		return this.#topic;
	}
}

export const dsmrReaderSource: SourceDefinition = {
	name: NAME,
	summary: "DSMR-reader's JSON telegram over MQTT (a Dutch/Belgian smart meter)",
	create(section, context) {
		const config = new SectionReader(NAME, section);
		const broker = readBroker(config);
		const topic = config.string("topic", "dsmr/json");
		if (config.error) return config.error;
		if (context.mqtt === undefined) return `sources.${NAME}: no MQTT client on this platform`;
		return new DsmrReaderSource(context, broker, topic);
	},
};
