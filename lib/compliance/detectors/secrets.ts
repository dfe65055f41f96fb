import {
	AnchorSet,
	anchoredMatches,
	charTable,
	hitsOf,
	lowerCased,
	shannonEntropy,
	tokenRuns,
} from '../text';
import type { Detector, Finding } from '../types';

/** Provider key formats: prefixes and lengths the providers document. */
/** `anchors`: literals one of which must occur (case-sensitive) before the regex runs at all. */
const PROVIDER_KEYS: Array<{
	rule: string;
	re: RegExp;
	score: number;
	anchors: string[];
	/** Anchors (lower case) are looked for in the lower-cased text: any spelling of them counts. */
	caseless?: boolean;
	/** How far a match reaches after its anchor (default 300). */
	after?: number;
}> = [
	{
		rule: 'secrets.aws_access_key_id',
		re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g,
		score: 0.95,
		anchors: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
	},
	{
		rule: 'secrets.aws_secret_access_key',
		re: /\baws_?secret_?access_?key\b["']?\s{0,3}[:=]\s{0,3}["']?[A-Za-z0-9/+=]{40}\b/gi,
		score: 0.95,
		anchors: ['ecret'],
		caseless: true,
	},
	{
		rule: 'secrets.github_token',
		re: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g,
		score: 0.95,
		anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
	},
	{
		rule: 'secrets.github_fine_grained_pat',
		re: /\bgithub_pat_[A-Za-z0-9_]{60,100}\b/g,
		score: 0.95,
		anchors: ['github_pat_'],
	},
	{
		rule: 'secrets.anthropic_key',
		re: /\bsk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_-]{80,120}/g,
		score: 0.95,
		anchors: ['sk-ant-'],
	},
	{
		rule: 'secrets.openai_key',
		re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}/g,
		score: 0.95,
		anchors: ['T3BlbkFJ'],
	},
	{
		rule: 'secrets.openai_key_legacy',
		re: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9]{32,64}\b/g,
		score: 0.8,
		anchors: ['sk-'],
	},
	{
		rule: 'secrets.slack_token',
		re: /\bxox[abposr]-[A-Za-z0-9-]{10,72}/g,
		score: 0.95,
		anchors: ['xox'],
	},
	{
		rule: 'secrets.slack_webhook',
		re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}/g,
		score: 0.95,
		anchors: ['hooks.slack.com'],
	},
	{
		rule: 'secrets.stripe_key',
		re: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{20,99}\b/g,
		score: 0.95,
		anchors: ['k_live_', 'k_test_'],
	},
	{
		rule: 'secrets.google_api_key',
		re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
		score: 0.9,
		anchors: ['AIza'],
	},
	{
		rule: 'secrets.sendgrid_key',
		re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g,
		score: 0.95,
		anchors: ['SG.'],
	},
	{ rule: 'secrets.twilio_key', re: /\bSK[0-9a-f]{32}\b/g, score: 0.7, anchors: ['SK'] },
	{ rule: 'secrets.npm_token', re: /\bnpm_[A-Za-z0-9]{36}\b/g, score: 0.95, anchors: ['npm_'] },
	{ rule: 'secrets.huggingface_token', re: /\bhf_[A-Za-z]{34}\b/g, score: 0.9, anchors: ['hf_'] },
	{
		rule: 'secrets.jwt',
		re: /\beyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,1000}/g,
		score: 0.85,
		anchors: ['eyJ'],
		after: 7100,
	},
	{
		rule: 'secrets.private_key',
		re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g,
		score: 1,
		anchors: ['PRIVATE KEY'],
	},
	{
		rule: 'secrets.connection_string_password',
		re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:[^\s@/]{3,128}@[^\s/]{1,255}/gi,
		score: 0.85,
		anchors: ['://'],
		after: 460,
	},
];

/** `password = ...`, `api_key: "..."`: the value is judged by its entropy. */
const ASSIGNMENT =
	/\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|token|password|passwd|pwd|client[_-]?secret)\b["']?\s{0,3}[:=]\s{0,3}["']?([^\s"',;]{8,200})/gi;
