/**
 * `sources.DSMR`: a Dutch/Belgian smart meter's P1 port read directly (reference §A.1a; TWCManager
 * has only a stub with these keys). The meter sends a telegram every 1 to 10 s; the newest good one
 * is the answer. Grid meter values: import (1-0:1.7.0) is consumption, export (1-0:2.7.0) is
 * generation, as TWCManager maps DSMR-reader's (§A.1b; use it with subtractChargerLoad and
 * treatGenerationAsGridDelivery); grid W = import − export.
 */
import type { BytePort } from "../../platform/byte-port.js";
import type { TimerHandle } from "../../platform/clock.js";
import { DsmrFramer, parseTelegram, type DsmrTelegram } from "../dsmr.js";
import { emptyReading, type EnergySource, type PollResult, type SourceContext, type SourceDefinition, type SourceReading } from "../source.js";
import { implausible, round3, SectionReader } from "../source-values.js";

const NAME = "DSMR";
/** A telegram older than this is no longer the meter's answer (DSMR 2.2–4 send every 10 s). */
const MAX_AGE_MS = 30_000;
/** The line quiet this long ends a telegram that has no "!" (old meters). */
const IDLE_MS = 300;

/** The reading of a telegram, or why it cannot be used. */
export function dsmrReading(telegram: DsmrTelegram, requireCrc: boolean): SourceReading | string {
	if (telegram.crc === "invalid" && requireCrc) return `telegram CRC ${telegram.crcText} does not match its contents (a corrupted telegram; check the cable)`;
	const { importW, exportW } = telegram;
	if (importW === null && exportW === null) return "the telegram holds no actual power (1-0:1.7.0 / 1-0:2.7.0): this meter does not report it on P1";
	const reading = emptyReading();
	reading.consumptionW = importW;
	reading.generationW = exportW;
	reading.gridW = round3((importW ?? 0) - (exportW ?? 0));
	const volts = telegram.voltagesV.filter((v): v is number => v !== null && v > 0);
	if (volts.length > 0) reading.voltageV = Math.round((volts.reduce((a, b) => a + b, 0) / volts.length) * 10) / 10;
	return reading;
}

class DsmrSource implements EnergySource {
	readonly told = true;
	readonly name = NAME;
	readonly intervalS: number;
	readonly #context: SourceContext;
	readonly #path: string;
	readonly #requireCrc: boolean;
	readonly #framer = new DsmrFramer();
	readonly #port: BytePort;
	#idle: TimerHandle | undefined;
	#good: { reading: SourceReading; at: number } | undefined;
	#error: string | undefined;
	#closed = false;

	constructor(context: SourceContext, port: BytePort, path: string, intervalS: number, requireCrc: boolean) {
		this.#context = context;
		this.#port = port;
		this.#path = path;
		this.intervalS = intervalS;
		this.#requireCrc = requireCrc;
		port.listen({
			onBytes: (bytes) => this.#onBytes(bytes),
			onStatus: (open, reason) => {
				if (!open) this.#error = `cannot read ${path}: ${reason}`;
			},
		});
	}

	#onBytes(bytes: Uint8Array): void {
		if (this.#closed) return;
		const clock = this.#context.clock;
		if (this.#idle !== undefined) clock.clearTimer(this.#idle);
		this.#idle = clock.setTimer(IDLE_MS, () => {
			this.#idle = undefined;
			this.#take(this.#framer.flush());
		});
		this.#take(this.#framer.push(bytes));
	}

	#take(events: ReturnType<DsmrFramer["push"]>): void {
		for (const event of events) {
			if ("error" in event) {
				this.#error = event.error;
				continue;
			}
			const telegram = parseTelegram(event.telegram);
			const reading = typeof telegram === "string" ? telegram : dsmrReading(telegram, this.#requireCrc);
			const error = typeof reading === "string" ? reading : implausible(reading);
			if (typeof reading !== "string" && error === undefined) {
				if (typeof telegram !== "string" && telegram.crc === "invalid") {
					this.#context.log.write("debug", "energy", `DSMR: telegram CRC ${telegram.crcText} does not match (used; set requireCRC to refuse such telegrams)`);
				}
				this.#good = { reading, at: this.#context.clock.now() };
				this.#error = undefined;
			} else {
				this.#error = error;
				this.#context.log.write("warn", "energy", `DSMR: ${error}`);
			}
		}
	}

	poll(done: (result: PollResult) => void): void {
		const good = this.#good;
		const age = good ? this.#context.clock.now() - good.at : Infinity;
		if (good && age >= 0 && age <= MAX_AGE_MS) {
			const r = good.reading;
			return done({ ok: true, reading: { ...r } });
		}
		const why = this.#error ?? (good
			? `no telegram from ${this.#path} for ${Math.round(age / 1000)} s`
			: `no telegram received from ${this.#path} yet (check the P1 cable, the port, and the speed: DSMR 4/5 send at 115200 baud, DSMR 2.2/3 at 9600 baud 7E1)`);
		done({ ok: false, error: `${NAME}: ${why}` });
	}

	close(): void {
		this.#closed = true;
		if (this.#idle !== undefined) this.#context.clock.clearTimer(this.#idle);
		this.#idle = undefined;
		this.#port.close();
	}
}

export const dsmrSource: SourceDefinition = {
	name: NAME,
	summary: "a smart meter's P1 port (DSMR 2.2 to 5, CRC16 checked) on a serial port",
	create(section, context) {
		const config = new SectionReader(NAME, section);
		const path = config.string("serialPort", "/dev/ttyUSB2");
		const baud = config.number("baudrate", 115200, 300, 1_000_000);
		// TWCManager has only `baudrate`; DSMR 2.2/3 meters send 9600 baud 7E1, later ones 115200 8N1.
		const format = config.string("format", baud === 9600 ? "7E1" : "8N1").toUpperCase();
		const requireCrc = config.boolean("requireCRC", false);
		const intervalS = config.number("cacheTime", 10, 1, 3600);
		if (config.error) return config.error;
		if (format !== "8N1" && format !== "7E1") return `sources.${NAME}.format: must be "8N1" or "7E1" (got ${JSON.stringify(format)})`;
		if (context.serial === undefined) return `sources.${NAME}: no serial ports on this platform`;
		const port = context.serial.open({ path, baud, format: format as "8N1" | "7E1" });
		return new DsmrSource(context, port, path, intervalS, requireCrc);
	},
};
