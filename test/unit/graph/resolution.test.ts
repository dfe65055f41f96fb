import {
	levenshtein,
	nameSimilarity,
	resolveEntity,
	trigramSimilarity,
} from '../../../lib/graph/resolution';

describe('string similarity', () => {
	it('computes edit distance', () => {
		expect(levenshtein('kitten', 'sitting')).toBe(3);
		expect(levenshtein('', 'abc')).toBe(3);
		expect(levenshtein('same', 'same')).toBe(0);
	});

	it('computes trigram similarity like pg_trgm', () => {
		expect(trigramSimilarity('word', 'word')).toBe(1);
		expect(trigramSimilarity('abc', 'xyz')).toBe(0);
		expect(trigramSimilarity('babbage', 'babage')).toBeGreaterThan(0.5);
	});

	it('scores names after normalizing them', () => {
		expect(nameSimilarity('Zoë', 'ZOE')).toBe(1);
		expect(nameSimilarity('Charles Babbage', 'Charles Babage')).toBeGreaterThan(0.9);
		expect(nameSimilarity('Alice', 'Bob')).toBeLessThan(0.3);
		expect(nameSimilarity('', 'x')).toBe(0);
	});

	it('never counts names that differ in a number as alike', () => {
		expect(nameSimilarity('Apollo 11', 'Apollo 13')).toBe(0);
		expect(nameSimilarity('Room 101', 'Room 1010')).toBe(0);
		expect(nameSimilarity('Windows 10', 'Windows')).toBe(0);
		expect(nameSimilarity('Apollo 11', 'Apolo 11')).toBeGreaterThan(0.8);
	});
});

describe('entity resolution', () => {
	const candidates = [
		{ key: 'p1', type: 'Person', name: 'Charles Babbage', aliases: ['Babbage'] },
		{ key: 'p2', type: 'Person', name: 'Jon Smith', aliases: [] },
		{ key: 'p3', type: 'Person', name: 'Jan Smith', aliases: [] },
		{ key: 's1', type: 'Ship', name: 'Babbage', aliases: [] },
	];

	it('matches exactly on a name or alias of the same type first', () => {
		expect(resolveEntity({ type: 'Person', name: 'BABBAGE' }, candidates)).toEqual({
			kind: 'exact',
			key: 'p1',
		});
		expect(resolveEntity({ type: 'Ship', name: 'babbage' }, candidates)).toEqual({
			kind: 'exact',
			key: 's1',
		});
	});

	it('then takes a single clear fuzzy match', () => {
		const r = resolveEntity({ type: 'Person', name: 'Charles Babage' }, candidates);
		expect(r).toMatchObject({ kind: 'fuzzy', key: 'p1' });
	});

	it('calls several close fuzzy matches ambiguous', () => {
		const r = resolveEntity({ type: 'Person', name: 'Jen Smith' }, candidates);
		expect(r.kind).toBe('ambiguous');
		expect(r.kind === 'ambiguous' && r.candidates.map((c) => c.key).sort()).toEqual(['p2', 'p3']);
	});

	it('resolves a name that differs from a stored one only in a number as new', () => {
		const numbered = [{ key: 'm11', type: 'Mission', name: 'Apollo 11', aliases: [] }];
		expect(resolveEntity({ type: 'Mission', name: 'Apollo 13' }, numbered)).toEqual({
			kind: 'new',
		});
		expect(resolveEntity({ type: 'Mission', name: 'Apolo 11' }, numbered)).toMatchObject({
			kind: 'fuzzy',
			key: 'm11',
		});
	});

	it('calls nothing close new, and never crosses types', () => {
		expect(resolveEntity({ type: 'Person', name: 'Grace Hopper' }, candidates)).toEqual({
			kind: 'new',
		});
		expect(resolveEntity({ type: 'Planet', name: 'Babbage' }, candidates)).toEqual({ kind: 'new' });
		expect(
			resolveEntity({ type: 'Person', name: 'Charles Babage' }, candidates, { threshold: 0.99 }),
		).toEqual({ kind: 'new' });
	});
});
