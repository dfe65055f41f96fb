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
});
