import { rankNeighbourhood, recallText, reciprocalRankFusion } from '../../../lib/graph/ranking';
import { planUpsert } from '../../../lib/graph/merge';
import { bidirectionalShortestPaths, type PathEdge } from '../../../lib/graph/paths';
import { checkEntity } from '../../../lib/graph/validate';

describe('reciprocal rank fusion', () => {
	it('raises keys found by both lists and keeps single-list keys', () => {
		const fused = reciprocalRankFusion([
			['a', 'b', 'c'],
			['c', 'd'],
		]);
		expect(fused[0].key).toBe('c');
		expect(fused[0].ranks).toEqual([3, 1]);
		expect(fused.map((f) => f.key).sort()).toEqual(['a', 'b', 'c', 'd']);
		expect(fused[0].score).toBeCloseTo(1 / 63 + 1 / 61);
	});
});

describe('neighbourhood ranking', () => {
	const candidates = [
		{ key: 's', distance: 0 },
		{ key: 'x', distance: 1 },
		{ key: 'y', distance: 1 },
		{ key: 'z', distance: 2 },
		{ key: 'w', distance: 2 },
	];
	const relations = [
		{ from: 's', to: 'x', confidence: 0.4 },
		{ from: 's', to: 'y', confidence: 1 },
		{ from: 'y', to: 'w', confidence: 1 },
		{ from: 'x', to: 'w', confidence: 1 },
		{ from: 'x', to: 'z', confidence: 0.5 },
	];

	it('orders by distance, then by ties to nearer entities', () => {
		const { kept, truncated } = rankNeighbourhood(candidates, relations, 10);
		expect(kept.map((k) => k.key)).toEqual(['s', 'y', 'x', 'w', 'z']);
		expect(truncated).toBe(false);
		expect(kept.find((k) => k.key === 'w')!.score).toBeCloseTo(2 / 3);
	});

	it('cuts to the budget and says so', () => {
		const { kept, truncated } = rankNeighbourhood(candidates, relations, 3);
		expect(kept.map((k) => k.key)).toEqual(['s', 'y', 'x']);
		expect(truncated).toBe(true);
	});
});

describe('prompt text', () => {
	it('names entities and dates facts', () => {
		const text = recallText(
			[
				{
					key: 'a',
					type: 'Person',
					name: 'Alice',
					aliases: ['Al'],
					properties: { role: 'engineer', tags: ['x'] },
					createdAt: '',
					updatedAt: '',
					distance: 0,
					score: 1,
				},
			],
			[
				{
					id: 'r',
					type: 'LIVES_IN',
					from: 'a',
					to: 'p',
					properties: {},
					validAt: '2024-01-01T00:00:00.000Z',
					invalidAt: '2024-06-01T00:00:00.000Z',
					createdAt: '',
					expiredAt: null,
					sourceEpisode: null,
					confidence: 1,
				},
			],
			[],
			'2024-03-01T00:00:00.000Z',
		);
		expect(text).toContain('- Alice [Person] (aka Al) {role=engineer}');
		expect(text).toContain('- Alice LIVES_IN p (since 2024-01-01 until 2024-06-01)');
		expect(text).not.toContain('Episodes:');
	});
});

describe('upsert planning', () => {
	it('merges into a stored entity by alias, adding the new name as an alias', () => {
		const existing = [
			{
				key: 'k1',
				type: 'Person',
				name: 'Robert',
				aliases: ['Bob'],
				aliasNorms: ['robert', 'bob'],
				properties: { a: 1 },
			},
		];
		const plan = planUpsert(
			[
				checkEntity({ type: 'Person', name: 'bob', properties: { b: 2 } }),
				checkEntity({ type: 'Person', name: 'Eve' }),
			],
			existing,
		);
		expect(plan.resolvedKeys).toEqual(['k1', 'person:eve']);
		expect(plan).toMatchObject({ created: 1, merged: 1 });
		expect(plan.rows[0]).toMatchObject({
			key: 'k1',
			name: 'Robert',
			aliases: ['Bob', 'bob'],
			properties: { a: 1, b: 2 },
		});
	});

	it('refuses to change the type of a stored key', () => {
		const existing = [
			{ key: 'k1', type: 'Person', name: 'R', aliases: [], aliasNorms: ['r'], properties: {} },
		];
		expect(() =>
			planUpsert([checkEntity({ key: 'k1', type: 'Ship', name: 'R' })], existing),
		).toThrow(/already exists with type Person/);
	});
});

describe('shortest paths', () => {
	const graph: PathEdge[] = [
		{ id: 'ab', from: 'a', to: 'b' },
		{ id: 'bc', from: 'b', to: 'c' },
		{ id: 'cd', from: 'c', to: 'd' },
		{ id: 'ax', from: 'a', to: 'x' },
		{ id: 'xc', from: 'x', to: 'c' },
		{ id: 'ca', from: 'c', to: 'a' },
		{ id: 'dd', from: 'd', to: 'd' },
	];
	const expand = async (frontier: string[]) =>
		graph.filter((e) => frontier.includes(e.from) || frontier.includes(e.to));

	it('finds the shortest route through cycles, in either direction', async () => {
		expect(await bidirectionalShortestPaths('a', 'd', 4, 5, expand)).toEqual([
			{ nodes: ['a', 'c', 'd'], relationIds: ['ca', 'cd'] },
		]);
		expect(await bidirectionalShortestPaths('d', 'b', 4, 5, expand)).toEqual([
			{ nodes: ['d', 'c', 'b'], relationIds: ['cd', 'bc'] },
		]);
	});

	it('lists every shortest route up to the limit, and none beyond the hop limit', async () => {
		const noShortcut = async (f: string[]) => (await expand(f)).filter((e) => e.id !== 'ca');
		const all = await bidirectionalShortestPaths('a', 'd', 4, 5, noShortcut);
		expect(all.map((p) => p.nodes.join('>')).sort()).toEqual(['a>b>c>d', 'a>x>c>d']);
		expect(await bidirectionalShortestPaths('a', 'd', 4, 1, noShortcut)).toHaveLength(1);
		expect(await bidirectionalShortestPaths('a', 'd', 2, 5, noShortcut)).toEqual([]);
		expect(await bidirectionalShortestPaths('a', 'zzz', 6, 5, expand)).toEqual([]);
	});
});
