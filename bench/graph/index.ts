/**
 * Consciousness Graph benchmark: the SQL backend on the real PostgreSQL and
 * on embedded PGlite, over a seeded synthetic graph with power-law degrees.
 *
 *   node -r ./scripts/ts-register.js bench/graph/index.ts
 *
 * Sizes: GRAPH_BENCH_ENTITIES (default 20000; relations = 3x), or
 * GRAPH_BENCH_FULL=1 for the 100k entities / 300k relations.
 * GRAPH_BENCH_BACKENDS=postgres,pglite chooses the backends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openClient, type SqlClient, type SqlExecutor } from '../../lib/db';
import {
	SqlGraphStore,
	extractKnowledge,
	type EntityInput,
	type GraphStore,
	type RelationInput,
	type StructuredOutputFn,
} from '../../lib/graph';
import { PG } from '../../test/helpers/services';
import { metricsText } from '../../lib/metrics';

const FULL = process.env.GRAPH_BENCH_FULL === '1';
const ENTITIES = FULL ? 100_000 : Number(process.env.GRAPH_BENCH_ENTITIES ?? 20_000);
const RELATIONS = ENTITIES * 3;
const BACKENDS = (process.env.GRAPH_BENCH_BACKENDS ?? 'postgres,pglite')
	.split(',')
	.map((s) => s.trim());
const ENTITY_BATCH = 1000;
const RELATION_BATCH = 2000;
const RECALLS = 200;
const PATHS = 100;
const EPISODES = 100;
const UNBATCHED = 300;
const TYPES = ['Person', 'Organization', 'Project', 'Topic'];
const REL_TYPES = ['KNOWS', 'WORKS_ON', 'MENTIONS', 'PART_OF'];

/** mulberry32: a small seeded PRNG, so every run builds the same graph. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Samples indexes with probability ∝ 1/(i+1)^s: a few hubs, a long tail (power-law degrees). */
function zipf(n: number, s: number, random: () => number): () => number {
	const cdf = new Float64Array(n);
	let sum = 0;
	for (let i = 0; i < n; i++) {
		sum += 1 / Math.pow(i + 1, s);
		cdf[i] = sum;
	}
	return () => {
		const x = random() * sum;
		let lo = 0;
		let hi = n - 1;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (cdf[mid] < x) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	};
}

const key = (i: number) => `e${i}`;

const SYLLABLES = [
	'ka',
	'lo',
	'mi',
	'ren',
	'sa',
	'tor',
	'vu',
	'bel',
	'dan',
	'fi',
	'gor',
	'hal',
	'jin',
	'kes',
	'lum',
	'mar',
	'nor',
	'pel',
	'quo',
	'ris',
	'sul',
	'tam',
	'ves',
	'zor',
];

/** A distinct pronounceable name per index (the index written in syllables), plus a surname. */
function entityName(i: number): string {
	let n = i;
	let first = '';
	do {
		first += SYLLABLES[n % SYLLABLES.length];
		n = Math.floor(n / SYLLABLES.length);
	} while (n > 0);
	const last =
		SYLLABLES[(i * 7) % SYLLABLES.length] + SYLLABLES[(i * 13) % SYLLABLES.length] + 'son';
	return `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`;
}

function entity(i: number): EntityInput {
	return {
		key: key(i),
		type: TYPES[i % TYPES.length],
		name: entityName(i),
		properties: { rank: i },
	};
}

