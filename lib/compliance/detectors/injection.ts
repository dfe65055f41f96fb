import { AnchorSet, anchoredMatches, charTable, hitsOf, lowerCased, tokenRuns } from '../text';
import type { Detector, Finding } from '../types';

/**
 * Prompt-injection and jailbreak heuristics. Every pattern is bounded
 * (`{0,n}` gaps, no nested quantifiers) so a hostile text cannot make the
 * scan slow. Text is also checked after removing invisible characters and
 * after decoding base64 / hex runs, the usual ways of hiding an instruction.
 */
/** `anchors`: lower-case literals one of which must occur before the pattern runs. */
const PATTERNS: Array<{
	rule: string;
	re: RegExp;
	score: number;
	anchors: string[];
	/** How far a match reaches before / after its anchor. */
	before: number;
	after: number;
}> = [
	{
		rule: 'injection.instruction_override',
		re: /\b(?:ignore|disregard|forget|override|bypass|skip|drop)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|all|any|your|the|system|original|safety)\b[^.\n]{0,30}?\b(?:instructions?|prompts?|rules|directions|guidelines|guardrails|constraints|context|messages?|polic(?:y|ies))\b/gi,
		score: 0.9,
		anchors: [
			'instruction',
			'prompt',
			'rules',
			'direction',
			'guideline',
			'guardrail',
			'constraint',
			'context',
			'message',
			'polic',
		],
		before: 120,
		after: 24,
	},
	{
		rule: 'injection.new_instructions',
		re: /\b(?:new|updated|real|actual) (?:system )?instructions?\s{0,3}:/gi,
		score: 0.75,
		anchors: ['instruction'],
		before: 40,
		after: 20,
	},
	{
		rule: 'injection.role_hijack',
		re: /\b(?:you are (?:now|no longer)|from now on,? you (?:are|will|must)|act as (?:an? )?(?:unrestricted|unfiltered|jailbroken|uncensored)|pretend (?:to be|you are) (?:an? )?(?:unrestricted|unfiltered|evil|jailbroken|uncensored)|(?:enable|enter|activate) (?:developer|god|dan|jailbreak) mode|do anything now)\b/gi,
		score: 0.85,
		anchors: ['you are', 'from now on', 'act as', 'pretend', ' mode', 'do anything now'],
		before: 8,
		after: 64,
	},
	{
		rule: 'injection.role_markers',
		re: /(?:<\|im_start\|>|<\|im_end\|>|\[INST\]|\[\/INST\]|<\|system\|>|<<SYS>>|^\s{0,8}(?:system|assistant)\s{0,3}:)/gim,
		score: 0.8,
		anchors: ['<|', '[inst]', '[/inst]', '<<sys>>', 'system', 'assistant'],
		before: 16,
		after: 16,
	},
	{
		rule: 'injection.system_prompt_extraction',
		re: /\b(?:reveal|show|print|repeat|output|tell me|display|leak|dump|what (?:is|are|was|were))\b[^.\n?]{0,30}?\b(?:system prompt|your (?:system |initial |original |hidden )?(?:instructions|prompt|rules)|hidden (?:prompt|instructions)|(?:text|words|everything) above)\b/gi,
		score: 0.85,
		anchors: ['system prompt', 'instructions', 'prompt', 'rules', 'above'],
		before: 64,
		after: 24,
	},
];

const PATTERN_ANCHORS = new AnchorSet(PATTERNS.flatMap((p) => p.anchors));

const INVISIBLE = /[\u200B-\u200D\u2060-\u2064\uFEFF\u00AD]+/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]+/g;
const TAG_CHARS = /(?:\uDB40[\uDC00-\uDC7F])+/g;
const HAS_TAG_CHARS = /\uDB40[\uDC00-\uDC7F]/;
const BASE64_CHARS = charTable('A-Za-z0-9+/');
const HEX_CHARS = charTable('0-9A-Fa-f');

function isHex(s: string): boolean {
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 128 || HEX_CHARS[c] !== 1) return false;
	}
	return true;
}
const ANY_HIDDEN = /[\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\uDB40]/;
const MAX_ENCODED = 16_384;

