import { AnchorSet, anchoredMatches, charTable, hitsOf, tokenRuns } from '../../../lib/compliance';

describe('scanning helpers', () => {
	it('AnchorSet finds every literal, overlapping ones included, in one pass', () => {
		const set = new AnchorSet(['system prompt', 'system', 'prompt', '@', 'ab']);
		const found = set.find('the system prompt; ab@ab');
		expect(found.get('system')).toEqual([4]);
		expect(found.get('system prompt')).toEqual([4]);
		expect(found.get('prompt')).toEqual([11]);
		expect(found.get('ab')).toEqual([19, 22]);
		expect(found.get('@')).toEqual([21]);
		expect(set.find('')).toEqual(new Map());
	});

	it('anchored matches equal a whole-text scan for patterns near their anchor', () => {
		const re = /\bignore\b[^.\n]{0,40}?\binstructions\b/gi;
		const text =
			'x'.repeat(5000) +
			' please ignore all previous instructions. ' +
			'y'.repeat(5000) +
			' Ignore the instructions';
		const lower = text.toLowerCase();
		const hits = hitsOf(new AnchorSet(['instruction']).find(lower), ['instruction']);
		const anchored = anchoredMatches(text, re, hits, 80, 20).map((m) => [m.index, m.text]);
		const full = [...text.matchAll(re)].map((m) => [m.index, m[0]]);
		expect(anchored).toEqual(full);
		expect(anchored).toHaveLength(2);
	});

	it('windows start on a word boundary, so \\b keeps its meaning', () => {
		const re = /\bfoo\b/g;
		const text = 'a'.repeat(30) + 'foo bar';
		// The anchor "bar" with before=4 would start the window inside "aaa...foo"; the window is widened to the word start.
		expect(anchoredMatches(text, re, [[text.indexOf('bar'), 3]], 4, 0)).toEqual([]);
	});

	it('tokenRuns returns maximal runs of at least the given length', () => {
		const t = charTable('a-z0-9');
		expect(tokenRuns('ab cdef gh1234 !', 4, t)).toEqual([
			[3, 7],
			[8, 14],
		]);
	});
});
