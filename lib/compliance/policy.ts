import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PolicyError } from './errors';
import { REDACTION_MODES, type RedactionMode } from './redact';
import { ACTIONS, SEVERITIES, type Action, type Severity } from './types';
import { injectionDetector, type InjectionOptions } from './detectors/injection';
import {
	keywordDetector,
	regexDetector,
	type KeywordOptions,
	type RegexOptions,
} from './detectors/lists';
import { PII_ENTITIES, piiDetector, type PiiOptions } from './detectors/pii';
import { secretsDetector, type SecretsOptions } from './detectors/secrets';
import { sizeDetector, type SizeOptions } from './detectors/size';
import { urlDetector, type UrlOptions } from './detectors/urls';
import type { Detector } from './types';

export interface PolicyRule {
	/** Finding type (`CREDIT_CARD`), detector (`secrets`), rule (`injection.role_hijack`), a prefix with `*`, or `*`. */
	match: string | string[];
	severity: Severity;
	action: Action;
	/** Only findings scoring at least this much match the rule. */
	minScore?: number;
}

export interface LlmJudgeOptions {
	/** What the judge should refuse, in plain words. */
	prompt: string;
	/** Verdict scores at or above this produce a finding (0..1, default 0.7). */
	threshold?: number;
}

export interface DetectorConfig {
	pii?: PiiOptions;
	secrets?: SecretsOptions;
	injection?: InjectionOptions;
	keywords?: KeywordOptions;
	regex?: RegexOptions;
	urls?: UrlOptions;
	size?: SizeOptions;
	llm?: LlmJudgeOptions;
}

export const DETECTOR_NAMES = [
	'pii',
	'secrets',
	'injection',
	'keywords',
	'regex',
	'urls',
	'size',
	'llm',
] as const;

export interface Policy {
	name: string;
	description?: string;
	detectors: DetectorConfig;
	rules: PolicyRule[];
	/** For findings no rule matches. */
	defaults: { severity: Severity; action: Action };
	/** Risk score at which the decision is raised to at least review / block. */
	thresholds: { review?: number; block?: number };
	redaction: { mode: RedactionMode; maskChar?: string; keepLast?: number };
}

const DEFAULT_RULES: PolicyRule[] = [
	{ match: ['SECRET', 'URL_CREDENTIALS'], severity: 'critical', action: 'block' },
	{ match: 'PROMPT_INJECTION', severity: 'critical', action: 'block' },
	{ match: ['SIZE_LIMIT', 'BINARY_CONTENT'], severity: 'high', action: 'block' },
	{ match: 'HIDDEN_TEXT', severity: 'high', action: 'review' },
	{ match: ['CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'CRYPTO'], severity: 'high', action: 'redact' },
	{ match: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'IP_ADDRESS'], severity: 'medium', action: 'redact' },
	{
		match: ['URL_DENIED_HOST', 'URL_NOT_ALLOWED', 'URL_SCHEME'],
		severity: 'high',
		action: 'block',
	},
	{ match: ['URL_IP_HOST', 'URL_PUNYCODE'], severity: 'medium', action: 'review' },
	{ match: ['LLM_JUDGE'], severity: 'high', action: 'review' },
	{ match: ['KEYWORD', 'REGEX'], severity: 'medium', action: 'review' },
];

/** Policies that ship with the package; a parameter or file can define others. */
export const BUILTIN_POLICIES: Record<string, unknown> = {
	default: {
		name: 'default',
		description:
			'Redact PII, block secrets, prompt injection, oversized or binary input; hold hidden text for review.',
		detectors: { pii: {}, secrets: {}, injection: {}, urls: {}, size: {} },
		rules: DEFAULT_RULES,
	},
	strict: {
		name: 'strict',
		description:
			'Any PII or suspicious content goes to a human; secrets and injection are blocked.',
		detectors: {
			pii: {},
			secrets: {},
			injection: {},
			urls: { denyIpHosts: true },
			size: { maxChars: 200_000 },
		},
		rules: [
			{
				match: ['SECRET', 'URL_CREDENTIALS', 'PROMPT_INJECTION', 'SIZE_LIMIT', 'BINARY_CONTENT'],
				severity: 'critical',
				action: 'block',
			},
			{ match: '*', severity: 'high', action: 'review' },
		],
		thresholds: { review: 0.3, block: 0.95 },
	},
	'pii-redact': {
		name: 'pii-redact',
		description: 'Only PII: replace it with type tags and let the item through.',
		detectors: { pii: {} },
		rules: [{ match: 'pii', severity: 'medium', action: 'redact' }],
		redaction: { mode: 'tag' },
	},
};

const TOP_KEYS = new Set([
	'name',
	'description',
	'detectors',
	'rules',
	'defaults',
	'thresholds',
	'redaction',
	'version',
]);
const RULE_KEYS = new Set(['match', 'severity', 'action', 'minScore']);

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
	if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
		throw new PolicyError(
			`${where} is ${JSON.stringify(value)}`,
			`Use one of: ${allowed.join(', ')}.`,
		);
	}
	return value as T;
}

