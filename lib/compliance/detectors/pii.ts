import { isIPv4, isIPv6 } from 'node:net';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import {
	IBAN_LENGTHS,
	base58CheckValid,
	bech32Valid,
	cardIssuer,
	ibanValid,
	luhnValid,
	ssnValid,
} from '../checksums';
import { charTable } from '../text';
import type { Detector, Finding } from '../types';
import { contextScore } from './context';

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

type Emit = (f: Omit<Finding, 'detector'>) => void;

const CARD = /\b\d(?:[ -]?\d){11,18}\b/g;
const SSN = /\b(\d{3})([- ]?)(\d{2})\2(\d{4})\b/g;
const IBAN = /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV6_CHARS = charTable('0-9A-Fa-f:.');
function isIpv6Char(c: number): boolean {
	return c < 128 && IPV6_CHARS[c] === 1;
}
const BTC_BASE58 = /\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b/g;
const BTC_BECH32 = /\b(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}\b/g;
const HAS_DIGIT = /\d/;
const ETH = /\b0x[0-9a-fA-F]{40}\b/g;
/** Cheap pre-filter for phone candidates; libphonenumber decides. */
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

function scanCards(text: string, emit: Emit, ctx: boolean): void {
	for (const m of text.matchAll(CARD)) {
		const digits = m[0].replace(/[ -]/g, '');
		if (digits.length < 12 || digits.length > 19) continue;
		// Mixed separators ("1234-5678 9012") are not how cards are written.
		if (/ /.test(m[0]) && /-/.test(m[0])) continue;
		if (!luhnValid(digits)) continue;
		const issuer = cardIssuer(digits);
		if (/^(\d)\1+$/.test(digits)) continue;
		const base = issuer ? 0.85 : 0.4;
		const start = m.index;
		const end = start + m[0].length;
		const score = ctx ? contextScore('CREDIT_CARD', text, start, end, base) : base;
		emit({
			type: 'CREDIT_CARD',
			start,
			end,
			text: m[0],
			score,
			rule: issuer ? `pii.credit_card.${issuer}` : 'pii.credit_card.luhn',
		});
	}
}

function scanSsn(text: string, emit: Emit, ctx: boolean): void {
	for (const m of text.matchAll(SSN)) {
		if (!ssnValid(m[1], m[3], m[4])) continue;
		const start = m.index;
		const end = start + m[0].length;
		// Neighbouring digit groups mean this is part of a longer number (phone, card).
		const prev = text.slice(Math.max(0, start - 2), start);
		const next = text.slice(end, end + 2);
		if (/\d[- .]$|[-.]$/.test(prev) || /^[- .]\d|^[-.]\d/.test(next)) continue;
		const base = m[2] ? 0.6 : 0.3;
		const score = ctx ? contextScore('US_SSN', text, start, end, base) : base;
		emit({
			type: 'US_SSN',
			start,
			end,
			text: m[0],
			score,
			rule: m[2] ? 'pii.us_ssn.formatted' : 'pii.us_ssn.digits',
		});
	}
}

function scanIban(text: string, emit: Emit, ctx: boolean): void {
	for (const m of text.matchAll(IBAN)) {
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
		const score = ctx ? contextScore('IBAN_CODE', text, start, end, 0.9) : 0.9;
		emit({ type: 'IBAN_CODE', start, end, text: candidate, score, rule: 'pii.iban.mod97' });
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
			});
		}
		at = text.indexOf('@', Math.max(e, at + 1));
	}
}

function scanIp(text: string, emit: Emit, ctx: boolean): void {
	for (const m of text.matchAll(IPV4)) {
		if (!isIPv4(m[0])) continue;
		const start = m.index;
		const end = start + m[0].length;
		// "1.2.3.4.5" is a version or an OID, not an address.
		if (
			/[.\d]$/.test(text.slice(Math.max(0, start - 1), start)) ||
			/^\.\d/.test(text.slice(end, end + 2))
		)
			continue;
		const score = ctx ? contextScore('IP_ADDRESS', text, start, end, 0.75) : 0.75;
		emit({ type: 'IP_ADDRESS', start, end, text: m[0], score, rule: 'pii.ip.v4' });
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
		const score = ctx ? contextScore('IP_ADDRESS', text, start, end, 0.8) : 0.8;
		emit({ type: 'IP_ADDRESS', start, end, text: s, score, rule: 'pii.ip.v6' });
	}
}

