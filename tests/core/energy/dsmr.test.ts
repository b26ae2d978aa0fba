import test from "ava";
import { crc16, DsmrFramer, ENCRYPTED_REASON, parseTelegram, type DsmrTelegram } from "../../../src/energy/dsmr.js";
import type { EnergySource, PollResult } from "../../../src/energy/source.js";
import { dsmrSource as dsmr, dsmrReading } from "../../../src/energy/sources/dsmr.js";
import type { BytePort, BytePortListener } from "../../../src/platform/byte-port.js";
import { silentLog } from "../../../src/platform/log.js";
import type { SerialOpenOptions } from "../../../src/platform/serial-opener.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { readFixture } from "../support/fixtures.js";

// Every telegram of ../shared/fixtures/dsmr, named literally so that XS bundles them.
const TELEGRAMS: [string, string][] = [
	["dsmr/athombv-node-dsmr-parser/dsmr-2.2-kfm-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-2.2-kfm-1.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-3.0-spec-example.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-3.0-spec-example.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-4.0-isk-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-4.0-isk-1.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-4.0-isk-2.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-4.0-isk-2.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-4.0-spec-example.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-4.0-spec-example.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-4.2-kfm-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-4.2-kfm-1.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-4.2-xmx-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-4.2-xmx-1.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-4.2.2-spec-example.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-4.2.2-spec-example.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-1.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-2.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-2.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-3.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-3.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-est-units.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-est-units.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-isk-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-isk-1.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-spec-example-lowercase.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-spec-example-lowercase.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-5.0-spec-example.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-spec-example.txt")],
	["dsmr/athombv-node-dsmr-parser/dsmr-luxembourgh-spec-example.txt", readFixture("dsmr/athombv-node-dsmr-parser/dsmr-luxembourgh-spec-example.txt")],
	["dsmr/athombv-node-dsmr-parser/emucs-p1-v2.1.1-spec-example-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/emucs-p1-v2.1.1-spec-example-1.txt")],
	["dsmr/athombv-node-dsmr-parser/emucs-p1-v2.1.1-spec-example-2.txt", readFixture("dsmr/athombv-node-dsmr-parser/emucs-p1-v2.1.1-spec-example-2.txt")],
	["dsmr/athombv-node-dsmr-parser/iskra-mt-382-no-crc-with-text-message.txt", readFixture("dsmr/athombv-node-dsmr-parser/iskra-mt-382-no-crc-with-text-message.txt")],
	["dsmr/athombv-node-dsmr-parser/iskra-mt-382-no-crc.txt", readFixture("dsmr/athombv-node-dsmr-parser/iskra-mt-382-no-crc.txt")],
	["dsmr/athombv-node-dsmr-parser/kamstrup-OMNIA-e-meter-three-phase.txt", readFixture("dsmr/athombv-node-dsmr-parser/kamstrup-OMNIA-e-meter-three-phase.txt")],
	["dsmr/athombv-node-dsmr-parser/sagemcom-xt211.txt", readFixture("dsmr/athombv-node-dsmr-parser/sagemcom-xt211.txt")],
	["dsmr/athombv-node-dsmr-parser/unknown-xmx-1.txt", readFixture("dsmr/athombv-node-dsmr-parser/unknown-xmx-1.txt")],
	["dsmr/dsmr_parser/TELEGRAM_ESY5Q3DA1004_V304.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_ESY5Q3DA1004_V304.txt")],
	["dsmr/dsmr_parser/TELEGRAM_ESY5Q3DB1024_V304.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_ESY5Q3DB1024_V304.txt")],
	["dsmr/dsmr_parser/TELEGRAM_FLUVIUS_V171.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_FLUVIUS_V171.txt")],
	["dsmr/dsmr_parser/TELEGRAM_FLUVIUS_V171_ALT.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_FLUVIUS_V171_ALT.txt")],
	["dsmr/dsmr_parser/TELEGRAM_ISKRA_IE.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_ISKRA_IE.txt")],
	["dsmr/dsmr_parser/TELEGRAM_SAGEMCOM_T210_D_R.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_SAGEMCOM_T210_D_R.txt")],
	["dsmr/dsmr_parser/TELEGRAM_UNPADDED_CRC.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_UNPADDED_CRC.txt")],
	["dsmr/dsmr_parser/TELEGRAM_V2_2.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_V2_2.txt")],
	["dsmr/dsmr_parser/TELEGRAM_V3.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_V3.txt")],
	["dsmr/dsmr_parser/TELEGRAM_V4_2.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_V4_2.txt")],
	["dsmr/dsmr_parser/TELEGRAM_V5.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_V5.txt")],
	["dsmr/dsmr_parser/TELEGRAM_V5_EON_HU.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_V5_EON_HU.txt")],
	["dsmr/dsmr_parser/TELEGRAM_V5_TWO_MBUS.txt", readFixture("dsmr/dsmr_parser/TELEGRAM_V5_TWO_MBUS.txt")],
];

