import { createHash } from 'node:crypto';

/** Luhn (mod 10) over a string of digits. */
export function luhnValid(digits: string): boolean {
	let sum = 0;
	let double = false;
	for (let i = digits.length - 1; i >= 0; i--) {
		let d = digits.charCodeAt(i) - 48;
		if (d < 0 || d > 9) return false;
		if (double) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
		double = !double;
	}
	return digits.length > 0 && sum % 10 === 0;
}

/** Card issuers by prefix range and allowed lengths (ISO/IEC 7812 IIN ranges as published by the networks). */
const ISSUERS: Array<{
	name: string;
	ranges: Array<[number, number]>;
	prefixLen: number;
	lengths: number[];
}> = [
	{ name: 'visa', ranges: [[4, 4]], prefixLen: 1, lengths: [13, 16, 19] },
	{ name: 'mastercard', ranges: [[51, 55]], prefixLen: 2, lengths: [16] },
	{ name: 'mastercard', ranges: [[2221, 2720]], prefixLen: 4, lengths: [16] },
	{
		name: 'amex',
		ranges: [
			[34, 34],
			[37, 37],
		],
		prefixLen: 2,
		lengths: [15],
	},
	{
		name: 'diners',
		ranges: [
			[300, 305],
			[309, 309],
		],
		prefixLen: 3,
		lengths: [14, 15, 16, 17, 18, 19],
	},
	{
		name: 'diners',
		ranges: [
			[36, 36],
			[38, 39],
		],
		prefixLen: 2,
		lengths: [14, 15, 16, 17, 18, 19],
	},
	{ name: 'discover', ranges: [[6011, 6011]], prefixLen: 4, lengths: [16, 17, 18, 19] },
	{ name: 'discover', ranges: [[644, 649]], prefixLen: 3, lengths: [16, 17, 18, 19] },
	{ name: 'discover', ranges: [[65, 65]], prefixLen: 2, lengths: [16, 17, 18, 19] },
	{ name: 'jcb', ranges: [[3528, 3589]], prefixLen: 4, lengths: [16, 17, 18, 19] },
	{
		name: 'jcb',
		ranges: [
			[1800, 1800],
			[2131, 2131],
		],
		prefixLen: 4,
		lengths: [15],
	},
	{
		name: 'unionpay',
		ranges: [
			[62, 62],
			[81, 81],
		],
		prefixLen: 2,
		lengths: [16, 17, 18, 19],
	},
	{
		name: 'maestro',
		ranges: [
			[50, 50],
			[56, 69],
		],
		prefixLen: 2,
		lengths: [12, 13, 14, 15, 16, 17, 18, 19],
	},
	{ name: 'mir', ranges: [[2200, 2204]], prefixLen: 4, lengths: [16, 17, 18, 19] },
];

/** The card network whose IIN range and length fit, or null. */
export function cardIssuer(digits: string): string | null {
	for (const issuer of ISSUERS) {
		if (!issuer.lengths.includes(digits.length)) continue;
		const prefix = Number(digits.slice(0, issuer.prefixLen));
		if (issuer.ranges.some(([lo, hi]) => prefix >= lo && prefix <= hi)) return issuer.name;
	}
	return null;
}

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Record<string, number> = {
	AD: 24,
	AE: 23,
	AL: 28,
	AT: 20,
	AZ: 28,
	BA: 20,
	BE: 16,
	BG: 22,
	BH: 22,
	BI: 27,
	BR: 29,
	BY: 28,
	CH: 21,
	CR: 22,
	CY: 28,
	CZ: 24,
	DE: 22,
	DJ: 27,
	DK: 18,
	DO: 28,
	EE: 20,
	EG: 29,
	ES: 24,
	FI: 18,
	FK: 18,
	FO: 18,
	FR: 27,
	GB: 22,
	GE: 22,
	GI: 23,
	GL: 18,
	GR: 27,
	GT: 28,
	HN: 28,
	HR: 21,
	HU: 28,
	IE: 22,
	IL: 23,
	IQ: 23,
	IS: 26,
	IT: 27,
	JO: 30,
	KW: 30,
	KZ: 20,
	LB: 28,
	LC: 32,
	LI: 21,
	LT: 20,
	LU: 20,
	LV: 21,
	LY: 25,
	MC: 27,
	MD: 24,
	ME: 22,
	MK: 19,
	MN: 20,
	MR: 27,
	MT: 31,
	MU: 30,
	NI: 28,
	NL: 18,
	NO: 15,
	OM: 23,
	PK: 24,
	PL: 28,
	PS: 29,
	PT: 25,
	QA: 29,
	RO: 24,
	RS: 22,
	RU: 33,
	SA: 24,
	SC: 31,
	SD: 18,
	SE: 24,
	SI: 19,
	SK: 24,
	SM: 27,
	SO: 23,
	ST: 25,
	SV: 28,
	TL: 23,
	TN: 24,
	TR: 26,
	UA: 29,
	VA: 22,
	VG: 24,
	XK: 20,
	YE: 30,
};

