/**
 * The Vector Memory side of the benchmark, in its own process: creates the
 * embedded database, loads the memories, searches, and reports timings, ids
 * and the process's memory. Started by index.ts.
 */
import { closeIdleConnections } from '../../lib/db';
import { MemoryStore, type Embedder, type MemoryInput } from '../../lib/memory';
import { DIM, batch, memoryId, queryAt } from './data';
import { type Memory, type Run, openedMemory, runSide, timed } from './side';

export interface OursResult {
	insertMs: number;
	buildMs: number;
	incremental: { n: number; ms: number };
	vector: Run;
	filtered: Run;
	hybrid: Run;
	memory: Memory;
}

/** Vectors arrive precomputed; the store never needs to embed here. */
const noEmbedder: Embedder = {
	embedDocuments: async () => {
		throw new Error('precomputed vectors only');
	},
	embedQuery: async () => {
		throw new Error('precomputed vectors only');
	},
};

runSide<OursResult>(async ({ dataDir, n, queries: nq, batch: size, k, incrementalN }) => {
	const store = await MemoryStore.open(
		{ kind: 'pglite', dataDir },
		{ embedder: noEmbedder, embedderName: 'bench-precomputed' },
	);
	const memory = openedMemory();
	const scope = { namespace: 'bench' };
	const items = (start: number, end: number): MemoryInput[] =>
		batch(start, end).map((m) => ({
			...scope,
			id: memoryId(m.index),
			text: m.text,
			metadata: { bucket: m.bucket, cluster: m.cluster },
			vector: Array.from(m.vector),
		}));

	// 1a. Batched insert with the HNSW graph maintained row by row (the everyday path).
	const incremental = Math.min(n, incrementalN);
	let incrementalMs = 0;
	for (let start = 0; start < incremental; start += size) {
		const rows = items(start, Math.min(incremental, start + size));
		incrementalMs += (await timed(() => store.insert('bench_incremental', rows)))[1];
	}
	console.log(
		`  ours: insert, HNSW maintained per row: ${Math.round(incremental / (incrementalMs / 1000))} memories/s (${incremental} rows)`,
	);

	// 1b. Bulk load: batched inserts without the vector index, then one index build (and ANALYZE).
	let insertMs = 0;
	let buildMs = 0;
	await store.bulkLoad('bench', DIM, async () => {
		for (let start = 0; start < n; start += size) {
			const rows = items(start, Math.min(n, start + size));
			insertMs += (await timed(() => store.insert('bench', rows)))[1];
			if ((start / size) % 10 === 9) {
				process.stdout.write(
					`  ours: inserted ${start + size} (${Math.round(((start + size) / insertMs) * 1000)}/s)\r`,
				);
			}
		}
		buildMs = -performance.now();
	});
	buildMs += performance.now();
	console.log(
		`\n  ours: bulk insert ${Math.round(n / (insertMs / 1000))} memories/s; index build and ANALYZE ${(buildMs / 1000).toFixed(1)} s`,
	);

	// 2. Searches: vector, vector with a 5%-selective filter, hybrid.
	const queries = Array.from({ length: nq }, (_, q) => queryAt(q));
	const run = async (filtered: boolean, mode: 'vector' | 'hybrid'): Promise<Run> => {
		const out: Run = { latencies: [], ids: [], strategies: [] };
		for (const q of queries) {
			const [hits, ms] = await timed(() =>
				store.search('bench', {
					...scope,
					mode,
					vector: Array.from(q.vector),
					query: mode === 'hybrid' ? q.text : undefined,
					topK: k,
					filter: filtered ? { bucket: q.bucket } : undefined,
				}),
			);
			out.latencies.push(ms);
			out.ids.push(hits.map((h) => h.id));
			out.strategies?.push(store.lastSearchStrategy);
		}
		return out;
	};
	await run(false, 'vector'); // warm-up: pages and index in cache
	const vector = await run(false, 'vector');
	const filtered = await run(true, 'vector');
	const hybrid = await run(false, 'hybrid');
	const finalMemory = memory();
	await store.close();
	await closeIdleConnections();
	return {
		insertMs,
		buildMs,
		incremental: { n: incremental, ms: incrementalMs },
		vector,
		filtered,
		hybrid,
		memory: finalMemory,
	};
});
