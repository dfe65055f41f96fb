import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStore, type Embedder, type MemoryInput } from '../../../lib/memory';

/** Every memory here carries its own vector; the model is never asked. */
class NoEmbedder implements Embedder {
	async embedDocuments(): Promise<number[][]> {
		throw new Error('not used');
	}
	async embedQuery(): Promise<number[]> {
		throw new Error('not used');
	}
}

/** Deterministic pseudo-random unit vectors (mulberry32). */
function vectors(seed: number, dim = 16) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let x = Math.imul(a ^ (a >>> 15), a | 1);
		x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296 - 0.5;
	};
	const unit = (v: number[]) => {
		const n = Math.hypot(...v);
		return v.map((x) => x / n);
	};
	return {
		random: () => unit(Array.from({ length: dim }, next)),
		/** A vector close to `v`: the larger `noise`, the further away. */
		near: (v: number[], noise: number) => unit(v.map((x) => x + noise * next())),
	};
}

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/**
 * Near-duplicate detection looks for the nearest memory of the new one's
 * scope. When other scopes hold more memories closer to the new one than
 * the HNSW candidate list is long, a plain filtered index walk sees only
 * those and misses the scope's own near-duplicate.
 */
describe('near-duplicate detection in a scope crowded out by other scopes', () => {
	const gen = vectors(42);
	const incoming = gen.random();
	// Similarity about 0.99 to the incoming memory.
	const original = gen.near(incoming, 0.12);
	// Many memories of another namespace, all closer still: the same fact stored elsewhere.
	const crowd = Array.from({ length: 200 }, () => gen.near(incoming, 0.04));
	let dir: string;
	let store: MemoryStore;

	const load = async (items: MemoryInput[]) => {
		for (let start = 0; start < items.length; start += 1000) {
			await store.insert('dedup', items.slice(start, start + 1000));
		}
	};

	beforeAll(async () => {
		expect(cosine(incoming, original)).toBeGreaterThan(0.95);
		expect(crowd.every((v) => cosine(incoming, v) > cosine(incoming, original))).toBe(true);
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-dedup-'));
		store = await MemoryStore.open(
			{ kind: 'pglite', dataDir: dir },
			{ embedder: new NoEmbedder(), embedderName: 'given16' },
		);
		await load([
			{ text: 'team original', namespace: 'team', vector: original },
			...Array.from({ length: 1199 }, (_, i) => ({
				text: `team ${i}`,
				namespace: 'team',
				vector: gen.random(),
			})),
			{ text: 'few original', namespace: 'few', vector: original },
			...Array.from({ length: 4 }, (_, i) => ({
				text: `few ${i}`,
				namespace: 'few',
				vector: gen.random(),
			})),
			...crowd.map((vector, i) => ({ text: `crowd ${i}`, namespace: 'bulk', vector })),
			...Array.from({ length: 1800 }, (_, i) => ({
				text: `bulk ${i}`,
				namespace: 'bulk',
				vector: gen.random(),
			})),
		]);
	});
	afterAll(async () => {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const originalId = async (namespace: string) => {
		const { rows } = await store.client.query<{ id: string }>(
			'SELECT id FROM agentos_mem_dedup WHERE namespace = $1 AND content = $2',
			[namespace, `${namespace} original`],
		);
		return rows[0].id;
	};

	it.each(['team', 'few'])('finds the near-duplicate in namespace %s', async (namespace) => {
		const [res] = await store.upsert(
			'dedup',
			[{ text: `${namespace} incoming`, namespace, vector: incoming }],
			{ dedupThreshold: 0.95 },
		);
		expect(res).toEqual(
			expect.objectContaining({
				action: 'skipped',
				created: false,
				duplicateOf: await originalId(namespace),
			}),
		);
		expect(res.similarity).toBeCloseTo(cosine(incoming, original), 5);
	});

	it('checks each item of a batch against its own scope', async () => {
		const res = await store.upsert(
			'dedup',
			[
				{ text: 'batch few', namespace: 'few', vector: incoming },
				{ text: 'batch team', namespace: 'team', vector: incoming },
				{ text: 'batch new', namespace: 'team', vector: gen.random() },
				{ text: 'batch few again', namespace: 'few', vector: incoming },
			],
			{ dedupThreshold: 0.95, onDuplicate: 'merge' },
		);
		expect(res.map((r) => r.action)).toEqual(['merged', 'merged', 'created', 'merged']);
		expect(res.map((r) => r.duplicateOf)).toEqual([
			await originalId('few'),
			await originalId('team'),
			undefined,
			await originalId('few'),
		]);
	});
});
