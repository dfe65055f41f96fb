import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStore } from '../../../lib/memory';

/**
 * Collection names may be 48 characters long; their table is then 60 and
 * their index names longer than PostgreSQL's 63, which have to be shortened
 * the same way on every path that creates or drops them.
 */
describe('collections with names of up to 48 characters on embedded PGlite', () => {
	// Both 48 characters, the same but for the last: their index names only differ past the cut.
	const longA = `long_${'x'.repeat(42)}a`;
	const longB = `long_${'x'.repeat(42)}b`;
	let dir: string;
	let store: MemoryStore;

	const indexNames = async (collection: string) =>
		(
			await store.client.query<{ indexname: string }>(
				'SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1',
				[`agentos_mem_${collection}`],
			)
		).rows.map((r) => r.indexname);
	const statisticsNames = async (collection: string) =>
		(
			await store.client.query<{ stxname: string }>(
				'SELECT stxname FROM pg_statistic_ext WHERE stxrelid = $1::regclass',
				[`agentos_mem_${collection}`],
			)
		).rows.map((r) => r.stxname);
	const vectorIndex = async (collection: string) =>
		(
			await store.client.query<{ indexname: string }>(
				`SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%USING hnsw%'`,
				[`agentos_mem_${collection}`],
			)
		).rows.map((r) => r.indexname);

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-longname-'));
		store = await MemoryStore.open({ kind: 'pglite', dataDir: dir });
	});
	afterAll(async () => {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('keeps the index names of collections with short names', async () => {
		await store.insert('notes', [{ text: 'a short name', namespace: 'n' }]);
		// Without the two PostgreSQL names for the primary key and unique constraint.
		const ours = (await indexNames('notes')).filter((n) => !n.endsWith('key'));
		expect(ours).toEqual([
			'agentos_mem_notes_exp',
			'agentos_mem_notes_meta',
			'agentos_mem_notes_scope',
			'agentos_mem_notes_tsv',
			'agentos_mem_notes_vec',
		]);
		expect(await statisticsNames('notes')).toEqual(['agentos_mem_notes_stat']);
	});

	it("refuses a collection whose table would take the name of another collection's index, either way round", async () => {
		await store.insert('pets', [{ text: 'a cat', namespace: 'n' }]);
		await expect(store.insert('pets_vec', [{ text: 'a dog', namespace: 'n' }])).rejects.toThrow(
			/Collection name "pets_vec" clashes with a table or index that exists: agentos_mem_pets_vec/,
		);
		await store.insert('toys_meta', [{ text: 'a ball', namespace: 'n' }]);
		await expect(store.insert('toys', [{ text: 'a kite', namespace: 'n' }])).rejects.toThrow(
			/Collection name "toys" clashes with a table or index that exists: agentos_mem_toys_meta/,
		);
		// Nothing of the refused collections was created, and the others work as before.
		const { rows } = await store.client.query<{ name: string }>(
			`SELECT name FROM agentos_memory_collections WHERE name IN ('pets', 'pets_vec', 'toys', 'toys_meta') ORDER BY name`,
		);
		expect(rows.map((r) => r.name)).toEqual(['pets', 'toys_meta']);
		expect(await vectorIndex('pets')).toEqual(['agentos_mem_pets_vec']);
		expect(await vectorIndex('toys_meta')).toEqual(['agentos_mem_toys_meta_vec']);
		const hits = await store.search('toys_meta', { namespace: 'n', query: 'ball', topK: 1 });
		expect(hits.map((h) => h.text)).toEqual(['a ball']);
	});

	it('inserts into, searches and deletes from a collection with a 48-character name', async () => {
		expect(longA).toHaveLength(48);
		const stored = await store.insert(longA, [
			{ text: 'The invoice for ACME is overdue', namespace: 'crm' },
			{ text: 'ACME prefers email over phone', namespace: 'crm' },
			{ text: 'Banana bread needs ripe bananas', namespace: 'recipes' },
		]);
		expect(stored.every((r) => r.created)).toBe(true);
		const names = await indexNames(longA);
		expect(names).toHaveLength(7);
		expect(names.every((n) => n.length <= 63)).toBe(true);
		expect(await vectorIndex(longA)).toHaveLength(1);
		expect(await statisticsNames(longA)).toHaveLength(1);

		const vector = await store.search(longA, {
			namespace: 'crm',
			query: 'overdue invoice',
			topK: 1,
			exactScanThreshold: 0,
		});
		expect(store.lastSearchStrategy).toBe('index');
		expect(vector[0].text).toBe('The invoice for ACME is overdue');
		const hybrid = await store.search(longA, {
			namespace: 'crm',
			query: 'email phone',
			mode: 'hybrid',
		});
		expect(hybrid[0].text).toBe('ACME prefers email over phone');
		expect(hybrid).toHaveLength(2);

		const [dup] = await store.upsert(
			longA,
			[{ text: 'The invoice for ACME is overdue!', namespace: 'crm' }],
			{ dedupThreshold: 0.9 },
		);
		expect(dup).toEqual(expect.objectContaining({ action: 'skipped', duplicateOf: stored[0].id }));

		const gone = await store.delete(longA, { namespace: 'crm', ids: [stored[1].id] });
		expect(gone.deleted).toBe(1);
		const left = await store.list(longA, { namespace: 'crm' });
		expect(left.items.map((m) => m.id)).toEqual([stored[0].id]);
	});

	it('drops and rebuilds the same indexes around a bulk load', async () => {
		const before = await indexNames(longA);
		const vec = await vectorIndex(longA);
		await store.bulkLoad(longA, 384, async () => {
			const during = await indexNames(longA);
			expect(during).not.toContain(vec[0]);
			expect(during).toHaveLength(4);
			await store.insert(
				longA,
				Array.from({ length: 60 }, (_, i) => ({ text: `bulk row ${i} kiwi`, namespace: 'bulk' })),
			);
		});
		expect(await indexNames(longA)).toEqual(before);
		expect(await vectorIndex(longA)).toEqual(vec);
		const hits = await store.search(longA, { namespace: 'bulk', query: 'kiwi', mode: 'hybrid' });
		expect(hits).toHaveLength(5);
	});

	it('gives two long names that differ only at the end their own indexes', async () => {
		await store.insert(longB, [{ text: 'a memory of the other collection', namespace: 'crm' }]);
		const a = await indexNames(longA);
		const b = await indexNames(longB);
		expect(b).toHaveLength(7);
		expect(a.filter((n) => b.includes(n))).toEqual([]);
		const [statA] = await statisticsNames(longA);
		const [statB] = await statisticsNames(longB);
		expect(statA).not.toBe(statB);
		const hits = await store.search(longB, { namespace: 'crm', query: 'memory', mode: 'hybrid' });
		expect(hits.map((h) => h.text)).toEqual(['a memory of the other collection']);
		expect((await store.list(longA, { namespace: 'crm' })).items).toHaveLength(1);
	});
});
