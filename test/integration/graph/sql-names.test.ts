/**
 * The SQL backend's names table: every normalized name and alias of an
 * entity, which upserts and entity resolution look names up in. It is
 * filled from the entities a graph already had when the schema is upgraded,
 * and an entity's names leave with it.
 */
import { migrate, openClient, type SqlClient } from '../../../lib/db';
import { SqlGraphStore } from '../../../lib/graph';
import { GRAPH_MIGRATIONS } from '../../../lib/graph/sql/migrations';

describe('SQL graph names table', () => {
	let client: SqlClient;
	beforeAll(async () => {
		client = await openClient({ kind: 'pglite', dataDir: 'memory://' });
	}, 60_000);
	afterAll(async () => {
		await client.close();
	});

	const namesOf = async (graph: string, key: string) =>
		(
			await client.query<{ norm: string }>(
				'SELECT norm FROM agentos_graph_names WHERE graph = $1 AND entity_key = $2 ORDER BY norm',
				[graph, key],
			)
		).rows.map((r) => r.norm);

	it('carries the names of entities stored before the upgrade, so they still merge and resolve', async () => {
		await migrate(client, 'graph', [GRAPH_MIGRATIONS[0]]);
		await client.query(
			`INSERT INTO agentos_graph_entities (graph, key, type, name, aliases, alias_norms, properties)
			 VALUES ('old', 'p1', 'Person', 'Ada Lovelace', ARRAY['Countess of Lovelace'], ARRAY['ada lovelace', 'countess of lovelace'], '{}')`,
		);
		const store = await SqlGraphStore.open(client, { graph: 'old' });
		expect(await namesOf('old', 'p1')).toEqual(['ada lovelace', 'countess of lovelace']);
		const [candidates] = await store.resolutionCandidates([
			{ type: 'Person', names: ['countess of LOVELACE'] },
		]);
		expect(candidates.map((e) => e.key)).toEqual(['p1']);
		const res = await store.upsertEntities([{ type: 'Person', name: 'Ada Lovelace' }]);
		expect(res).toMatchObject({ created: 0, merged: 1 });
		expect(res.entities[0].key).toBe('p1');
		await store.clear();
	});

	it('records the names an entity gains and drops them with the entity', async () => {
		const store = await SqlGraphStore.open(client, { graph: 'names' });
		await store.upsertEntities([{ key: 'k1', type: 'Person', name: 'Grace Hopper' }]);
		await store.upsertEntities([{ key: 'k1', type: 'Person', name: 'Amazing Grace' }]);
		expect(await namesOf('names', 'k1')).toEqual(['amazing grace', 'grace hopper']);
		await store.forget({ entityKey: 'k1' });
		expect(await namesOf('names', 'k1')).toEqual([]);
		await store.upsertEntities([{ key: 'k2', type: 'Person', name: 'Someone' }]);
		await store.clear();
		expect(await namesOf('names', 'k2')).toEqual([]);
	});
});
