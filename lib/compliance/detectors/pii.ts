import { isIPv4, isIPv6 } from 'node:net';
import type { CountryCode } from 'libphonenumber-js/max';
import {
	IBAN_LENGTHS,
	base58CheckValid,
	bech32Valid,
	cardIssuer,
	ibanValid,
	ssnValid,
} from '../checksums';
import { anchoredMatches, charTable, execAll, lowerCased, tokenRuns } from '../text';
import type { Detector, Finding } from '../types';
import { contextScore } from './context';
import { phoneVerdict } from './phones';

export const PII_ENTITIES = [
	'CREDIT_CARD',
	'IBAN_CODE',
	'US_SSN',
	'EMAIL_ADDRESS',
	'PHONE_NUMBER',
	'IP_ADDRESS',
	'CRYPTO',
] as const;
export type PiiEntity = (typeof PII_ENTITIES)[number];

export interface PiiOptions {
	/** Entity types to look for; all by default. */
	entities?: PiiEntity[];
	/** Findings scoring below this are dropped (0..1, default 0.5). */
	minScore?: number;
	/** Regions whose national numbering plans phone numbers without a `+` prefix are tried against. */
	phoneRegions?: CountryCode[];
	/** Apply context words (default true). */
	context?: boolean;
}

export const DEFAULT_PHONE_REGIONS: CountryCode[] = [
	'US',
	'GB',
	'DE',
	'FR',
	'IN',
	'AU',
	'BR',
	'IL',
];

/** Findings are built whole (one object shape) and collected. */
type Emit = (f: Finding) => void;

/** ASCII digit. */
function isDigit(c: number): boolean {
	return c >= 48 && c <= 57;
}