function checkScore(value: unknown, where: string): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'number' || !(value >= 0 && value <= 1))
		throw new PolicyError(`${where} must be a number between 0 and 1`);
	return value;
}

/** Parses a policy from JSON or YAML text (or an already parsed object) and validates every part of it. */
export function parsePolicy(source: string | Record<string, unknown>, origin = 'policy'): Policy {
	let doc: unknown = source;
	if (typeof source === 'string') {
		const trimmed = source.trim();
		if (!trimmed)
			throw new PolicyError(
				`The ${origin} is empty`,
				'Give a policy as JSON or YAML, or pick a built-in one.',
			);
		try {
			doc = trimmed.startsWith('{')
				? JSON.parse(trimmed)
				: parseYaml(trimmed, { maxAliasCount: 100 });
		} catch (err) {
			throw new PolicyError(
				`The ${origin} does not parse: ${(err as Error).message.split('\n')[0]}`,
				'Check the JSON/YAML syntax (indentation, quotes, commas).',
			);
		}
	}
	if (!isObject(doc))
		throw new PolicyError(`The ${origin} must be an object with "name", "detectors" and "rules"`);
	for (const key of Object.keys(doc)) {
		if (!TOP_KEYS.has(key))
			throw new PolicyError(
				`Unknown key "${key}" in the ${origin}`,
				`Allowed keys: ${[...TOP_KEYS].join(', ')}.`,
			);
	}
	const name = typeof doc.name === 'string' && doc.name.trim() ? doc.name.trim() : 'custom';
	const where = `policy "${name}"`;
	if (!isObject(doc.detectors) || Object.keys(doc.detectors).length === 0) {
		throw new PolicyError(
			`The ${where} enables no detectors`,
			`Add "detectors" with one or more of: ${DETECTOR_NAMES.join(', ')}.`,
		);
	}
	const detectors: DetectorConfig = {};
	for (const [key, value] of Object.entries(doc.detectors)) {
		if (!(DETECTOR_NAMES as readonly string[]).includes(key)) {
			throw new PolicyError(
				`Unknown detector "${key}" in ${where}`,
				`Known detectors: ${DETECTOR_NAMES.join(', ')}.`,
			);
		}
		if (value === false || value === null) continue;
		const cfg = value === true ? {} : value;
		if (!isObject(cfg))
			throw new PolicyError(`Detector "${key}" in ${where} must be an object of options (or true)`);
		(detectors as Record<string, unknown>)[key] = cfg;
	}
	if (detectors.pii?.entities) {
		for (const e of detectors.pii.entities) {
			if (!(PII_ENTITIES as readonly string[]).includes(e))
				throw new PolicyError(
					`Unknown PII entity "${e}" in ${where}`,
					`Known: ${PII_ENTITIES.join(', ')}.`,
				);
		}
	}
	if (detectors.keywords && !Array.isArray(detectors.keywords.words))
		throw new PolicyError(
			`Detector "keywords" in ${where} needs "words": a list of words or phrases`,
		);
	if (detectors.regex && !Array.isArray(detectors.regex.patterns))
		throw new PolicyError(
			`Detector "regex" in ${where} needs "patterns": a list of {name, pattern}`,
		);
	if (detectors.llm && (typeof detectors.llm.prompt !== 'string' || !detectors.llm.prompt.trim()))
		throw new PolicyError(
			`Detector "llm" in ${where} needs "prompt": what the judge should refuse`,
		);
	if (detectors.llm) checkScore(detectors.llm.threshold, `llm.threshold in ${where}`);

	const rawRules = doc.rules === undefined ? DEFAULT_RULES : doc.rules;
	if (!Array.isArray(rawRules)) throw new PolicyError(`"rules" in ${where} must be a list`);
	const rules: PolicyRule[] = rawRules.map((r, i) => {
		const at = `rule ${i + 1} of ${where}`;
		if (!isObject(r))
			throw new PolicyError(`${at} must be an object with match, severity and action`);
		for (const key of Object.keys(r))
			if (!RULE_KEYS.has(key))
				throw new PolicyError(
					`Unknown key "${key}" in ${at}`,
					`Allowed: ${[...RULE_KEYS].join(', ')}.`,
				);
		const match = r.match;
		const list = Array.isArray(match) ? match : [match];
		if (!list.length || list.some((m) => typeof m !== 'string' || !m))
			throw new PolicyError(`${at} needs "match": a finding type, detector, rule or "*"`);
		return {
			match: list as string[],
			severity: checkEnum(r.severity ?? 'medium', SEVERITIES, `severity in ${at}`),
			action: checkEnum(r.action, ACTIONS, `action in ${at}`),
			minScore: checkScore(r.minScore, `minScore in ${at}`),
		};
	});
	const d = isObject(doc.defaults) ? doc.defaults : {};
	const defaults = {
		severity: checkEnum(d.severity ?? 'medium', SEVERITIES, `defaults.severity in ${where}`),
		action: checkEnum(d.action ?? 'review', ACTIONS, `defaults.action in ${where}`),
	};
	const t = isObject(doc.thresholds) ? doc.thresholds : {};
	const thresholds = {
		review: checkScore(t.review, `thresholds.review in ${where}`),
		block: checkScore(t.block, `thresholds.block in ${where}`),
	};
	const red = isObject(doc.redaction) ? doc.redaction : {};
	const redaction = {
		mode: checkEnum(red.mode ?? 'tag', REDACTION_MODES, `redaction.mode in ${where}`),
		maskChar: typeof red.maskChar === 'string' ? red.maskChar : undefined,
		keepLast: typeof red.keepLast === 'number' ? red.keepLast : undefined,
	};
	const policy: Policy = {
		name,
		description: typeof doc.description === 'string' ? doc.description : undefined,
		detectors,
		rules,
		defaults,
		thresholds,
		redaction,
	};
	// Building the detectors validates their options (unknown entities, unsafe regexes) now, not at the first item.
	buildDetectors(policy);
	return policy;
}

