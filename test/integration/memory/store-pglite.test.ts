import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStore, type Embedder } from '../../../lib/memory';
import { ValidationError } from '../../../lib/db';

class FixedEmbedder implements Embedder {
	constructor(private readonly dim: number) {}
	async embedDocuments(texts: string[]) {
		return texts.map((t) => this.vec(t));
	}
	async embedQuery(t: string) {
		return this.vec(t);
	}
	private vec(t: string) {
		const v = new Array(this.dim).fill(0);
		v[t.length % this.dim] = 1;
		return v;
	}
}

describe('MemoryStore on embedded PGlite + pgvector', () => {
	let dir: string;
	let store: MemoryStore;

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-mem-'));
		store = await MemoryStore.open({ kind: 'pglite', dataDir: dir });
	});
	afterAll(async () => {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('stores memories and finds the closest first, within the namespace only', async () => {
		await store.insert('notes', [
			{ text: 'The invoice for ACME is overdue', namespace: 'crm', metadata: { kind: 'billing' } },
			{ text: 'ACME prefers email over phone', namespace: 'crm', metadata: { kind: 'contact' } },
			{ text: 'Banana bread needs ripe bananas', namespace: 'recipes' },
		]);
		const hits = await store.search('notes', {
			namespace: 'crm',
			query: 'overdue invoice',
			topK: 5,
		});
		expect(hits).toHaveLength(2);
		expect(hits[0].text).toBe('The invoice for ACME is overdue');
		expect(hits[0].score).toBeGreaterThan(hits[1].score);
		expect(hits.every((h) => h.namespace === 'crm')).toBe(true);
		expect(hits[0]).toEqual(
			expect.objectContaining({ metadata: { kind: 'billing' }, id: expect.any(String) }),
		);
	});

	it('filters on metadata equality', async () => {
		const hits = await store.search('notes', {
			namespace: 'crm',
			query: 'ACME',
			filter: { kind: 'contact' },
		});
		expect(hits.map((h) => h.text)).toEqual(['ACME prefers email over phone']);
	});

	it('is idempotent by content within a scope', async () => {
		const [a] = await store.insert('notes', [{ text: 'same words', namespace: 'idem' }]);
		const [b, c] = await store.insert('notes', [
			{ text: 'same words', namespace: 'idem', metadata: { seen: 2 } },
			{ text: 'same words', namespace: 'idem' },
		]);
		expect(a.created).toBe(true);
		expect(b).toEqual({ id: a.id, created: false });
		expect(c).toEqual({ id: a.id, created: false });
		const hits = await store.search('notes', { namespace: 'idem', query: 'same words' });
		expect(hits).toHaveLength(1);
		expect(hits[0].metadata).toEqual({ seen: 2 });
	});

	it('writes nothing when one item of a batch is bad', async () => {
		await expect(
			store.insert('notes', [
				{ text: 'good one', namespace: 'batch' },
				{ text: 'bad one', namespace: 'bad space' },
			]),
		).rejects.toThrow(/Batch item 1: Invalid namespace/);
		await expect(
			store.insert('notes', [
				{ text: 'fine', namespace: 'batch', id: 'fixed-id' },
				{ text: 'clash', namespace: 'batch', id: 'fixed-id' },
			]),
		).rejects.toThrow(ValidationError);
		const hits = await store.search('notes', { namespace: 'batch', query: 'good one fine clash' });
		expect(hits).toEqual([]);
	});

	it('checks the dimension of a collection and names the fix', async () => {
		const other = await MemoryStore.open(
			{ kind: 'pglite', dataDir: dir },
			{ embedder: new FixedEmbedder(8), embedderName: 'fixed' },
		);
		await other.insert('fixed8', [{ text: 'abc', namespace: 'x' }]);
		const wider = await MemoryStore.open(
			{ kind: 'pglite', dataDir: dir },
			{ embedder: new FixedEmbedder(16), embedderName: 'fixed' },
		);
		await expect(wider.insert('fixed8', [{ text: 'abcd', namespace: 'x' }])).rejects.toThrow(
			/has 16 dimensions but the collection stores 8/,
		);
		await expect(wider.search('fixed8', { namespace: 'x', query: 'abc' })).rejects.toThrow(
			/query embedding has 16 dimensions/,
		);
		await expect(other.search('notes', { namespace: 'crm', query: 'x' })).rejects.toThrow(
			/built with the built-in lexical embedder/,
		);
		await other.close();
		await wider.close();
	});

	it('rejects bad search input with the fix', async () => {
		await expect(store.search('notes', { namespace: 'crm', query: '' })).rejects.toThrow(
			/search query is empty/,
		);
		await expect(store.search('notes', { namespace: 'crm', query: 'x', topK: 0 })).rejects.toThrow(
			/1 to 1000/,
		);
		await expect(store.search('nope', { namespace: 'crm', query: 'x' })).rejects.toThrow(
			/Collection "nope" does not exist/,
		);
		await expect(
			store.search('notes', {
				namespace: 'crm',
				query: 'x',
				filter: [] as unknown as Record<string, unknown>,
			}),
		).rejects.toThrow(/metadata filter must be a JSON object/);
	});

	it('keeps memories across a reopen of the data directory', async () => {
		await store.close();
		store = await MemoryStore.open({ kind: 'pglite', dataDir: dir });
		const hits = await store.search('notes', { namespace: 'crm', query: 'overdue invoice' });
		expect(hits[0].text).toBe('The invoice for ACME is overdue');
	});

	it('hides expired memories', async () => {
		await store.insert('notes', [{ text: 'short lived', namespace: 'ttl', ttlSeconds: 0.001 }]);
		await new Promise((r) => setTimeout(r, 20));
		expect(await store.search('notes', { namespace: 'ttl', query: 'short lived' })).toEqual([]);
	});
});
