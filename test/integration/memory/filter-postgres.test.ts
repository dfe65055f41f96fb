import { openClient, type SqlClient } from '../../../lib/db';
import { MemoryStore, compileFilter } from '../../../lib/memory';
import { estimateRows } from '../../../lib/memory/estimate';
import { PG, describeWithPostgres } from '../../helpers/services';

/** What needs no vectors runs on the real server: metadata filters and the missing-extension error. */
describeWithPostgres('Vector Memory on PostgreSQL without pgvector', () => {
	let client: SqlClient;
	const table = `agentos_memfilter_${process.pid}`;

	beforeAll(async () => {
		client = await openClient({ kind: 'postgres', ...PG });
		await client.query(`CREATE TEMP TABLE ${table} (id text, metadata jsonb)`);
		await client.query(
			`INSERT INTO ${table} VALUES
			 ('a', '{"p": 1, "tag": "x", "at": "2024-01-01"}'),
			 ('b', '{"p": 3, "tag": "y", "at": "2024-06-01"}'),
			 ('c', '{"p": "3", "tag": "z"}')`,
		);
	});
	afterAll(async () => {
		await client.query(`DROP TABLE IF EXISTS ${table}`);
		await client.close();
	});

	const ids = async (filter: Record<string, unknown>) => {
		const f = compileFilter(filter, 1);
		const { rows } = await client.query<{ id: string }>(
			`SELECT id FROM ${table} WHERE ${f.sql} ORDER BY id`,
			f.params,
		);
		return rows.map((r) => r.id);
	};

	it('evaluates every operator with the same meaning as on PGlite', async () => {
		expect(await ids({ tag: 'x' })).toEqual(['a']);
		expect(await ids({ p: { $gte: 2 } })).toEqual(['b']); // the string "3" is not a number
		expect(await ids({ p: { $lt: 3, $gt: 0 } })).toEqual(['a']);
		expect(await ids({ tag: { $in: ['x', 'z'] } })).toEqual(['a', 'c']);
		expect(await ids({ tag: { $nin: ['x'] } })).toEqual(['b', 'c']);
		expect(await ids({ at: { $exists: false } })).toEqual(['c']);
		expect(await ids({ at: { $gt: '2024-02-01' } })).toEqual(['b']);
		expect(await ids({ tag: { $ne: 'y' } })).toEqual(['a', 'c']);
	});

	it('reads the planner estimates a search chooses its scan by', async () => {
		const big = `agentos_memestimate_${process.pid}`;
		await client.query(`CREATE TEMP TABLE ${big} (id int, metadata jsonb)`);
		await client.query(
			`INSERT INTO ${big} SELECT i, jsonb_build_object('half', i % 2, 'rare', i % 100 = 0)
			   FROM generate_series(1, 5000) i`,
		);
		await client.query(`ANALYZE ${big}`);
		const estimate = async (filter: Record<string, unknown>) => {
			const f = compileFilter(filter, 1);
			return estimateRows(client, big, f.sql, f.params);
		};
		const half = await estimate({ half: 1 });
		expect(half.total).toBe(5000);
		expect(half.matching).toBeGreaterThan(2000);
		expect(half.matching).toBeLessThan(3000);
		expect((await estimate({ rare: true })).matching).toBeLessThan(150);
		// "$in" compiles to a sub-select: the plan gains a join, the estimate stays.
		const listed = await estimate({ half: { $in: [0, 1] } });
		expect(listed.total).toBe(5000);
		expect(listed.matching).toBeGreaterThan(0);
	});

	it('opens where pgvector is installed, and says what to install where it is not', async () => {
		const available = await client.query(
			"SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
		);
		const opening = MemoryStore.open({ kind: 'postgres', ...PG });
		if (available.rows.length) await (await opening).close();
		else await expect(opening).rejects.toThrow(/pgvector/);
	});
});
