/**
 * The comparison side of the Vector Memory benchmark, in its own process:
 * LangChain's PGVectorStore (the engine of n8n's "Postgres PGVector Store"
 * node) on the same memories in the same PGlite database. The real class
 * when n8n's copy is installed under .e2e/, else the exact SQL it issues.
 * Started by index.ts after the Vector Memory side has closed the database.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeIdleConnections, openClient } from '../../lib/db';
import { DIM, batch, memoryId, queryAt } from './data';
import { type Memory, type Run, openedMemory, runSide, timed } from './side';

export const PGVECTORSTORE_MODULE = path.resolve(
	__dirname,
	'../../.e2e/n8n-1.123.81/node_modules/@langchain/community/dist/vectorstores/pgvector.cjs',
);

export interface BaselineResult {
	mode: string;
	insertMs: number;
	vector: Run;
	filtered: Run;
	memory: Memory;
}

type Doc = { pageContent: string; metadata: Record<string, unknown> };

runSide<BaselineResult>(async ({ dataDir, n, queries: nq, batch: size, k }) => {
	const client = await openClient({ kind: 'pglite', dataDir });
	const memory = openedMemory();
	const table = 'lc_pgvectorstore_bench';
	let search: (q: number[], filter?: Record<string, unknown>) => Promise<string[]>;
	let add: (vs: number[][], docs: Doc[]) => Promise<void>;
	let mode: string;
	if (fs.existsSync(PGVECTORSTORE_MODULE)) {
		// The real class. Its pool only needs query(), connect() and end().
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { PGVectorStore } = require(PGVECTORSTORE_MODULE);
		const pool = {
			query: (sql: string, params?: unknown[]) => client.query(sql, params),
			connect: async () => ({ release() {} }),
			end: async () => {},
		};
		const unused = async () => {
			throw new Error('precomputed vectors only');
		};
		const lc = await PGVectorStore.initialize(
			{ embedDocuments: unused, embedQuery: unused },
			{ pool, tableName: table, dimensions: DIM, distanceStrategy: 'cosine' },
		);
		mode = 'LangChain PGVectorStore class from n8n 1.123.81, same PGlite database';
		add = async (vs, docs) => {
			await lc.addVectors(vs, docs, { ids: docs.map((d) => String(d.metadata.uuid)) });
		};
		search = async (q, filter) =>
			(
				(await lc.similaritySearchVectorWithScore(q, k, filter)) as Array<
					[{ metadata: { i: number } }, number]
				>
			).map(([d]) => memoryId(d.metadata.i));
	} else {
		// The statements the class issues: its table (no vector index), inserts of 500 rows,
		// and one `metadata->>'key' = $n` per filter key.
		mode =
			"PGVectorStore's SQL (no index, ORDER BY embedding <=> $1 LIMIT k), same PGlite database";
		await client.query(
			`CREATE TABLE IF NOT EXISTS ${table} (id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
			   text text, metadata jsonb, embedding vector(${DIM}))`,
		);
		add = async (vs, docs) => {
			for (let start = 0; start < docs.length; start += 500) {
				const params: unknown[] = [];
				const values = docs.slice(start, start + 500).map((d, j) => {
					params.push(d.pageContent, `[${vs[start + j].join(',')}]`, d.metadata, d.metadata.uuid);
					const p = params.length;
					return `($${p - 3}, $${p - 2}, $${p - 1}, $${p})`;
				});
				await client.query(
					`INSERT INTO ${table} (text, embedding, metadata, id) VALUES ${values.join(', ')}`,
					params,
				);
			}
		};
		search = async (q, filter) => {
			const params: unknown[] = [`[${q.join(',')}]`, k];
			const where = Object.entries(filter ?? {}).map(([key, value]) => {
				params.push(value);
				return `metadata->>'${key}' = $${params.length}`;
			});
			const { rows } = await client.query<{ metadata: { i: number } }>(
				`SELECT *, embedding <=> $1 as "_distance" FROM ${table}
				 ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "_distance" ASC LIMIT $2`,
				params,
			);
			return rows.map((r) => memoryId(r.metadata.i));
		};
	}

	let insertMs = 0;
	for (let start = 0; start < n; start += size) {
		const rows = batch(start, Math.min(n, start + size));
		const vs = rows.map((m) => Array.from(m.vector));
		const docs = rows.map((m) => ({
			pageContent: m.text,
			metadata: {
				i: m.index,
				uuid: `00000000-0000-4000-8000-${m.index.toString(16).padStart(12, '0')}`,
				bucket: m.bucket,
			},
		}));
		insertMs += (await timed(() => add(vs, docs)))[1];
	}
	await client.query(`VACUUM ANALYZE ${table}`);
	console.log(`  PGVectorStore: inserted ${n} (${Math.round(n / (insertMs / 1000))}/s)`);

	const queries = Array.from({ length: nq }, (_, q) => queryAt(q));
	const run = async (filtered: boolean): Promise<Run> => {
		const out: Run = { latencies: [], ids: [] };
		for (const q of queries) {
			const [ids, ms] = await timed(() =>
				search(Array.from(q.vector), filtered ? { bucket: q.bucket } : undefined),
			);
			out.latencies.push(ms);
			out.ids.push(ids);
		}
		return out;
	};
	await run(false); // warm-up
	const vector = await run(false);
	const filtered = await run(true);
	const finalMemory = memory();
	await client.close();
	await closeIdleConnections();
	return {
		mode,
		insertMs,
		vector,
		filtered,
		memory: finalMemory,
	};
});