/** ISO 13616 check: country length, then the rearranged number mod 97 == 1. */
export function ibanValid(raw: string): boolean {
	const iban = raw.replace(/[\s-]/g, '').toUpperCase();
	if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
	const expected = IBAN_LENGTHS[iban.slice(0, 2)];
	if (!expected || iban.length !== expected) return false;
	const rearranged = iban.slice(4) + iban.slice(0, 4);
	let rem = 0;
	for (const ch of rearranged) {
		const code = ch.charCodeAt(0);
		const val = code >= 65 ? String(code - 55) : ch;
		for (const d of val) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
	}
	return rem === 1;
}

/**
 * US SSN issuance rules: area not 000, 666 or 900-999; group not 00; serial
 * not 0000; and not one of the numbers the SSA voided after they were
 * published in advertising.
 */
const VOIDED_SSNS = new Set(['078051120', '219099999', '123456789', '111111111', '333333333']);
export function ssnValid(area: string, group: string, serial: string): boolean {
	const a = Number(area);
	if (a === 0 || a === 666 || a >= 900) return false;
	if (group === '00' || serial === '0000') return false;
	const all = area + group + serial;
	if (VOIDED_SSNS.has(all)) return false;
	if (/^(\d)\1{8}$/.test(all)) return false;
	return true;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(s: string): Buffer | null {
	let n = 0n;
	for (const ch of s) {
		const v = BASE58.indexOf(ch);
		if (v < 0) return null;
		n = n * 58n + BigInt(v);
	}
	let hex = n.toString(16);
	if (hex.length % 2) hex = '0' + hex;
	let bytes = n === 0n ? Buffer.alloc(0) : Buffer.from(hex, 'hex');
	let leading = 0;
	while (leading < s.length && s[leading] === '1') leading++;
	if (leading) bytes = Buffer.concat([Buffer.alloc(leading), bytes]);
	return bytes;
}

/** Bitcoin legacy / P2SH address: base58check with version 0x00 or 0x05. */
export function base58CheckValid(addr: string): boolean {
	const bytes = base58Decode(addr);
	if (!bytes || bytes.length !== 25) return false;
	if (bytes[0] !== 0x00 && bytes[0] !== 0x05) return false;
	const body = bytes.subarray(0, 21);
	const check = createHash('sha256').update(createHash('sha256').update(body).digest()).digest();
	return check.subarray(0, 4).equals(bytes.subarray(21));
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function bech32Polymod(values: number[]): number {
	const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
	let chk = 1;
	for (const v of values) {
		const top = chk >>> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ v;
		for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
	}
	return chk >>> 0;
}

/** Bitcoin segwit address (BIP-173 bech32 / BIP-350 bech32m) with hrp `bc`. */
export function bech32Valid(addr: string): boolean {
	if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return false;
	const a = addr.toLowerCase();
	const pos = a.lastIndexOf('1');
	if (pos < 1 || pos + 7 > a.length || a.length > 90) return false;
	const hrp = a.slice(0, pos);
	if (hrp !== 'bc') return false;
	const data: number[] = [];
	for (const ch of a.slice(pos + 1)) {
		const v = BECH32.indexOf(ch);
		if (v < 0) return false;
		data.push(v);
	}
	const expanded = [
		...[...hrp].map((c) => c.charCodeAt(0) >> 5),
		0,
		...[...hrp].map((c) => c.charCodeAt(0) & 31),
	];
	const mod = bech32Polymod([...expanded, ...data]);
	return mod === 1 || mod === 0x2bc830a3;
}
