import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStore, type Embedder } from '../../../lib/memory';

/** Deterministic pseudo-random unit vectors: "v:<n>" is vector number n, other texts hash. */
class SeededEmbedder implements Embedder {
	constructor(private readonly dim = 16) {}
	async embedDocuments(texts: string[]) {
		return texts.map((t) => this.vec(t));
	}
	async embedQuery(t: string) {
		return this.vec(t);
	}
	vec(t: string): number[] {
		let a = [...t].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261) >>> 0;
		const next = () => {
			a = (a + 0x6d2b79f5) >>> 0;
			let x = Math.imul(a ^ (a >>> 15), a | 1);
			x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
			return ((x ^ (x >>> 14)) >>> 0) / 4294967296 - 0.5;
		};
		const v = Array.from({ length: this.dim }, next);
		const n = Math.hypot(...v);
		return v.map((x) => x / n);
	}
}

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('vector search scan choice on embedded PGlite', () => {
	const embedder = new SeededEmbedder();
	const texts = Array.from({ length: 3000 }, (_, i) => `memory number ${i}`);
	const metadataOf = (i: number) => ({ half: i % 2, rare: i % 100 === 0 });
	let dir: string;
	let store: MemoryStore;

	/** The exact top-k among the memories `keep` admits, by cosine similarity. */
	const exactTop = async (query: string, k: number, keep: (i: number) => boolean) => {
		const q = await embedder.embedQuery(query);
		return texts
			.map((t, i) => ({ t, i, s: cosine(embedder.vec(t), q) }))
			.filter(({ i }) => keep(i))
			.sort((a, b) => b.s - a.s)
			.slice(0, k)
			.map(({ t }) => t);
	};

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-scan-'));
		store = await MemoryStore.open(
			{ kind: 'pglite', dataDir: dir },
			{ embedder, embedderName: 'seeded16' },
		);
		for (let start = 0; start < texts.length; start += 1000) {
			await store.insert(
				'scan',
				texts.slice(start, start + 1000).map((text, j) => ({
					text,
					namespace: 'n',
					metadata: metadataOf(start + j),
				})),
			);
		}
	});
	afterAll(async () => {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('keeps the planner statistics of a collection fresh after writes', async () => {
		const { rows } = await store.client.query<{ tuples: number; analyzed: boolean }>(
			`SELECT c.reltuples::float8 AS tuples, s.last_analyze IS NOT NULL AS analyzed
			   FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
			  WHERE c.relname = 'agentos_mem_scan'`,
		);
		expect(rows[0]).toEqual({ tuples: 3000, analyzed: true });
		const stats = await store.client.query<{ stxname: string }>(
			"SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'agentos_mem_scan'::regclass",
		);
		expect(stats.rows.map((r) => r.stxname)).toEqual(['agentos_mem_scan_stat']);
	});

	it('walks the index when the filter keeps a large share of the collection', async () => {
		const hits = await store.search('scan', {
			namespace: 'n',
			query: 'probe one',
			filter: { half: 1 },
			topK: 5,
		});
		expect(store.lastSearchStrategy).toBe('index');
		expect(hits.every((h) => h.metadata.half === 1)).toBe(true);
		const truth = await exactTop('probe one', 5, (i) => i % 2 === 1);
		// An approximate index: at least four of the exact five.
		expect(hits.filter((h) => truth.includes(h.text)).length).toBeGreaterThanOrEqual(4);
	});

	it('reads the estimate of a filter that compiles to a sub-select', async () => {
		await store.search('scan', {
			namespace: 'n',
			query: 'probe five',
			filter: { half: { $in: [1] } },
			topK: 5,
		});
		expect(store.lastSearchStrategy).toBe('index');
	});

	it('scans exactly when the filter keeps a small share, and finds the exact top k', async () => {
		const hits = await store.search('scan', {
			namespace: 'n',
			query: 'probe two',
			filter: { rare: true },
			topK: 5,
		});
		expect(store.lastSearchStrategy).toBe('exact');
		expect(hits.map((h) => h.text)).toEqual(await exactTop('probe two', 5, (i) => i % 100 === 0));
	});

	it('completes with an exact scan when the index yields fewer rows than asked', async () => {
		const hits = await store.search('scan', {
			namespace: 'n',
			query: 'probe three',
			filter: { rare: true },
			topK: 40,
			exactScanThreshold: 0,
		});
		expect(store.lastSearchStrategy).toBe('exact');
		expect(hits.map((h) => h.text)).toEqual(
			await exactTop('probe three', 40, (i) => i % 100 === 0),
		);
		expect(hits).toHaveLength(30);
	});

	it('follows an explicit threshold', async () => {
		await store.search('scan', {
			namespace: 'n',
			query: 'probe four',
			filter: { half: 0 },
			exactScanThreshold: 5000,
		});
		expect(store.lastSearchStrategy).toBe('exact');
		await store.search('scan', { namespace: 'n', query: 'probe four', exactScanThreshold: 10 });
		expect(store.lastSearchStrategy).toBe('index');
	});
});
