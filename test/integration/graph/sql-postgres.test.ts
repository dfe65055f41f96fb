import { openClient, type SqlClient } from '../../../lib/db';
import { SqlGraphStore } from '../../../lib/graph';
import { PG, describeWithPostgres } from '../../helpers/services';
import { runGraphContract } from './contract';

describeWithPostgres('SQL graph store on PostgreSQL', () => {
	let client: SqlClient;
	beforeAll(async () => {
		client = await openClient({ kind: 'postgres', ...PG });
	});
	afterAll(async () => {
		await client.close();
	});

	runGraphContract('SQL on PostgreSQL', (options) => SqlGraphStore.open(client, options));

	it('loses no alias when concurrent episodes merge into the same entity', async () => {
		const store = await SqlGraphStore.open(client, { graph: `conc_${process.pid}` });
		try {
			await store.upsertEntities([{ key: 'ada', type: 'Person', name: 'Ada' }]);
			for (let round = 0; round < 3; round++) {
				const aliases = Array.from({ length: 8 }, (_, i) => `Alias ${round} ${i}`);
				const results = await Promise.all(
					aliases.map((alias, i) =>
						store.recordEpisode({
							id: `ep_${round}_${i}`,
							agent: 'bot',
							content: `Ada is also called ${alias}.`,
							entities: [{ key: 'ada', type: 'Person', name: 'Ada', aliases: [alias] }],
						}),
					),
				);
				expect(results.every((r) => r.created)).toBe(true);
				const ada = await store.getEntity('ada');
				expect(ada!.aliases).toEqual(expect.arrayContaining(aliases));
			}
			expect((await store.getEntity('ada'))!.aliases).toHaveLength(24);
			expect((await store.stats()).episodes).toBe(24);
		} finally {
			await store.clear();
		}
	});
});