/** Long unbroken runs of key-like characters, scored by entropy. */
const TOKEN_CHARS = charTable('A-Za-z0-9+/_=-');
/**
 * Anchors of the assignment words (key, secret, token, password, passwd,
 * pwd), looked for in the lower-cased text, so "PassWord" counts as well as
 * "password" and "PASSWORD". "ecret" also anchors the AWS secret pattern.
 */
const ASSIGNMENT_ANCHORS = ['key', 'ecret', 'token', 'passw', 'pwd'];
/**
 * A pattern's matches always hold one of its anchors whole when the pattern is case-sensitive
 * or its anchors have no letters; `anchoredMatches` can then stop early in a window.
 */
const PROVIDERS = PROVIDER_KEYS.map((k) => ({
	...k,
	containsAnchor: !k.re.ignoreCase || k.anchors.every((a) => a.toLowerCase() === a.toUpperCase()),
}));
/** Case-sensitive anchors, found in the text as it is. */
const ANCHORS = new AnchorSet(PROVIDER_KEYS.filter((k) => !k.caseless).flatMap((k) => k.anchors));
/** Case-insensitive anchors, found in the lower-cased text (same positions, see lowerCased). */
const CASELESS_ANCHORS = new AnchorSet([
	...PROVIDER_KEYS.filter((k) => k.caseless).flatMap((k) => k.anchors),
	...ASSIGNMENT_ANCHORS,
]);

export interface SecretsOptions {
	/** Bits per character a long token needs to count as a secret (default 4.2). */
	minEntropy?: number;
	/** Report long high-entropy tokens with no known prefix (default true). */
	entropy?: boolean;
}

/** Secrets: provider key formats, credentials in assignments, and high-entropy tokens. */
export function secretsDetector(options: SecretsOptions = {}): Detector {
	const minEntropy = options.minEntropy ?? 4.2;
	const useEntropy = options.entropy !== false;
	return {
		name: 'secrets',
		redactable: true,
		scan(text: string): Finding[] {
			const out: Finding[] = [];
			const covered = (s: number, e: number) => out.some((f) => s < f.end && f.start < e);
			const found = ANCHORS.find(text);
			const foundCaseless = CASELESS_ANCHORS.find(lowerCased(text));
			for (const { rule, re, score, anchors, after, containsAnchor, caseless } of PROVIDERS) {
				const hits = hitsOf(caseless ? foundCaseless : found, anchors);
				for (const m of anchoredMatches(text, re, hits, 24, after ?? 300, containsAnchor)) {
					out.push({
						type: 'SECRET',
						start: m.index,
						end: m.index + m.text.length,
						text: m.text,
						score,
						rule,
						detector: 'secrets',
					});
				}
			}
			for (const m of anchoredMatches(
				text,
				ASSIGNMENT,
				hitsOf(foundCaseless, ASSIGNMENT_ANCHORS),
				24,
				240,
			)) {
				const value = m.groups[0] as string;
				const start = m.index + m.text.length - value.length;
				const end = start + value.length;
				if (covered(start, end)) continue;
				const h = shannonEntropy(value);
				if (
					h < 2.5 ||
					/^(?:\*+|x+|<[^>]*>|\{\{.*\}\}|\$\{.*\}|null|none|true|false|changeme|redacted)$/i.test(
						value,
					)
				)
					continue;
				out.push({
					type: 'SECRET',
					start,
					end,
					text: value,
					score: h >= 3.5 ? 0.85 : 0.65,
					rule: 'secrets.assignment',
					detector: 'secrets',
				});
			}
			if (useEntropy) {
				for (const [start, end] of tokenRuns(text, 32, TOKEN_CHARS)) {
					if (end - start > 512) continue;
					const s = text.slice(start, end);
					if (covered(start, end)) continue;
					// Needs letters of both cases and digits: hex digests and words do not qualify.
					if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || !/\d/.test(s)) continue;
					const h = shannonEntropy(s);
					if (h < minEntropy) continue;
					out.push({
						type: 'SECRET',
						start,
						end,
						text: s,
						score: Math.min(0.9, 0.5 + (h - minEntropy) / 2),
						rule: 'secrets.entropy',
						detector: 'secrets',
					});
				}
			}
			return out.sort((a, b) => a.start - b.start);
		},
	};
}