function percentile(sorted: number[], p: number): number {
	if (!sorted.length) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
	const t = process.hrtime.bigint();
	const r = await fn();
	return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

const round = (x: number, d = 2) => Number(x.toFixed(d));

interface Result {
	backend: string;
	entities: number;
	relations: number;
	upserts_per_s: number;
	unbatched_upserts_per_s: number;
	relations_per_s: number;
	recall_2hop_p50_ms: number;
	recall_2hop_p95_ms: number;
	recall_2hop_mean_entities: number;
	recall_truncated_share: number;
	path_p50_ms: number;
	path_p95_ms: number;
	paths_found_share: number;
	/** Mean time per episode, the figure; p50 and p95 below. */
	extraction_overhead_ms: number;
	extraction_p50_ms: number;
	extraction_p95_ms: number;
	/** Statements sent per episode, BEGIN and COMMIT included. */
	extraction_statements_per_episode: number;
	/** The one candidate look-up per episode (exact and full-text), mean. */
	extraction_resolve_mean_ms: number;
	/** The episode's write transaction, mean. */
	extraction_record_mean_ms: number;
	/** p50 of SELECT 1: the round trip every statement pays on this machine at this moment. */
	select1_p50_ms: number;
	/** p50 of a one-row write transaction: the WAL flush every commit waits for, at this moment. */
	commit_p50_ms: number;
}

/** Counts the statements a client sends (BEGIN and COMMIT included). */
function counting(client: SqlClient): { client: SqlClient; statements: () => number } {
	let n = 0;
	const wrap = (ex: SqlExecutor): SqlExecutor => ({
		query: (sql, params, options) => {
			n++;
			return ex.query(sql, params, options);
		},
	});
	return {
		client: {
			kind: client.kind,
			label: client.label,
			query: wrap(client).query,
			exec: (sql) => client.exec(sql),
			transaction: (fn) => {
				n += 2;
				return client.transaction((tx) => fn(wrap(tx)));
			},
			close: () => client.close(),
		},
		statements: () => n,
	};
}

/** Sum and count of one operation's latency histogram, from the metrics registry. */
async function opTotals(operation: string): Promise<{ sum: number; count: number }> {
	const text = await metricsText();
	const read = (suffix: string) => {
		const line = text
			.split('\n')
			.find(
				(l) =>
					l.startsWith(`agentos_graph_operation_seconds_${suffix}{`) &&
					l.includes(`operation="${operation}"`),
			);
		return line ? Number(line.split(' ').pop()) : 0;
	};
	return { sum: read('sum'), count: read('count') };
}

/** A zero-latency scripted model: answers instantly with a fixed-size extraction. */
function scriptedModel(random: () => number): StructuredOutputFn {
	let n = 0;
	return async () => {
		n++;
		const known = Math.floor(random() * ENTITIES);
		return {
			entities: [
				{ name: entity(known).name, type: entity(known).type },
				{ name: `Newcomer ${n}`, type: 'Person' },
				{ name: `Topic ${n % 50}`, type: 'Topic' },
			],
			relations: [
				{ from: `Newcomer ${n}`, type: 'KNOWS', to: entity(known).name },
				{ from: `Newcomer ${n}`, type: 'MENTIONS', to: `Topic ${n % 50}` },
			],
		};
	};
}

async function run(backend: string, client: SqlClient): Promise<Result> {
	const { client: counted, statements } = counting(client);
	const store: GraphStore = await SqlGraphStore.open(counted, { graph: 'bench' });
	await store.clear();
	// Every run starts from the same tables: without this, the rows earlier runs
	// deleted stay in the tables and indexes until a vacuum (the PostgreSQL
	// here runs without autovacuum) and slow every look-up a little more.
	await client.query(
		'VACUUM agentos_graph_entities, agentos_graph_names, agentos_graph_relations, agentos_graph_episodes, agentos_graph_mentions',
	);
	const random = rng(42);
	const pick = zipf(ENTITIES, 1.1, random);
	try {
		// Batched upsert.
		const [, upsertMs] = await timed(async () => {
			for (let i = 0; i < ENTITIES; i += ENTITY_BATCH) {
				const batch = [];
				for (let j = i; j < Math.min(ENTITIES, i + ENTITY_BATCH); j++) batch.push(entity(j));
				await store.upsertEntities(batch);
			}
		});
		// Relations: power-law on both ends, no self loops.
		const [, relateMs] = await timed(async () => {
			let made = 0;
			while (made < RELATIONS) {
				const batch: RelationInput[] = [];
				while (batch.length < RELATION_BATCH && made + batch.length < RELATIONS) {
					const from = pick();
					const to = Math.floor(random() * ENTITIES);
					if (from === to) continue;
					batch.push({
						type: REL_TYPES[(from + to) % REL_TYPES.length],
						from: key(from),
						to: key(to),
						validAt: '2024-01-01T00:00:00Z',
					});
				}
				await store.relate(batch);
				made += batch.length;
			}
		});
		await client.query('ANALYZE agentos_graph_entities');
		await client.query('ANALYZE agentos_graph_relations');
		// The baseline: one upsert (one transaction) per entity, as a per-item write would do.
		const [, unbatchedMs] = await timed(async () => {
			for (let i = 0; i < UNBATCHED; i++)
				await store.upsertEntities([{ key: `u${i}`, type: 'Person', name: `Unbatched ${i}` }]);
		});
		// 2-hop recall from random entities, budget 50.
		const recallTimes: number[] = [];
		let sizes = 0;
		let truncated = 0;
		for (let i = 0; i < RECALLS; i++) {
			const seed = key(Math.floor(random() * ENTITIES));
			const [r, ms] = await timed(() =>
				store.recallContext({ keys: [seed], hops: 2, budget: 50, episodes: 0 }),
			);
			recallTimes.push(ms);
			sizes += r.entities.length;
			if (r.truncated) truncated++;
		}
		// Shortest paths between random pairs.
		const pathTimes: number[] = [];
		let found = 0;
		for (let i = 0; i < PATHS; i++) {
			const a = key(Math.floor(random() * ENTITIES));
			const b = key(Math.floor(random() * ENTITIES));
			const [p, ms] = await timed(() => store.findPaths(a, b, { maxHops: 4, limit: 1 }));
			pathTimes.push(ms);
			if (p.length) found++;
		}
		// Extraction with a zero-latency model: everything measured is pipeline overhead.
		const model = scriptedModel(random);
		const before = {
			resolve: await opTotals('resolve'),
			record: await opTotals('record_episode'),
			statements: statements(),
		};
		const episodeTimes: number[] = [];
		for (let i = 0; i < EPISODES; i++) {
			const [, ms] = await timed(() =>
				extractKnowledge(store, model, {
					agent: 'bench',
					content: `Episode ${i}: a newcomer met someone.`,
				}),
			);
			episodeTimes.push(ms);
		}
		const extractMs = episodeTimes.reduce((a, b) => a + b, 0);
		const after = {
			resolve: await opTotals('resolve'),
			record: await opTotals('record_episode'),
			statements: statements(),
		};
		const meanMs = (a: { sum: number; count: number }, b: { sum: number; count: number }) =>
			b.count > a.count ? round(((b.sum - a.sum) / (b.count - a.count)) * 1000) : 0;
		const pings: number[] = [];
		for (let i = 0; i < 200; i++) pings.push((await timed(() => client.query('SELECT 1')))[1]);
		pings.sort((x, y) => x - y);
		// The WAL flush a commit waits for: one-row write transactions on a scratch table.
		await client.query(
			'CREATE TABLE IF NOT EXISTS agentos_graph_bench_commit (id int PRIMARY KEY, n int NOT NULL)',
		);
		const commits: number[] = [];
		for (let i = 0; i < 200; i++)
			commits.push(
				(
					await timed(() =>
						client.transaction((tx) =>
							tx.query(
								'INSERT INTO agentos_graph_bench_commit VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = agentos_graph_bench_commit.n + 1',
							),
						),
					)
				)[1],
			);
		await client.query('DROP TABLE agentos_graph_bench_commit');
		commits.sort((x, y) => x - y);
		episodeTimes.sort((x, y) => x - y);
		recallTimes.sort((x, y) => x - y);
		pathTimes.sort((x, y) => x - y);
		return {
			backend,
			entities: ENTITIES,
			relations: RELATIONS,
			upserts_per_s: round(ENTITIES / (upsertMs / 1000), 0),
			unbatched_upserts_per_s: round(UNBATCHED / (unbatchedMs / 1000), 0),
			relations_per_s: round(RELATIONS / (relateMs / 1000), 0),
			recall_2hop_p50_ms: round(percentile(recallTimes, 50)),
			recall_2hop_p95_ms: round(percentile(recallTimes, 95)),
			recall_2hop_mean_entities: round(sizes / RECALLS, 1),
			recall_truncated_share: round(truncated / RECALLS),
			path_p50_ms: round(percentile(pathTimes, 50)),
			path_p95_ms: round(percentile(pathTimes, 95)),
			paths_found_share: round(found / PATHS),
			extraction_overhead_ms: round(extractMs / EPISODES),
			extraction_p50_ms: round(percentile(episodeTimes, 50)),
			extraction_p95_ms: round(percentile(episodeTimes, 95)),
			extraction_statements_per_episode: round(
				(after.statements - before.statements) / EPISODES,
				1,
			),
			extraction_resolve_mean_ms: meanMs(before.resolve, after.resolve),
			extraction_record_mean_ms: meanMs(before.record, after.record),
			select1_p50_ms: round(percentile(pings, 50), 3),
			commit_p50_ms: round(percentile(commits, 50), 3),
		};
	} finally {
		await store.clear();
		await store.close();
	}
}

async function main() {
	console.log(
		`Consciousness Graph bench: ${ENTITIES} entities, ${RELATIONS} relations${FULL ? ' (full size)' : ''}; backends ${BACKENDS.join(', ')}`,
	);
	const results: Result[] = [];
	for (const backend of BACKENDS) {
		let client: SqlClient;
		try {
			client =
				backend === 'postgres'
					? await openClient({ kind: 'postgres', ...PG })
					: await openClient({ kind: 'pglite', dataDir: 'memory://' });
		} catch (err) {
			console.warn(`skipping ${backend}: ${(err as Error).message}`);
			continue;
		}
		try {
			console.log(`running on ${client.label} …`);
			results.push(await run(backend, client));
		} finally {
			await client.close();
		}
	}
	console.table(results);
	const pg = results.find((r) => r.backend === 'postgres') ?? results[0];
	const out = {
		upserts_per_s: pg?.upserts_per_s ?? null,
		recall_2hop_p50_ms: pg?.recall_2hop_p50_ms ?? null,
		path_p50_ms: pg?.path_p50_ms ?? null,
		extraction_overhead_ms: pg?.extraction_overhead_ms ?? null,
		headline_backend: pg?.backend ?? null,
		details: {
			results,
			node: process.version,
			full_size: FULL,
			command: 'node -r ./scripts/ts-register.js bench/graph/index.ts',
		},
	};
	const file = path.join(__dirname, '..', 'results', 'graph.json');
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(out, null, '\t') + '\n');
	console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
