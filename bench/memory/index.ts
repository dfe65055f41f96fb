/**
 * Vector Memory benchmark. Run: npm run bench:memory
 * (node -r ./scripts/ts-register.js bench/memory/index.ts)
 *
 * Seeds MEMORY_BENCH_N memories (default 100,000) of 384 dimensions —
 * clustered vectors with topic words in their text — into embedded PGlite,
 * then measures, in one process and one database:
 *   - batched insert rate (HNSW index maintained during the insert);
 *   - vector search p50/p95 and recall@10 against exact (brute-force) search,
 *     without and with a 5%-selective metadata filter;
 *   - hybrid (vector + full text, RRF) search p50;
 *   - LangChain's PGVectorStore (the engine of n8n's PGVector Store node) on the
 *     same rows: the real class when its module is installed (n8n's copy under
 *     .e2e/), driven over the same PGlite database, else its exact SQL shape
 *     (no index, ORDER BY embedding <=> $1 LIMIT k);
 *   - peak RSS of the process.
 * Writes bench/results/memory.json and prints a table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeIdleConnections } from '../../lib/db';
import { MemoryStore, type Embedder, type MemoryInput } from '../../lib/memory';

const N = Number(process.env.MEMORY_BENCH_N ?? 100_000);
const DIM = 384;
const QUERIES = Number(process.env.MEMORY_BENCH_QUERIES ?? 100);
const BASELINE_QUERIES = Number(process.env.MEMORY_BENCH_BASELINE_QUERIES ?? 20);
const K = 10;
const CLUSTERS = 200;
const BATCH = 1000;
const INCREMENTAL_N = Number(process.env.MEMORY_BENCH_INCREMENTAL_N ?? 3000);
const BUCKETS = 20; // metadata.bucket = i % 20: a filter on one bucket keeps 5%
const FILTER_BUCKET = 7;
const PGVECTORSTORE_MODULE = path.resolve(
	__dirname,
	'../../.e2e/n8n-1.123.81/node_modules/@langchain/community/dist/vectorstores/pgvector.cjs',
);

function rng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const rand = rng(42);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

function normalised(v: Float32Array): Float32Array {
	let n = 0;
	for (let i = 0; i < v.length; i++) n += v[i] * v[i];
	n = Math.sqrt(n);
	for (let i = 0; i < v.length; i++) v[i] /= n;
	return v;
}

const centers = Array.from({ length: CLUSTERS }, () =>
	normalised(Float32Array.from({ length: DIM }, gauss)),
);
const vocabulary = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}`);
const topicWords = (c: number) => vocabulary.slice(c * 20, c * 20 + 20);
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];

function point(c: number): Float32Array {
	const v = new Float32Array(DIM);
	for (let i = 0; i < DIM; i++) v[i] = centers[c][i] + gauss() * 0.06;
	return normalised(v);
}

function text(c: number, topical: number, random: number): string {
	const words: string[] = [];
	for (let i = 0; i < topical; i++) words.push(pick(topicWords(c)));
	for (let i = 0; i < random; i++) words.push(pick(vocabulary));
	return words.join(' ');
}

const percentile = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Exact top-k by cosine (vectors are unit length, so by dot product). */
function exactTopK(
	data: Float32Array[],
	q: Float32Array,
	k: number,
	keep?: (i: number) => boolean,
) {
	const best: Array<[number, number]> = [];
	for (let i = 0; i < data.length; i++) {
		if (keep && !keep(i)) continue;
		const v = data[i];
		let dot = 0;
		for (let j = 0; j < DIM; j++) dot += v[j] * q[j];
		if (best.length < k || dot > best[best.length - 1][0]) {
			best.push([dot, i]);
			best.sort((a, b) => b[0] - a[0]);
			if (best.length > k) best.pop();
		}
	}
	return best.map(([, i]) => i);
}

const recall = (got: string[], truth: number[]) => {
	const t = new Set(truth.map((i) => `m${i}`));
	return got.filter((id) => t.has(id)).length / truth.length;
};

/** Vectors arrive precomputed; the store never needs to embed here. */
const noEmbedder: Embedder = {
	embedDocuments: async () => {
		throw new Error('precomputed vectors only');
	},
	embedQuery: async () => {
		throw new Error('precomputed vectors only');
	},
};

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
	const t = performance.now();
	const r = await fn();
	return [r, performance.now() - t];
}

