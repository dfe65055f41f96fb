import { contextScore } from '../../../lib/compliance';
import { CONTEXT } from '../../../lib/compliance/detectors/context';

/** A small deterministic generator, so every run checks the same cases. */
function random(seed: number): () => number {
	let s = seed;
	return () => {
		s = (s * 1103515245 + 12345) & 0x7fffffff;
		return s / 0x7fffffff;
	};
}

/**
 * The definition, written plainly: the window is the lower-cased text up to 48
 * characters before the span, a space, and up to 16 after it; a word counts
 * where the character before it is not a letter or digit and the one after it
 * is not a letter, the window's ends counting as spaces.
 */
function reference(type: string, text: string, start: number, end: number, base: number): number {
	const rule = CONTEXT[type];
	const w = (
		text.slice(Math.max(0, start - 48), start) +
		' ' +
		text.slice(end, Math.min(text.length, end + 16))
	).toLowerCase();
	const has = (words: string[]) =>
		words.some((word) => {
			for (let i = w.indexOf(word); i >= 0; i = w.indexOf(word, i + 1)) {
				const before = i === 0 ? ' ' : w[i - 1];
				const after = i + word.length >= w.length ? ' ' : w[i + word.length];
				if (!/[a-z0-9]/.test(before) && !/[a-z]/.test(after)) return true;
			}
			return false;
		});
	let score = base;
	if (has(rule.positive)) score += rule.boost;
	if (rule.penalty && has(rule.negative)) score -= rule.penalty;
	return Math.max(0, Math.min(1, Math.round(score * 1000) / 1000));
}

describe('context words', () => {
	it('scores like the plain definition, with and without a lower-cased copy of the text', () => {
		const rnd = random(5);
		const words = [
			...new Set(Object.values(CONTEXT).flatMap((r) => [...r.positive, ...r.negative])),
		];
		const fillers = ['x', 'Phone', 'CALL', 'a1', '#', '.', ':', ' ', ' ', 'İ', 'é', '-', 'Tel2'];
		const piece = () =>
			rnd() < 0.5
				? words[Math.floor(rnd() * words.length)]
				: fillers[Math.floor(rnd() * fillers.length)];
		let boosted = 0;
		for (let trial = 0; trial < 1500; trial++) {
			const before = Array.from({ length: Math.floor(rnd() * 12) }, piece).join(
				rnd() < 0.7 ? ' ' : '',
			);
			const after = Array.from({ length: Math.floor(rnd() * 5) }, piece).join(
				rnd() < 0.7 ? ' ' : '',
			);
			const span = '555 0100';
			const text = before + (rnd() < 0.5 ? ' ' : '') + span + (rnd() < 0.5 ? ' ' : '') + after;
			const start = text.indexOf(span);
			const end = start + span.length;
			for (const type of Object.keys(CONTEXT)) {
				const want = reference(type, text, start, end, 0.5);
				if (want !== 0.5) boosted++;
				expect([type, text, contextScore(type, text, start, end, 0.5)]).toEqual([type, text, want]);
				expect([type, text, contextScore(type, text, start, end, 0.5, text.toLowerCase())]).toEqual(
					[type, text, want],
				);
			}
		}
		expect(boosted).toBeGreaterThan(1500);
	});

	it('words cut by the window edge or joined across the span count as in the window', () => {
		// "telephone" cut 48 characters before the span leaves "phone" at the window start.
		const text = `${'x'.repeat(10)}telephone${' '.repeat(43)}555 0100`;
		const start = text.indexOf('555');
		expect(contextScore('PHONE_NUMBER', text, start, start + 8, 0.5)).toBe(
			reference('PHONE_NUMBER', text, start, start + 8, 0.5),
		);
		// "ss" right before and "#" right after the span read as "ss #".
		const t2 = 'id ss123-45-6789# x';
		expect(contextScore('US_SSN', t2, 5, 16, 0.5, t2.toLowerCase())).toBe(0.85);
		expect(reference('US_SSN', t2, 5, 16, 0.5)).toBe(0.85);
	});
});
