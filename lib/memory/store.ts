import { createHash, randomUUID } from 'node:crypto';
import pgvector from 'pgvector';
import {
	ValidationError,
	ensureVectorExtension,
	migrate,
	noteChanges,
	openClient,
	pauseCounting,
	resumeCounting,
	statisticsRefreshed,
	type ConnectionConfig,
	type SqlClient,
} from '../db';
import type { SqlExecutor } from '../db';
import { HashingEmbedder, type Embedder } from './embedder';
import { memoryMetrics } from './metrics';
import {
	MEMORY_MIGRATIONS,
	assertCollectionNamesFree,
	createCollectionTable,
	createScopeStatistics,
	createSearchIndexes,
	createVectorIndex,
	dropSearchIndexes,
	distanceOperator,
	memoryTable,
	memoryTableName,
	vectorType,
	type CollectionSettings,
	type Metric,
} from './schema';
import { estimateRows } from './estimate';
import { compileFilter, type MetadataFilter } from './filter';
import { mmrSelect, recencyFactor, rrfScore, weightedScores } from './ranking';
import {
	LIMITS,
	assertCollectionName,
	assertMetadata,
	assertScopeValue,
	assertText,
	assertTopK,
	assertVector,
} from './validate';

/** Who a memory belongs to. Every read and write is confined to one scope. */
export interface Scope {
	namespace: string;
	userId?: string;
	agentId?: string;
	sessionId?: string;
}

export interface MemoryInput extends Partial<Scope> {
	/** Optional stable id; inserting the same id again updates that memory. */
	id?: string;
	text: string;
	metadata?: Record<string, unknown>;
	/** Seconds until the memory expires; omitted means it never does. */
	ttlSeconds?: number;
	/** A ready embedding of the text (skips the embeddings model for this item). */
	vector?: number[];
}

export interface InsertResult {
	id: string;
	/** false when the same content already existed in this scope (idempotent insert). */
	created: boolean;
}

/**
 * Which memories a read may see. `exact` (default): the given namespace,
 * user, agent and session, where an empty id means "none". `all-sessions`:
 * every session of that user and agent. `namespace`: the whole namespace.
 */
export type ScopeMode = 'exact' | 'all-sessions' | 'namespace';

export type SearchMode = 'vector' | 'text' | 'hybrid';

export interface SearchOptions extends Scope {
	/** The query text; for mode "vector" a ready `vector` may be given instead. */
	query?: string;
	/** A query embedding (skips the embeddings model); vector and hybrid modes. */
	vector?: number[];
	topK?: number;
	/** vector (default), text (PostgreSQL full text) or hybrid (both, fused). */
	mode?: SearchMode;
	/** Hybrid fusion: reciprocal-rank fusion (default) or weighted normalised scores. */
	fusion?: 'rrf' | 'weighted';
	/** The RRF constant k (default 60): larger flattens the rank curve. */
	rrfK?: number;
	/** Weighted fusion: share of the vector score, 0-1 (default 0.5). */
	vectorWeight?: number;
	/** Metadata filter; see compileFilter for the operators. */
	filter?: MetadataFilter;
	scope?: ScopeMode;
	/** HNSW search breadth; higher is more accurate and slower. */
	efSearch?: number;
	/** IVFFlat lists probed per search (default 10). */
	probes?: number;
	/** MMR diversification: 1 = pure relevance, 0 = pure diversity. Off when undefined. */
	mmrLambda?: number;
	/** Recency decay: a memory's score halves every this many seconds since its last update. */
	halfLifeSeconds?: number;
	/** Drops results whose final score is below this. */
	minScore?: number;
	/**
	 * Scan exactly instead of using the vector index when scope and filter
	 * match at most this many memories (the planner's estimate). Default 1,000,
	 * and also whenever they are under 3 % of the collection, where a filtered
	 * index walk finds too few of them; 0 always uses the index. Either way,
	 * when the index yields fewer than the requested rows, an exact scan
	 * completes the result.
	 */
	exactScanThreshold?: number;
}

export interface MemoryRecord {
	id: string;
	text: string;
	metadata: Record<string, unknown>;
	namespace: string;
	userId: string;
	agentId: string;
	sessionId: string;
	createdAt: string;
	updatedAt: string;
	expiresAt: string | null;
}

export interface SearchHit extends MemoryRecord {
	/** The score results are ordered by: similarity (vector), text rank (text) or fused score (hybrid), after recency decay. */
	score: number;
	/** Cosine similarity (1 = same direction) for cosine collections; negated distance otherwise. */
	vectorScore?: number;
	/** Full-text rank (ts_rank_cd); 0 when the words do not match. */
	textScore?: number;
	/** Hybrid: 1-based position after fusion, before decay and MMR. */
	fusedRank?: number;
	/** Hybrid: the fused score (RRF sum or weighted score). */
	fusedScore?: number;
	/** Recency decay applied to the score, when a half-life is set. */
	recencyFactor?: number;
}

export interface UpsertOptions extends CollectionOptions {
	/** Near-duplicate detection: a memory this similar (0-1, cosine) in the same scope counts as a duplicate. */
	dedupThreshold?: number;
	/** What to do with a near-duplicate: skip the new one (default), merge into the old one, or keep both. */
	onDuplicate?: 'skip' | 'merge' | 'keep';
}

export interface UpsertResult extends InsertResult {
	action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'merged';
	/** For skipped / merged / kept near-duplicates: the memory it matched and how closely. */
	duplicateOf?: string;
	similarity?: number;
}

export interface ByIdScope extends Partial<Scope> {
	namespace: string;
}

export interface MemoryPatch extends ByIdScope {
	id: string;
	/** New text: the memory is re-embedded when it differs. */
	text?: string;
	metadata?: Record<string, unknown>;
	/** Merge the metadata into the old (default false: replace it). */
	mergeMetadata?: boolean;
	/** New TTL in seconds; null removes the expiry. */
	ttlSeconds?: number | null;
}

export interface UpdateResult {
	id: string;
	found: boolean;
	reembedded: boolean;
}

export interface DeleteOptions extends Partial<Scope> {
	namespace: string;
	ids?: string[];
	filter?: MetadataFilter;
	scope?: ScopeMode;
	/** Required to delete every memory of the scope without ids or filter. */
	all?: boolean;
}

export interface DeleteResult {
	deleted: number;
	deletedIds: string[];
	/** Requested ids that did not exist in the scope (reported, not an error). */
	missingIds: string[];
}

export interface ListOptions extends Scope {
	filter?: MetadataFilter;
	scope?: ScopeMode;
	orderBy?: 'created_at' | 'updated_at';
	direction?: 'asc' | 'desc';
	limit?: number;
	/** The `nextCursor` of the previous page. */
	cursor?: string;
}

export interface ListPage {
	items: MemoryRecord[];
	/** Pass as `cursor` for the next page; null on the last page. */
	nextCursor: string | null;
}

export interface CollectionOptions {
	metric?: Metric;
	indexType?: CollectionSettings['indexType'];
	language?: string;
	hnsw?: CollectionSettings['hnsw'];
	ivfflat?: CollectionSettings['ivfflat'];
}

export interface MemoryStoreOptions {
	/** Embeddings model; the built-in lexical HashingEmbedder when omitted. */
	embedder?: Embedder;
	/** A name recorded with each collection, so a different model is caught. */
	embedderName?: string;
	maxTextLength?: number;
}

const EMBEDDER_BUILTIN = HashingEmbedder.MODEL;
/** Rows per INSERT statement: 10 parameters each stays far below PostgreSQL's 65,535. */
const INSERT_CHUNK = 500;