const CARD = /\b\d(?:[ -]?\d){11,18}\b/g;
const SSN = /\b(\d{3})([- ]?)(\d{2})\2(\d{4})\b/g;
const IBAN = /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV6_CHARS = charTable('0-9A-Fa-f:.');
function isIpv6Char(c: number): boolean {
	return c < 128 && IPV6_CHARS[c] === 1;
}
/** Two crypto patterns (`\b...\b` in full text), applied to one whole run of word characters. */
const WHOLE_BTC_BASE58 = /^[13][1-9A-HJ-NP-Za-km-z]{25,34}$/;
const WHOLE_ETH = /^0x[0-9a-fA-F]{40}$/;
const BTC_BECH32 = /\b(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}\b/g;
const WORD_CHARS = charTable('A-Za-z0-9_');
const HAS_DIGIT = /\d/;
/** Cheap pre-filter for phone candidates; libphonenumber decides. */
const DATE_START = /^\d{4}-\d{2}-\d{2}/;
const NANP_LAYOUT = /^\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b/;
const PHONE_CANDIDATE = /(?:\+|\(|\b)\d[\d \t().\-/]{4,22}\d(?:\s?(?:x|ext\.?|#)\s?\d{1,6})?\b/g;
function isEmailLocalChar(c: number): boolean {
	return (
		(c >= 48 && c <= 57) ||
		(c >= 65 && c <= 90) ||
		(c >= 97 && c <= 122) ||
		c === 46 ||
		c === 95 ||
		c === 37 ||
		c === 43 ||
		c === 45
	);
}
function isDomainChar(c: number): boolean {
	return (
		(c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45
	);
}
const EMAIL_DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;

function scanCards(text: string, emit: Emit, ctx: boolean, lower: string): void {
	for (const m of execAll(CARD, text)) {
		const s = m[0];
		// One pass from the right: digit count, separators and the Luhn sum; most runs fail here.
		let count = 0;
		let sum = 0;
		let space = false;
		let dash = false;
		for (let i = s.length - 1; i >= 0; i--) {
			const c = s.charCodeAt(i);
			if (c === 32) space = true;
			else if (c === 45) dash = true;
			else {
				let d = c - 48;
				if (count % 2 === 1) {
					d *= 2;
					if (d > 9) d -= 9;
				}
				sum += d;
				count++;
			}
		}
		if (count < 12 || count > 19) continue;
		// Mixed separators ("1234-5678 9012") are not how cards are written.
		if (space && dash) continue;
		if (sum % 10 !== 0) continue;
		const digits = space || dash ? s.replace(/[ -]/g, '') : s;
		const issuer = cardIssuer(digits);
		if (/^(\d)\1+$/.test(digits)) continue;
		const base = issuer ? 0.85 : 0.4;
		const start = m.index;
		const end = start + s.length;
		const score = ctx ? contextScore('CREDIT_CARD', text, start, end, base, lower) : base;
		emit({
			type: 'CREDIT_CARD',
			start,
			end,
			text: s,
			score,
			rule: issuer ? `pii.credit_card.${issuer}` : 'pii.credit_card.luhn',
			detector: 'pii',
		});
	}
}

function scanSsn(text: string, emit: Emit, ctx: boolean, lower: string): void {
	for (const m of execAll(SSN, text)) {
		if (!ssnValid(m[1], m[3], m[4])) continue;
		const start = m.index;
		const end = start + m[0].length;
		// Neighbouring digit groups mean this is part of a longer number (phone, card):
		// "-" or "." just before, or a digit and a separator; a separator and a digit just after.
		const p1 = start >= 1 ? text.charCodeAt(start - 1) : -1;
		const p2 = start >= 2 ? text.charCodeAt(start - 2) : -1;
		if (p1 === 45 || p1 === 46 || (p1 === 32 && isDigit(p2))) continue;
		const n0 = end < text.length ? text.charCodeAt(end) : -1;
		const n1 = end + 1 < text.length ? text.charCodeAt(end + 1) : -1;
		if ((n0 === 45 || n0 === 32 || n0 === 46) && isDigit(n1)) continue;
		const base = m[2] ? 0.6 : 0.3;
		const score = ctx ? contextScore('US_SSN', text, start, end, base, lower) : base;
		emit({
			type: 'US_SSN',
			start,
			end,
			text: m[0],
			score,
			rule: m[2] ? 'pii.us_ssn.formatted' : 'pii.us_ssn.digits',
			detector: 'pii',
		});
	}
}

function scanIban(text: string, emit: Emit, ctx: boolean, lower: string): void {
	for (const m of execAll(IBAN, text)) {
		const country = m[0].slice(0, 2).toUpperCase();
		const want = IBAN_LENGTHS[country];
		if (!want) continue;
		// Take exactly the country's length of characters, spaces allowed between them.
		let count = 0;
		let i = 0;
		const s = m[0];
		for (; i < s.length && count < want; i++) if (s[i] !== ' ') count++;
		if (count !== want) continue;
		const candidate = s.slice(0, i);
		const start = m.index;
		const end = start + candidate.length;
		if (end < text.length && /[A-Za-z0-9]/.test(text[end])) continue;
		if (!ibanValid(candidate)) continue;
		const score = ctx ? contextScore('IBAN_CODE', text, start, end, 0.9, lower) : 0.9;
		emit({
			type: 'IBAN_CODE',
			start,
			end,
			text: candidate,
			score,
			rule: 'pii.iban.mod97',
			detector: 'pii',
		});
	}
}

function scanEmail(text: string, emit: Emit): void {
	let at = text.indexOf('@');
	while (at >= 0) {
		let s = at;
		while (s > 0 && at - s < 64 && isEmailLocalChar(text.charCodeAt(s - 1))) s--;
		while (s < at && text[s] === '.') s++;
		let e = at + 1;
		while (e < text.length && e - at < 255 && isDomainChar(text.charCodeAt(e))) e++;
		while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
		const domain = text.slice(at + 1, e);
		if (s < at && EMAIL_DOMAIN.test(domain) && !text.slice(s, at).includes('..')) {
			emit({
				type: 'EMAIL_ADDRESS',
				start: s,
				end: e,
				text: text.slice(s, e),
				score: 0.95,
				rule: 'pii.email',
				detector: 'pii',
			});
		}
		at = text.indexOf('@', Math.max(e, at + 1));
	}
}

/**
 * Dots with a digit on each side: every IPv4 match holds one (its first dot is at most 3
 * characters from its start and 12 from its end), so the pattern runs only around them.
 */
function digitDots(text: string): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	for (let i = text.indexOf('.'); i >= 0; i = text.indexOf('.', i + 1))
		if (i > 0 && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1)))
			out.push([i, 1]);
	return out;
}

function scanIp(text: string, emit: Emit, ctx: boolean, lower: string): void {
	for (const m of anchoredMatches(text, IPV4, digitDots(text), 12, 12, true)) {
		if (!isIPv4(m.text)) continue;
		const start = m.index;
		const end = start + m.text.length;
		// "1.2.3.4.5" is a version or an OID, not an address.
		const p = start >= 1 ? text.charCodeAt(start - 1) : -1;
		if (p === 46 || isDigit(p)) continue;
		if (text.charCodeAt(end) === 46 && end + 1 < text.length && isDigit(text.charCodeAt(end + 1)))
			continue;
		const score = ctx ? contextScore('IP_ADDRESS', text, start, end, 0.75, lower) : 0.75;
		emit({
			type: 'IP_ADDRESS',
			start,
			end,
			text: m.text,
			score,
			rule: 'pii.ip.v4',
			detector: 'pii',
		});
	}
	if (!text.includes(':')) return;
	// Every IPv6 address has colons: expand around each colon over hex digits, ':' and '.'.
	let lastEnd = -1;
	for (
		let colon = text.indexOf(':');
		colon >= 0;
		colon = text.indexOf(':', Math.max(colon + 1, lastEnd))
	) {
		let start = colon;
		let end = colon + 1;
		while (start > 0 && isIpv6Char(text.charCodeAt(start - 1))) start--;
		while (end < text.length && isIpv6Char(text.charCodeAt(end))) end++;
		lastEnd = end;
		while (end > start && text[end - 1] === '.') end--;
		while (start < end && text[start] === '.') start++;
		// A run touching a word character is part of a longer token ("abc::def1g").
		if (/\w/.test(text[start - 1] ?? '') || /\w/.test(text[end] ?? '')) continue;
		const s = text.slice(start, end);
		if (s.indexOf(':') === s.lastIndexOf(':') || !isIPv6(s)) continue;
		// "12:30:45" style times parse as IPv6 only with "::"; need at least 3 groups or "::" with hex letters.
		const groups = s.split(':').length;
		if (groups < 4 && !/[a-f]/i.test(s)) continue;
		const score = ctx ? contextScore('IP_ADDRESS', text, start, end, 0.8, lower) : 0.8;
		emit({ type: 'IP_ADDRESS', start, end, text: s, score, rule: 'pii.ip.v6', detector: 'pii' });
	}
}

/**
 * Crypto addresses. The base58 and Ethereum patterns are bounded by `\b` on both sides and made
 * of word characters only, so their matches are exactly whole runs of word characters of the
 * right length and alphabet: one skip-ahead pass finds the runs of 26 or more (the shortest such
 * address) and each is tested. Bech32 addresses can be as short as 9: a regex scan is cheaper.
 */
function scanCrypto(text: string, emit: Emit, ctx: boolean, lower: string): void {
	const base58: Array<[number, string]> = [];
	const eth: Array<[number, string]> = [];
	for (const [start, end] of tokenRuns(text, 26, WORD_CHARS)) {
		if (end - start > 42) continue;
		const run = text.slice(start, end);
		if (WHOLE_BTC_BASE58.test(run)) base58.push([start, run]);
		else if (WHOLE_ETH.test(run)) eth.push([start, run]);
	}
	const push = (start: number, s: string, base: number, rule: string) => {
		const end = start + s.length;
		const score = ctx ? contextScore('CRYPTO', text, start, end, base, lower) : base;
		emit({ type: 'CRYPTO', start, end, text: s, score, rule, detector: 'pii' });
	};
	for (const [start, s] of base58)
		if (base58CheckValid(s)) push(start, s, 0.95, 'pii.crypto.btc_base58check');
	for (const m of execAll(BTC_BECH32, text))
		if (bech32Valid(m[0])) push(m.index, m[0], 0.95, 'pii.crypto.btc_bech32');
	// EIP-55 checksums need Keccak-256, which node:crypto lacks; the shape alone is strong evidence.
	for (const [start, s] of eth) push(start, s, 0.7, 'pii.crypto.eth');
}

function scanPhones(
	text: string,
	emit: Emit,
	ctx: boolean,
	regions: CountryCode[],
	minScore: number,
	lower: string,
): void {
	for (const m of execAll(PHONE_CANDIDATE, text)) {
		const candidate = m[0];
		let digits = 0;
		for (let i = 0; i < candidate.length; i++) if (isDigit(candidate.charCodeAt(i))) digits++;
		if (digits < 7 || digits > 17) continue;
		const mStart = m.index;
		const mEnd = mStart + candidate.length;
		// Dates and times ("2003-08-28 12:13") are the commonest look-alikes.
		if (
			DATE_START.test(candidate) ||
			(text.charCodeAt(mEnd) === 58 && isDigit(text.charCodeAt(mEnd + 1)))
		)
			continue;
		const international = candidate.charCodeAt(0) === 43;
		let bonus = international || candidate.includes('(') ? 0.15 : 0;
		if (NANP_LAYOUT.test(candidate)) bonus += 0.15;
		const context = ctx ? contextScore('PHONE_NUMBER', text, mStart, mEnd, 0.5, lower) - 0.5 : 0;
		// A valid number scores 0.4 before evidence; skip the parser when even that cannot reach the threshold.
		if (0.4 + bonus + context < minScore) continue;
		// The candidate is parsed whole (no text search), region by region.
		// When "possible" already clears the threshold, finding the region where it is also valid
		// would only move the score; stop at the first region that accepts it at all.
		const verdict = phoneVerdict(candidate, regions, 0.3 + bonus + context >= minScore);
		if (!verdict) continue;
		const valid = verdict === 'valid';
		const score = Math.round(Math.min(1, (valid ? 0.4 : 0.3) + bonus + context) * 1000) / 1000;
		if (score < minScore) continue;
		emit({
			type: 'PHONE_NUMBER',
			start: mStart,
			end: mEnd,
			text: candidate,
			score,
			rule: valid ? 'pii.phone.valid' : 'pii.phone.possible',
			detector: 'pii',
		});
	}
}

/**
 * Validated PII: every candidate is checked (Luhn and issuer ranges, mod-97
 * with the country's length, SSA issuance rules, base58check / bech32,
 * libphonenumber metadata) before it becomes a finding, and context words
 * move its score. Overlaps are resolved in favour of the stronger finding.
 */
export function piiDetector(options: PiiOptions = {}): Detector {
	const entities = new Set<string>(options.entities ?? PII_ENTITIES);
	for (const e of entities) {
		if (!(PII_ENTITIES as readonly string[]).includes(e)) {
			throw new Error(`Unknown PII entity "${e}"; known: ${PII_ENTITIES.join(', ')}`);
		}
	}
	const minScore = options.minScore ?? 0.5;
	const ctx = options.context !== false;
	const regions = options.phoneRegions ?? DEFAULT_PHONE_REGIONS;
	const scoresContext = [...entities].some((e) => e !== 'EMAIL_ADDRESS');
	return {
		name: 'pii',
		redactable: true,
		scan(text: string): Finding[] {
			const all: Finding[] = [];
			const emit: Emit = (f) => all.push(f);
			if (entities.has('EMAIL_ADDRESS') && text.includes('@')) scanEmail(text, emit);
			// Everything below needs digits; prose without any is done.
			if (!HAS_DIGIT.test(text)) return resolveOverlaps(all.filter((f) => f.score >= minScore));
			// Context words are looked up in one lower-cased copy of the text.
			const lower = ctx && scoresContext ? lowerCased(text) : text;
			if (entities.has('CREDIT_CARD')) scanCards(text, emit, ctx, lower);
			if (entities.has('IBAN_CODE')) scanIban(text, emit, ctx, lower);
			if (entities.has('US_SSN')) scanSsn(text, emit, ctx, lower);
			if (entities.has('IP_ADDRESS')) scanIp(text, emit, ctx, lower);
			if (entities.has('CRYPTO')) scanCrypto(text, emit, ctx, lower);
			if (entities.has('PHONE_NUMBER')) scanPhones(text, emit, ctx, regions, minScore, lower);
			return resolveOverlaps(all.filter((f) => f.score >= minScore));
		},
	};
}

/** Where two findings overlap, the higher score wins (ties: the longer span). */
export function resolveOverlaps(findings: Finding[]): Finding[] {
	const sorted = [...findings].sort(
		(a, b) => b.score - a.score || b.end - b.start - (a.end - a.start),
	);
	const kept: Finding[] = [];
	for (const f of sorted) {
		if (kept.some((k) => f.start < k.end && k.start < f.end)) continue;
		kept.push(f);
	}
	return kept.sort((a, b) => a.start - b.start);
}
