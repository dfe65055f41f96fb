import {
	createCipheriv,
	createDecipheriv,
	createHash,
	createHmac,
	hkdfSync,
	randomBytes,
} from 'node:crypto';
import { ValidationError } from './errors';
import type { Finding } from './types';

export const REDACTION_MODES = ['mask', 'tag', 'hash', 'pseudonymise'] as const;
export type RedactionMode = (typeof REDACTION_MODES)[number];

export interface RedactOptions {
	mode: RedactionMode;
	/** Character used by `mask` (default `*`). */
	maskChar?: string;
	/** Characters left visible at the end by `mask` (default 0; 4 keeps a card's last digits). */
	keepLast?: number;
	/** Secret for `hash` (HMAC instead of plain SHA-256) and required for `pseudonymise`. */
	key?: string;
}

export interface RedactResult {
	text: string;
	/** How many spans were replaced. */
	replaced: number;
	/** `pseudonymise` only: the encrypted token → original map that `restore` needs. */
	vault?: string;
}

/** Merges overlapping spans so each character is replaced at most once; the stronger finding names the span. */
export function mergeSpans(findings: Finding[]): Finding[] {
	const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
	const out: Finding[] = [];
	for (const f of sorted) {
		const last = out[out.length - 1];
		if (last && f.start < last.end) {
			const keepType = f.score > last.score ? f.type : last.type;
			out[out.length - 1] = {
				...last,
				type: keepType,
				end: Math.max(last.end, f.end),
				score: Math.max(last.score, f.score),
			};
		} else out.push({ ...f });
	}
	return out;
}

function deriveKey(key: string, purpose: string): Buffer {
	return Buffer.from(
		hkdfSync(
			'sha256',
			Buffer.from(key, 'utf8'),
			Buffer.alloc(0),
			`agent-os/compliance/${purpose}`,
			32,
		),
	);
}

function requireKey(key: string | undefined, mode: string): string {
	if (!key || key.length < 16) {
		throw new ValidationError(
			`Redaction mode "${mode}" needs a key of at least 16 characters`,
			'Set the pseudonymisation key (keep it secret; the same key restores the text).',
		);
	}
	return key;
}

/**
 * Replaces the spans of `findings` in `text`.
 *  - mask: `****************` (optionally keeping the last characters)
 *  - tag: `<CREDIT_CARD>`
 *  - hash: `<CREDIT_CARD:1a2b3c4d5e6f>` (HMAC-SHA-256 with the key, or SHA-256)
 *  - pseudonymise: `<CREDIT_CARD_7KQ2M9XD4A>`, a token derived with HMAC from the key and the
 *    value (the same value always gets the same token), plus an AES-256-GCM vault from
 *    which `restore` puts the originals back.
 */
export function redact(text: string, findings: Finding[], options: RedactOptions): RedactResult {
	const spans = mergeSpans(
		findings.filter((f) => f.end > f.start && f.start >= 0 && f.end <= text.length),
	);
	if (!REDACTION_MODES.includes(options.mode)) {
		throw new ValidationError(
			`Unknown redaction mode "${options.mode}"`,
			`Use one of: ${REDACTION_MODES.join(', ')}.`,
		);
	}
	const hashKey =
		options.mode === 'hash' && options.key ? deriveKey(options.key, 'hash') : undefined;
	const tokenKey =
		options.mode === 'pseudonymise'
			? deriveKey(requireKey(options.key, options.mode), 'token')
			: undefined;
	const vault: Record<string, string> = {};
	let out = '';
	let pos = 0;
	for (const s of spans) {
		const original = text.slice(s.start, s.end);
		out += text.slice(pos, s.start);
		out += replacement(s.type, original, options, hashKey, tokenKey, vault);
		pos = s.end;
	}
	out += text.slice(pos);
	const result: RedactResult = { text: out, replaced: spans.length };
	if (tokenKey) result.vault = sealVault(vault, requireKey(options.key, options.mode));
	return result;
}

function replacement(
	type: string,
	original: string,
	o: RedactOptions,
	hashKey: Buffer | undefined,
	tokenKey: Buffer | undefined,
	vault: Record<string, string>,
): string {
	switch (o.mode) {
		case 'mask': {
			const keep = Math.max(0, Math.min(o.keepLast ?? 0, original.length - 1));
			const ch = (o.maskChar ?? '*').slice(0, 1) || '*';
			return ch.repeat(original.length - keep) + original.slice(original.length - keep);
		}
		case 'tag':
			return `<${type}>`;
		case 'hash': {
			const h = hashKey
				? createHmac('sha256', hashKey).update(original).digest('hex')
				: createHash('sha256').update(original).digest('hex');
			return `<${type}:${h.slice(0, 12)}>`;
		}
		case 'pseudonymise': {
			const digest = createHmac('sha256', tokenKey as Buffer)
				.update(`${type}\u0000${original}`)
				.digest();
			const token = `<${type}_${base32(digest).slice(0, 10)}>`;
			vault[token] = original;
			return token;
		}
	}
}

const B32 = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';
function base32(buf: Buffer): string {
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of buf) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += B32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	return out;
}

/** AES-256-GCM over the JSON token map: `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function sealVault(map: Record<string, string>, key: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', deriveKey(key, 'vault'), iv);
	const ct = Buffer.concat([cipher.update(JSON.stringify(map), 'utf8'), cipher.final()]);
	return [
		'v1',
		iv.toString('base64url'),
		cipher.getAuthTag().toString('base64url'),
		ct.toString('base64url'),
	].join('.');
}

export function openVault(vault: string, key: string): Record<string, string> {
	const parts = typeof vault === 'string' ? vault.split('.') : [];
	if (parts.length !== 4 || parts[0] !== 'v1') {
		throw new ValidationError(
			'The pseudonymisation vault is not in the expected format',
			'Pass the "vault" value produced by the same check, unchanged.',
		);
	}
	try {
		const decipher = createDecipheriv(
			'aes-256-gcm',
			deriveKey(requireKey(key, 'pseudonymise'), 'vault'),
			Buffer.from(parts[1], 'base64url'),
		);
		decipher.setAuthTag(Buffer.from(parts[2], 'base64url'));
		const plain = Buffer.concat([
			decipher.update(Buffer.from(parts[3], 'base64url')),
			decipher.final(),
		]).toString('utf8');
		return JSON.parse(plain) as Record<string, string>;
	} catch (err) {
		if (err instanceof ValidationError) throw err;
		throw new ValidationError(
			'The pseudonymisation vault cannot be opened with this key, or it was modified',
			'Use the key the text was pseudonymised with.',
		);
	}
}

/** Puts the originals back into a pseudonymised text. Tokens not in the vault stay as they are. */
export function restore(text: string, vault: string, key: string): string {
	const map = openVault(vault, key);
	return text.replace(/<[A-Z][A-Z0-9_]{0,40}_[A-Z0-9]{10}>/g, (token) => map[token] ?? token);
}
