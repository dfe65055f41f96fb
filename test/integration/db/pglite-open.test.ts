import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeIdleConnections, openClient } from '../../../lib/db';
import { initialiseDataDir, isInitialised } from '../../../lib/db/pglite';

// PGlite starts a WebAssembly PostgreSQL; on a busy machine that takes seconds.
jest.setTimeout(120_000);

describe('embedded PGlite data directories', () => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-open-'));
	afterAll(async () => {
		await closeIdleConnections();
		fs.rmSync(root, { recursive: true, force: true });
	});

	it('creates a new directory off the main thread, which keeps running meanwhile', async () => {
		const dir = path.join(root, 'fresh');
		expect(isInitialised(dir)).toBe(false);
		// A timer that can only fire while the main thread is free.
		let ticks = 0;
		const timer = setInterval(() => ticks++, 20);
		try {
			await initialiseDataDir(dir);
		} finally {
			clearInterval(timer);
		}
		expect(isInitialised(dir)).toBe(true);
		// initdb takes well over a second; had it run on this thread, no tick could have fired.
		expect(ticks).toBeGreaterThan(5);
	});

	it('opens the created directory and keeps what is written across a reopen', async () => {
		const dir = path.join(root, 'kept');
		const first = await openClient({ kind: 'pglite', dataDir: dir });
		await first.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
		await first.query('INSERT INTO notes VALUES (1, $1)', ['hello']);
		await first.close();
		await closeIdleConnections();

		expect(isInitialised(dir)).toBe(true);
		const again = await openClient({ kind: 'pglite', dataDir: dir });
		const { rows } = await again.query<{ body: string }>('SELECT body FROM notes WHERE id = 1');
		expect(rows).toEqual([{ body: 'hello' }]);
		await again.close();
	});

	it('runs statements off the main thread, which keeps running meanwhile', async () => {
		const client = await openClient({ kind: 'pglite', dataDir: 'memory://' });
		let ticks = 0;
		const timer = setInterval(() => ticks++, 20);
		let sum: number;
		try {
			const { rows } = await client.query<{ n: number }>(
				'SELECT sum(x)::float8 AS n FROM generate_series(1, $1::int) AS x',
				[4_000_000],
			);
			sum = rows[0].n;
		} finally {
			clearInterval(timer);
		}
		expect(sum).toBe((4_000_000 * 4_000_001) / 2);
		// Summing four million rows in WebAssembly takes far longer than a few ticks.
		expect(ticks).toBeGreaterThan(5);
		await client.close();
	});

	it('keeps error codes and rolls a failed transaction back', async () => {
		const client = await openClient({ kind: 'pglite', dataDir: 'memory://' });
		await client.query('CREATE TABLE t (id int PRIMARY KEY)');
		await expect(
			client.transaction(async (tx) => {
				await tx.query('INSERT INTO t VALUES (1)');
				await tx.query('INSERT INTO t VALUES (1)');
			}),
		).rejects.toMatchObject({ code: '23505', message: expect.stringMatching(/duplicate key/) });
		const { rows } = await client.query('SELECT count(*)::int AS n FROM t');
		expect(rows).toEqual([{ n: 0 }]);
		const at = new Date('2024-01-02T03:04:05.678Z');
		const back = await client.query<{ t: Date; b: Uint8Array }>(
			`SELECT $1::timestamptz AS t, '\\x0102'::bytea AS b`,
			[at.toISOString()],
		);
		expect(new Date(back.rows[0].t).toISOString()).toBe(at.toISOString());
		expect(Array.from(back.rows[0].b)).toEqual([1, 2]);
		await client.close();
	});

	it('a directory that cannot be created is a clear error', async () => {
		const file = path.join(root, 'a-file');
		fs.writeFileSync(file, 'not a directory');
		await expect(openClient({ kind: 'pglite', dataDir: path.join(file, 'db') })).rejects.toThrow(
			/Could not create the embedded database folder .*a-file/,
		);
	});
});