/** A built-in policy by name. */
export function builtinPolicy(name: string): Policy {
	const doc = BUILTIN_POLICIES[name];
	if (!doc)
		throw new PolicyError(
			`There is no built-in policy "${name}"`,
			`Built-in policies: ${Object.keys(BUILTIN_POLICIES).join(', ')}.`,
		);
	return parsePolicy(doc as Record<string, unknown>, `built-in policy "${name}"`);
}

/** Reads a policy file (.json, .yaml or .yml). */
export function loadPolicyFile(file: string): Policy {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (err) {
		throw new PolicyError(
			`Cannot read the policy file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
			'Check the path; it is read on the n8n server.',
		);
	}
	return parsePolicy(text, `policy file ${file}`);
}

export function buildDetectors(policy: Policy): Detector[] {
	const d = policy.detectors;
	const out: Detector[] = [];
	try {
		if (d.size) out.push(sizeDetector(d.size));
		if (d.pii) out.push(piiDetector(d.pii));
		if (d.secrets) out.push(secretsDetector(d.secrets));
		if (d.injection) out.push(injectionDetector(d.injection));
		if (d.keywords) out.push(keywordDetector(d.keywords));
		if (d.regex) out.push(regexDetector(d.regex));
		if (d.urls) out.push(urlDetector(d.urls));
	} catch (err) {
		if (err instanceof PolicyError) throw err;
		throw new PolicyError(`Policy "${policy.name}": ${(err as Error).message}`);
	}
	return out;
}