interface CollectionRow {
	name: string;
	dimension: number;
	metric: Metric;
	index_type: CollectionSettings['indexType'];
	language: string;
	embedder: string;
}

export function contentHash(text: string): string {
	return createHash('sha256').update(text.normalize('NFC')).digest('hex');
}

/**
 * Long-term memory on PostgreSQL + pgvector (or embedded PGlite): one table
 * per collection with a fixed dimension and an HNSW index, scoped rows,
 * idempotent inserts by content hash, batched writes in one transaction.
 */
export class MemoryStore {
	private readonly embedder: Embedder;
	private readonly embedderName: string;
	private readonly maxTextLength: number;
	private collections = new Map<string, CollectionRow>();

	private constructor(
		readonly client: SqlClient,
		options: MemoryStoreOptions,
	) {
		this.embedder = options.embedder ?? new HashingEmbedder();
		this.embedderName = options.embedder ? (options.embedderName ?? 'external') : EMBEDDER_BUILTIN;
		this.maxTextLength = options.maxTextLength ?? LIMITS.maxTextLength;
	}

	static async open(
		connection: ConnectionConfig,
		options: MemoryStoreOptions = {},
	): Promise<MemoryStore> {
		const client = await openClient(connection);
		try {
			return await MemoryStore.attach(client, options);
		} catch (err) {
			await client.close();
			throw err;
		}
	}

	/** Uses an already open client (which the caller keeps and closes). */
	static async attach(client: SqlClient, options: MemoryStoreOptions = {}): Promise<MemoryStore> {
		await ensureVectorExtension(client);
		await migrate(client, 'memory', MEMORY_MIGRATIONS);
		return new MemoryStore(client, options);
	}

	async close(): Promise<void> {
		await this.client.close();
	}

	/** The collection's settings, or undefined when it does not exist. */
	async getCollection(name: string): Promise<CollectionRow | undefined> {
		assertCollectionName(name);
		const cached = this.collections.get(name);
		if (cached) return cached;
		const { rows } = await this.client.query<CollectionRow>(
			'SELECT name, dimension, metric, index_type, language, embedder FROM agentos_memory_collections WHERE name = $1',
			[name],
		);
		if (rows[0]) this.collections.set(name, rows[0]);
		return rows[0];
	}

	private async requireCollection(name: string): Promise<CollectionRow> {
		const c = await this.getCollection(name);
		if (!c) {
			throw new ValidationError(
				`Collection "${name}" does not exist`,
				'Insert a memory into it first (that creates it), or check the collection name for typos.',
			);
		}
		this.checkEmbedder(c);
		return c;
	}

	private checkEmbedder(c: CollectionRow): void {
		const builtinNow = this.embedderName === EMBEDDER_BUILTIN;
		const builtinThen = c.embedder === EMBEDDER_BUILTIN;
		if (builtinNow !== builtinThen) {
			throw new ValidationError(
				`Collection "${c.name}" was built with ${builtinThen ? 'the built-in lexical embedder' : 'a connected embeddings model'}, but this node ${builtinNow ? 'has no embeddings model connected' : 'has an embeddings model connected'}`,
				builtinThen
					? 'Disconnect the embeddings sub-node, or store into a new collection.'
					: 'Connect the same embeddings sub-node that filled this collection.',
			);
		}
	}

