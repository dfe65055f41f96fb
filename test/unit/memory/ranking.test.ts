import {
	cosine,
	mmrSelect,
	recencyFactor,
	rrfScore,
	weightedScores,
} from '../../../lib/memory/ranking';

describe('ranking helpers', () => {
	it('fuses ranks with RRF', () => {
		expect(rrfScore({ id: 'a', vectorRank: 1, textRank: 1 }, 60)).toBeCloseTo(2 / 61);
		expect(rrfScore({ id: 'b', vectorRank: 3 }, 60)).toBeCloseTo(1 / 63);
		expect(rrfScore({ id: 'c' }, 60)).toBe(0);
	});

	it('weights min-max normalised scores', () => {
		const s = weightedScores(
			[
				{ id: 'a', vectorScore: 0.9, textScore: 0 },
				{ id: 'b', vectorScore: 0.5, textScore: 0.2 },
			],
			0.25,
		);
		expect(s[0]).toBeCloseTo(0.25);
		expect(s[1]).toBeCloseTo(0.75);
	});

	it('halves the score every half-life', () => {
		expect(recencyFactor(0, 10)).toBe(1);
		expect(recencyFactor(10, 10)).toBeCloseTo(0.5);
		expect(recencyFactor(30, 10)).toBeCloseTo(0.125);
	});

	it('MMR trades relevance for diversity as lambda falls', () => {
		const vectors = [
			[1, 0],
			[0.99, 0.14],
			[0, 1],
		];
		const relevance = [1, 0.98, 0.6];
		expect(mmrSelect(relevance, vectors, 2, 1)).toEqual([0, 1]);
		expect(mmrSelect(relevance, vectors, 2, 0.5)).toEqual([0, 2]);
		expect(cosine([1, 0], [0, 1])).toBe(0);
	});
});
