/**
 * DSMR P1 telegrams (Dutch/Belgian/Luxembourg/Hungarian smart meters, reference §A.1): cutting
 * telegrams out of the serial byte stream, the CRC16 check, and the OBIS lines solar tracking needs.
 *
 * A telegram runs from "/" (identification line) to "!" followed by a CRC16 in hex (DSMR 4 and
 * later: CRC-16/ARC, polynomial 0xA001 reflected, initial 0, over every byte from "/" to "!"
 * inclusive). DSMR 2.2/3.0 end with a bare "!"; some meters leave out the "!" altogether or write
 * the CRC without its leading zero ("!B9F").
 */

export type CrcState = "valid" | "invalid" | "absent";

export interface DsmrTelegram {
	/** The identification line without the "/" (e.g. "ISk5\2MT382-1000"). */
	identification: string;
	crc: CrcState;
	/** The CRC as written after "!", if any. */
	crcText: string | null;
	/** 1-0:1.7.0, actual power taken from the grid (W). */
	importW: number | null;
	/** 1-0:2.7.0, actual power delivered to the grid (W). */
	exportW: number | null;
	/** 1-0:21/41/61.7.0 per phase (W). */
	importPhasesW: [number | null, number | null, number | null];
	/** 1-0:22/42/62.7.0 per phase (W). */
	exportPhasesW: [number | null, number | null, number | null];
	/** 1-0:32/52/72.7.0 per phase (V). */
	voltagesV: [number | null, number | null, number | null];
}

/** Why encrypted telegrams are refused. */
export const ENCRYPTED_REASON =
	"the meter sends encrypted telegrams (DLMS/COSEM general-glo-ciphering, as Luxembourg's Smarty and some Austrian meters do); decrypting them needs the meter's key, which is not supported";

/** CRC-16/ARC over the char codes of `text` from `start` to `end` (exclusive); each code is one byte. */
export function crc16(text: string, start = 0, end = text.length): number {
	let crc = 0;
	for (let i = start; i < end; i++) {
		crc ^= text.charCodeAt(i) & 0xff;
		for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
	}
	return crc;
}

/** True for the start of an encrypted telegram: the 0xDB tag, raw or as a hex dump ("db 08 ..."). */
export function looksEncrypted(text: string): boolean {
	const trimmed = text.trimStart();
	if (trimmed.length > 1 && trimmed.charCodeAt(0) === 0xdb && trimmed.charCodeAt(1) === 0x08) return true;
	return /^db\s?08(\s?[0-9a-f]{2}){8}/i.test(trimmed);
}

interface PowerField {
	key: "import" | "export" | "importPhase" | "exportPhase" | "voltage";
	phase: number;
}

/** OBIS "C.D.E" code → what it is; only the codes solar tracking uses. */
function fieldOf(code: string): PowerField | undefined {
	switch (code) {
		case "1.7.0": return { key: "import", phase: 0 };
		case "2.7.0": return { key: "export", phase: 0 };
		case "21.7.0": return { key: "importPhase", phase: 0 };
		case "41.7.0": return { key: "importPhase", phase: 1 };
		case "61.7.0": return { key: "importPhase", phase: 2 };
		case "22.7.0": return { key: "exportPhase", phase: 0 };
		case "42.7.0": return { key: "exportPhase", phase: 1 };
		case "62.7.0": return { key: "exportPhase", phase: 2 };
		case "32.7.0": return { key: "voltage", phase: 0 };
		case "52.7.0": return { key: "voltage", phase: 1 };
		case "72.7.0": return { key: "voltage", phase: 2 };
		default: return undefined;
	}
}

/**
 * An electricity OBIS line: "1-0:1.7.0(00.244*kW)", "1-1:1.7.0(01.622*kW)" (a second channel),
 * "1-0:1.7.0*255(001688.21*W)" (the *255 suffix) or, on old meters, "1.7.0(0001.01*kW)".
 */
const OBIS_LINE = /^(?:1-\d+:)?(\d+\.\d+\.\d+)(?:\*\d+)?\(([-+]?\d+(?:\.\d+)?)(?:\*([A-Za-z]+))?\)/;

/** The value in W or V of one OBIS value with its unit, or an error. */
function physical(value: string, unit: string | undefined, volts: boolean): number | string {
	const n = Number(value);
	if (!Number.isFinite(n)) return `not a number: ${value}`;
	const u = (unit ?? (volts ? "V" : "kW")).toLowerCase();
	if (volts) return u === "v" ? n : `unit ${unit} is not V`;
	if (u === "kw") return Math.round(n * 1000 * 1000) / 1000;
	if (u === "w") return n;
	return `unit ${unit} is not kW or W`;
}

/**
 * Parses one telegram (text from "/" on; each char code one byte). An error text for an encrypted
 * telegram, text that holds no telegram, or a power line that cannot be read.
 */
