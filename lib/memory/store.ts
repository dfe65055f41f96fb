import { createHash, randomUUID } from 'node:crypto';
import pgvector from 'pgvector';
import {
	ValidationError,
	ensureVectorExtension,
	migrate,
	openClient,
	type ConnectionConfig,
	type SqlClient,
} from '../db';
import { HashingEmbedder, type Embedder } from './embedder';
import { memoryMetrics } from './metrics';
import {
	MEMORY_MIGRATIONS,
	createCollectionTable,
	distanceOperator,
	memoryTable,
	vectorType,
	type CollectionSettings,
	type Metric,
} from './schema';
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
}

export interface InsertResult {
	id: string;
	/** false when the same content already existed in this scope (idempotent insert). */
	created: boolean;
}

export interface SearchOptions extends Scope {
	query: string;
	topK?: number;
	/** Metadata equality filter: every key must equal the given JSON value. */
	filter?: Record<string, unknown>;
	/** HNSW search breadth; higher is more accurate and slower. */
	efSearch?: number;
}

export interface SearchHit {
	id: string;
	text: string;
	metadata: Record<string, unknown>;
	namespace: string;
	userId: string;
	agentId: string;
	sessionId: string;
	/** Cosine similarity (1 = same direction) for cosine collections; negated distance otherwise. */
	score: number;
	createdAt: string;
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
		const vectors = await this.embedder.embedDocuments(rows.map((r) => r.text));
		if (vectors.length !== rows.length)
			throw new Error('The embeddings model returned a different number of vectors than texts');
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
								r.ttlSeconds ?? null,
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
			return results;
		} catch (err) {
			memoryMetrics.operations.inc({ operation: 'insert', status: 'error' });
			throw err;
		} finally {
			stopTimer();
		}
	}

	/** Top-k memories closest to the query in one scope, best first. */
	async search(collection: string, options: SearchOptions): Promise<SearchHit[]> {
		const topK = options.topK ?? 5;
		assertTopK(topK);
		assertText(options.query, 'search query', this.maxTextLength);
		const scope = normaliseScope(options);
		if (options.filter !== undefined) assertMetadata(options.filter, 'metadata filter');
		const c = await this.requireCollection(collection);
		const stopTimer = memoryMetrics.seconds.startTimer({ operation: 'search' });
		try {
			const vector = await this.embedder.embedQuery(options.query);
			assertVector(vector, c.dimension, 'query embedding');
			const table = memoryTable(collection);
			const op = distanceOperator(c.metric);
			const type = vectorType(c.dimension);
			const efSearch = Math.min(
				Math.max(Math.trunc(options.efSearch ?? Math.max(40, topK * 2)), 1),
				1000,
			);
			const hits = await this.client.transaction(async (tx) => {
				await tx.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [String(efSearch)]);
				// pgvector 0.8: keep scanning the index until enough rows pass the filters.
				await tx.query(`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
				const { rows } = await tx.query<Record<string, unknown>>(
					`SELECT id, content, metadata, namespace, user_id, agent_id, session_id, created_at,
					        embedding ${op} $1::${type} AS distance
					   FROM ${table}
					  WHERE namespace = $2 AND user_id = $3 AND agent_id = $4 AND session_id = $5
					    AND ($6::jsonb IS NULL OR metadata @> $6::jsonb)
					    AND (expires_at IS NULL OR expires_at > now())
					  ORDER BY distance
					  LIMIT $7`,
					[
						pgvector.toSql(vector),
						scope.namespace,
						scope.userId,
						scope.agentId,
						scope.sessionId,
						options.filter ? JSON.stringify(options.filter) : null,
						topK,
					],
				);
				return rows;
			});
			memoryMetrics.operations.inc({ operation: 'search', status: 'ok' });
			return hits.map((r) => toHit(r, c.metric)).sort((a, b) => b.score - a.score);
		} catch (err) {
			memoryMetrics.operations.inc({ operation: 'search', status: 'error' });
			throw err;
		} finally {
			stopTimer();
		}
	}
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

function toHit(r: Record<string, unknown>, metric: Metric): SearchHit {
	const d = Number(r.distance);
	const score = metric === 'cosine' ? 1 - d : metric === 'inner_product' ? -d : -d;
	return {
		id: String(r.id),
		text: String(r.content),
		metadata: (r.metadata ?? {}) as Record<string, unknown>,
		namespace: String(r.namespace),
		userId: String(r.user_id ?? ''),
		agentId: String(r.agent_id ?? ''),
		sessionId: String(r.session_id ?? ''),
		score: Math.round(score * 1e6) / 1e6,
		createdAt: new Date(r.created_at as string).toISOString(),
	};
}
