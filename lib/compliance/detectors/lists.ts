import { PolicyError } from '../errors';
import type { Detector, Finding } from '../types';

export interface KeywordOptions {
	words: string[];
	/** Match case (default false). */
	caseSensitive?: boolean;
	/** Whole words only (default true). */
	wholeWord?: boolean;
	/** Finding type (default `KEYWORD`). */
	type?: string;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Keyword and phrase list, matched without regexes: linear in the text for each word. */
export function keywordDetector(options: KeywordOptions): Detector {
	const caseSensitive = options.caseSensitive === true;
	const wholeWord = options.wholeWord !== false;
	const words = options.words.map((w) => w.trim()).filter(Boolean);
	const needles = words.map((w) => (caseSensitive ? w : w.toLowerCase()));
	const type = options.type ?? 'KEYWORD';
	return {
		name: 'keywords',
		redactable: true,
		scan(text: string): Finding[] {
			const hay = caseSensitive ? text : text.toLowerCase();
			// toLowerCase can change lengths for a few scripts; then offsets would drift, so match on the original.
			const same = hay.length === text.length;
			const source = same ? hay : text;
			const out: Finding[] = [];
			needles.forEach((needle, i) => {
				const n = same ? needle : words[i];
				let from = 0;
				for (;;) {
					const at = source.indexOf(n, from);
					if (at < 0) break;
					const end = at + n.length;
					const ok =
						!wholeWord ||
						((at === 0 || !WORD_CHAR.test(text[at - 1])) &&
							(end >= text.length || !WORD_CHAR.test(text[end])));
					if (ok)
						out.push({
							type,
							start: at,
							end,
							text: text.slice(at, end),
							score: 1,
							rule: `keywords.${words[i]}`,
							detector: 'keywords',
						});
					from = at + Math.max(1, n.length);
				}
			});
			return out.sort((a, b) => a.start - b.start);
		},
	};
}

export interface RegexRule {
	name: string;
	pattern: string;
	/** Regex flags other than `g` (added automatically); `i`, `m`, `s`, `u` allowed. */
	flags?: string;
	/** Finding type (default `REGEX`). */
	type?: string;
	score?: number;
}

export interface RegexOptions {
	patterns: RegexRule[];
	/** Each regex sees at most this many characters at once (default 65,536); longer texts are scanned in overlapping windows. */
	maxInput?: number;
}

const MAX_PATTERN_LENGTH = 1000;

/**
 * Refuses patterns that can backtrack catastrophically: a quantified group
 * that itself contains a quantifier (`(a+)+`, `(\w*x?)*`) or an alternation
 * (`(a|aa)*`), and backreferences. What is left runs in time roughly linear
 * in its input for JavaScript's backtracking engine, and the input each
 * pattern sees is bounded as well.
 */
export function assertSafeRegex(pattern: string, name = 'pattern'): void {
	if (pattern.length > MAX_PATTERN_LENGTH) {
		throw new PolicyError(
			`Regex "${name}" is longer than ${MAX_PATTERN_LENGTH} characters`,
			'Split it into several shorter patterns.',
		);
	}
	interface Group {
		quantified: boolean;
		alternation: boolean;
	}
	const stack: Group[] = [{ quantified: false, alternation: false }];
	let inClass = false;
	const isQuantifierAt = (i: number): { unbounded: boolean; len: number } | null => {
		const c = pattern[i];
		if (c === '*' || c === '+') return { unbounded: true, len: 1 };
		if (c === '?') return { unbounded: false, len: 1 };
		if (c === '{') {
			const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
			if (!m) return null;
			const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
			return { unbounded: max > 1, len: m[0].length };
		}
		return null;
	};
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c === '\\') {
			if (/[1-9k]/.test(pattern[i + 1] ?? '') && !inClass) {
				throw new PolicyError(
					`Regex "${name}" uses a backreference`,
					'Backreferences can backtrack without bound; rewrite the pattern without them.',
				);
			}
			i++;
			continue;
		}
		if (inClass) {
			if (c === ']') inClass = false;
			continue;
		}
		if (c === '[') {
			inClass = true;
			continue;
		}
		if (c === '(') {
			stack.push({ quantified: false, alternation: false });
			continue;
		}
		if (c === '|') {
			stack[stack.length - 1].alternation = true;
			continue;
		}
		if (c === ')') {
			const group = stack.pop();
			if (!group || stack.length === 0)
				throw new PolicyError(`Regex "${name}" has an unbalanced ")"`);
			const q = isQuantifierAt(i + 1);
			if (q && q.unbounded && (group.quantified || group.alternation)) {
				throw new PolicyError(
					`Regex "${name}" repeats a group that contains ${group.quantified ? 'a quantifier' : 'an alternation'}; such patterns can take exponential time`,
					'Use a character class or a bounded repeat ({0,n}) instead of nesting quantifiers, e.g. "[ab]+" instead of "(a|b)+" and "\\w+" instead of "(\\w+)+".',
				);
			}
			const parent = stack[stack.length - 1];
			if (q || group.quantified)
				parent.quantified = parent.quantified || !!q?.unbounded || group.quantified;
			if (q) i += q.len;
			continue;
		}
		const q = isQuantifierAt(i);
		if (q) {
			if (q.unbounded) stack[stack.length - 1].quantified = true;
			i += q.len - 1;
		}
	}
	if (stack.length !== 1) throw new PolicyError(`Regex "${name}" has an unbalanced "("`);
}

export function compileRegexRule(rule: RegexRule): RegExp {
	if (!rule || typeof rule.pattern !== 'string' || !rule.pattern) {
		throw new PolicyError(`Regex rule "${rule?.name ?? '?'}" has no pattern`);
	}
	const flags = rule.flags ?? '';
	if (!/^[imsu]*$/.test(flags)) {
		throw new PolicyError(
			`Regex "${rule.name}" has unsupported flags "${flags}"`,
			'Allowed flags: i, m, s, u.',
		);
	}
	assertSafeRegex(rule.pattern, rule.name);
	try {
		return new RegExp(rule.pattern, flags + 'g');
	} catch (err) {
		throw new PolicyError(`Regex "${rule.name}" does not compile: ${(err as Error).message}`);
	}
}

export function regexDetector(options: RegexOptions): Detector {
	const maxInput = options.maxInput ?? 65_536;
	const overlap = Math.min(1024, Math.floor(maxInput / 4));
	const compiled = options.patterns.map((p) => ({ rule: p, re: compileRegexRule(p) }));
	return {
		name: 'regex',
		redactable: true,
		scan(text: string): Finding[] {
			const out: Finding[] = [];
			const seen = new Set<string>();
			for (const { rule, re } of compiled) {
				for (let offset = 0; offset < text.length || offset === 0; offset += maxInput - overlap) {
					const window = text.slice(offset, offset + maxInput);
					for (const m of window.matchAll(re)) {
						if (m[0].length === 0) continue;
						const start = offset + m.index;
						const key = `${rule.name}:${start}`;
						if (seen.has(key)) continue;
						seen.add(key);
						out.push({
							type: rule.type ?? 'REGEX',
							start,
							end: start + m[0].length,
							text: m[0],
							score: rule.score ?? 1,
							rule: `regex.${rule.name}`,
							detector: 'regex',
						});
					}
					if (offset + maxInput >= text.length) break;
				}
			}
			return out.sort((a, b) => a.start - b.start);
		},
	};
}