const ENCRYPTED: [string, string][] = [
	["with-aad", readFixture("dsmr/athombv-node-dsmr-parser/encrypted/dsmr-luxembourgh-spec-example-with-aad.txt")],
	["without-aad", readFixture("dsmr/athombv-node-dsmr-parser/encrypted/dsmr-luxembourgh-spec-example-without-aad.txt")],
];

interface DsmrKey {
	"import_W(1.7.0)": number | null;
	"export_W(2.7.0)": number | null;
	per_phase_import_W: (number | null)[];
	per_phase_export_W: (number | null)[];
	"library_expected(athombv json)"?: { crc_valid: boolean | null; powerReceivedTotal: number; powerReturnedTotal: number };
}

const KEYS = JSON.parse(readFixture("answer_keys.json")) as Record<string, DsmrKey>;

/** dsmr_parser's telegrams whose CRC16 verifies (SOURCES.md), the unpadded "!B9F" among them. */
const DSMR_PARSER_VALID = ["TELEGRAM_V4_2", "TELEGRAM_V5", "TELEGRAM_V5_TWO_MBUS", "TELEGRAM_FLUVIUS_V171", "TELEGRAM_FLUVIUS_V171_ALT", "TELEGRAM_ISKRA_IE", "TELEGRAM_SAGEMCOM_T210_D_R", "TELEGRAM_V5_EON_HU", "TELEGRAM_UNPADDED_CRC"];
const DSMR_PARSER_NO_CRC = ["TELEGRAM_V2_2", "TELEGRAM_V3", "TELEGRAM_ESY5Q3DA1004_V304", "TELEGRAM_ESY5Q3DB1024_V304"];

function expectedCrc(name: string, key: DsmrKey): string {
	const library = key["library_expected(athombv json)"];
	if (library) return library.crc_valid === true ? "valid" : library.crc_valid === false ? "invalid" : "absent";
	const base = name.slice(name.lastIndexOf("/") + 1, -4);
	if (DSMR_PARSER_VALID.includes(base)) return "valid";
	if (DSMR_PARSER_NO_CRC.includes(base)) return "absent";
	return "unknown";
}

function bytesOf(text: string): Uint8Array {
	const bytes = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
	return bytes;
}

/** The bytes a hex dump shows, as one char each. */
function unhex(dump: string): string {
	let text = "";
	for (const pair of dump.match(/[0-9a-f]{2}/gi) ?? []) text += String.fromCharCode(parseInt(pair, 16));
	return text;
}

test("the fixtures are all here: 36 telegrams with an answer key each", (t) => {
	t.is(TELEGRAMS.length, 36);
	for (const [name] of TELEGRAMS) t.truthy(KEYS[name], name);
});

test("every fixture telegram yields its answer key: import 1.7.0, export 2.7.0 and the phases in W", (t) => {
	for (const [name, text] of TELEGRAMS) {
		const key = KEYS[name];
		const telegram = parseTelegram(text);
		if (typeof telegram === "string") {
			t.fail(`${name}: ${telegram}`);
			continue;
		}
		t.is(telegram.importW, key["import_W(1.7.0)"], `${name} import`);
		t.is(telegram.exportW, key["export_W(2.7.0)"], `${name} export`);
		t.deepEqual(telegram.importPhasesW, key.per_phase_import_W, `${name} import per phase`);
		t.deepEqual(telegram.exportPhasesW, key.per_phase_export_W, `${name} export per phase`);
		const library = key["library_expected(athombv json)"];
		if (library) {
			t.is(telegram.importW, library.powerReceivedTotal, `${name} agrees with athombv's parse`);
			t.is(telegram.exportW, library.powerReturnedTotal, `${name} agrees with athombv's parse`);
		}
	}
});

test("CRC16: valid where the telegram verifies (also after LF to CRLF, and unpadded), absent before DSMR 4, invalid on anonymised copies", (t) => {
	const counts: Record<string, number> = { valid: 0, invalid: 0, absent: 0 };
	for (const [name, text] of TELEGRAMS) {
		const telegram = parseTelegram(text) as DsmrTelegram;
		t.is(telegram.crc as string, expectedCrc(name, KEYS[name]), name);
		counts[telegram.crc]++;
	}
	t.deepEqual(counts, { valid: 12, invalid: 15, absent: 9 });
	const unpadded = parseTelegram(readFixture("dsmr/dsmr_parser/TELEGRAM_UNPADDED_CRC.txt")) as DsmrTelegram;
	t.is(unpadded.crcText, "B9F");
});

