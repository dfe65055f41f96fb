/**
 * Vector Memory benchmark. Run: npm run bench:memory
 * (node -r ./scripts/ts-register.js bench/memory/index.ts)
 *
 * Seeds MEMORY_BENCH_N memories (default 100,000) of 384 dimensions —
 * clustered vectors with topic words in their text (data.ts) — into one
 * embedded PGlite database, and measures in one run:
 *   - Vector Memory (ours.ts, its own process): batched insert rate (bulk load
 *     with one index build; also with the HNSW graph maintained per row);
 *     vector search p50/p95 and recall@10 against exact search, without and
 *     with a 5%-selective metadata filter; hybrid (vector + full text, RRF) p50;
 *     the peak RSS of the process holding the embedded memories;
 *   - LangChain's PGVectorStore (pgvectorstore.ts, its own process, after ours
 *     has closed the database): the same memories in the same database, the
 *     real class when n8n's copy is installed under .e2e/, else its exact SQL.
 * This process only generates the ground truth (streaming, exact top-k) and
 * the report. Writes bench/results/memory.json and prints a table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIM, groundTruth, queryAt, recall } from './data';
import type { OursResult } from './ours';
import type { BaselineResult } from './pgvectorstore';
import type { Run, SideConfig } from './side';
import { precompile, spawnSide } from './spawn';

const N = Number(process.env.MEMORY_BENCH_N ?? 100_000);
const QUERIES = Number(process.env.MEMORY_BENCH_QUERIES ?? 100);
const BASELINE_QUERIES = Math.min(QUERIES, Number(process.env.MEMORY_BENCH_BASELINE_QUERIES ?? 20));
const INCREMENTAL_N = Number(process.env.MEMORY_BENCH_INCREMENTAL_N ?? 3000);
const K = 10;
const BATCH = 1000;

const percentile = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function summary(run: Run, truth: string[][]) {
	const rec = run.ids.reduce((sum, ids, q) => sum + recall(ids, truth[q]), 0) / run.ids.length;
	return {
		p50: percentile(run.latencies, 50),
		p95: percentile(run.latencies, 95),
		recall: rec,
	};
}

async function main() {
	const started = performance.now();
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-bench-memory-'));
	const dataDir = path.join(workDir, 'pglite');
	const compiled = path.join(workDir, 'compiled.json');
	console.log(
		`Vector Memory benchmark: ${N} memories x ${DIM} dims, ${QUERIES} queries, PGlite in ${dataDir}`,
	);
	const config: SideConfig = {
		dataDir,
		n: N,
		queries: QUERIES,
		batch: BATCH,
		k: K,
		incrementalN: INCREMENTAL_N,
	};
	try {
		precompile(compiled);
		const ours = await spawnSide<OursResult>('ours.ts', config, compiled);
		const base = await spawnSide<BaselineResult>(
			'pgvectorstore.ts',
			{ ...config, queries: BASELINE_QUERIES },
			compiled,
		);

		const t = performance.now();
		const truth = groundTruth(
			N,
			Array.from({ length: QUERIES }, (_, q) => queryAt(q)),
			K,
		);
		console.log(`  exact ground truth in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		const vec = summary(ours.vector, truth.all);
		const vecFiltered = summary(ours.filtered, truth.filtered);
		const hybrid = summary(ours.hybrid, truth.all);
		const basePlain = summary(base.vector, truth.all);
		const baseFiltered = summary(base.filtered, truth.filtered);
		const count = (xs: string[] = []) =>
			xs.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

		const insertPerS = N / (ours.insertMs / 1000);
		const results = {
			memories: N,
			dimensions: DIM,
			queries: QUERIES,
			backend: 'embedded PGlite + pgvector (PostgreSQL in WASM, single-threaded)',
			insert_per_s: Math.round(insertPerS),
			insert_mode:
				'batches of 1000 in one transaction each, vector index built once after the load (MemoryStore.bulkLoad)',
			index_build_s: round(ours.buildMs / 1000, 1),
			load_per_s_including_index_build: Math.round(N / ((ours.insertMs + ours.buildMs) / 1000)),
			insert_per_s_hnsw_maintained: Math.round(ours.incremental.n / (ours.incremental.ms / 1000)),
			search_p50_ms: round(vec.p50),
			search_p95_ms: round(vec.p95),
			recall_at_10: round(vec.recall, 3),
			search_filtered_p50_ms: round(vecFiltered.p50),
			search_filtered_p95_ms: round(vecFiltered.p95),
			recall_at_10_filtered: round(vecFiltered.recall, 3),
			filter: '{"bucket": q % 20}: each query filters on one of 20 buckets, 5% of the memories',
			filtered_strategies: count(ours.filtered.strategies),
			hybrid_p50_ms: round(hybrid.p50),
			hybrid_over_vector_p50: round(hybrid.p50 / vec.p50),
			pgvectorstore: {
				mode: base.mode,
				queries: BASELINE_QUERIES,
				insert_per_s: Math.round(N / (base.insertMs / 1000)),
				search_p50_ms: round(basePlain.p50),
				search_p95_ms: round(basePlain.p95),
				recall_at_10: round(basePlain.recall, 3),
				search_filtered_p50_ms: round(baseFiltered.p50),
				recall_at_10_filtered: round(baseFiltered.recall, 3),
				peak_rss_mb: base.memory.peakRssMb,
				peak_rss_mb_since_open: base.memory.peakRssSinceOpenMb,
			},
			speedup_vs_pgvectorstore: round(basePlain.p50 / vec.p50, 1),
			speedup_vs_pgvectorstore_filtered: round(baseFiltered.p50 / vecFiltered.p50, 1),
			peak_rss_mb: ours.memory.peakRssMb,
			peak_rss_mb_note:
				'Peak RSS of the Vector Memory process over its whole life, in two parts: creating the PGlite database (initdb, the same with or without memories) and, from the open on, loading and indexing the memories and all searches. The process runs JavaScript transpiled beforehand (no TypeScript compiler in it) and generates rows batch by batch; the ground truth and PGVectorStore run in other processes.',
			peak_rss_mb_creating_database: ours.memory.afterOpen.peakRssMb,
			peak_rss_mb_loading_indexing_searching: ours.memory.peakRssSinceOpenMb,
			rss_mb_after_open: ours.memory.afterOpen.rssMb,
			rss_mb_after_searches: ours.memory.endRssMb,
			total_seconds: Math.round((performance.now() - started) / 1000),
			node: process.version,
			cpus: os.cpus().length,
			loadavg_at_end: os.loadavg().map((x) => round(x, 1)),
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
				'peak RSS MB': results.peak_rss_mb,
			},
			[`PGVectorStore (${base.mode})`]: {
				'p50 ms': results.pgvectorstore.search_p50_ms,
				'p95 ms': results.pgvectorstore.search_p95_ms,
				'recall@10': results.pgvectorstore.recall_at_10,
				'filtered p50 ms': results.pgvectorstore.search_filtered_p50_ms,
				'filtered recall@10': results.pgvectorstore.recall_at_10_filtered,
				'hybrid p50 ms': 'n/a',
				'insert/s': results.pgvectorstore.insert_per_s,
				'peak RSS MB': results.pgvectorstore.peak_rss_mb,
			},
		});
		console.log(JSON.stringify(results, null, 2));
		const out = path.resolve(__dirname, '../results/memory.json');
		fs.mkdirSync(path.dirname(out), { recursive: true });
		fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
		console.log(`written ${path.relative(process.cwd(), out)}`);
	} finally {
		fs.rmSync(workDir, { recursive: true, force: true });
	}
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
