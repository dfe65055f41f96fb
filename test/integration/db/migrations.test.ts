import {
	openClient,
	migrate,
	appliedVersions,
	ensureVectorExtension,
	StorageError,
} from '../../../lib/db';
import type { SqlClient } from '../../../lib/db';
import { PG, describeWithPostgres } from '../../helpers/services';

describeWithPostgres('migrations on the real PostgreSQL', () => {
	let client: SqlClient;
	const component = `test_${process.pid}_${Date.now()}`;
	const table = `mig_probe_${process.pid}`;

	beforeAll(async () => {
		client = await openClient({ kind: 'postgres', ...PG });
		await client.query(`DROP TABLE IF EXISTS ${table}`);
	});
	afterAll(async () => {
		await client.query(`DROP TABLE IF EXISTS ${table}`);
		await client.query('DELETE FROM agentos_schema_versions WHERE component = $1', [component]);
		await client.close();
	});

	it('applies each migration once even when two runners start together', async () => {
		const migrations = [
			{ version: 1, name: 'create', up: [`CREATE TABLE ${table} (id int primary key)`] },
			{ version: 2, name: 'seed', up: [`INSERT INTO ${table} VALUES (1)`] },
		];
		const other = await openClient({ kind: 'postgres', ...PG, max: 2 });
		const [a, b] = await Promise.all([
			migrate(client, component, migrations),
			migrate(other, component, migrations),
		]);
		await other.close();
		expect([...a, ...b].sort()).toEqual([1, 2]);
		expect(await appliedVersions(client, component)).toEqual([1, 2]);
		const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
		expect(rows[0].n).toBe(1);
	});

	it('rolls a failing migration back completely', async () => {
		await expect(
			migrate(client, component, [
				{
					version: 3,
					name: 'half',
					up: [`INSERT INTO ${table} VALUES (2)`, 'SELECT * FROM no_such_table'],
				},
			]),
		).rejects.toThrow(/no_such_table/);
		expect(await appliedVersions(client, component)).toEqual([1, 2]);
		const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
		expect(rows[0].n).toBe(1);
	});

	it('explains a server without pgvector', async () => {
		const have = await client.query<{ n: number }>(
			"SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'vector'",
		);
		if (have.rows[0].n > 0) {
			await expect(ensureVectorExtension(client)).resolves.toBeUndefined();
			return;
		}
		const err = await ensureVectorExtension(client).catch((e) => e);
		expect(err).toBeInstanceOf(StorageError);
		expect(err.code).toBe('PGVECTOR_MISSING');
		expect(err.hint).toMatch(/apt install postgresql-<version>-pgvector/);
		expect(err.hint).toMatch(/Embedded/);
	});

	it('never shows the password of a failed connection', async () => {
		const err = await openClient({
			kind: 'postgres',
			...PG,
			port: 1,
			password: 'hunter2-secret',
		}).catch((e) => e);
		expect(err).toBeInstanceOf(StorageError);
		expect(String(err.message)).not.toContain('hunter2-secret');
	});
});