function printableRatio(s: string): number {
	if (!s.length) return 0;
	let ok = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if ((c >= 32 && c < 127) || c === 10 || c === 13 || c === 9) ok++;
	}
	return ok / s.length;
}

function matchPatterns(
	text: string,
): Array<{ rule: string; start: number; end: number; score: number; text: string }> {
	const out: Array<{ rule: string; start: number; end: number; score: number; text: string }> = [];
	const found = PATTERN_ANCHORS.find(lowerCased(text));
	if (!found.size) return out;
	for (const { rule, re, score, anchors, before, after } of PATTERNS) {
		// The anchors are found in the lower-cased text, so every spelling the pattern accepts has a hit.
		for (const m of anchoredMatches(text, re, hitsOf(found, anchors), before, after, true))
			out.push({ rule, start: m.index, end: m.index + m.text.length, score, text: m.text });
	}
	return out;
}

export interface InjectionOptions {
	/** Decode base64/hex runs and scan what they hide (default true). */
	decode?: boolean;
}

export function injectionDetector(options: InjectionOptions = {}): Detector {
	const decode = options.decode !== false;
	return {
		name: 'injection',
		redactable: false,
		scan(text: string): Finding[] {
			const out: Finding[] = [];
			const add = (
				rule: string,
				start: number,
				end: number,
				score: number,
				type = 'PROMPT_INJECTION',
				t?: string,
			) =>
				out.push({
					type,
					start,
					end,
					text: t ?? text.slice(start, end),
					score,
					rule,
					detector: 'injection',
				});
			for (const m of matchPatterns(text)) add(m.rule, m.start, m.end, m.score);

			const hidden = ANY_HIDDEN.test(text);
			if (hidden)
				for (const m of text.matchAll(TAG_CHARS))
					add('injection.unicode_tags', m.index, m.index + m[0].length, 0.95, 'HIDDEN_TEXT');
			if (hidden)
				for (const m of text.matchAll(BIDI))
					add('injection.bidi_control', m.index, m.index + m[0].length, 0.7, 'HIDDEN_TEXT');
			let invisible = 0;
			for (const m of hidden ? text.matchAll(INVISIBLE) : []) {
				invisible += m[0].length;
				add('injection.invisible_characters', m.index, m.index + m[0].length, 0.5, 'HIDDEN_TEXT');
			}
			// Instructions split by invisible characters, or spelled in Unicode tag characters.
			if (hidden && (invisible || HAS_TAG_CHARS.test(text))) {
				const revealed = text.replace(INVISIBLE, '').replace(TAG_CHARS, (s) => {
					let r = ' ';
					for (let i = 0; i + 1 < s.length; i += 2)
						r += String.fromCharCode(s.charCodeAt(i + 1) - 0xdc00);
					return r + ' ';
				});
				const known = new Set(out.map((f) => f.rule));
				for (const m of matchPatterns(revealed)) {
					if (known.has(m.rule)) continue;
					add(`${m.rule}.obfuscated`, 0, text.length, 0.95, 'PROMPT_INJECTION', m.text);
				}
			}
			if (decode) {
				for (const [start, runEnd] of tokenRuns(text, 24, BASE64_CHARS)) {
					// Include base64 padding that follows the run.
					let end = runEnd;
					while (end < text.length && end - runEnd < 2 && text[end] === '=') end++;
					const run = text.slice(start, end);
					if (run.length > MAX_ENCODED) continue;
					const hex = run.length >= 32 && run.length % 2 === 0 && isHex(run);
					const decoded = Buffer.from(run, hex ? 'hex' : 'base64').toString('utf8');
					if (printableRatio(decoded) < 0.9) continue;
					const hits = matchPatterns(decoded);
					if (hits.length) add(`${hits[0].rule}.${hex ? 'hex' : 'base64'}`, start, end, 0.95);
				}
			}
			return out.sort((a, b) => a.start - b.start);
		},
	};
}
