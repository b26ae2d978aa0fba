/** CRC-32 (IEEE 802.3, as zlib's crc32), used for the settings document's `_checksum`. */

function makeCrcTable(): number[] {
	const table: number[] = [];
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table.push(c >>> 0);
	}
	return table;
}
const CRC_TABLE: readonly number[] = Object.freeze(makeCrcTable());

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32) of the UTF-8 bytes of
 * `text`, encoded here from the UTF-16 code units (a lone surrogate counts as U+FFFD).
 */
export function crc32(text: string): number {
	let crc = 0xffffffff;
	const add = (byte: number) => {
		crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
	};
	for (let i = 0; i < text.length; i++) {
		let cp = text.charCodeAt(i);
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
			const low = text.charCodeAt(i + 1);
			if (low >= 0xdc00 && low <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				i++;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
		if (cp < 0x80) add(cp);
		else if (cp < 0x800) {
			add(0xc0 | (cp >> 6));
			add(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			add(0xe0 | (cp >> 12));
			add(0x80 | ((cp >> 6) & 0x3f));
			add(0x80 | (cp & 0x3f));
		} else {
			add(0xf0 | (cp >> 18));
			add(0x80 | ((cp >> 12) & 0x3f));
			add(0x80 | ((cp >> 6) & 0x3f));
			add(0x80 | (cp & 0x3f));
		}
	}
	return (crc ^ 0xffffffff) >>> 0;
}
