/**
 * The GraphStore contract: one suite, run against every backend
 * (sql-pglite.test.ts, sql-postgres.test.ts, neo4j.test.ts).
 */
import { ValidationError } from '../../../lib/db/errors';
import {
	ExtractionError,
	NotFoundError,
	extractKnowledge,
	type GraphStore,
	type MissingEntityPolicy,
	type StructuredOutputFn,
	type StructuredRequest,
} from '../../../lib/graph';

export interface StoreOptions {
	graph: string;
	singleValued?: string[];
	missingEntities?: MissingEntityPolicy;
}

export type MakeStore = (options: StoreOptions) => Promise<GraphStore>;

let counter = 0;
function graphName(): string {
	return `c${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** A scripted structured-output model: answers from a list, records the requests. */
export function scriptedModel(
	answers: unknown[],
): StructuredOutputFn & { requests: StructuredRequest[] } {
	const requests: StructuredRequest[] = [];
	const fn = (async (req: StructuredRequest) => {
		requests.push(req);
		if (!answers.length) throw new Error('scripted model has no answer left');
		return answers.shift();
	}) as StructuredOutputFn & { requests: StructuredRequest[] };
	fn.requests = requests;
	return fn;
}

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-06-01T00:00:00.000Z';
const T2 = '2025-01-01T00:00:00.000Z';

export function runGraphContract(name: string, makeStore: MakeStore): void {
	describe(`GraphStore contract: ${name}`, () => {
		let store: GraphStore;
		const opened: GraphStore[] = [];
		const open = async (o: Partial<StoreOptions> = {}) => {
			const s = await makeStore({
				graph: graphName(),
				singleValued: ['LIVES_IN', 'WORKS_AT'],
				...o,
			});
			opened.push(s);
			return s;
		};
		beforeEach(async () => {
			store = await open();
		});
		afterAll(async () => {
			for (const s of opened) {
				await s.clear();
				await s.close();
			}
		});

		describe('entities', () => {
			it('creates entities with derived keys and timestamps', async () => {
				const res = await store.upsertEntities([
					{ type: 'Person', name: 'Ada Lovelace', properties: { born: 1815 } },
					{ key: 'org:analytical', type: 'Organization', name: 'Analytical Engine Co' },
				]);
				expect(res.created).toBe(2);
				expect(res.merged).toBe(0);
				expect(res.entities.map((e) => e.key)).toEqual(['person:ada_lovelace', 'org:analytical']);
				const ada = await store.getEntity('person:ada_lovelace');
				expect(ada).toMatchObject({
					type: 'Person',
					name: 'Ada Lovelace',
					aliases: [],
					properties: { born: 1815 },
				});
				expect(Date.parse(ada!.createdAt)).not.toBeNaN();
				expect(await store.getEntity('person:nobody')).toBeNull();
			});

			it('merges by key and by a shared alias of the same type, never across types', async () => {
				await store.upsertEntities([
					{
						type: 'Person',
						name: 'Ada Lovelace',
						aliases: ['Countess of Lovelace'],
						properties: { born: 1815 },
					},
				]);
				const byKey = await store.upsertEntities([
					{
						key: 'person:ada_lovelace',
						type: 'Person',
						name: 'Ada',
						properties: { field: 'mathematics' },
					},
				]);
				expect(byKey.merged).toBe(1);
				expect(byKey.entities[0]).toMatchObject({
					key: 'person:ada_lovelace',
					name: 'Ada Lovelace',
					properties: { born: 1815, field: 'mathematics' },
				});
				expect(byKey.entities[0].aliases.sort()).toEqual(['Ada', 'Countess of Lovelace']);
				const byAlias = await store.upsertEntities([
					{ type: 'Person', name: 'countess of LOVELACE' },
				]);
				expect(byAlias).toMatchObject({ created: 0, merged: 1 });
				expect(byAlias.entities[0].key).toBe('person:ada_lovelace');
				const otherType = await store.upsertEntities([{ type: 'Ship', name: 'Ada' }]);
				expect(otherType.created).toBe(1);
				expect(otherType.entities[0].key).toBe('ship:ada');
				expect((await store.stats()).entities).toBe(2);
			});

			it('leaves an entity that a write names but does not change as it was', async () => {
				await store.upsertEntities([
					{
						type: 'Person',
						name: 'Grace Hopper',
						aliases: ['Amazing Grace'],
						properties: { born: 1906 },
					},
				]);
				const first = (await store.getEntity('person:grace_hopper'))!;
				await new Promise((r) => setTimeout(r, 5));
				const same = await store.upsertEntities([
					{ type: 'Person', name: 'Amazing Grace', properties: { born: 1906 } },
				]);
				expect(same).toMatchObject({ created: 0, merged: 1 });
				expect(same.entities[0]).toEqual(first);
				await store.recordEpisode({
					agent: 'bot',
					content: 'Grace Hopper again.',
					entities: [{ type: 'Person', name: 'Grace Hopper' }],
				});
				expect(await store.getEntity('person:grace_hopper')).toEqual(first);
				const changed = await store.upsertEntities([
					{ type: 'Person', name: 'Grace Hopper', properties: { rank: 'Rear Admiral' } },
				]);
				expect(changed.entities[0].properties).toEqual({ born: 1906, rank: 'Rear Admiral' });
				expect(changed.entities[0].createdAt).toBe(first.createdAt);
				expect(Date.parse(changed.entities[0].updatedAt)).toBeGreaterThan(
					Date.parse(first.updatedAt),
				);
			});

			it('merges duplicates inside one batch', async () => {
				const res = await store.upsertEntities([
					{ type: 'City', name: 'New York', aliases: ['NYC'] },
					{ type: 'City', name: 'nyc', properties: { population: 8 } },
				]);
				expect(res.created).toBe(1);
				expect(res.entities[0].key).toBe(res.entities[1].key);
				expect(res.entities[1].properties).toEqual({ population: 8 });
			});

			it('writes a batch with a bad entity not at all', async () => {
				await expect(
					store.upsertEntities([
						{ type: 'Person', name: 'Grace Hopper' },
						{ type: 'person', name: 'lower-case type' },
					]),
				).rejects.toThrow(ValidationError);
				expect(await store.getEntity('person:grace_hopper')).toBeNull();
			});

			it('keeps an embedding and finds entities by words, aliases and vectors, fused', async () => {
				await store.upsertEntities([
					{
						type: 'Concept',
						name: 'Graph databases',
						aliases: ['property graphs'],
						embedding: [1, 0, 0],
					},
					{ type: 'Concept', name: 'Vector search', embedding: [0, 1, 0] },
					{ type: 'Concept', name: 'Relational algebra', embedding: [0.9, 0.1, 0] },
					{ type: 'Person', name: 'Graph Theorist' },
				]);
				expect((await store.getEntity('concept:graph_databases'))!.embedding).toEqual([1, 0, 0]);
				const text = await store.searchEntities({ query: 'graph' });
				expect(text.map((h) => h.entity.key).sort()).toEqual([
					'concept:graph_databases',
					'person:graph_theorist',
				]);
				const alias = await store.searchEntities({ query: 'property', types: ['Concept'] });
				expect(alias.map((h) => h.entity.key)).toEqual(['concept:graph_databases']);
				const vec = await store.searchEntities({ embedding: [1, 0.05, 0], limit: 2 });
				expect(vec.map((h) => h.entity.key)).toEqual([
					'concept:graph_databases',
					'concept:relational_algebra',
				]);
				expect(vec[0].vectorRank).toBe(1);
				expect(vec[0].textRank).toBeNull();
				const fused = await store.searchEntities({ query: 'relational', embedding: [1, 0, 0] });
				// Found by both lists, "Relational algebra" outranks the vector-only best match.
				expect(fused[0].entity.key).toBe('concept:relational_algebra');
				expect(fused[0].textRank).toBe(1);
				expect(fused[0].vectorRank).toBe(2);
				await expect(store.searchEntities({})).rejects.toThrow(ValidationError);
			});
		});

		describe('relations over time', () => {
			beforeEach(async () => {
				await store.upsertEntities([
					{ key: 'alice', type: 'Person', name: 'Alice' },
					{ key: 'bob', type: 'Person', name: 'Bob' },
					{ key: 'paris', type: 'City', name: 'Paris' },
					{ key: 'berlin', type: 'City', name: 'Berlin' },
				]);
			});

			it('rejects relations to missing entities and writes nothing, or creates them when asked', async () => {
				const err = await store
					.relate([
						{ type: 'KNOWS', from: 'alice', to: 'bob' },
						{ type: 'KNOWS', from: 'alice', to: 'carol' },
					])
					.catch((e) => e);
				expect(err).toBeInstanceOf(NotFoundError);
				expect(err.message).toMatch(/"carol" not found/);
				expect(await store.relationsOf('alice')).toEqual([]);
				const res = await store.relate([{ type: 'KNOWS', from: 'alice', to: 'carol' }], {
					missingEntities: 'create',
				});
				expect(res.createdEntities).toEqual(['carol']);
				expect(await store.getEntity('carol')).toMatchObject({ type: 'Thing', name: 'carol' });
			});

			it('does not duplicate an identical current fact', async () => {
				const a = await store.relate([
					{ type: 'KNOWS', from: 'alice', to: 'bob', confidence: 0.5 },
				]);
				const b = await store.relate([
					{ type: 'KNOWS', from: 'alice', to: 'bob', confidence: 0.8 },
				]);
				expect(b.relations[0].id).toBe(a.relations[0].id);
				expect(b.relations[0].confidence).toBe(0.8);
				expect(await store.relationsOf('alice')).toHaveLength(1);
			});

			it('closes a single-valued fact when a new value is asserted, and keeps it for "as of"', async () => {
				const first = await store.relate([
					{ type: 'LIVES_IN', from: 'alice', to: 'paris', validAt: T0 },
				]);
				const second = await store.relate([
					{ type: 'LIVES_IN', from: 'alice', to: 'berlin', validAt: T1 },
				]);
				expect(second.invalidated).toHaveLength(1);
				expect(second.invalidated[0]).toMatchObject({
					id: first.relations[0].id,
					to: 'paris',
					invalidAt: T1,
				});
				expect(second.invalidated[0].expiredAt).not.toBeNull();
				const current = await store.relationsOf('alice');
				expect(current.map((r) => r.to)).toEqual(['berlin']);
				const history = await store.relationsOf('alice', { history: true });
				expect(history.map((r) => [r.to, r.validAt, r.invalidAt])).toEqual([
					['paris', T0, T1],
					['berlin', T1, null],
				]);
				const then = await store.recallContext({
					keys: ['alice'],
					hops: 1,
					asOf: '2024-03-01T00:00:00Z',
				});
				expect(then.entities.map((e) => e.key).sort()).toEqual(['alice', 'paris']);
				const now = await store.recallContext({ keys: ['alice'], hops: 1 });
				expect(now.entities.map((e) => e.key).sort()).toEqual(['alice', 'berlin']);
			});

			it('stores an older fact of a single-valued type as already ended', async () => {
				await store.relate([{ type: 'LIVES_IN', from: 'alice', to: 'berlin', validAt: T1 }]);
				const old = await store.relate([
					{ type: 'LIVES_IN', from: 'alice', to: 'paris', validAt: T0 },
				]);
				expect(old.invalidated).toEqual([]);
				expect(old.relations[0].invalidAt).toBe(T1);
				expect((await store.relationsOf('alice')).map((r) => r.to)).toEqual(['berlin']);
			});

			it('lets many-valued types hold several values, and closes what a fact explicitly contradicts', async () => {
				const k1 = await store.relate([
					{ type: 'VISITED', from: 'alice', to: 'paris', validAt: T0 },
				]);
				await store.relate([{ type: 'VISITED', from: 'alice', to: 'berlin', validAt: T1 }]);
				expect(await store.relationsOf('alice')).toHaveLength(2);
				const c = await store.relate([
					{
						type: 'AVOIDS',
						from: 'alice',
						to: 'paris',
						validAt: T2,
						contradicts: [k1.relations[0].id],
					},
				]);
				expect(c.invalidated.map((r) => [r.id, r.invalidAt])).toEqual([[k1.relations[0].id, T2]]);
				expect((await store.relationsOf('alice')).map((r) => r.type).sort()).toEqual([
					'AVOIDS',
					'VISITED',
				]);
				await expect(
					store.relate([
						{ type: 'AVOIDS', from: 'alice', to: 'bob', contradicts: ['rel_missing'] },
					]),
				).rejects.toThrow(NotFoundError);
			});

			it('refuses invalid times and confidences', async () => {
				await expect(
					store.relate([{ type: 'KNOWS', from: 'alice', to: 'bob', validAt: 'yesterday-ish' }]),
				).rejects.toThrow(ValidationError);
				await expect(
					store.relate([{ type: 'KNOWS', from: 'alice', to: 'bob', validAt: T1, invalidAt: T0 }]),
				).rejects.toThrow(/before it starts/);
				await expect(
					store.relate([{ type: 'KNOWS', from: 'alice', to: 'bob', confidence: 2 }]),
				).rejects.toThrow(ValidationError);
				await expect(store.recallContext({ keys: ['alice'], asOf: 'not a time' })).rejects.toThrow(
					ValidationError,
				);
			});
		});

		describe('episodes', () => {
			it('records an episode with its agent, context, entities and facts in one go', async () => {
				const res = await store.recordEpisode({
					agent: 'researcher',
					context: 'Project Apollo',
					content: 'Alice moved to Paris.',
					occurredAt: T1,
					entities: [
						{ key: 'alice', type: 'Person', name: 'Alice' },
						{ key: 'paris', type: 'City', name: 'Paris' },
					],
					relations: [{ type: 'LIVES_IN', from: 'alice', to: 'paris', validAt: T1 }],
				});
				expect(res.created).toBe(true);
				expect(res.episode).toMatchObject({
					agent: 'agent:researcher',
					context: 'context:project_apollo',
					occurredAt: T1,
					kind: 'episode',
				});
				expect(res.episode.entityKeys).toEqual([
					'agent:researcher',
					'alice',
					'context:project_apollo',
					'paris',
				]);
				expect(res.relations[0].sourceEpisode).toBe(res.episode.id);
				expect(await store.getEntity('agent:researcher')).toMatchObject({
					type: 'Agent',
					name: 'researcher',
				});
				expect(await store.getEntity('context:project_apollo')).toMatchObject({ type: 'Context' });
				const again = await store.recordEpisode({
					agent: 'researcher',
					context: 'Project Apollo',
					content: 'Alice moved to Paris.',
					occurredAt: T1,
				});
				expect(again.created).toBe(false);
				expect(again.episode.id).toBe(res.episode.id);
				const stats = await store.stats();
				expect(stats).toMatchObject({ episodes: 1, agents: 1, relations: 1, currentRelations: 1 });
				expect(await store.getEpisode('ep_missing')).toBeNull();
			});

			it('writes nothing when an episode is recorded again', async () => {
				await store.recordEpisode({ id: 'ep_once', agent: 'bot', content: 'First.' });
				const again = await store.recordEpisode({
					id: 'ep_once',
					agent: 'bot',
					content: 'First, with more.',
					entities: [{ key: 'zed', type: 'Person', name: 'Zed' }],
					relations: [{ type: 'KNOWS', from: 'zed', to: 'agent:bot' }],
				});
				expect(again).toMatchObject({ created: false, entities: [], relations: [] });
				expect(again.episode).toMatchObject({ content: 'First.', entityKeys: ['agent:bot'] });
				expect(await store.getEntity('zed')).toBeNull();
				expect((await store.stats()).relations).toBe(0);
			});

			it('folds a fact repeated in an episode, or in a later one, into the current fact', async () => {
				await store.upsertEntities([
					{ key: 'alice', type: 'Person', name: 'Alice' },
					{ key: 'bob', type: 'Person', name: 'Bob' },
				]);
				const first = await store.recordEpisode({
					id: 'ep_a',
					agent: 'bot',
					content: 'Alice knows Bob.',
					entityKeys: ['alice', 'bob'],
					relations: [
						{ type: 'KNOWS', from: 'alice', to: 'bob', confidence: 0.5 },
						{ type: 'KNOWS', from: 'alice', to: 'bob', confidence: 0.7 },
					],
				});
				expect(first.relations[1].id).toBe(first.relations[0].id);
				expect(first.relations[1].confidence).toBe(0.7);
				const later = await store.recordEpisode({
					id: 'ep_b',
					agent: 'bot',
					content: 'Alice still knows Bob.',
					entityKeys: ['alice', 'bob'],
					relations: [
						{
							type: 'KNOWS',
							from: 'alice',
							to: 'bob',
							confidence: 0.9,
							properties: { met: 'school' },
						},
					],
				});
				expect(later.relations[0]).toMatchObject({
					id: first.relations[0].id,
					confidence: 0.9,
					sourceEpisode: 'ep_a',
					properties: { met: 'school' },
				});
				expect(await store.relationsOf('alice')).toHaveLength(1);
			});

			it("applies an episode's facts in order, closing a single-valued fact among others", async () => {
				await store.recordEpisode({
					agent: 'bot',
					content: 'Alice lives in Paris.',
					entities: [
						{ key: 'alice', type: 'Person', name: 'Alice' },
						{ key: 'paris', type: 'City', name: 'Paris' },
					],
					relations: [{ type: 'LIVES_IN', from: 'alice', to: 'paris', validAt: T0 }],
				});
				const moved = await store.recordEpisode({
					agent: 'bot',
					content: 'Alice, who knows Bob, moved to Berlin.',
					entities: [
						{ key: 'bob', type: 'Person', name: 'Bob' },
						{ key: 'berlin', type: 'City', name: 'Berlin' },
					],
					entityKeys: ['alice'],
					relations: [
						{ type: 'KNOWS', from: 'alice', to: 'bob' },
						{ type: 'LIVES_IN', from: 'alice', to: 'berlin', validAt: T1 },
						{ type: 'KNOWS', from: 'alice', to: 'bob', confidence: 0.8 },
					],
				});
				expect(moved.invalidated.map((r) => [r.to, r.invalidAt])).toEqual([['paris', T1]]);
				expect(moved.relations.map((r) => r.to)).toEqual(['bob', 'berlin', 'bob']);
				expect(moved.relations[2].id).toBe(moved.relations[0].id);
				expect((await store.relationsOf('alice')).map((r) => r.to).sort()).toEqual([
					'berlin',
					'bob',
				]);
			});

			it('writes nothing of an episode whose fact is bad', async () => {
				await expect(
					store.recordEpisode({
						id: 'ep_bad',
						agent: 'researcher',
						content: 'Bob knows someone.',
						entities: [{ key: 'bob', type: 'Person', name: 'Bob' }],
						relations: [{ type: 'KNOWS', from: 'bob', to: 'ghost' }],
					}),
				).rejects.toThrow(NotFoundError);
				expect(await store.getEpisode('ep_bad')).toBeNull();
				expect(await store.getEntity('bob')).toBeNull();
				expect(await store.getEntity('agent:researcher')).toBeNull();
				await expect(store.recordEpisode({ agent: '', content: 'x' })).rejects.toThrow(
					ValidationError,
				);
				await expect(
					store.recordEpisode({ agent: 'a', content: 'x', occurredAt: '31/12/2024' }),
				).rejects.toThrow(ValidationError);
			});
		});

		describe('recall and paths', () => {
			beforeEach(async () => {
				// a - b - c - d - e, plus a star of 30 leaves on c, plus a -WORKS_AT-> acme.
				const chain = ['a', 'b', 'c', 'd', 'e'];
				const leaves = Array.from({ length: 30 }, (_, i) => `leaf${String(i).padStart(2, '0')}`);
				await store.upsertEntities([
					...chain.map((k) => ({ key: k, type: 'Node', name: `Node ${k.toUpperCase()}` })),
					...leaves.map((k) => ({ key: k, type: 'Leaf', name: k })),
					{ key: 'acme', type: 'Company', name: 'Acme Corp' },
				]);
				await store.relate([
					{ type: 'LINKS', from: 'a', to: 'b', validAt: T0 },
					{ type: 'LINKS', from: 'b', to: 'c', validAt: T0 },
					{ type: 'LINKS', from: 'c', to: 'd', validAt: T0 },
					{ type: 'LINKS', from: 'd', to: 'e', validAt: T0 },
					{ type: 'WORKS_AT', from: 'a', to: 'acme', validAt: T0 },
					...leaves.map((l) => ({ type: 'HAS_LEAF', from: 'c', to: l, validAt: T0 })),
				]);
				await store.recordEpisode({
					agent: 'observer',
					content: 'A joined Acme.',
					occurredAt: T1,
					entityKeys: ['a', 'acme'],
				});
			});

			it('recalls the k-hop neighbourhood, nearest first, with facts, episodes and prompt text', async () => {
				const r = await store.recallContext({ keys: ['a'], hops: 2 });
				expect(r.seeds).toEqual(['a']);
				expect(r.entities.map((e) => [e.key, e.distance])).toEqual([
					['a', 0],
					['acme', 1],
					['b', 1],
					['c', 2],
				]);
				expect(r.truncated).toBe(false);
				expect(r.relations.map((x) => `${x.from}-${x.type}-${x.to}`).sort()).toEqual([
					'a-LINKS-b',
					'a-WORKS_AT-acme',
					'b-LINKS-c',
				]);
				expect(r.episodes.map((e) => e.content)).toEqual(['A joined Acme.']);
				expect(r.text).toContain('Node A WORKS_AT Acme Corp (since 2024-01-01)');
				expect(r.text).toContain('A joined Acme.');
				expect(r.entities[0]).not.toHaveProperty('embedding');
			});

			it('filters by relation type and cuts huge neighbourhoods to the budget', async () => {
				const typed = await store.recallContext({ keys: ['a'], hops: 3, relationTypes: ['LINKS'] });
				expect(typed.entities.map((e) => e.key)).toEqual(['a', 'b', 'c', 'd']);
				const big = await store.recallContext({ keys: ['c'], hops: 1, budget: 10 });
				expect(big.entities).toHaveLength(10);
				expect(big.truncated).toBe(true);
				expect(big.entities[0].key).toBe('c');
				const keys = new Set(big.entities.map((e) => e.key));
				expect(big.relations.every((x) => keys.has(x.from) && keys.has(x.to))).toBe(true);
			});

			it('starts from the best matches of a query, and says clearly when a key is unknown', async () => {
				const r = await store.recallContext({ query: 'acme', hops: 1, episodes: 0 });
				expect(r.seeds).toEqual(['acme']);
				expect(r.entities.map((e) => e.key)).toEqual(['acme', 'a']);
				expect(r.episodes).toEqual([]);
				await expect(store.recallContext({ keys: ['nope'] })).rejects.toThrow(/"nope" not found/);
				await expect(store.recallContext({})).rejects.toThrow(ValidationError);
				expect((await store.recallContext({ query: 'zzzz' })).entities).toEqual([]);
			});

			it('finds shortest paths, through cycles, within the hop limit', async () => {
				const p = await store.findPaths('a', 'e');
				expect(p).toHaveLength(1);
				expect(p[0].nodes).toEqual(['a', 'b', 'c', 'd', 'e']);
				expect(p[0].relations.map((r) => r.type)).toEqual(['LINKS', 'LINKS', 'LINKS', 'LINKS']);
				expect(await store.findPaths('a', 'e', { maxHops: 3 })).toEqual([]);
				await store.relate([{ type: 'LINKS', from: 'e', to: 'a', validAt: T0 }]);
				const short = await store.findPaths('a', 'd');
				expect(short.map((x) => x.nodes)).toEqual([['a', 'e', 'd']]);
				// Two shortest routes once a second middle exists.
				await store.upsertEntities([{ key: 'x', type: 'Node', name: 'X' }]);
				await store.relate([
					{ type: 'LINKS', from: 'a', to: 'x', validAt: T0 },
					{ type: 'LINKS', from: 'x', to: 'c', validAt: T0 },
				]);
				const two = await store.findPaths('a', 'c', { limit: 5 });
				expect(two.map((x) => x.nodes.join('>')).sort()).toEqual(['a>b>c', 'a>x>c']);
				expect(await store.findPaths('a', 'a')).toEqual([
					{ nodes: ['a'], relations: [], length: 0 },
				]);
				expect(await store.findPaths('leaf00', 'acme', { relationTypes: ['LINKS'] })).toEqual([]);
				await expect(store.findPaths('a', 'nope')).rejects.toThrow(NotFoundError);
			});

			it('ignores facts not valid at the time asked', async () => {
				expect(await store.findPaths('a', 'b', { asOf: '2023-01-01T00:00:00Z' })).toEqual([]);
				const r = await store.recallContext({ keys: ['a'], asOf: '2023-01-01T00:00:00Z' });
				expect(r.entities.map((e) => e.key)).toEqual(['a']);
			});
		});

		describe('forget and stats', () => {
			it('forgets with the stated cascades', async () => {
				await store.recordEpisode({
					id: 'ep1',
					agent: 'bot',
					content: 'Alice knows Bob.',
					entities: [
						{ key: 'alice', type: 'Person', name: 'Alice' },
						{ key: 'bob', type: 'Person', name: 'Bob' },
					],
					relations: [{ type: 'KNOWS', from: 'alice', to: 'bob' }],
				});
				const [likes] = (await store.relate([{ type: 'LIKES', from: 'bob', to: 'alice' }]))
					.relations;
				// An episode takes the facts learned from it; entities stay.
				expect(await store.forget({ episodeId: 'ep1' })).toEqual({
					entities: 0,
					relations: 1,
					episodes: 1,
				});
				expect(await store.getEntity('alice')).not.toBeNull();
				expect((await store.relationsOf('alice')).map((r) => r.id)).toEqual([likes.id]);
				// A relation goes alone.
				expect(await store.forget({ relationId: likes.id })).toEqual({
					entities: 0,
					relations: 1,
					episodes: 0,
				});
				await store.relate([{ type: 'KNOWS', from: 'alice', to: 'bob' }]);
				await store.recordEpisode({
					id: 'ep2',
					agent: 'bot',
					content: 'About Alice',
					entityKeys: ['alice'],
				});
				// An entity takes its relations and mentions; episodes stay.
				expect(await store.forget({ entityKey: 'alice' })).toEqual({
					entities: 1,
					relations: 1,
					episodes: 0,
				});
				expect((await store.getEpisode('ep2'))!.entityKeys).toEqual(['agent:bot']);
				await expect(store.forget({ entityKey: 'alice' })).rejects.toThrow(NotFoundError);
				await expect(store.forget({})).rejects.toThrow(ValidationError);
				const stats = await store.stats();
				expect(stats.entitiesByType).toEqual({ Agent: 1, Person: 1 });
				expect(stats.relations).toBe(0);
			});

			it('forgets an entity with its names, so a new entity under its key does not inherit them', async () => {
				await store.upsertEntities([
					{ key: 'k1', type: 'Person', name: 'Old Name', aliases: ['Oldie'] },
				]);
				await store.forget({ entityKey: 'k1' });
				await store.upsertEntities([{ key: 'k1', type: 'Person', name: 'New Name' }]);
				const res = await store.upsertEntities([{ type: 'Person', name: 'Oldie' }]);
				expect(res).toMatchObject({ created: 1, merged: 0 });
				expect(res.entities[0].key).toBe('person:oldie');
			});

			it('keeps graphs apart', async () => {
				const other = await open();
				await store.upsertEntities([{ key: 'k', type: 'Thing', name: 'Mine' }]);
				expect(await other.getEntity('k')).toBeNull();
				expect((await other.stats()).entities).toBe(0);
			});
		});

		describe('identifier safety', () => {
			const hostile = [
				"Person') DETACH DELETE n //",
				'Person`}) DETACH DELETE n //',
				'}) DETACH DELETE n //',
				'Per"son',
				'Реrson', // Cyrillic Р and е
				'Person\u200b',
				'',
			];
			it.each(hostile)('refuses the entity type %j', async (type) => {
				await expect(store.upsertEntities([{ type, name: 'x' }])).rejects.toThrow(ValidationError);
			});
			it.each(hostile)('refuses the relation type %j', async (type) => {
				await store.upsertEntities([
					{ key: 'a', type: 'Node', name: 'A' },
					{ key: 'b', type: 'Node', name: 'B' },
				]);
				await expect(store.relate([{ type, from: 'a', to: 'b' }])).rejects.toThrow(ValidationError);
				await expect(store.recallContext({ keys: ['a'], relationTypes: [type] })).rejects.toThrow(
					ValidationError,
				);
				expect(await store.relationsOf('a')).toEqual([]);
			});
			it('refuses hostile property keys and stores hostile values verbatim', async () => {
				await expect(
					store.upsertEntities([
						{ type: 'Node', name: 'A', properties: { "x') DETACH DELETE n //": 1 } },
					]),
				).rejects.toThrow(ValidationError);
				const evil = "'; DROP TABLE agentos_graph_entities; --`}) DETACH DELETE n //";
				const res = await store.upsertEntities([
					{ key: evil, type: 'Node', name: evil, properties: { note: evil } },
				]);
				expect(res.entities[0]).toMatchObject({
					key: evil,
					name: evil,
					properties: { note: evil },
				});
				expect((await store.getEntity(evil))!.name).toBe(evil);
				expect((await store.searchEntities({ query: evil })).map((h) => h.entity.key)).toContain(
					evil,
				);
				expect((await store.stats()).entities).toBe(1);
			});
		});

		describe('resolution candidates', () => {
			it('finds every exact name or alias match of the type, and full-text matches only for mentions without one', async () => {
				await store.upsertEntities([
					{ key: 'p1', type: 'Person', name: 'Charles Babbage', aliases: ['Babbage'] },
					{ key: 'p2', type: 'Person', name: 'Jon Smith' },
					{ key: 'p3', type: 'Person', name: 'Jan Smith' },
					{ key: 's1', type: 'Ship', name: 'Babbage' },
				]);
				const [byAlias, byName, fuzzy, none, ship] = await store.resolutionCandidates([
					{ type: 'Person', names: ['BABBAGE'] },
					{ type: 'Person', names: ['Someone Else', 'jon  smith'] },
					{ type: 'Person', names: ['Jen Smith'] },
					{ type: 'Person', names: ['Zebedee Quux'] },
					{ type: 'Ship', names: ['Babbage'] },
				]);
				expect(byAlias.map((e) => e.key)).toEqual(['p1']);
				expect(byAlias[0]).toMatchObject({ name: 'Charles Babbage', aliases: ['Babbage'] });
				expect(byName.map((e) => e.key)).toEqual(['p2']);
				expect(fuzzy.map((e) => e.key).sort()).toEqual(['p2', 'p3']);
				expect(none).toEqual([]);
				expect(ship.map((e) => e.key)).toEqual(['s1']);
				expect(await store.resolutionCandidates([])).toEqual([]);
				await expect(
					store.resolutionCandidates([{ type: 'person', names: ['x'] }]),
				).rejects.toThrow(ValidationError);
				await expect(
					store.resolutionCandidates([{ type: 'Person', names: 'x' as unknown as string[] }]),
				).rejects.toThrow(ValidationError);
			});
		});

		describe('knowledge extraction', () => {
			const answer = {
				entities: [
					{ name: 'Ada Lovelace', type: 'Person' },
					{ name: 'Charles Babbage', type: 'Person', aliases: ['Babbage'] },
					{ name: 'Analytical Engine', type: 'Machine' },
				],
				relations: [
					{
						from: 'Ada Lovelace',
						type: 'WROTE_ABOUT',
						to: 'Analytical Engine',
						validAt: '1843-01-01T00:00:00Z',
					},
					{ from: 'Babbage', type: 'DESIGNED', to: 'Analytical Engine', confidence: 0.95 },
				],
			};
			const episode = {
				agent: 'historian',
				content: 'In 1843 Ada Lovelace wrote about Babbage’s Analytical Engine.',
			};

			it('extracts, resolves against the graph and is idempotent per episode', async () => {
				await store.upsertEntities([{ key: 'person:ada', type: 'Person', name: 'Ada Lovelace' }]);
				const model = scriptedModel([JSON.stringify(answer)]);
				const res = await extractKnowledge(store, model, episode, {
					entityTypes: ['Person', 'Machine'],
				});
				expect(res.skipped).toBe(false);
				expect(model.requests[0].schema).toHaveProperty('properties.entities');
				expect(res.resolutions.map((r) => [r.name, r.key, r.via])).toEqual([
					['Ada Lovelace', 'person:ada', 'exact'],
					['Charles Babbage', 'person:charles_babbage', 'new'],
					['Analytical Engine', 'machine:analytical_engine', 'new'],
				]);
				expect(res.relations.map((r) => `${r.from} ${r.type} ${r.to}`)).toEqual([
					'person:ada WROTE_ABOUT machine:analytical_engine',
					'person:charles_babbage DESIGNED machine:analytical_engine',
				]);
				expect(res.relations.every((r) => r.sourceEpisode === res.episode.id)).toBe(true);
				expect(res.episode.extractedAt).not.toBeNull();
				const again = await extractKnowledge(store, model, episode);
				expect(again.skipped).toBe(true);
				expect(model.requests).toHaveLength(1);
				expect((await store.stats()).relations).toBe(2);
			});

			it('resolves a misspelt name fuzzily, and asks the model to break a close tie', async () => {
				await store.upsertEntities([
					{ key: 'p1', type: 'Person', name: 'Charles Babbage' },
					{ key: 'p2', type: 'Person', name: 'Jon Smith' },
					{ key: 'p3', type: 'Person', name: 'Jan Smith' },
				]);
				const model = scriptedModel([
					{
						entities: [
							{ name: 'Charles Babage', type: 'Person' },
							{ name: 'Jen Smith', type: 'Person' },
						],
						relations: [{ from: 'Charles Babage', type: 'KNOWS', to: 'Jen Smith' }],
					},
					{ key: 'p3' },
				]);
				const res = await extractKnowledge(store, model, {
					agent: 'a',
					content: 'Charles Babage met Jen Smith.',
				});
				expect(res.resolutions.map((r) => [r.key, r.via])).toEqual([
					['p1', 'fuzzy'],
					['p3', 'model'],
				]);
				expect(model.requests[1].input).toContain('p2: Jon Smith');
				expect(res.relations.map((r) => [r.from, r.to])).toEqual([['p1', 'p3']]);
				expect((await store.getEntity('p1'))!.aliases).toEqual(['Charles Babage']);
			});

			it.each([
				['not JSON', '{"entities": [', /not valid JSON/],
				[
					'wrong shape',
					{ entities: [{ type: 'Person' }], relations: [] },
					/does not follow the extraction schema/,
				],
				[
					'unknown entity type',
					{ entities: [{ name: 'X', type: 'Alien' }], relations: [] },
					/unknown entity type "Alien"/,
				],
				[
					'hostile type',
					{ entities: [{ name: 'X', type: 'Person`) DETACH DELETE n //' }], relations: [] },
					/Invalid entity type/,
				],
				[
					'dangling relation',
					{
						entities: [{ name: 'X', type: 'Person' }],
						relations: [{ from: 'X', type: 'KNOWS', to: 'Y' }],
					},
					/"Y" is not one of the extracted entities/,
				],
				[
					'bad time',
					{
						entities: [{ name: 'X', type: 'Person' }],
						relations: [{ from: 'X', type: 'KNOWS', to: 'X', validAt: 'soon' }],
					},
					/is not a time/,
				],
			])('rejects model output that is %s and writes nothing', async (_label, output, message) => {
				const model = scriptedModel([output]);
				const err = await extractKnowledge(
					store,
					model,
					{ id: 'ep_x', agent: 'a', content: 'text' },
					{ entityTypes: ['Person', 'Machine'] },
				).catch((e) => e);
				expect(err).toBeInstanceOf(ExtractionError);
				expect(err.message).toMatch(message);
				expect(await store.getEpisode('ep_x')).toBeNull();
				expect((await store.stats()).entities).toBe(0);
			});
		});

		describe('Cypher', () => {
			it('runs parameterised Cypher on Neo4j only', async () => {
				if (store.backend === 'sql') {
					await expect(store.runCypher('RETURN 1')).rejects.toThrow(/needs the Neo4j backend/);
					return;
				}
				await store.upsertEntities([{ key: 'q', type: 'Node', name: 'Quoted' }]);
				const res = await store.runCypher(
					'MATCH (n:Entity {graph: $g, key: $k}) RETURN n.name AS name',
					{ g: store.graph, k: 'q' },
				);
				expect(res.records).toEqual([{ name: 'Quoted' }]);
				await expect(store.runCypher('CREATE (n:Probe) RETURN n', {}, 'read')).rejects.toThrow();
			});
		});
	});
}