function scanCrypto(text: string, emit: Emit, ctx: boolean): void {
	const push = (start: number, s: string, base: number, rule: string) => {
		const end = start + s.length;
		const score = ctx ? contextScore('CRYPTO', text, start, end, base) : base;
		emit({ type: 'CRYPTO', start, end, text: s, score, rule });
	};
	for (const m of text.matchAll(BTC_BASE58))
		if (base58CheckValid(m[0])) push(m.index, m[0], 0.95, 'pii.crypto.btc_base58check');
	for (const m of text.matchAll(BTC_BECH32))
		if (bech32Valid(m[0])) push(m.index, m[0], 0.95, 'pii.crypto.btc_bech32');
	// EIP-55 checksums need Keccak-256, which node:crypto lacks; the shape alone is strong evidence.
	for (const m of text.matchAll(ETH)) push(m.index, m[0], 0.7, 'pii.crypto.eth');
}

function scanPhones(
	text: string,
	emit: Emit,
	ctx: boolean,
	regions: CountryCode[],
	minScore: number,
): void {
	for (const m of text.matchAll(PHONE_CANDIDATE)) {
		const candidate = m[0];
		const digits = candidate.replace(/\D/g, '').length;
		if (digits < 7 || digits > 17) continue;
		const mStart = m.index;
		const mEnd = mStart + candidate.length;
		// Dates and times ("2003-08-28 12:13") are the commonest look-alikes.
		if (/^\d{4}-\d{2}-\d{2}/.test(candidate) || /^:\d/.test(text.slice(mEnd, mEnd + 2))) continue;
		const international = candidate.startsWith('+');
		let bonus = international || candidate.includes('(') ? 0.15 : 0;
		if (/^\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b/.test(candidate)) bonus += 0.15;
		const context = ctx ? contextScore('PHONE_NUMBER', text, mStart, mEnd, 0.5) - 0.5 : 0;
		// A valid number scores 0.4 before evidence; skip the parser when even that cannot reach the threshold.
		if (0.4 + bonus + context < minScore) continue;
		// The candidate is parsed whole (no text search): one metadata lookup per region tried.
		let verdict: 'valid' | 'possible' | null = null;
		const judge = (region?: CountryCode) => {
			const pn = parsePhoneNumberFromString(
				candidate,
				region ? { defaultCountry: region, extract: false } : { extract: false },
			);
			if (!pn) return;
			if (pn.isValid()) verdict = 'valid';
			else if (!verdict && pn.isPossible()) verdict = 'possible';
		};
		// When "possible" already clears the threshold, finding the region where it is also valid
		// would only move the score; stop at the first region that accepts it at all.
		const possibleSuffices = 0.3 + bonus + context >= minScore;
		if (international) judge();
		else
			for (const region of regions) {
				judge(region);
				if (verdict === 'valid' || (verdict && possibleSuffices)) break;
			}
		if (!verdict) continue;
		const b = { valid: verdict === 'valid' };
		const score = Math.round(Math.min(1, (b.valid ? 0.4 : 0.3) + bonus + context) * 1000) / 1000;
		if (score < minScore) continue;
		emit({
			type: 'PHONE_NUMBER',
			start: mStart,
			end: mEnd,
			text: candidate,
			score,
			rule: b.valid ? 'pii.phone.valid' : 'pii.phone.possible',
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
	return {
		name: 'pii',
		redactable: true,
		scan(text: string): Finding[] {
			const all: Finding[] = [];
			const emit: Emit = (f) => all.push({ ...f, detector: 'pii' });
			if (entities.has('EMAIL_ADDRESS') && text.includes('@')) scanEmail(text, emit);
			// Everything below needs digits; prose without any is done.
			if (!HAS_DIGIT.test(text)) return resolveOverlaps(all.filter((f) => f.score >= minScore));
			if (entities.has('CREDIT_CARD')) scanCards(text, emit, ctx);
			if (entities.has('IBAN_CODE')) scanIban(text, emit, ctx);
			if (entities.has('US_SSN')) scanSsn(text, emit, ctx);
			if (entities.has('IP_ADDRESS')) scanIp(text, emit, ctx);
			if (entities.has('CRYPTO')) scanCrypto(text, emit, ctx);
			if (entities.has('PHONE_NUMBER')) scanPhones(text, emit, ctx, regions, minScore);
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
