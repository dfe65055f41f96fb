/**
 * Embedded PGlite runs no autovacuum: the SQL graph store analyzes its
 * tables itself once enough rows changed (autovacuum's rule: 50 rows plus
 * 10 % of the tables), so the planner knows how big the graph is.
 */
import { openClient, type SqlClient } from '../../../lib/db';
import { SqlGraphStore } from '../../../lib/graph';

describe('SQL graph store statistics on embedded PGlite', () => {
	let client: SqlClient;
	beforeAll(async () => {
		client = await openClient({ kind: 'pglite', dataDir: 'memory://' });
	}, 60_000);
	afterAll(async () => {
		await client.close();
	});

	const analyzed = async (table: string) =>
		(
			await client.query<{ tuples: number; columns: number }>(
				`SELECT c.reltuples::float8 AS tuples,
				        (SELECT count(*) FROM pg_stats s WHERE s.tablename = c.relname)::int AS columns
				   FROM pg_class c WHERE c.relname = $1`,
				[table],
			)
		).rows[0];

	it('analyzes the graph tables after enough writes, and again as the graph grows', async () => {
		const store = await SqlGraphStore.open(client, { graph: 'stats' });
		await store.upsertEntities([{ type: 'Person', name: 'Only One' }]);
		expect((await analyzed('agentos_graph_entities')).columns).toBe(0);

		const people = (from: number, n: number) =>
			Array.from({ length: n }, (_, i) => ({ type: 'Person', name: `Person ${from + i}` }));
		await store.upsertEntities(people(0, 60));
		const first = await analyzed('agentos_graph_entities');
		expect(first.tuples).toBe(61);
		// Only the columns queries filter and join on.
		expect(first.columns).toBe(3);

		// Due again after 50 + 10 % of the rows of all five tables (entities and names: 122) changed.
		await store.upsertEntities(people(60, 40));
		expect((await analyzed('agentos_graph_entities')).tuples).toBe(61);
		await store.relate(
			Array.from({ length: 30 }, (_, i) => ({
				type: 'KNOWS',
				from: `person:person_${i}`,
				to: `person:person_${i + 1}`,
			})),
		);
		const second = await analyzed('agentos_graph_entities');
		expect(second.tuples).toBe(101);
		expect((await analyzed('agentos_graph_relations')).tuples).toBe(30);
		await store.clear();
	});
});