	/** Creates the collection (idempotently) with the given dimension. */
	async ensureCollection(
		name: string,
		dimension: number,
		options: CollectionOptions = {},
	): Promise<CollectionRow> {
		assertCollectionName(name);
		const existing = await this.getCollection(name);
		if (existing) {
			this.checkEmbedder(existing);
			return existing;
		}
		const settings: CollectionSettings = {
			dimension,
			metric: options.metric ?? 'cosine',
			indexType: options.indexType ?? 'hnsw',
			language: options.language ?? 'simple',
			embedder: this.embedderName,
			hnsw: options.hnsw,
			ivfflat: options.ivfflat,
		};
		validateSettings(settings);
		await this.client.transaction(async (tx) => {
			// Two writers creating the same collection: the lock makes the second see the first's row.
			await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`agent-os:collection:${name}`]);
			const again = await tx.query('SELECT 1 FROM agentos_memory_collections WHERE name = $1', [
				name,
			]);
			if (again.rows.length) return;
			await assertCollectionNamesFree(tx, name);
			await createCollectionTable(tx, name, settings);
			await tx.query(
				`INSERT INTO agentos_memory_collections (name, dimension, metric, index_type, language, embedder, settings)
				 VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
				[
					name,
					settings.dimension,
					settings.metric,
					settings.indexType,
					settings.language,
					settings.embedder,
					JSON.stringify({ hnsw: settings.hnsw ?? null, ivfflat: settings.ivfflat ?? null }),
				],
			);
		});
		this.collections.delete(name);
		return (await this.getCollection(name)) as CollectionRow;
	}

	/**
	 * Inserts memories in one transaction: either all are stored or none.
	 * The same content in the same scope is stored once (the existing id is
	 * returned with created=false); an explicit id updates that memory.
	 */
	async insert(
		collection: string,
		items: MemoryInput[],
		options: CollectionOptions = {},
	): Promise<InsertResult[]> {
		assertCollectionName(collection);
		if (items.length === 0) return [];
		if (items.length > LIMITS.maxBatch) {
			throw new ValidationError(
				`A batch holds at most ${LIMITS.maxBatch} memories, got ${items.length}`,
				'Split the input into smaller batches.',
			);
		}
		const stopTimer = memoryMetrics.seconds.startTimer({ operation: 'insert' });
		const rows = items.map((item, index) =>
			normaliseInput(item, items.length > 1 ? index : undefined, this.maxTextLength),
		);
		const vectors = await this.embedRows(items, rows);
		const c = await this.ensureCollection(collection, vectors[0]?.length ?? 0, options);
		vectors.forEach((v, i) => assertVector(v, c.dimension, `embedding of item ${i}`));

		const table = memoryTable(collection);
		const type = vectorType(c.dimension);
		// One row per scope and content: repeats inside the batch share the first one's row.
		const keyOf = (r: (typeof rows)[number]) =>
			[r.namespace, r.userId, r.agentId, r.sessionId, contentHash(r.text)].join('\u0000');
		const firstIndex = new Map<string, number>();
		rows.forEach((r, i) => {
			if (!firstIndex.has(keyOf(r))) firstIndex.set(keyOf(r), i);
		});
		const unique = [...firstIndex.values()];
		const defaultTtl = await this.namespaceTtls(collection);
		try {
			const stored = await this.client
				.transaction(async (tx) => {
					const byKey = new Map<string, InsertResult>();
					for (let start = 0; start < unique.length; start += INSERT_CHUNK) {
						const chunk = unique.slice(start, start + INSERT_CHUNK);
						const params: unknown[] = [];
						const values = chunk.map((i) => {
							const r = rows[i];
							const p = params.length;
							params.push(
								r.id,
								r.namespace,
								r.userId,
								r.agentId,
								r.sessionId,
								r.text,
								contentHash(r.text),
								JSON.stringify(r.metadata),
								pgvector.toSql(vectors[i]),
								r.ttlSeconds ?? defaultTtl.get(r.namespace) ?? null,
							);
							const $ = (k: number) => `$${p + k}`;
							return `(${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, ${$(5)}, ${$(6)}, ${$(7)}, ${$(8)}::jsonb, ${$(9)}::${type}, CASE WHEN ${$(10)}::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => ${$(10)}::float8) END)`;
						});
						const { rows: res } = await tx.query<{
							id: string;
							created: boolean;
							namespace: string;
							user_id: string;
							agent_id: string;
							session_id: string;
							content_hash: string;
						}>(
							`INSERT INTO ${table} AS m (id, namespace, user_id, agent_id, session_id, content, content_hash, metadata, embedding, expires_at)
						 VALUES ${values.join(', ')}
						 ON CONFLICT (namespace, user_id, agent_id, session_id, content_hash)
						 DO UPDATE SET metadata = m.metadata || EXCLUDED.metadata, updated_at = now(),
						   expires_at = COALESCE(EXCLUDED.expires_at, m.expires_at)
						 RETURNING id, (xmax = 0) AS created, namespace, user_id, agent_id, session_id, content_hash`,
							params,
						);
						for (const row of res) {
							const key = [
								row.namespace,
								row.user_id,
								row.agent_id,
								row.session_id,
								row.content_hash,
							].join('\u0000');
							byKey.set(key, { id: row.id, created: Boolean(row.created) });
						}
					}
					return byKey;
				})
				.catch((err: Error & { code?: string; constraint?: string }) => {
					if (err.code === '23505') {
						throw new ValidationError(
							'A memory with one of these ids already exists with different content',
							'Leave the id empty to let the store assign one, or update that memory instead of inserting it.',
						);
					}
					throw err;
				});
			const results = rows.map((r, i) => {
				const res = stored.get(keyOf(r)) as InsertResult;
				// A repeat inside this batch did not create anything itself.
				return firstIndex.get(keyOf(r)) === i ? res : { id: res.id, created: false };
			});
			memoryMetrics.operations.inc({ operation: 'insert', status: 'ok' }, results.length);
			await this.refreshStatistics(collection, unique.length);
			return results;
		} catch (err) {
			memoryMetrics.operations.inc({ operation: 'insert', status: 'error' });
			throw err;
		} finally {
			stopTimer();
		}
	}

	/**
	 * Loads many memories fast: drops the collection's vector, full-text and
	 * metadata indexes, runs `load` (which calls insert), then builds them once
	 * over all rows — far cheaper than maintaining an HNSW graph row by row.
	 * Searches during the load scan exactly. The indexes are rebuilt even when
	 * `load` fails.
	 */
	async bulkLoad<T>(
		collection: string,
		dimension: number,
		load: () => Promise<T>,
		options: CollectionOptions & { maintenanceWorkMem?: string } = {},
	): Promise<T> {
		const c = await this.ensureCollection(collection, dimension, options);
		const { rows } = await this.client.query<{ settings: CollectionSettings }>(
			'SELECT settings FROM agentos_memory_collections WHERE name = $1',
			[c.name],
		);
		const settings = rows[0]?.settings ?? {};
		await this.client.transaction((tx) => dropSearchIndexes(tx, c.name));
		const tables = [memoryTableName(c.name)];
		pauseCounting(this.client, tables);
		try {
			return await load();
		} finally {
			resumeCounting(this.client, tables);
			await this.timed('buildIndex', () =>
				this.client.transaction(async (tx) => {
					const mem = options.maintenanceWorkMem ?? '256MB';
					await tx.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [mem]);
					await createVectorIndex(tx, c.name, {
						dimension: c.dimension,
						metric: c.metric,
						indexType: c.index_type,
						hnsw: settings.hnsw ?? undefined,
						ivfflat: settings.ivfflat ?? undefined,
					});
					await createSearchIndexes(tx, c.name);
				}),
			);
			// Fresh statistics for the scan choice of the first searches.
			await this.analyze(c.name);
		}
	}

	/**
	 * PGlite runs no autovacuum, so nothing else refreshes the planner
	 * statistics that a search's scan choice relies on: after writes, the
	 * store analyzes the collection itself by autovacuum's default rule (see
	 * lib/db/statistics). On PostgreSQL, autovacuum does this.
	 */
	private refreshStatistics(collection: string, changed: number): Promise<void> {
		return noteChanges(this.client, [memoryTableName(collection)], changed, () =>
			this.analyze(collection),
		);
	}

	/** ANALYZE of the columns searches filter on; resets the change count. */
	private async analyze(collection: string): Promise<void> {
		const table = memoryTable(collection);
		await this.timed('analyze', async () => {
			await createScopeStatistics(this.client, collection);
			await this.client.query(
				`ANALYZE ${table} (namespace, user_id, agent_id, session_id, metadata, expires_at)`,
			);
		});
		for (const key of scanPlanCache.keys()) {
			if (key.startsWith(`${this.client.label}|${table}|`)) scanPlanCache.delete(key);
		}
		await statisticsRefreshed(this.client, [memoryTableName(collection)]);
	}

	/** Embeddings for the items: the ones they carry, the model's for the rest. */
	private async embedRows(
		items: MemoryInput[],
		rows: Array<{ text: string }>,
	): Promise<number[][]> {
		const missing = items.map((it, i) => (it.vector ? -1 : i)).filter((i) => i >= 0);
		const made = missing.length
			? await this.embedder.embedDocuments(missing.map((i) => rows[i].text))
			: [];
		if (made.length !== missing.length)
			throw new Error('The embeddings model returned a different number of vectors than texts');
		const out = items.map((it) => it.vector as number[]);
		missing.forEach((i, k) => (out[i] = made[k]));
		return out;
	}

	/** Namespace default TTLs of a collection (seconds), applied to memories stored without one. */
	private async namespaceTtls(collection: string): Promise<Map<string, number>> {
		const { rows } = await this.client.query<{ namespace: string; ttl_seconds: number }>(
			'SELECT namespace, ttl_seconds FROM agentos_memory_namespace_ttl WHERE collection = $1',
			[collection],
		);
		return new Map(rows.map((r) => [r.namespace, Number(r.ttl_seconds)]));
	}

	/** Sets (or with null clears) the default TTL of a namespace in a collection. */
	async setNamespaceTtl(collection: string, namespace: string, ttlSeconds: number | null) {
		assertCollectionName(collection);
		assertScopeValue(namespace, 'namespace');
		return this.timed('setNamespaceTtl', async () => {
			if (ttlSeconds === null) {
				await this.client.query(
					'DELETE FROM agentos_memory_namespace_ttl WHERE collection = $1 AND namespace = $2',
					[collection, namespace],
				);
				return;
			}
			assertTtl(ttlSeconds);
			await this.client.query(
				`INSERT INTO agentos_memory_namespace_ttl (collection, namespace, ttl_seconds) VALUES ($1, $2, $3)
				 ON CONFLICT (collection, namespace) DO UPDATE SET ttl_seconds = EXCLUDED.ttl_seconds`,
				[collection, namespace, ttlSeconds],
			);
		});
	}

	/** Runs an operation with its latency histogram and outcome counter. */
	private async timed<T>(operation: string, fn: () => Promise<T>, count = 1): Promise<T> {
		const stop = memoryMetrics.seconds.startTimer({ operation });
		try {
			const result = await fn();
			memoryMetrics.operations.inc({ operation, status: 'ok' }, count);
			return result;
		} catch (err) {
			memoryMetrics.operations.inc({ operation, status: 'error' });
			throw err;
		} finally {
			stop();
		}
	}

	/**
	 * Inserts or updates memories in one transaction. An item with an id
	 * replaces that memory's text and metadata (re-embedded when the text
	 * changed). Without an id, the same text in the same scope is stored once;
	 * with `dedupThreshold`, a memory at least that similar is a near-duplicate
	 * and is skipped, merged into (metadata merged, timestamps and TTL
	 * refreshed) or kept beside, as `onDuplicate` says.
	 */
	async upsert(
		collection: string,
		items: MemoryInput[],
		options: UpsertOptions = {},
	): Promise<UpsertResult[]> {
		assertCollectionName(collection);
		if (items.length === 0) return [];
		if (items.length > LIMITS.maxBatch) {
			throw new ValidationError(
				`A batch holds at most ${LIMITS.maxBatch} memories, got ${items.length}`,
				'Split the input into smaller batches.',
			);
		}
		const threshold = options.dedupThreshold;
		if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) {
			throw new ValidationError(
				`The duplicate threshold must be above 0 and at most 1, got ${threshold}`,
				'0.95 treats near-identical texts as duplicates.',
			);
		}
		const onDuplicate = options.onDuplicate ?? 'skip';
		if (!['skip', 'merge', 'keep'].includes(onDuplicate)) {
			throw new ValidationError(
				`Unknown duplicate handling "${onDuplicate}"`,
				'Use skip, merge or keep.',
			);
		}
		const results = await this.timed(
			'upsert',
			async () => {
				const rows = items.map((item, index) =>
					normaliseInput(item, items.length > 1 ? index : undefined, this.maxTextLength),
				);
				const vectors = await this.embedRows(items, rows);
				const c = await this.ensureCollection(collection, vectors[0]?.length ?? 0, options);
				vectors.forEach((v, i) => assertVector(v, c.dimension, `embedding of item ${i}`));
				const defaultTtl = await this.namespaceTtls(collection);
				const table = memoryTable(collection);
				const type = vectorType(c.dimension);
				const op = distanceOperator(c.metric);
				return this.client
					.transaction(async (tx) => {
						// Writers of one collection queue here, so near-duplicate checks see each other.
						await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
							`agent-os:memory:${collection}`,
						]);
						const out: UpsertResult[] = [];
						const scanState: ScanSettingsState = {};
						for (let i = 0; i < rows.length; i++) {
							const r = rows[i];
							const hash = contentHash(r.text);
							const vec = pgvector.toSql(vectors[i]);
							const ttl = r.ttlSeconds ?? defaultTtl.get(r.namespace) ?? null;
							const scopeParams = [r.namespace, r.userId, r.agentId, r.sessionId];
							if (items[i].id !== undefined) {
								const { rows: old } = await tx.query<{ namespace: string; content_hash: string }>(
									`SELECT namespace, content_hash FROM ${table} WHERE id = $1`,
									[r.id],
								);
								if (old[0]) {
									if (old[0].namespace !== r.namespace) {
										throw new ValidationError(
											`Memory "${r.id}" belongs to another namespace`,
											'Use the namespace the memory was stored in, or a different id.',
										);
									}
									const changed = old[0].content_hash !== hash;
									await tx.query(
										`UPDATE ${table} SET user_id = $2, agent_id = $3, session_id = $4, content = $5,
										   content_hash = $6, metadata = $7::jsonb, updated_at = now(),
										   embedding = CASE WHEN $9 THEN $8::${type} ELSE embedding END,
										   expires_at = CASE WHEN $10::float8 IS NULL THEN expires_at ELSE now() + make_interval(secs => $10::float8) END
										 WHERE id = $1`,
										[
											r.id,
											r.userId,
											r.agentId,
											r.sessionId,
											r.text,
											hash,
											JSON.stringify(r.metadata),
											vec,
											changed,
											ttl,
										],
									);
									out.push({ id: r.id, created: false, action: 'updated' });
									continue;
								}
							}
							const { rows: same } = await tx.query<{ id: string }>(
								`SELECT id FROM ${table} WHERE namespace = $1 AND user_id = $2 AND agent_id = $3
								   AND session_id = $4 AND content_hash = $5`,
								[...scopeParams, hash],
							);
							if (same[0]) {
								if (items[i].id !== undefined && same[0].id !== r.id) {
									throw new ValidationError(
										`The text of memory "${r.id}" is already stored in this scope as "${same[0].id}"`,
										`Update "${same[0].id}" instead, or leave the id empty.`,
									);
								}
								await this.mergeInto(tx, table, same[0].id, r.metadata, ttl);
								out.push({ id: same[0].id, created: false, action: 'unchanged' });
								continue;
							}
							let duplicate: { id: string; similarity: number } | undefined;
							if (threshold !== undefined) {
								// The scan a search of this scope would use: a plain index walk can end on
								// other scopes' memories and miss the scope's nearest one.
								const q = new Params();
								const where = `${scopeSql(r, 'exact', q)} AND ${LIVE}`;
								const p = q.clone();
								const { rows: near } = await this.nearest(
									tx,
									c,
									{ table, where, params: q.values },
									{
										sql: `SELECT id, embedding ${op} ${p.add(vec)}::${type} AS distance FROM ${table}
										       WHERE ${where} ORDER BY distance LIMIT 1`,
										params: p.values,
										limit: 1,
									},
									{},
									scanState,
								);
								const sim = near[0] ? similarity(near[0].distance, c.metric) : -Infinity;
								if (near[0] && sim >= threshold) {
									duplicate = { id: String(near[0].id), similarity: round(sim) };
								}
							}
							if (duplicate && onDuplicate === 'skip') {
								out.push({
									id: duplicate.id,
									created: false,
									action: 'skipped',
									duplicateOf: duplicate.id,
									similarity: duplicate.similarity,
								});
								continue;
							}
							if (duplicate && onDuplicate === 'merge') {
								await this.mergeInto(tx, table, duplicate.id, r.metadata, ttl);
								out.push({
									id: duplicate.id,
									created: false,
									action: 'merged',
									duplicateOf: duplicate.id,
									similarity: duplicate.similarity,
								});
								continue;
							}
							await tx.query(
								`INSERT INTO ${table} (id, namespace, user_id, agent_id, session_id, content, content_hash, metadata, embedding, expires_at)
								 VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::${type},
								   CASE WHEN $10::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $10::float8) END)`,
								[r.id, ...scopeParams, r.text, hash, JSON.stringify(r.metadata), vec, ttl],
							);
							out.push({
								id: r.id,
								created: true,
								action: 'created',
								...(duplicate
									? { duplicateOf: duplicate.id, similarity: duplicate.similarity }
									: {}),
							});
						}
						return out;
					})
					.catch((err: Error & { code?: string }) => {
						if (err.code === '23505') {
							throw new ValidationError(
								'A memory with one of these ids already exists in another scope or with other content',
								'Leave the id empty to let the store assign one, or update that memory instead.',
							);
						}
						throw err;
					});
			},
			items.length,
		);
		await this.refreshStatistics(collection, results.filter((r) => r.action !== 'skipped').length);
		return results;
	}

	private async mergeInto(
		tx: SqlExecutor,
		table: string,
		id: string,
		metadata: Record<string, unknown>,
		ttl: number | null,
	): Promise<void> {
		await tx.query(
			`UPDATE ${table} SET metadata = metadata || $2::jsonb, updated_at = now(),
			   expires_at = CASE WHEN $3::float8 IS NULL THEN expires_at ELSE now() + make_interval(secs => $3::float8) END
			 WHERE id = $1`,
			[id, JSON.stringify(metadata), ttl],
		);
	}

	/** Memories by id, confined to the namespace (and user/agent/session when given). */
	async get(
		collection: string,
		ids: string[],
		scope: ByIdScope,
	): Promise<{ items: MemoryRecord[]; missingIds: string[] }> {
		const c = await this.requireCollection(collection);
		assertIds(ids);
		return this.timed('get', async () => {
			const q = new Params();
			const where = `id = ANY(${q.add(ids)}::text[]) AND ${scopeSql(byIdScope(scope), 'given', q)}`;
			const { rows } = await this.client.query<Record<string, unknown>>(
				`SELECT ${COLUMNS} FROM ${memoryTable(c.name)} WHERE ${where} AND ${LIVE}`,
				q.values,
			);
			const byId = new Map(rows.map((r) => [String(r.id), toRecord(r)]));
			return {
				items: ids.filter((id) => byId.has(id)).map((id) => byId.get(id) as MemoryRecord),
				missingIds: ids.filter((id) => !byId.has(id)),
			};
		});
	}

	/** One page of memories in a scope, ordered by creation or update time, with a cursor. */
	async list(collection: string, options: ListOptions): Promise<ListPage> {
		const c = await this.requireCollection(collection);
		const limit = options.limit ?? 50;
		assertTopK(limit);
		const orderBy = options.orderBy ?? 'created_at';
		const direction = options.direction ?? 'desc';
		if (!['created_at', 'updated_at'].includes(orderBy) || !['asc', 'desc'].includes(direction)) {
			throw new ValidationError(
				`Cannot order by ${orderBy} ${direction}`,
				'Order by created_at or updated_at, asc or desc.',
			);
		}
		const scope = normaliseScope(options);
		return this.timed('list', async () => {
			const q = new Params();
			const parts = [
				scopeSql(scope, options.scope ?? 'exact', q),
				LIVE,
				filterSql(options.filter, q),
			];
			if (options.cursor) {
				const cur = decodeCursor(options.cursor);
				parts.push(
					`(${orderBy}, id) ${direction === 'asc' ? '>' : '<'} ('epoch'::timestamptz + ${q.add(cur.t)}::bigint * interval '1 microsecond', ${q.add(cur.id)}::text)`,
				);
			}
			const { rows } = await this.client.query<Record<string, unknown>>(
				`SELECT ${COLUMNS}, (extract(epoch FROM ${orderBy}) * 1000000)::bigint::text AS cursor_t
				   FROM ${memoryTable(c.name)} WHERE ${parts.join(' AND ')}
				  ORDER BY ${orderBy} ${direction}, id ${direction} LIMIT ${q.add(limit + 1)}`,
				q.values,
			);
			const page = rows.slice(0, limit);
			const last = page[page.length - 1];
			return {
				items: page.map(toRecord),
				nextCursor:
					rows.length > limit && last
						? Buffer.from(JSON.stringify({ t: last.cursor_t, id: last.id })).toString('base64url')
						: null,
			};
		});
	}

	/** Updates memories by id in one transaction; a changed text is re-embedded. Unknown ids are reported. */
	async update(collection: string, patches: MemoryPatch[]): Promise<UpdateResult[]> {
		const c = await this.requireCollection(collection);
		if (patches.length > LIMITS.maxBatch) {
			throw new ValidationError(
				`A batch holds at most ${LIMITS.maxBatch} updates, got ${patches.length}`,
				'Split the input into smaller batches.',
			);
		}
		patches.forEach((p, i) => {
			const where = patches.length > 1 ? `Batch item ${i}: ` : '';
			try {
				assertScopeValue(p.id, 'id');
				byIdScope(p);
				if (p.text !== undefined) assertText(p.text, 'text', this.maxTextLength);
				if (p.metadata !== undefined) assertMetadata(p.metadata);
				if (p.ttlSeconds !== undefined && p.ttlSeconds !== null) assertTtl(p.ttlSeconds);
			} catch (err) {
				if (err instanceof ValidationError) err.message = where + err.message;
				throw err;
			}
		});
		const results = await this.timed(
			'update',
			async () => {
				const table = memoryTable(c.name);
				const type = vectorType(c.dimension);
				const { rows: existing } = await this.client.query<{ id: string; content_hash: string }>(
					`SELECT id, content_hash FROM ${table} WHERE id = ANY($1::text[])`,
					[patches.map((p) => p.id)],
				);
				const oldHash = new Map(existing.map((r) => [r.id, r.content_hash]));
				const toEmbed = patches.filter(
					(p) =>
						p.text !== undefined && oldHash.has(p.id) && oldHash.get(p.id) !== contentHash(p.text),
				);
				const vectors = toEmbed.length
					? await this.embedder.embedDocuments(toEmbed.map((p) => p.text as string))
					: [];
				vectors.forEach((v, i) => assertVector(v, c.dimension, `embedding of item ${i}`));
				const vectorOf = new Map(toEmbed.map((p, i) => [p, vectors[i]]));
				return this.client
					.transaction(async (tx) => {
						const out: UpdateResult[] = [];
						for (const p of patches) {
							const q = new Params();
							const sets = ['updated_at = now()'];
							if (p.text !== undefined) {
								sets.push(
									`content = ${q.add(p.text)}`,
									`content_hash = ${q.add(contentHash(p.text))}`,
								);
							}
							const v = vectorOf.get(p);
							if (v) sets.push(`embedding = ${q.add(pgvector.toSql(v))}::${type}`);
							if (p.metadata !== undefined) {
								const m = `${q.add(JSON.stringify(p.metadata))}::jsonb`;
								sets.push(`metadata = ${p.mergeMetadata ? `metadata || ${m}` : m}`);
							}
							if (p.ttlSeconds === null) sets.push('expires_at = NULL');
							else if (p.ttlSeconds !== undefined)
								sets.push(
									`expires_at = now() + make_interval(secs => ${q.add(p.ttlSeconds)}::float8)`,
								);
							const where = `id = ${q.add(p.id)} AND ${scopeSql(byIdScope(p), 'given', q)}`;
							const res = await tx.query(
								`UPDATE ${table} SET ${sets.join(', ')} WHERE ${where}`,
								q.values,
							);
							out.push({ id: p.id, found: res.rowCount > 0, reembedded: res.rowCount > 0 && !!v });
						}
						return out;
					})
					.catch((err: Error & { code?: string }) => {
						if (err.code === '23505') {
							throw new ValidationError(
								'An update would give a memory the same text as another memory in its scope',
								'Delete one of the two, or change the text.',
							);
						}
						throw err;
					});
			},
			patches.length,
		);
		await this.refreshStatistics(c.name, results.filter((r) => r.found).length);
		return results;
	}

	/** Deletes by ids or by filter within a scope; returns the count and the ids that were not there. */
	async delete(collection: string, options: DeleteOptions): Promise<DeleteResult> {
		const c = await this.requireCollection(collection);
		const hasFilter = options.filter !== undefined && Object.keys(options.filter).length > 0;
		if (options.ids === undefined && !hasFilter && !options.all) {
			throw new ValidationError(
				'Delete needs ids, a metadata filter, or "all"',
				'Give the ids to delete, a filter such as {"source": "import"}, or set "all" to empty the whole scope.',
			);
		}
		if (options.ids !== undefined) assertIds(options.ids);
		return this.timed('delete', async () => {
			const q = new Params();
			const parts: string[] = [];
			if (options.ids !== undefined) {
				parts.push(
					`id = ANY(${q.add(options.ids)}::text[])`,
					scopeSql(byIdScope(options), 'given', q),
				);
			} else {
				parts.push(scopeSql(normaliseScope(options), options.scope ?? 'exact', q));
			}
			if (hasFilter) parts.push(filterSql(options.filter, q));
			const { rows } = await this.client.query<{ id: string }>(
				`DELETE FROM ${memoryTable(c.name)} WHERE ${parts.join(' AND ')} RETURNING id`,
				q.values,
			);
			const deletedIds = rows.map((r) => r.id);
			await this.refreshStatistics(c.name, deletedIds.length);
			const gone = new Set(deletedIds);
			return {
				deleted: deletedIds.length,
				deletedIds,
				missingIds: (options.ids ?? []).filter((id) => !gone.has(id)),
			};
		});
	}

	/**
	 * Deletes memories whose TTL ran out: their own expiry, or for memories
	 * without one, the namespace default counted from their last update.
	 */
	async forgetExpired(collection: string, options: { namespace?: string } = {}) {
		const c = await this.requireCollection(collection);
		if (options.namespace !== undefined) assertScopeValue(options.namespace, 'namespace');
		return this.timed('forgetExpired', async () => {
			const { rowCount } = await this.client.query(
				`DELETE FROM ${memoryTable(c.name)} m
				  WHERE ($2::text IS NULL OR m.namespace = $2)
				    AND ((m.expires_at IS NOT NULL AND m.expires_at <= now())
				     OR (m.expires_at IS NULL AND EXISTS (
				           SELECT 1 FROM agentos_memory_namespace_ttl d
				            WHERE d.collection = $1 AND d.namespace = m.namespace
				              AND m.updated_at + make_interval(secs => d.ttl_seconds) <= now())))`,
				[c.name, options.namespace ?? null],
			);
			await this.refreshStatistics(c.name, rowCount);
			return { deleted: rowCount };
		});
	}

	/** How the last search read the vectors: through the index or by an exact scan. */
	lastSearchStrategy: 'index' | 'exact' | 'text' = 'index';

	/**
	 * Top-k memories for a query in one scope, best first: by vector
	 * similarity, full-text rank, or both fused (RRF or weighted); then
	 * recency decay, minimum score and MMR diversification when asked.
	 */
	async search(collection: string, options: SearchOptions): Promise<SearchHit[]> {
		const topK = options.topK ?? 5;
		assertTopK(topK);
		const mode = options.mode ?? 'vector';
		if (!['vector', 'text', 'hybrid'].includes(mode)) {
			throw new ValidationError(`Unknown search mode "${mode}"`, 'Use vector, text or hybrid.');
		}
		if (!(mode === 'vector' && options.vector && options.query === undefined)) {
			assertText(options.query, 'search query', this.maxTextLength);
		}
		const scope = normaliseScope(options);
		if (options.filter !== undefined) assertMetadata(options.filter, 'metadata filter');
		if (options.mmrLambda !== undefined && !(options.mmrLambda >= 0 && options.mmrLambda <= 1)) {
			throw new ValidationError(
				`MMR lambda must be 0-1, got ${options.mmrLambda}`,
				'0.5 balances relevance and diversity.',
			);
		}
		if (options.halfLifeSeconds !== undefined && !(options.halfLifeSeconds > 0)) {
			throw new ValidationError(
				`The recency half-life must be a positive number of seconds, got ${options.halfLifeSeconds}`,
				'For example 604800 (a week).',
			);
		}
		const c = await this.requireCollection(collection);
		return this.timed('search', async () => {
			const wantsVector = mode !== 'text' || options.mmrLambda !== undefined;
			const vector = wantsVector
				? (options.vector ?? (await this.embedder.embedQuery(options.query as string)))
				: undefined;
			if (vector) assertVector(vector, c.dimension, 'query embedding');
			const pool =
				mode === 'hybrid' ||
				options.mmrLambda !== undefined ||
				options.halfLifeSeconds !== undefined
					? Math.min(Math.max(topK * 4, 20), LIMITS.maxTopK)
					: topK;
			const table = memoryTable(c.name);
			const op = distanceOperator(c.metric);
			const type = vectorType(c.dimension);
			const rows = await this.client.transaction(async (tx) => {
				const q = new Params();
				const scopePart = scopeSql(scope, options.scope ?? 'exact', q);
				const filterPart = filterSql(options.filter, q);
				// The metadata filter first: a filtered index walk rejects most candidates on it alone.
				const where = [filterPart, scopePart, LIVE].join(' AND ');
				const select = (withText: boolean) => {
					const p = q.clone();
					const vec = vector ? `${p.add(pgvector.toSql(vector))}::${type}` : undefined;
					const tsq = withText
						? `websearch_to_tsquery(${p.add(c.language)}::regconfig, ${p.add(options.query)})`
						: undefined;
					const columns = [
						COLUMNS,
						vec ? `embedding ${op} ${vec} AS distance` : 'NULL::float8 AS distance',
						tsq ? `ts_rank_cd(tsv, ${tsq}) AS text_score` : 'NULL::float4 AS text_score',
						options.mmrLambda !== undefined
							? 'embedding::text AS embedding_text'
							: 'NULL AS embedding_text',
					].join(', ');
					return { params: p.values, columns, tsq };
				};
				const found = new Map<
					string,
					Record<string, unknown> & { vrank?: number; trank?: number }
				>();
				if (mode !== 'text' && vector) {
					const sel = select(mode === 'hybrid');
					const { rows: vrows, exact } = await this.nearest(
						tx,
						c,
						{ table, where, params: q.values },
						{
							sql: `SELECT ${sel.columns} FROM ${table} WHERE ${where} ORDER BY distance LIMIT ${pool}`,
							params: sel.params,
							limit: pool,
						},
						options,
					);
					this.lastSearchStrategy = exact ? 'exact' : 'index';
					vrows
						.sort((a, b) => Number(a.distance) - Number(b.distance))
						.forEach((r, i) => found.set(String(r.id), { ...r, vrank: i + 1 }));
				}
				if (mode !== 'vector') {
					if (mode === 'text') this.lastSearchStrategy = 'text';
					const sel = select(true);
					const { rows: trows } = await tx.query<Record<string, unknown>>(
						`SELECT ${sel.columns} FROM ${table} WHERE ${where} AND tsv @@ ${sel.tsq}
						  ORDER BY text_score DESC, id LIMIT ${pool}`,
						sel.params,
					);
					trows.forEach((r, i) => {
						const prev = found.get(String(r.id));
						found.set(String(r.id), { ...(prev ?? r), text_score: r.text_score, trank: i + 1 });
					});
				}
				return [...found.values()];
			});
			return rankHits(rows, c.metric, mode, topK, options);
		});
	}

	/**
	 * Runs a nearest-neighbour statement (`sql`: ORDER BY distance LIMIT
	 * `limit`, confined by `scope.where`) the way planVectorScan decides:
	 * an exact scan, or an iterative index walk with a candidate list sized
	 * to the share of matching rows, completed by an exact scan when the walk
	 * yields fewer than `limit` rows. `state` carries the settings applied
	 * earlier in the transaction, so that repeated calls skip unchanged ones.
	 */
	private async nearest(
		tx: SqlExecutor,
		c: CollectionRow,
		scope: { table: string; where: string; params: unknown[] },
		statement: { sql: string; params: unknown[]; limit: number },
		options: ScanOptions,
		state: ScanSettingsState = {},
	): Promise<{ rows: Record<string, unknown>[]; exact: boolean }> {
		const { limit } = statement;
		const plan = await this.planVectorScan(tx, scope.table, scope.where, scope.params, c, options);
		let exact = plan.exact;
		// The candidate list is sized so that its first pass holds about `limit` matching rows.
		const ef = Math.min(
			Math.max(
				Math.trunc(
					options.efSearch ?? Math.max(DEFAULT_EF_SEARCH, limit * 2, Math.ceil(limit / plan.share)),
				),
				limit,
			),
			1000,
		);
		// One statement for every setting. pgvector 0.8's iterative scans keep walking the
		// index until enough rows pass the scope and filter.
		const settings: Array<[string, string]> = [
			['hnsw.ef_search', String(ef)],
			['hnsw.iterative_scan', 'relaxed_order'],
		];
		if (c.index_type === 'ivfflat') {
			settings.push(
				['ivfflat.probes', String(Math.trunc(options.probes ?? 10))],
				['ivfflat.iterative_scan', 'relaxed_order'],
			);
		}
		const apply = async (indexScanOff: boolean) => {
			const key = JSON.stringify(settings);
			const list = key === state.applied ? [] : [...settings];
			// Few matching rows: an exact scan over them beats the ANN index, and misses nothing.
			// Back on when an earlier scan of this transaction turned it off.
			if (indexScanOff !== (state.indexScanOff ?? false)) {
				list.push(['enable_indexscan', indexScanOff ? 'off' : 'on']);
			}
			if (list.length === 0) return;
			const p = new Params();
			const calls = list.map(([k, v]) => `set_config(${p.add(k)}, ${p.add(v)}, true)`);
			await tx.query(`SELECT ${calls.join(', ')}`, p.values);
			state.applied = key;
			state.indexScanOff = indexScanOff;
		};
		await apply(exact);
		let { rows } = await tx.query<Record<string, unknown>>(statement.sql, statement.params);
		if (!exact && rows.length < limit) {
			// The index walk ended before it found enough matches (a filter far more selective
			// than the statistics said): scan the matching rows exactly instead.
			exact = true;
			await apply(true);
			rows = (await tx.query<Record<string, unknown>>(statement.sql, statement.params)).rows;
		}
		return { rows, exact };
	}

	/**
	 * How a vector search reads. Exact scan when scope and filter match so few
	 * memories that scanning them is as fast as the index, or so small a share
	 * of the collection that a filtered walk of the ANN graph would find too
	 * few of them; else the index, with the share of rows that match. Decided
	 * from the planner's row estimates (one EXPLAIN, no rows read), remembered
	 * a minute per scope and filter; the statistics behind them come from
	 * ANALYZE, which autovacuum runs on PostgreSQL and the store itself on
	 * PGlite (see refreshStatistics).
	 */
	private async planVectorScan(
		tx: SqlExecutor,
		table: string,
		where: string,
		params: unknown[],
		c: CollectionRow,
		options: ScanOptions,
	): Promise<ScanPlan> {
		if (c.index_type === 'none') return { exact: true, share: 1 };
		const given = options.exactScanThreshold !== undefined;
		const threshold = Math.max(0, Math.trunc(options.exactScanThreshold ?? EXACT_SCAN_THRESHOLD));
		if (given && threshold === 0) return { exact: false, share: 1 };
		const key = `${this.client.label}|${table}|${threshold}|${given}|${where}|${JSON.stringify(params)}`;
		const cached = scanPlanCache.get(key);
		if (cached && cached.until > Date.now()) return cached.plan;
		const { matching, total } = await estimateRows(tx, table, where, params);
		const share = Math.min(1, Math.max(matching, 1) / Math.max(total, 1));
		const plan = {
			exact: matching <= threshold || (!given && share < MIN_INDEX_SHARE),
			share,
		};
		if (scanPlanCache.size >= 1000) scanPlanCache.clear();
		scanPlanCache.set(key, { plan, until: Date.now() + 60_000 });
		return plan;
	}
}

type ScanOptions = Pick<SearchOptions, 'efSearch' | 'probes' | 'exactScanThreshold'>;

/** Scan settings a transaction has applied (set_config with is_local lasts until its end). */
interface ScanSettingsState {
	applied?: string;
	indexScanOff?: boolean;
}

interface ScanPlan {
	exact: boolean;
	/** Estimated share of the collection's rows that scope and filter admit. */
	share: number;
}

function validateSettings(s: CollectionSettings): void {
	if (!Number.isInteger(s.dimension) || s.dimension < 1 || s.dimension > 16000) {
		throw new ValidationError(
			`Embedding dimension ${s.dimension} is not supported`,
			'Use an embeddings model with 1 to 16,000 dimensions.',
		);
	}
	if (!['cosine', 'l2', 'inner_product'].includes(s.metric)) {
		throw new ValidationError(
			`Unknown distance metric "${s.metric}"`,
			'Use cosine, l2 or inner_product.',
		);
	}
	if (!['hnsw', 'ivfflat', 'none'].includes(s.indexType)) {
		throw new ValidationError(`Unknown index type "${s.indexType}"`, 'Use hnsw, ivfflat or none.');
	}
	if (s.indexType !== 'none' && s.dimension > 4000) {
		throw new ValidationError(
			`pgvector indexes at most 4,000 dimensions (halfvec); this collection has ${s.dimension}`,
			'Use index type "none" or a smaller embedding.',
		);
	}
	const m = s.hnsw?.m ?? 16;
	const ef = s.hnsw?.efConstruction ?? 64;
	if (!Number.isInteger(m) || m < 2 || m > 100)
		throw new ValidationError(`HNSW m must be 2-100, got ${m}`, 'The default 16 suits most data.');
	if (!Number.isInteger(ef) || ef < 4 || ef > 1000 || ef < 2 * m) {
		throw new ValidationError(
			`HNSW ef_construction must be 4-1000 and at least 2 x m, got ${ef}`,
			'The default 64 suits most data.',
		);
	}
	const lists = s.ivfflat?.lists ?? 100;
	if (!Number.isInteger(lists) || lists < 1 || lists > 32768)
		throw new ValidationError(
			`IVFFlat lists must be 1-32768, got ${lists}`,
			'A good start is rows / 1000.',
		);
}

function normaliseScope(s: Partial<Scope>): Required<Scope> {
	const namespace = s.namespace ?? 'default';
	assertScopeValue(namespace, 'namespace');
	const out: Required<Scope> = { namespace, userId: '', agentId: '', sessionId: '' };
	for (const key of ['userId', 'agentId', 'sessionId'] as const) {
		const v = s[key];
		if (v !== undefined && v !== '') {
			assertScopeValue(v, key);
			out[key] = v;
		}
	}
	return out;
}

/** Validates one memory as insert would, so a caller can report bad items one by one. */
export function validateMemoryInput(item: MemoryInput, maxLength = LIMITS.maxTextLength): void {
	normaliseInput(item, undefined, maxLength);
}

function normaliseInput(item: MemoryInput, index: number | undefined, maxLength: number) {
	try {
		assertText(item.text, 'text', maxLength);
		const metadata = item.metadata ?? {};
		assertMetadata(metadata);
		const scope = normaliseScope(item);
		if (item.id !== undefined) assertScopeValue(item.id, 'id');
		if (
			item.ttlSeconds !== undefined &&
			!(
				typeof item.ttlSeconds === 'number' &&
				item.ttlSeconds > 0 &&
				Number.isFinite(item.ttlSeconds)
			)
		) {
			throw new ValidationError(
				`TTL must be a positive number of seconds, got ${JSON.stringify(item.ttlSeconds)}`,
				'Leave it empty for memories that never expire.',
			);
		}
		return {
			...scope,
			id: item.id ?? randomUUID(),
			text: item.text,
			metadata,
			ttlSeconds: item.ttlSeconds,
		};
	} catch (err) {
		if (err instanceof ValidationError && index !== undefined)
			err.message = `Batch item ${index}: ${err.message}`;
		throw err;
	}
}

function toRecord(r: Record<string, unknown>): MemoryRecord {
	const iso = (v: unknown) =>
		v === null || v === undefined ? null : new Date(v as string).toISOString();
	return {
		id: String(r.id),
		text: String(r.content),
		metadata: (r.metadata ?? {}) as Record<string, unknown>,
		namespace: String(r.namespace),
		userId: String(r.user_id ?? ''),
		agentId: String(r.agent_id ?? ''),
		sessionId: String(r.session_id ?? ''),
		createdAt: iso(r.created_at) as string,
		updatedAt: iso(r.updated_at) as string,
		expiresAt: iso(r.expires_at),
	};
}

/** pgvector distance to a score where higher is closer (cosine similarity for cosine). */
function similarity(distance: unknown, metric: Metric): number {
	const d = Number(distance);
	return metric === 'cosine' ? 1 - d : -d;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Up to this many matching memories (planner estimate), a search scans them exactly. */
const EXACT_SCAN_THRESHOLD = 1_000;
/**
 * Below this share of the collection, matching memories are scanned exactly: a filtered
 * HNSW walk (pgvector iterative scan) visits about topK / share graph nodes and its recall
 * falls off (measured on 100k clustered vectors: recall@10 about 0.97 at 3 %, 0.85 at 1.5 %).
 */
const MIN_INDEX_SHARE = 0.03;
/** Scan plans per database, table, scope and filter, kept a minute (or until the store analyzes the table). */
const scanPlanCache = new Map<string, { plan: ScanPlan; until: number }>();
/** Default HNSW ef_search: recall@10 of about 0.9 at 40 on 100k clustered vectors, above 0.95 from 100. */
const DEFAULT_EF_SEARCH = 100;
const COLUMNS =
	'id, content, metadata, namespace, user_id, agent_id, session_id, created_at, updated_at, expires_at';
/** Expired memories are invisible until Forget Expired deletes them. */
const LIVE = '(expires_at IS NULL OR expires_at > now())';

/** Collects `$n` parameters while a statement is assembled. */
class Params {
	values: unknown[] = [];
	add(value: unknown): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}
	clone(): Params {
		const p = new Params();
		p.values = [...this.values];
		return p;
	}
}

/** The WHERE part that confines a statement to a scope. `given`: namespace plus whichever ids are set. */
function scopeSql(s: Required<Scope>, mode: ScopeMode | 'given', q: Params): string {
	if (!['exact', 'all-sessions', 'namespace', 'given'].includes(mode)) {
		throw new ValidationError(`Unknown scope "${mode}"`, 'Use exact, all-sessions or namespace.');
	}
	const parts = [`namespace = ${q.add(s.namespace)}`];
	const add = (column: string, value: string) => parts.push(`${column} = ${q.add(value)}`);
	if (mode === 'exact' || mode === 'all-sessions' || (mode === 'given' && s.userId))
		add('user_id', s.userId);
	if (mode === 'exact' || mode === 'all-sessions' || (mode === 'given' && s.agentId))
		add('agent_id', s.agentId);
	if (mode === 'exact' || (mode === 'given' && s.sessionId)) add('session_id', s.sessionId);
	return parts.join(' AND ');
}

function byIdScope(s: Partial<Scope>): Required<Scope> {
	if (s.namespace === undefined) {
		throw new ValidationError(
			'The namespace is missing',
			'Memories are read and changed by id only inside their namespace: give it.',
		);
	}
	return normaliseScope(s);
}

function filterSql(filter: MetadataFilter | undefined, q: Params): string {
	const f = compileFilter(filter, q.values.length + 1);
	q.values.push(...f.params);
	return f.sql;
}

function assertIds(ids: unknown): asserts ids is string[] {
	if (!Array.isArray(ids) || ids.length === 0 || ids.length > LIMITS.maxBatch) {
		throw new ValidationError(
			`Give 1 to ${LIMITS.maxBatch} memory ids`,
			'Pass the ids as a list, for example ["a1", "b2"].',
		);
	}
	ids.forEach((id) => assertScopeValue(id, 'id'));
}

function assertTtl(ttl: unknown): void {
	if (!(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
		throw new ValidationError(
			`TTL must be a positive number of seconds, got ${JSON.stringify(ttl)}`,
			'Leave it empty for memories that never expire.',
		);
	}
}

function decodeCursor(cursor: string): { t: string; id: string } {
	try {
		const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
			t: unknown;
			id: unknown;
		};
		if (typeof c.t === 'string' && /^-?[0-9]{1,20}$/.test(c.t) && typeof c.id === 'string') {
			return { t: c.t, id: c.id };
		}
	} catch {
		// Reported below.
	}
	throw new ValidationError(
		'The list cursor is not valid',
		'Pass the nextCursor of the previous page unchanged, or leave it empty for the first page.',
	);
}

type Candidate = Record<string, unknown> & { vrank?: number; trank?: number };

/** Scores, fuses, decays, filters and diversifies the candidates of a search. */
function rankHits(
	rows: Candidate[],
	metric: Metric,
	mode: SearchMode,
	topK: number,
	options: SearchOptions,
): SearchHit[] {
	const cands = rows.map((r) => ({
		id: String(r.id),
		vectorScore:
			r.distance === null || r.distance === undefined ? undefined : similarity(r.distance, metric),
		textScore:
			r.text_score === null || r.text_score === undefined ? undefined : Number(r.text_score),
		vectorRank: r.vrank,
		textRank: r.trank,
	}));
	let scores: number[];
	let fused: number[] | undefined;
	if (mode === 'hybrid') {
		const fusion = options.fusion ?? 'rrf';
		if (fusion !== 'rrf' && fusion !== 'weighted') {
			throw new ValidationError(`Unknown fusion "${fusion}"`, 'Use rrf or weighted.');
		}
		const k = options.rrfK ?? 60;
		const w = options.vectorWeight ?? 0.5;
		if (!(k > 0) || !(w >= 0 && w <= 1)) {
			throw new ValidationError(
				`RRF k must be positive and the vector weight 0-1 (got ${k} and ${w})`,
				'The defaults are k = 60 and weight 0.5.',
			);
		}
		fused = fusion === 'rrf' ? cands.map((c) => rrfScore(c, k)) : weightedScores(cands, w);
		scores = [...fused];
	} else {
		scores = cands.map((c) => (mode === 'text' ? (c.textScore ?? 0) : (c.vectorScore ?? 0)));
	}
	const fusedRank = new Map<number, number>();
	if (fused) {
		[...fused.keys()]
			.sort((a, b) => (fused as number[])[b] - (fused as number[])[a])
			.forEach((idx, pos) => fusedRank.set(idx, pos + 1));
	}
	const now = Date.now();
	const decay = rows.map((r) =>
		options.halfLifeSeconds
			? recencyFactor(
					(now - new Date(r.updated_at as string).getTime()) / 1000,
					options.halfLifeSeconds,
				)
			: 1,
	);
	scores = scores.map((s, i) => s * decay[i]);
	let order = [...scores.keys()].filter(
		(i) => options.minScore === undefined || scores[i] >= options.minScore,
	);
	order.sort(
		(a, b) => scores[b] - scores[a] || String(rows[a].id).localeCompare(String(rows[b].id)),
	);
	if (options.mmrLambda !== undefined && order.length > 1) {
		const top = Math.max(...order.map((i) => scores[i])) || 1;
		const picked = mmrSelect(
			order.map((i) => scores[i] / top),
			order.map((i) => pgvector.fromSql(String(rows[i].embedding_text)) as number[]),
			topK,
			options.mmrLambda,
		);
		order = picked.map((p) => order[p]);
	}
	return order.slice(0, topK).map((i) => {
		const c = cands[i];
		const hit: SearchHit = { ...toRecord(rows[i]), score: round(scores[i]) };
		if (c.vectorScore !== undefined) hit.vectorScore = round(c.vectorScore);
		if (c.textScore !== undefined) hit.textScore = round(c.textScore);
		if (fused) {
			hit.fusedRank = fusedRank.get(i);
			hit.fusedScore = round(fused[i]);
		}
		if (options.halfLifeSeconds) hit.recencyFactor = round(decay[i]);
		return hit;
	});
}