async function main() {
	const started = performance.now();
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-bench-memory-'));
	console.log(
		`Vector Memory benchmark: ${N} memories x ${DIM} dims, ${QUERIES} queries, PGlite in ${dataDir}`,
	);

	const clusterOf = Array.from({ length: N }, () => Math.floor(rand() * CLUSTERS));
	const vectors = clusterOf.map((c) => point(c));
	const texts = clusterOf.map((c) => text(c, 4, 8));
	const queryClusters = Array.from({ length: QUERIES }, () => Math.floor(rand() * CLUSTERS));
	const queries = queryClusters.map((c) => point(c));
	const queryTexts = queryClusters.map((c) => text(c, 2, 0));

	const store = await MemoryStore.open(
		{ kind: 'pglite', dataDir },
		{ embedder: noEmbedder, embedderName: 'bench-precomputed' },
	);
	const scope = { namespace: 'bench' };

	const batchOf = (start: number, end: number) => {
		const items: MemoryInput[] = [];
		for (let i = start; i < end; i++) {
			items.push({
				...scope,
				id: `m${i}`,
				text: texts[i],
				metadata: { bucket: i % BUCKETS, cluster: clusterOf[i] },
				vector: Array.from(vectors[i]),
			});
		}
		return items;
	};

	// 1a. Batched insert with the HNSW graph maintained row by row (the everyday path).
	const incremental = Math.min(N, INCREMENTAL_N);
	let incrementalMs = 0;
	for (let start = 0; start < incremental; start += BATCH) {
		const items = batchOf(start, Math.min(incremental, start + BATCH));
		const [, ms] = await timed(() => store.insert('bench_incremental', items));
		incrementalMs += ms;
	}
	const incrementalPerS = incremental / (incrementalMs / 1000);
	console.log(
		`  insert, HNSW maintained per row: ${Math.round(incrementalPerS)} memories/s (${incremental} rows)`,
	);

	// 1b. Bulk load: batched inserts without the vector index, then one index build.
	let insertMs = 0;
	let buildMs = 0;
	await store.bulkLoad('bench', DIM, async () => {
		for (let start = 0; start < N; start += BATCH) {
			const items = batchOf(start, Math.min(N, start + BATCH));
			const [, ms] = await timed(() => store.insert('bench', items));
			insertMs += ms;
			if ((start / BATCH) % 10 === 9) {
				process.stdout.write(
					`  inserted ${start + BATCH} (${Math.round(((start + BATCH) / insertMs) * 1000)}/s)\r`,
				);
			}
		}
		buildMs = -performance.now();
	});
	buildMs += performance.now();
	const insertPerS = N / (insertMs / 1000);
	const loadPerS = N / ((insertMs + buildMs) / 1000);
	await store.client.query('VACUUM ANALYZE agentos_mem_bench');
	console.log(
		`\n  bulk insert: ${Math.round(insertPerS)} memories/s; HNSW build ${round(buildMs / 1000, 1)} s; load incl. build ${Math.round(loadPerS)}/s`,
	);

	// 2. Ground truth by brute force.
	const keep = (i: number) => i % BUCKETS === FILTER_BUCKET;
	const truth = queries.map((q) => exactTopK(vectors, q, K));
	const truthFiltered = queries.map((q) => exactTopK(vectors, q, K, keep));

	// 3. Our searches.
	const run = async (filtered: boolean, mode: 'vector' | 'hybrid') => {
		const lat: number[] = [];
		let rec = 0;
		for (let qi = 0; qi < QUERIES; qi++) {
			const [hits, ms] = await timed(() =>
				store.search('bench', {
					...scope,
					mode,
					vector: Array.from(queries[qi]),
					query: mode === 'hybrid' ? queryTexts[qi] : undefined,
					topK: K,
					filter: filtered ? { bucket: FILTER_BUCKET } : undefined,
				}),
			);
			lat.push(ms);
			rec += recall(
				hits.map((h) => h.id),
				(filtered ? truthFiltered : truth)[qi],
			);
		}
		return {
			p50: percentile(lat, 50),
			p95: percentile(lat, 95),
			recall: rec / QUERIES,
			strategy: store.lastSearchStrategy,
		};
	};
	await run(false, 'vector'); // warm-up: pages and index in cache
	const vec = await run(false, 'vector');
	const vecFiltered = await run(true, 'vector');
	const hybrid = await run(false, 'hybrid');
	// Peak RSS of the process holding the 100k embedded memories, before the baseline adds its own copy.
	const rssOursMb = process.resourceUsage().maxRSS / 1024;
	console.log(
		`  ours: vector p50 ${round(vec.p50)} ms, filtered p50 ${round(vecFiltered.p50)} ms, hybrid p50 ${round(hybrid.p50)} ms`,
	);

	// 4. LangChain PGVectorStore on the same rows in the same database.
	const baseline = await pgVectorStoreBaseline(
		store,
		vectors,
		texts,
		queries,
		truth,
		truthFiltered,
		keep,
	);

	const rssMb = process.resourceUsage().maxRSS / 1024;
	const results = {
		memories: N,
		dimensions: DIM,
		queries: QUERIES,
		backend: 'embedded PGlite + pgvector (PostgreSQL in WASM, single-threaded)',
		insert_per_s: Math.round(insertPerS),
		insert_mode:
			'batches of 1000 in one transaction each, vector index built once after the load (MemoryStore.bulkLoad)',
		index_build_s: round(buildMs / 1000, 1),
		load_per_s_including_index_build: Math.round(loadPerS),
		insert_per_s_hnsw_maintained: Math.round(incrementalPerS),
		search_p50_ms: round(vec.p50),
		search_p95_ms: round(vec.p95),
		recall_at_10: round(vec.recall, 3),
		search_filtered_p50_ms: round(vecFiltered.p50),
		search_filtered_p95_ms: round(vecFiltered.p95),
		recall_at_10_filtered: round(vecFiltered.recall, 3),
		filtered_strategy: vecFiltered.strategy,
		hybrid_p50_ms: round(hybrid.p50),
		hybrid_over_vector_p50: round(hybrid.p50 / vec.p50),
		pgvectorstore: baseline,
		speedup_vs_pgvectorstore: round(baseline.search_p50_ms / vec.p50, 1),
		speedup_vs_pgvectorstore_filtered: round(baseline.search_filtered_p50_ms / vecFiltered.p50, 1),
		peak_rss_mb: Math.round(rssOursMb),
		peak_rss_mb_note:
			'includes the benchmark’s own copy of the vectors (Float32Array, ~150 MB at 100k x 384) and the ground truth; measured before the PGVectorStore table is loaded',
		peak_rss_mb_with_baseline: Math.round(rssMb),
		total_seconds: Math.round((performance.now() - started) / 1000),
		node: process.version,
		cpus: os.cpus().length,
	};
	console.table({
		'Vector Memory (HNSW)': {
			'p50 ms': results.search_p50_ms,
			'p95 ms': results.search_p95_ms,
			'recall@10': results.recall_at_10,
			'filtered p50 ms': results.search_filtered_p50_ms,
			'filtered recall@10': results.recall_at_10_filtered,
			'hybrid p50 ms': results.hybrid_p50_ms,
			'insert/s': results.insert_per_s,
		},
		[`PGVectorStore (${baseline.mode})`]: {
			'p50 ms': baseline.search_p50_ms,
			'p95 ms': baseline.search_p95_ms,
			'recall@10': baseline.recall_at_10,
			'filtered p50 ms': baseline.search_filtered_p50_ms,
			'filtered recall@10': baseline.recall_at_10_filtered,
			'hybrid p50 ms': 'n/a',
			'insert/s': baseline.insert_per_s,
		},
	});
	console.log(JSON.stringify(results, null, 2));
	const out = path.resolve(__dirname, '../results/memory.json');
	fs.mkdirSync(path.dirname(out), { recursive: true });
	fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
	console.log(`written ${path.relative(process.cwd(), out)}`);
	await store.close();
	await closeIdleConnections();
	fs.rmSync(dataDir, { recursive: true, force: true });
}

