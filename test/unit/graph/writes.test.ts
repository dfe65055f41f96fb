import { Statement, planFacts } from '../../../lib/graph/sql/writes';
import { checkRelation, type CheckedRelation } from '../../../lib/graph/validate';

const NOW = '2025-01-01T00:00:00.000Z';
const rel = (r: Parameters<typeof checkRelation>[0]): CheckedRelation =>
	checkRelation(r, NOW, new Set());

describe('planning a batch of facts', () => {
	let n = 0;
	const ids = () => `rel_${++n}`;

	it('folds repeats of an open fact into one, keeping every position', () => {
		const facts = planFacts(
			[
				{
					relation: rel({
						type: 'KNOWS',
						from: 'a',
						to: 'b',
						confidence: 0.5,
						validAt: '2024-06-01',
						properties: { x: 1 },
					}),
					index: 0,
				},
				{ relation: rel({ type: 'KNOWS', from: 'a', to: 'c' }), index: 1 },
				{
					relation: rel({
						type: 'KNOWS',
						from: 'a',
						to: 'b',
						confidence: 0.8,
						validAt: '2024-01-01',
						properties: { y: 2 },
						sourceEpisode: 'ep1',
					}),
					index: 2,
				},
			],
			ids,
		);
		expect(facts).toHaveLength(2);
		const [ab, ac] = facts;
		expect(ab.indexes).toEqual([0, 2]);
		expect(ac.indexes).toEqual([1]);
		// Inserted as first asserted, with the highest confidence.
		expect(ab.relation).toMatchObject({
			confidence: 0.8,
			validAt: '2024-06-01T00:00:00.000Z',
			properties: { x: 1 },
			sourceEpisode: null,
		});
		// Folded into a current identical fact: merged properties, earliest start, first source.
		expect(ab.touch).toEqual({
			confidence: 0.8,
			properties: { x: 1, y: 2 },
			validAt: '2024-01-01T00:00:00.000Z',
			sourceEpisode: 'ep1',
		});
		expect(ab.id).not.toBe(ac.id);
	});

	it('keeps facts with an end one by one and never folds them into current ones', () => {
		const ended = rel({ type: 'KNOWS', from: 'a', to: 'b', invalidAt: '2030-01-01' });
		const facts = planFacts(
			[
				{ relation: ended, index: 0 },
				{ relation: ended, index: 1 },
			],
			ids,
		);
		expect(facts.map((f) => [f.indexes, f.touch])).toEqual([
			[[0], null],
			[[1], null],
		]);
	});
});

describe('a statement built from parts', () => {
	it('numbers parameters after the graph and joins its parts as CTEs', () => {
		const st = new Statement('g');
		const a = st.param('x');
		st.with('one', `SELECT ${a}::text AS v`);
		st.with('two', `SELECT ${st.param(2)}::int AS w`);
		expect(st.params).toEqual(['g', 'x', 2]);
		expect(st.sql('SELECT * FROM one, two')).toBe(
			'WITH one AS (SELECT $2::text AS v),\ntwo AS (SELECT $3::int AS w)\nSELECT * FROM one, two',
		);
	});
});