test("CRC-16/ARC of the standard check string and of a changed telegram", (t) => {
	t.is(crc16("123456789"), 0xbb3d);
	const v5 = readFixture("dsmr/dsmr_parser/TELEGRAM_V5.txt");
	t.is((parseTelegram(v5) as DsmrTelegram).crc, "valid");
	const changed = v5.replace("1-0:1.7.0(00.244*kW)", "1-0:1.7.0(00.245*kW)");
	const telegram = parseTelegram(changed) as DsmrTelegram;
	t.is(telegram.crc, "invalid");
	t.is(telegram.importW, 245);
});

test("units: kW and W, the 1-1: channel and the *255 suffix; other units are refused", (t) => {
	const est = parseTelegram(readFixture("dsmr/athombv-node-dsmr-parser/dsmr-5.0-est-units.txt")) as DsmrTelegram;
	t.is(est.exportW, 3996);
	const sagemcom = parseTelegram(readFixture("dsmr/athombv-node-dsmr-parser/sagemcom-xt211.txt")) as DsmrTelegram;
	t.is(sagemcom.importW, 1622);
	t.deepEqual(sagemcom.voltagesV, [238.9, 231.9, 239.7]);
	const esy = parseTelegram(readFixture("dsmr/dsmr_parser/TELEGRAM_ESY5Q3DA1004_V304.txt")) as DsmrTelegram;
	t.is(esy.importW, 1688.21);
	t.is(parseTelegram("/X\r\n\r\n1-0:1.7.0(1.0*kWh)\r\n!\r\n"), 'line "1-0:1.7.0(1.0*kWh)": unit kWh is not kW or W');
	t.is(parseTelegram("hello"), 'no telegram: the text has no "/" identification line');
});

test("encrypted telegrams are refused with the reason", (t) => {
	for (const [name, dump] of ENCRYPTED) {
		t.is(parseTelegram(dump), ENCRYPTED_REASON, name);
		// As the meter sends it: the bytes the hex dump shows.
		const raw = unhex(dump);
		t.is(parseTelegram(raw), ENCRYPTED_REASON, `${name} raw`);
		t.deepEqual(new DsmrFramer().push(bytesOf(raw)), [{ error: ENCRYPTED_REASON }], `${name} on the serial line`);
	}
});

test("the framer cuts every fixture out of a stream in small pieces, with noise between", (t) => {
	const framer = new DsmrFramer();
	const found: string[] = [];
	for (const [, text] of TELEGRAMS) {
		const stream = bytesOf("noise\r\n" + text + "\r\n");
		for (let i = 0; i < stream.length; i += 7) {
			for (const event of framer.push(stream.subarray(i, i + 7))) {
				if ("telegram" in event) found.push(event.telegram);
				else t.fail(event.error);
			}
		}
		for (const event of framer.flush()) if ("telegram" in event) found.push(event.telegram);
	}
	t.is(found.length, TELEGRAMS.length);
	for (let i = 0; i < found.length; i++) {
		const [name, text] = TELEGRAMS[i];
		const a = parseTelegram(found[i]) as DsmrTelegram;
		const b = parseTelegram(text) as DsmrTelegram;
		t.deepEqual([a.importW, a.exportW, a.crc], [b.importW, b.exportW, b.crc], name);
	}
});

test("a telegram without a \"!\" ends when the next one starts", (t) => {
	const framer = new DsmrFramer();
	const noBang = readFixture("dsmr/athombv-node-dsmr-parser/iskra-mt-382-no-crc.txt");
	const events = framer.push(bytesOf(noBang + readFixture("dsmr/dsmr_parser/TELEGRAM_V5.txt")));
	t.is(events.length, 2);
	t.is((parseTelegram((events[0] as { telegram: string }).telegram) as DsmrTelegram).exportW, 140);
	t.is((parseTelegram((events[1] as { telegram: string }).telegram) as DsmrTelegram).importW, 244);
});