interface PgLike {
	query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

async function pgVectorStoreBaseline(
	store: MemoryStore,
	vectors: Float32Array[],
	texts: string[],
	queries: Float32Array[],
	truth: number[][],
	truthFiltered: number[][],
	keep: (i: number) => boolean,
) {
	const client = store.client as unknown as PgLike;
	const table = 'lc_pgvectorstore_bench';
	type Search = (q: number[], k: number, filter?: Record<string, unknown>) => Promise<string[]>;
	type Add = (
		vs: number[][],
		docs: Array<{ pageContent: string; metadata: Record<string, unknown> }>,
	) => Promise<void>;
	let search: Search;
	let add: Add;
	let mode: string;
	if (fs.existsSync(PGVECTORSTORE_MODULE)) {
		// The real class. Its pool only needs query(), connect() and end(): PGlite's client has the first.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { PGVectorStore } = require(PGVECTORSTORE_MODULE);
		const pool = {
			query: (sql: string, params?: unknown[]) => client.query(sql, params),
			connect: async () => ({ release() {} }),
			end: async () => {},
		};
		const lc = await PGVectorStore.initialize(
			{ embedDocuments: noEmbedder.embedDocuments, embedQuery: noEmbedder.embedQuery },
			{ pool, tableName: table, dimensions: DIM, distanceStrategy: 'cosine' },
		);
		mode = 'LangChain PGVectorStore class from n8n 1.123.81, same PGlite database';
		add = async (vs, docs) => {
			await lc.addVectors(vs, docs, { ids: docs.map((d) => String(d.metadata.uuid)) });
		};
		search = async (q, k, filter) =>
			(
				(await lc.similaritySearchVectorWithScore(q, k, filter)) as Array<
					[{ metadata: { i: number } }, number]
				>
			).map(([d]) => `m${d.metadata.i}`);
	} else {
		mode =
			"PGVectorStore's SQL (no index, ORDER BY embedding <=> $1 LIMIT k), same PGlite database";
		await client.query(
			`CREATE TABLE ${table} (id uuid PRIMARY KEY, text text, metadata jsonb, embedding vector(${DIM}))`,
		);
		add = async (vs, docs) => {
			const params: unknown[] = [];
			const values = docs.map((d, j) => {
				params.push(
					d.metadata.uuid,
					d.pageContent,
					JSON.stringify(d.metadata),
					`[${vs[j].join(',')}]`,
				);
				const p = params.length;
				return `($${p - 3}, $${p - 2}, $${p - 1}, $${p})`;
			});
			await client.query(
				`INSERT INTO ${table} (id, text, metadata, embedding) VALUES ${values.join(', ')}`,
				params,
			);
		};
		search = async (q, k, filter) => {
			const { rows } = await client.query(
				`SELECT *, embedding <=> $1 AS _distance FROM ${table}
				  WHERE ($3::jsonb IS NULL OR metadata @> $3::jsonb) ORDER BY _distance ASC LIMIT $2`,
				[`[${q.join(',')}]`, k, filter ? JSON.stringify(filter) : null],
			);
			return rows.map((r) => `m${(r.metadata as { i: number }).i}`);
		};
	}
	let insertMs = 0;
	for (let start = 0; start < vectors.length; start += BATCH) {
		const end = Math.min(vectors.length, start + BATCH);
		const vs: number[][] = [];
		const docs: Array<{ pageContent: string; metadata: Record<string, unknown> }> = [];
		for (let i = start; i < end; i++) {
			vs.push(Array.from(vectors[i]));
			const uuid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
			docs.push({ pageContent: texts[i], metadata: { i, uuid, bucket: i % BUCKETS } });
		}
		const [, ms] = await timed(() => add(vs, docs));
		insertMs += ms;
	}
	await client.query(`VACUUM ANALYZE ${table}`);
	const run = async (filtered: boolean) => {
		const lat: number[] = [];
		let rec = 0;
		const n = Math.min(BASELINE_QUERIES, queries.length);
		for (let qi = 0; qi < n; qi++) {
			const [ids, ms] = await timed(() =>
				search(Array.from(queries[qi]), K, filtered ? { bucket: FILTER_BUCKET } : undefined),
			);
			lat.push(ms);
			rec += recall(ids, (filtered ? truthFiltered : truth)[qi]);
		}
		return { p50: percentile(lat, 50), p95: percentile(lat, 95), recall: rec / n };
	};
	void keep;
	await run(false);
	const plain = await run(false);
	const filtered = await run(true);
	console.log(
		`  PGVectorStore: p50 ${round(plain.p50)} ms, filtered p50 ${round(filtered.p50)} ms`,
	);
	return {
		mode,
		queries: Math.min(BASELINE_QUERIES, queries.length),
		insert_per_s: Math.round(vectors.length / (insertMs / 1000)),
		search_p50_ms: round(plain.p50),
		search_p95_ms: round(plain.p95),
		recall_at_10: round(plain.recall, 3),
		search_filtered_p50_ms: round(filtered.p50),
		recall_at_10_filtered: round(filtered.recall, 3),
	};
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
