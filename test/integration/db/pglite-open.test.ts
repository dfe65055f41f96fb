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

	it('a directory that cannot be created is a clear error', async () => {
		const file = path.join(root, 'a-file');
		fs.writeFileSync(file, 'not a directory');
		await expect(openClient({ kind: 'pglite', dataDir: path.join(file, 'db') })).rejects.toThrow(
			/Could not create the embedded database folder .*a-file/,
		);
	});
});
