import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStore, type Embedder } from '../../../lib/memory';
import { ValidationError } from '../../../lib/db';

/** Unit vectors given by the text "v:<index>" (or the first word's length otherwise). */
class AxisEmbedder implements Embedder {
	constructor(private readonly dim = 8) {}
	async embedDocuments(texts: string[]) {
		return texts.map((t) => this.vec(t));
	}
	async embedQuery(t: string) {
		return this.vec(t);
	}
	private vec(t: string) {
		const v = new Array(this.dim).fill(0);
		const m = /^v:(\d+)(?::(\d+))?/.exec(t);
		if (m) {
			v[Number(m[1]) % this.dim] = 1;
			if (m[2]) v[Number(m[2]) % this.dim] = 0.1;
		} else v[t.length % this.dim] = 1;
		return v;
	}
}

describe('MemoryStore operations on embedded PGlite', () => {
	let dir: string;
	let store: MemoryStore;

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-memops-'));
		store = await MemoryStore.open({ kind: 'pglite', dataDir: dir });
	});
	afterAll(async () => {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('upserts by id: same id replaces text and metadata and re-embeds', async () => {
		const [a] = await store.upsert('ops', [
			{ id: 'm1', text: 'the cat sleeps on the sofa', namespace: 'up', metadata: { v: 1 } },
		]);
		expect(a).toEqual({ id: 'm1', created: true, action: 'created' });
		const [b] = await store.upsert('ops', [
			{ id: 'm1', text: 'the dog runs in the park', namespace: 'up', metadata: { v: 2 } },
		]);
		expect(b.action).toBe('updated');
		const { items } = await store.get('ops', ['m1'], { namespace: 'up' });
		expect(items[0]).toEqual(
			expect.objectContaining({ text: 'the dog runs in the park', metadata: { v: 2 } }),
		);
		const hits = await store.search('ops', { namespace: 'up', query: 'dog park' });
		expect(hits[0].id).toBe('m1');
		expect(hits[0].vectorScore).toBeGreaterThan(0.3);
		await expect(
			store.upsert('ops', [{ id: 'm1', text: 'elsewhere', namespace: 'other' }]),
		).rejects.toThrow(/belongs to another namespace/);
	});

	it('detects near-duplicates and skips, merges or keeps them', async () => {
		const s = await MemoryStore.open(
			{ kind: 'pglite', dataDir: dir },
			{ embedder: new AxisEmbedder(), embedderName: 'axis' },
		);
		try {
			const [orig] = await s.upsert('dedup', [
				{ text: 'v:1 original', namespace: 'd', metadata: { a: 1 } },
			]);
			const opts = { dedupThreshold: 0.95 };
			const [skip] = await s.upsert('dedup', [{ text: 'v:1:2 near copy', namespace: 'd' }], opts);
			expect(skip).toEqual(
				expect.objectContaining({ id: orig.id, action: 'skipped', duplicateOf: orig.id }),
			);
			expect(skip.similarity).toBeGreaterThan(0.99);
			const [merge] = await s.upsert(
				'dedup',
				[{ text: 'v:1:3 another copy', namespace: 'd', metadata: { b: 2 } }],
				{ ...opts, onDuplicate: 'merge' },
			);
			expect(merge.action).toBe('merged');
			const got = await s.get('dedup', [orig.id], { namespace: 'd' });
			expect(got.items[0].metadata).toEqual({ a: 1, b: 2 });
			const [keep] = await s.upsert('dedup', [{ text: 'v:1:4 kept copy', namespace: 'd' }], {
				...opts,
				onDuplicate: 'keep',
			});
			expect(keep).toEqual(expect.objectContaining({ action: 'created', duplicateOf: orig.id }));
			const [far] = await s.upsert('dedup', [{ text: 'v:5 different', namespace: 'd' }], opts);
			expect(far.action).toBe('created');
			const page = await s.list('dedup', { namespace: 'd', limit: 100 });
			expect(page.items).toHaveLength(3);
			await expect(
				s.upsert('dedup', [{ text: 'v:1', namespace: 'd' }], { dedupThreshold: 1.5 }),
			).rejects.toThrow(/threshold/);
		} finally {
			await s.close();
		}
	});

	it('lists with a cursor in created or updated order', async () => {
		const texts = Array.from({ length: 7 }, (_, i) => `page item ${i}`);
		for (const t of texts) await store.insert('ops', [{ text: t, namespace: 'pages' }]);
		const seen: string[] = [];
		let cursor: string | undefined;
		do {
			const page = await store.list('ops', {
				namespace: 'pages',
				limit: 3,
				direction: 'asc',
				cursor,
			});
			seen.push(...page.items.map((m) => m.text));
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		expect(seen).toEqual(texts);
		const newest = await store.list('ops', { namespace: 'pages', limit: 1 });
		expect(newest.items[0].text).toBe('page item 6');
		await store.update('ops', [
			{
				id: (await store.list('ops', { namespace: 'pages', direction: 'asc', limit: 1 })).items[0]
					.id,
				namespace: 'pages',
				metadata: { touched: true },
			},
		]);
		const byUpdate = await store.list('ops', {
			namespace: 'pages',
			limit: 1,
			orderBy: 'updated_at',
		});
		expect(byUpdate.items[0].text).toBe('page item 0');
		await expect(store.list('ops', { namespace: 'pages', cursor: 'garbage' })).rejects.toThrow(
			/cursor is not valid/,
		);
	});

	it('updates: re-embeds only when the text changes, reports unknown ids', async () => {
		const [r] = await store.insert('ops', [
			{ text: 'apples are red', namespace: 'upd', metadata: { a: 1 } },
		]);
		const res = await store.update('ops', [
			{ id: r.id, namespace: 'upd', metadata: { b: 2 }, mergeMetadata: true },
			{ id: 'missing-id', namespace: 'upd', text: 'x' },
		]);
		expect(res).toEqual([
			{ id: r.id, found: true, reembedded: false },
			{ id: 'missing-id', found: false, reembedded: false },
		]);
		const [again] = await store.update('ops', [
			{ id: r.id, namespace: 'upd', text: 'bananas are yellow' },
		]);
		expect(again.reembedded).toBe(true);
		const hits = await store.search('ops', { namespace: 'upd', query: 'yellow bananas' });
		expect(hits[0]).toEqual(
			expect.objectContaining({ id: r.id, text: 'bananas are yellow', metadata: { a: 1, b: 2 } }),
		);
		expect(hits[0].vectorScore).toBeGreaterThan(0.5);
		// Wrong namespace: not found, nothing changed.
		const [other] = await store.update('ops', [{ id: r.id, namespace: 'nope', text: 'hijack' }]);
		expect(other.found).toBe(false);
	});

	it('deletes by ids (reporting missing ones) and by filter, within the scope', async () => {
		const rs = await store.insert('ops', [
			{ text: 'del one', namespace: 'del', metadata: { kind: 'tmp', n: 1 } },
			{ text: 'del two', namespace: 'del', metadata: { kind: 'tmp', n: 5 } },
			{ text: 'del three', namespace: 'del', metadata: { kind: 'keep' } },
			{ text: 'del four', namespace: 'del2', metadata: { kind: 'tmp' } },
		]);
		const byId = await store.delete('ops', { namespace: 'del', ids: [rs[0].id, 'ghost'] });
		expect(byId).toEqual({ deleted: 1, deletedIds: [rs[0].id], missingIds: ['ghost'] });
		const byFilter = await store.delete('ops', {
			namespace: 'del',
			filter: { kind: 'tmp', n: { $gte: 2 } },
		});
		expect(byFilter.deletedIds).toEqual([rs[1].id]);
		expect((await store.list('ops', { namespace: 'del2' })).items).toHaveLength(1);
		await expect(store.delete('ops', { namespace: 'del' })).rejects.toThrow(
			/needs ids, a metadata filter, or "all"/,
		);
		expect((await store.delete('ops', { namespace: 'del', all: true })).deleted).toBe(1);
	});

	it('forgets expired memories, by own TTL and by namespace default', async () => {
		await store.insert('ops', [
			{ text: 'fleeting', namespace: 'ttl', ttlSeconds: 0.001 },
			{ text: 'forever', namespace: 'ttl' },
		]);
		await store.insert('ops', [{ text: 'old default', namespace: 'ttl2' }]);
		await store.setNamespaceTtl('ops', 'ttl2', 0.001);
		await store.insert('ops', [{ text: 'new default', namespace: 'ttl2' }]);
		await new Promise((r) => setTimeout(r, 30));
		expect(await store.forgetExpired('ops', { namespace: 'ttl' })).toEqual({ deleted: 1 });
		expect((await store.list('ops', { namespace: 'ttl' })).items.map((m) => m.text)).toEqual([
			'forever',
		]);
		expect(await store.forgetExpired('ops')).toEqual({ deleted: 2 });
		await store.setNamespaceTtl('ops', 'ttl2', null);
		await expect(store.setNamespaceTtl('ops', 'ttl2', -1)).rejects.toThrow(/positive/);
	});

	it('keeps scopes apart unless asked to cross them', async () => {
		await store.insert('ops', [
			{ text: 'coffee order', namespace: 'sc', userId: 'u1', sessionId: 's1' },
			{ text: 'coffee refill', namespace: 'sc', userId: 'u1', sessionId: 's2' },
			{ text: 'coffee beans', namespace: 'sc', userId: 'u2', sessionId: 's3' },
		]);
		const q = { namespace: 'sc', userId: 'u1', sessionId: 's1', query: 'coffee', topK: 10 };
		expect((await store.search('ops', q)).map((h) => h.text)).toEqual(['coffee order']);
		const all = await store.search('ops', { ...q, scope: 'all-sessions' });
		expect(all.map((h) => h.text).sort()).toEqual(['coffee order', 'coffee refill']);
		expect(await store.search('ops', { ...q, scope: 'namespace' })).toHaveLength(3);
		await expect(store.search('ops', { ...q, scope: 'everything' as 'namespace' })).rejects.toThrow(
			/Unknown scope/,
		);
	});

	it('filters with operators and rejects unknown ones', async () => {
		await store.insert('ops', [
			{ text: 'ticket alpha', namespace: 'flt', metadata: { p: 1, tag: 'a', at: '2024-01-01' } },
			{ text: 'ticket beta', namespace: 'flt', metadata: { p: 3, tag: 'b', at: '2024-06-01' } },
			{ text: 'ticket gamma', namespace: 'flt', metadata: { p: 5, tag: 'c' } },
		]);
		const texts = async (filter: Record<string, unknown>) =>
			(await store.search('ops', { namespace: 'flt', query: 'ticket', topK: 10, filter }))
				.map((h) => h.text)
				.sort();
		expect(await texts({ p: { $gt: 1, $lte: 5 } })).toEqual(['ticket beta', 'ticket gamma']);
		expect(await texts({ tag: { $in: ['a', 'c'] } })).toEqual(['ticket alpha', 'ticket gamma']);
		expect(await texts({ tag: { $nin: ['a'] } })).toEqual(['ticket beta', 'ticket gamma']);
		expect(await texts({ at: { $exists: false } })).toEqual(['ticket gamma']);
		expect(await texts({ at: { $gte: '2024-03-01' } })).toEqual(['ticket beta']);
		expect(await texts({ tag: { $ne: 'b' }, p: 1 })).toEqual(['ticket alpha']);
		await expect(texts({ p: { $near: 3 } })).rejects.toThrow(/Unknown filter operator "\$near"/);
		await expect(texts({ 'bad key': 1 })).rejects.toThrow(ValidationError);
	});

	it('searches by full text, hybrid (RRF and weighted) and explains the rank', async () => {
		await store.insert('ops', [
			{ text: 'PostgreSQL supports full text search with tsvector', namespace: 'hy' },
			{ text: 'Vectors capture similarity between embeddings', namespace: 'hy' },
			{ text: 'Gardening tips for tomatoes', namespace: 'hy' },
		]);
		const text = await store.search('ops', { namespace: 'hy', query: 'tsvector', mode: 'text' });
		expect(text.map((h) => h.text)).toEqual(['PostgreSQL supports full text search with tsvector']);
		expect(text[0].textScore).toBeGreaterThan(0);
		const hybrid = await store.search('ops', {
			namespace: 'hy',
			query: 'full text search',
			mode: 'hybrid',
			rrfK: 10,
			topK: 3,
		});
		expect(hybrid[0].text).toMatch(/full text search/);
		expect(hybrid[0]).toEqual(
			expect.objectContaining({ fusedRank: 1, fusedScore: expect.any(Number) }),
		);
		expect(hybrid[0].fusedScore).toBeCloseTo(2 / 11, 5);
		expect(hybrid[0].vectorScore).toBeGreaterThan(0);
		const weighted = await store.search('ops', {
			namespace: 'hy',
			query: 'full text search',
			mode: 'hybrid',
			fusion: 'weighted',
			vectorWeight: 0.3,
		});
		expect(weighted[0].fusedScore).toBe(1);
		const none = await store.search('ops', {
			namespace: 'hy',
			query: 'full text search',
			minScore: 0.99,
		});
		expect(none).toEqual([]);
	});

	it('diversifies with MMR and decays old memories', async () => {
		const s = await MemoryStore.open(
			{ kind: 'pglite', dataDir: dir },
			{ embedder: new AxisEmbedder(), embedderName: 'axis' },
		);
		try {
			await s.insert('mmr', [
				{ text: 'v:1:2 first', namespace: 'm' },
				{ text: 'v:1:3 second', namespace: 'm' },
				{ text: 'v:2:1 third', namespace: 'm' },
			]);
			const plain = await s.search('mmr', { namespace: 'm', query: 'v:1', topK: 2 });
			expect(plain.map((h) => h.text).sort()).toEqual(['v:1:2 first', 'v:1:3 second']);
			const diverse = await s.search('mmr', {
				namespace: 'm',
				query: 'v:1',
				topK: 2,
				mmrLambda: 0.3,
			});
			expect(diverse.map((h) => h.text)).toContain('v:2:1 third');
			const decayed = await s.search('mmr', {
				namespace: 'm',
				query: 'v:1',
				topK: 1,
				halfLifeSeconds: 1e-6,
			});
			expect(decayed[0].recencyFactor).toBeLessThan(0.01);
			expect(decayed[0].score).toBeLessThan(decayed[0].vectorScore as number);
		} finally {
			await s.close();
		}
	});

	it('scans exactly when the scope and filter are very selective', async () => {
		const rows = Array.from({ length: 300 }, (_, i) => ({
			text: `bulk memory number ${i} about topic ${i % 7}`,
			namespace: 'sel',
			metadata: { bucket: i % 50 },
		}));
		await store.insert('ops', rows);
		const hits = await store.search('ops', {
			namespace: 'sel',
			query: 'topic 3',
			filter: { bucket: 3 },
			topK: 10,
			exactScanThreshold: 20,
		});
		expect(store.lastSearchStrategy).toBe('exact');
		expect(hits.map((h) => h.metadata.bucket)).toEqual(Array(hits.length).fill(3));
		expect(hits).toHaveLength(6);
		await store.search('ops', { namespace: 'sel', query: 'topic 3', exactScanThreshold: 20 });
		expect(store.lastSearchStrategy).toBe('index');
	});

	it('stores concurrent inserts of the same content once', async () => {
		const other = await MemoryStore.open({ kind: 'pglite', dataDir: dir });
		try {
			const item = { text: 'said twice at once', namespace: 'race' };
			const [a, b] = await Promise.all([store.insert('ops', [item]), other.insert('ops', [item])]);
			expect(a[0].id).toBe(b[0].id);
			expect([a[0].created, b[0].created].sort()).toEqual([false, true]);
			const [c, d] = await Promise.all([
				store.upsert('ops', [{ text: 'upserted twice', namespace: 'race' }]),
				other.upsert('ops', [{ text: 'upserted twice', namespace: 'race' }]),
			]);
			expect(c[0].id).toBe(d[0].id);
			expect((await store.list('ops', { namespace: 'race' })).items).toHaveLength(2);
		} finally {
			await other.close();
		}
	});

	it('rejects bad input with a clear error', async () => {
		const small = await MemoryStore.open({ kind: 'pglite', dataDir: dir }, { maxTextLength: 10 });
		try {
			await expect(
				small.insert('ops', [{ text: 'x'.repeat(11), namespace: 'bad' }]),
			).rejects.toThrow(/11 characters long; the limit is 10/);
		} finally {
			await small.close();
		}
		await expect(
			store.insert('ops', [{ text: 'bad \ud800 text', namespace: 'bad' }]),
		).rejects.toThrow(/unpaired UTF-16 surrogate/);
		await expect(store.get('nope', ['a'], { namespace: 'bad' })).rejects.toThrow(
			/Collection "nope" does not exist/,
		);
		await expect(
			store.search('ops', { namespace: 'bad', query: 'x', mode: 'fuzzy' as 'text' }),
		).rejects.toThrow(/Unknown search mode/);
		await expect(
			store.search('ops', { namespace: 'bad', vector: [1, 2], mode: 'vector' }),
		).rejects.toThrow(/query embedding has 2 dimensions but the collection stores 384/);
	});
});

describe('MemoryStore.bulkLoad', () => {
	it('loads without indexes, rebuilds them, and finds the same memories', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-bulk-'));
		const store = await MemoryStore.open({ kind: 'pglite', dataDir: dir });
		try {
			const indexes = async () =>
				(
					await store.client.query<{ indexname: string }>(
						"SELECT indexname FROM pg_indexes WHERE tablename = 'agentos_mem_bulk' ORDER BY 1",
					)
				).rows.map((r) => r.indexname);
			await store.insert('bulk', [{ text: 'seed row', namespace: 'b' }]);
			const before = await indexes();
			expect(before).toEqual(
				expect.arrayContaining(['agentos_mem_bulk_vec', 'agentos_mem_bulk_tsv']),
			);
			await store.bulkLoad('bulk', 384, async () => {
				expect(await indexes()).not.toContain('agentos_mem_bulk_vec');
				await store.insert(
					'bulk',
					Array.from({ length: 50 }, (_, i) => ({ text: `bulk row ${i} kiwi`, namespace: 'b' })),
				);
			});
			expect(await indexes()).toEqual(before);
			// Analyzed once at the end, so the first searches plan with real row counts.
			const { rows } = await store.client.query<{ tuples: number }>(
				"SELECT reltuples::float8 AS tuples FROM pg_class WHERE relname = 'agentos_mem_bulk'",
			);
			expect(rows[0].tuples).toBe(51);
			const hits = await store.search('bulk', { namespace: 'b', query: 'kiwi', mode: 'hybrid' });
			expect(hits).toHaveLength(5);
		} finally {
			await store.close();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('collection index and metric options', () => {
	class WideEmbedder implements Embedder {
		constructor(private readonly dim: number) {}
		async embedDocuments(texts: string[]) {
			return texts.map((t) => this.vec(t));
		}
		async embedQuery(t: string) {
			return this.vec(t);
		}
		private vec(t: string) {
			const v = new Array(this.dim).fill(0.001);
			v[t.length % this.dim] = 1;
			return v;
		}
	}

	it.each([
		['ivfflat', 'inner_product', 16, 'vector'],
		['hnsw', 'l2', 16, 'vector'],
		['hnsw', 'cosine', 2048, 'halfvec'],
	] as const)(
		'%s with %s at %i dimensions stores %s and finds the nearest',
		async (indexType, metric, dim, type) => {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-idx-'));
			const store = await MemoryStore.open(
				{ kind: 'pglite', dataDir: dir },
				{ embedder: new WideEmbedder(dim), embedderName: `wide${dim}` },
			);
			try {
				const name = `idx_${indexType}_${metric}`;
				await store.insert(
					name,
					[
						{ text: 'aaa', namespace: 'i' },
						{ text: 'aaaaa', namespace: 'i' },
						{ text: 'aaaaaaa', namespace: 'i' },
					],
					{ indexType, metric, ivfflat: { lists: 1 } },
				);
				const { rows } = await store.client.query<{ t: string; am: string }>(
					`SELECT format_type(a.atttypid, a.atttypmod) AS t,
				        (SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
				           JOIN pg_am am ON am.oid = c.relam
				          WHERE i.indrelid = a.attrelid AND c.relname LIKE '%_vec') AS am
				   FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'embedding'`,
					[`agentos_mem_${name}`],
				);
				expect(rows[0]).toEqual({ t: `${type}(${dim})`, am: indexType });
				const hits = await store.search(name, { namespace: 'i', query: 'bbbbb', topK: 1 });
				expect(hits[0].text).toBe('aaaaa');
				expect(store.lastSearchStrategy).toBe('exact');
				const viaIndex = await store.search(name, {
					namespace: 'i',
					query: 'bbbbb',
					topK: 1,
					exactScanThreshold: 0,
					probes: 1,
				});
				expect(viaIndex[0].text).toBe('aaaaa');
				expect(store.lastSearchStrategy).toBe('index');
			} finally {
				await store.close();
				fs.rmSync(dir, { recursive: true, force: true });
			}
		},
	);
});
