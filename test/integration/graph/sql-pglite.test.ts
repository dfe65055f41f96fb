import { openClient, type SqlClient } from '../../../lib/db';
import { SqlGraphStore } from '../../../lib/graph';
import { runGraphContract } from './contract';

describe('SQL graph store on embedded PGlite', () => {
	let client: SqlClient;
	beforeAll(async () => {
		client = await openClient({ kind: 'pglite', dataDir: 'memory://' });
	}, 60_000);
	afterAll(async () => {
		await client.close();
	});

	runGraphContract('SQL on PGlite', (options) => SqlGraphStore.open(client, options));
});