export function parseTelegram(input: string): DsmrTelegram | string {
	if (looksEncrypted(input)) return ENCRYPTED_REASON;
	const start = input.indexOf("/");
	if (start < 0) return "no telegram: the text has no \"/\" identification line";
	const bang = input.indexOf("!", start);
	let crc: CrcState = "absent";
	let crcText: string | null = null;
	if (bang >= 0) {
		const written = /^[0-9A-Fa-f]{1,4}/.exec(input.slice(bang + 1, bang + 5));
		if (written) {
			crcText = written[0];
			const expected = parseInt(written[0], 16);
			if (crc16(input, start, bang + 1) === expected) crc = "valid";
			else {
				// A telegram copied with LF line ends (as some collections store them) was sent with CRLF.
				const body = input.slice(start, bang + 1);
				crc = body.includes("\n") && !body.includes("\r") && crc16(body.replace(/\n/g, "\r\n")) === expected ? "valid" : "invalid";
			}
		}
	}
	const body = input.slice(start, bang >= 0 ? bang : input.length);
	const lines = body.split(/\r?\n/);
	const telegram: DsmrTelegram = {
		identification: lines[0].slice(1).trim(),
		crc,
		crcText,
		importW: null,
		exportW: null,
		importPhasesW: [null, null, null],
		exportPhasesW: [null, null, null],
		voltagesV: [null, null, null],
	};
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i].trim();
		const match = OBIS_LINE.exec(line);
		if (!match) continue;
		const field = fieldOf(match[1]);
		if (!field) continue;
		const value = physical(match[2], match[3], field.key === "voltage");
		if (typeof value === "string") return `line "${line}": ${value}`;
		// The first line of a code counts (a meter with two channels repeats them).
		if (field.key === "import") telegram.importW ??= value;
		else if (field.key === "export") telegram.exportW ??= value;
		else if (field.key === "importPhase") telegram.importPhasesW[field.phase] ??= value;
		else if (field.key === "exportPhase") telegram.exportPhasesW[field.phase] ??= value;
		else telegram.voltagesV[field.phase] ??= value;
	}
	return telegram;
}

/**
 * The bytes left of an encrypted frame once its header after 0xDB 0x08 is known: 8 bytes of
 * system title, then 0x82 and a 2-byte length (or 0x81 and 1 byte, or a short length); -1 while
 * more header bytes are needed.
 */
function encryptedLength(header: readonly number[]): number {
	if (header.length < 9) return -1;
	const tag = header[8];
	if (tag < 0x80) return tag;
	if (tag === 0x81) return header.length < 10 ? -1 : header[9];
	if (tag === 0x82) return header.length < 11 ? -1 : (header[9] << 8) | header[10];
	return 0;
}

/** The largest telegram accepted (real ones are 0.5 to 2 KiB; M-Bus devices and messages add some). */
export const MAX_TELEGRAM_CHARS = 8192;

export type FramerEvent = { telegram: string } | { error: string };

/**
 * Cuts telegrams out of the serial stream. A telegram is complete at the end of the line of its "!"
 * (or once 4 CRC digits follow it), when the next telegram's "/" starts a line, or when the line
 * goes idle (`flush`, for meters that leave out the "!"). Bytes before a "/" are skipped; an
 * encrypted telegram's start is reported.
 */
export class DsmrFramer {
	#text = "";
	#inTelegram = false;
	#bang = -1;
	#skipped = "";
	/** Bytes after the 0xDB 0x08 of an encrypted frame, until its length is known. */
	#header: number[] | undefined;
	/** Bytes of an encrypted frame still to skip (they may hold a "/"). */
	#skip = 0;

	/** Adds bytes (each one char, as sent); returns the telegrams and errors now complete. */
	push(bytes: Uint8Array): FramerEvent[] {
		const events: FramerEvent[] = [];
		for (let i = 0; i < bytes.length; i++) {
			const ch = String.fromCharCode(bytes[i]);
			if (this.#skip > 0) {
				this.#skip--;
				continue;
			}
			if (this.#header !== undefined) {
				this.#header.push(bytes[i]);
				this.#skip = Math.min(encryptedLength(this.#header), MAX_TELEGRAM_CHARS);
				if (this.#skip >= 0) this.#header = undefined;
				else this.#skip = 0;
				continue;
			}
			if (!this.#inTelegram) {
				if (ch === "/") {
					this.#inTelegram = true;
					this.#text = "/";
					this.#bang = -1;
					this.#skipped = "";
				} else {
					this.#skipped = (this.#skipped + ch).slice(-32);
					if (looksEncrypted(this.#skipped)) {
						events.push({ error: ENCRYPTED_REASON });
						if (this.#skipped.endsWith("\xdb\x08")) this.#header = [];
						this.#skipped = "";
					}
				}
				continue;
			}
			if (ch === "/" && this.#bang < 0 && this.#text.endsWith("\n")) {
				// A new telegram starts before this one ended: this one had no "!".
				events.push({ telegram: this.#text });
				this.#text = "/";
				continue;
			}
			this.#text += ch;
			if (ch === "!" && this.#bang < 0) this.#bang = this.#text.length - 1;
			if (this.#bang >= 0) {
				const tail = this.#text.slice(this.#bang + 1);
				if (ch === "\n" || /^[0-9A-Fa-f]{4}$/.test(tail)) {
					events.push({ telegram: this.#text });
					this.#inTelegram = false;
					this.#text = "";
				}
			} else if (this.#text.length > MAX_TELEGRAM_CHARS) {
				events.push({ error: `no end ("!") within ${MAX_TELEGRAM_CHARS} characters: not a DSMR telegram (check the baud rate and the port)` });
				this.#inTelegram = false;
				this.#text = "";
			}
		}
		return events;
	}

	/** The line went quiet: a telegram begun is complete as it is. */
	flush(): FramerEvent[] {
		// An encrypted frame ends with the quiet too (its length may be wrong).
		this.#skip = 0;
		this.#header = undefined;
		if (!this.#inTelegram || this.#text.length < 2) return [];
		const text = this.#text;
		this.#inTelegram = false;
		this.#text = "";
		return [{ telegram: text }];
	}
}
