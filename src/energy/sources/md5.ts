/**
 * MD5 (RFC 1321) of the UTF-8 bytes of a text, as lower-case hex. Only for Growatt's login, which
 * sends an MD5 of the password; no security rests on it here.
 */
import { utf8Bytes } from "./http-values.js";

/** Per-round shift amounts. */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/** floor(|sin(i + 1)| × 2^32), written out: engines may differ in sin's last bit. */
const K = [
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

export function md5Hex(text: string): string {
	const bytes = utf8Bytes(text);
	const bitLength = bytes.length * 8;
	bytes.push(0x80);
	while (bytes.length % 64 !== 56) bytes.push(0);
	// Length in bits, little-endian, 64 bits (texts here are far below 2^32 bits).
	for (let i = 0; i < 4; i++) bytes.push((bitLength >>> (8 * i)) & 0xff);
	for (let i = 0; i < 4; i++) bytes.push(0);
	let a0 = 0x67452301;
	let b0 = 0xefcdab89 | 0;
	let c0 = 0x98badcfe | 0;
	let d0 = 0x10325476;
	const m: number[] = [];
	for (let chunk = 0; chunk < bytes.length; chunk += 64) {
		for (let i = 0; i < 16; i++) {
			const o = chunk + i * 4;
			m[i] = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
		}
		let a = a0, b = b0, c = c0, d = d0;
		for (let i = 0; i < 64; i++) {
			let f: number, g: number;
			if (i < 16) (f = (b & c) | (~b & d)), (g = i);
			else if (i < 32) (f = (d & b) | (~d & c)), (g = (5 * i + 1) % 16);
			else if (i < 48) (f = b ^ c ^ d), (g = (3 * i + 5) % 16);
			else (f = c ^ (b | ~d)), (g = (7 * i) % 16);
			const sum = (a + f + K[i] + m[g]) | 0;
			const s = SHIFTS[(i >> 4) * 4 + (i % 4)];
			a = d;
			d = c;
			c = b;
			b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
		}
		a0 = (a0 + a) | 0;
		b0 = (b0 + b) | 0;
		c0 = (c0 + c) | 0;
		d0 = (d0 + d) | 0;
	}
	let hex = "";
	for (const word of [a0, b0, c0, d0]) for (let i = 0; i < 4; i++) hex += ((word >>> (8 * i)) & 0xff).toString(16).padStart(2, "0");
	return hex;
}