test("a P1 meter's reading: import is consumption, export is generation, grid is import minus export", (t) => {
	const reading = (name: string, requireCrc = false) => dsmrReading(parseTelegram(readFixture(name)) as DsmrTelegram, requireCrc);
	t.like(reading("dsmr/dsmr_parser/TELEGRAM_ISKRA_IE.txt"), { generationW: 270, consumptionW: 170, gridW: -100, batteryW: null, socPercent: null });
	t.like(reading("dsmr/dsmr_parser/TELEGRAM_V5_EON_HU.txt"), { generationW: 2601, consumptionW: 0, gridW: -2601 });
	t.like(reading("dsmr/dsmr_parser/TELEGRAM_V5.txt"), { generationW: 0, consumptionW: 244, gridW: 244, voltageV: 229.7 });
	t.like(reading("dsmr/dsmr_parser/TELEGRAM_ESY5Q3DA1004_V304.txt"), { generationW: null, consumptionW: 1688.21, gridW: 1688.21 });
	t.regex(reading("dsmr/dsmr_parser/TELEGRAM_UNPADDED_CRC.txt") as string, /no actual power/);
	t.like(reading("dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-1.txt"), { generationW: 566, consumptionW: 0, gridW: -566 });
	t.regex(reading("dsmr/athombv-node-dsmr-parser/dsmr-5.0-ene-1.txt", true) as string, /CRC D59D does not match/);
});

class FakePort implements BytePort {
	listener?: BytePortListener;
	closed = false;
	listen(listener: BytePortListener): void {
		this.listener = listener;
	}
	write(): boolean {
		return false;
	}
	close(): void {
		this.closed = true;
	}
}

function pollOnce(source: EnergySource): PollResult {
	let result: PollResult | undefined;
	source.poll((r) => (result = r));
	return result!;
}

function errorOf(result: PollResult): string {
	return result.ok ? "(ok)" : result.error;
}

test("sources.DSMR opens the serial port TWCManager's keys name and answers with the newest telegram", (t) => {
	const clock = new VirtualClock(0);
	const port = new FakePort();
	const opened: SerialOpenOptions[] = [];
	const context = { clock, log: silentLog, serial: { open: (o: SerialOpenOptions) => (opened.push(o), port) } };
	const source = dsmr.create({ enabled: true, serialPort: "/dev/ttyUSB0", baudrate: "115200" }, context) as EnergySource;
	t.deepEqual(opened, [{ path: "/dev/ttyUSB0", baud: 115200, format: "8N1" }]);
	t.regex(errorOf(pollOnce(source)), /^DSMR: no telegram received from \/dev\/ttyUSB0 yet/);
	port.listener!.onBytes(bytesOf(readFixture("dsmr/dsmr_parser/TELEGRAM_V5.txt")));
	t.like(pollOnce(source), { ok: true, reading: { consumptionW: 244, generationW: 0, gridW: 244 } });
	clock.advance(31_000);
	t.is(errorOf(pollOnce(source)), "DSMR: no telegram from /dev/ttyUSB0 for 31 s");
	// An old meter without "!": the telegram ends when the line goes quiet.
	port.listener!.onBytes(bytesOf(readFixture("dsmr/athombv-node-dsmr-parser/dsmr-2.2-kfm-1.txt")));
	clock.advance(1000);
	t.like(pollOnce(source), { ok: true, reading: { consumptionW: 980, generationW: 0 } });
	port.listener!.onStatus!(false, "No such file or directory");
	clock.advance(31_000);
	t.is(errorOf(pollOnce(source)), "DSMR: cannot read /dev/ttyUSB0: No such file or directory");
	source.close();
	t.true(port.closed);
	t.is(clock.pending, 0);
});

test("sources.DSMR: 9600 baud means DSMR 2.2 (7E1); encrypted telegrams and bad keys are refused with a reason", (t) => {
	const clock = new VirtualClock(0);
	const port = new FakePort();
	const opened: SerialOpenOptions[] = [];
	const context = { clock, log: silentLog, serial: { open: (o: SerialOpenOptions) => (opened.push(o), port) } };
	const source = dsmr.create({ enabled: true, baudrate: 9600 }, context) as EnergySource;
	t.deepEqual(opened, [{ path: "/dev/ttyUSB2", baud: 9600, format: "7E1" }]);
	port.listener!.onBytes(bytesOf(unhex(ENCRYPTED[0][1])));
	t.deepEqual(pollOnce(source), { ok: false, error: `DSMR: ${ENCRYPTED_REASON}` });
	source.close();
	t.is(dsmr.create({ enabled: true, baudrate: "fast" }, context), 'sources.DSMR.baudrate: must be a number from 300 to 1000000 (got "fast")');
	t.is(dsmr.create({ enabled: true, format: "8E2" }, context), 'sources.DSMR.format: must be "8N1" or "7E1" (got "8E2")');
	t.is(dsmr.create({ enabled: true }, { clock, log: silentLog }), "sources.DSMR: no serial ports on this platform");
});
