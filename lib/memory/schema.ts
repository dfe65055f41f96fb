import {
	ValidationError,
	assertIdentifier,
	fitIdentifier,
	quoteComposedIdent,
	type Migration,
	type SqlExecutor,
} from '../db';

/** The registry of collections: each has its own table, dimension and index settings. */
export const MEMORY_MIGRATIONS: Migration[] = [
	{
		version: 1,
		name: 'collections registry',
		up: [
			`CREATE TABLE IF NOT EXISTS agentos_memory_collections (
				name text PRIMARY KEY,
				dimension integer NOT NULL CHECK (dimension > 0),
				metric text NOT NULL DEFAULT 'cosine',
				index_type text NOT NULL DEFAULT 'hnsw',
				language text NOT NULL DEFAULT 'simple',
				embedder text NOT NULL,
				settings jsonb NOT NULL DEFAULT '{}'::jsonb,
				created_at timestamptz NOT NULL DEFAULT now()
			)`,
		],
	},
	{
		version: 2,
		name: 'namespace default TTL',
		up: [
			`CREATE TABLE IF NOT EXISTS agentos_memory_namespace_ttl (
				collection text NOT NULL,
				namespace text NOT NULL,
				ttl_seconds double precision NOT NULL CHECK (ttl_seconds > 0),
				PRIMARY KEY (collection, namespace)
			)`,
		],
	},
];

export type Metric = 'cosine' | 'l2' | 'inner_product';

export interface CollectionSettings {
	dimension: number;
	metric: Metric;
	indexType: 'hnsw' | 'ivfflat' | 'none';
	/** Full-text configuration (PostgreSQL regconfig), e.g. 'simple' or 'english'. */
	language: string;
	embedder: string;
	hnsw?: { m?: number; efConstruction?: number };
	ivfflat?: { lists?: number };
}

/** The unquoted table name of a collection (at most 60 characters). */
export function memoryTableName(collection: string): string {
	assertIdentifier(collection, 'collection name');
	return `agentos_mem_${collection}`;
}

export function memoryTable(collection: string): string {
	return quoteComposedIdent(memoryTableName(collection), 'collection table');
}

/** pgvector's column type: halfvec above 2,000 dimensions, where vector cannot be indexed. */
export function vectorType(dimension: number): 'vector' | 'halfvec' {
	return dimension > 2000 ? 'halfvec' : 'vector';
}

export function distanceOperator(metric: Metric): string {
	return metric === 'l2' ? '<->' : metric === 'inner_product' ? '<#>' : '<=>';
}

function opsClass(metric: Metric, type: 'vector' | 'halfvec'): string {
	const suffix = metric === 'l2' ? 'l2_ops' : metric === 'inner_product' ? 'ip_ops' : 'cosine_ops';
	return `${type}_${suffix}`;
}

/** Index and statistics names: table name and suffix, hash-shortened past 63 characters. */
function indexName(collection: string, suffix: string): string {
	return quoteComposedIdent(fitIdentifier(`${memoryTableName(collection)}_${suffix}`), 'index');
}

/** The suffixes of a collection's index names (its statistics live in another namespace). */
const INDEX_SUFFIXES = ['vec', 'tsv', 'meta', 'scope', 'exp'];

/**
 * Refuses a new collection whose table or index names are taken: tables and
 * indexes share one namespace, so a collection "notes_vec" would take the
 * name of the vector index of "notes", and the other way round. Without this,
 * one creation fails with "already exists", or, worse, "CREATE INDEX IF NOT
 * EXISTS" silently leaves a collection without its index.
 */
export async function assertCollectionNamesFree(tx: SqlExecutor, name: string): Promise<void> {
	const table = memoryTableName(name);
	const names = [table, ...INDEX_SUFFIXES.map((s) => fitIdentifier(`${table}_${s}`))];
	const { rows } = await tx.query<{ relname: string }>(
		`SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND relnamespace = current_schema()::regnamespace ORDER BY relname`,
		[names],
	);
	if (rows.length) {
		throw new ValidationError(
			`Collection name "${name}" clashes with a table or index that exists: ${rows.map((r) => r.relname).join(', ')}`,
			`Choose another collection name. Names ending in _${INDEX_SUFFIXES.join(', _')} clash with the indexes of the collection named without that ending.`,
		);
	}
}

/** The vector index of a collection's table (none for index type "none"). */
export async function createVectorIndex(
	tx: SqlExecutor,
	name: string,
	s: Pick<CollectionSettings, 'dimension' | 'metric' | 'indexType' | 'hnsw' | 'ivfflat'>,
): Promise<void> {
	const table = memoryTable(name);
	const type = vectorType(s.dimension);
	const ix = indexName(name, 'vec');
	if (s.indexType === 'hnsw') {
		const m = Math.trunc(s.hnsw?.m ?? 16);
		const ef = Math.trunc(s.hnsw?.efConstruction ?? 64);
		await tx.query(
			`CREATE INDEX IF NOT EXISTS ${ix} ON ${table} USING hnsw (embedding ${opsClass(s.metric, type)}) WITH (m = ${m}, ef_construction = ${ef})`,
		);
	} else if (s.indexType === 'ivfflat') {
		const lists = Math.trunc(s.ivfflat?.lists ?? 100);
		await tx.query(
			`CREATE INDEX IF NOT EXISTS ${ix} ON ${table} USING ivfflat (embedding ${opsClass(s.metric, type)}) WITH (lists = ${lists})`,
		);
	}
}

/** The full-text and metadata indexes of a collection's table. */
export async function createSearchIndexes(tx: SqlExecutor, name: string): Promise<void> {
	const table = memoryTable(name);
	await tx.query(
		`CREATE INDEX IF NOT EXISTS ${indexName(name, 'tsv')} ON ${table} USING gin (tsv)`,
	);
	await tx.query(
		`CREATE INDEX IF NOT EXISTS ${indexName(name, 'meta')} ON ${table} USING gin (metadata jsonb_path_ops)`,
	);
}

/**
 * Extended statistics on the scope columns: user, agent and session ids
 * depend on each other and on the namespace, and without these the planner
 * multiplies their selectivities as if they did not, underestimating how
 * many memories a scope holds (searches read that estimate to choose a scan).
 */
export async function createScopeStatistics(tx: SqlExecutor, name: string): Promise<void> {
	await tx.query(
		`CREATE STATISTICS IF NOT EXISTS ${indexName(name, 'stat')} (dependencies, mcv)
		   ON namespace, user_id, agent_id, session_id FROM ${memoryTable(name)}`,
	);
}

/** Drops the vector, full-text and metadata indexes (bulk loads rebuild them once afterwards). */
export async function dropSearchIndexes(tx: SqlExecutor, name: string): Promise<void> {
	for (const suffix of ['vec', 'tsv', 'meta']) {
		await tx.query(`DROP INDEX IF EXISTS ${indexName(name, suffix)}`);
	}
}

const LANGUAGE = /^[a-z_]{1,32}$/;

/** Creates a collection's table and indexes inside the caller's transaction. */
export async function createCollectionTable(
	tx: SqlExecutor,
	name: string,
	s: CollectionSettings,
): Promise<void> {
	const table = memoryTable(name);
	const type = vectorType(s.dimension);
	if (!LANGUAGE.test(s.language)) throw new Error(`Invalid text search language ${s.language}`);
	// The regconfig is checked by PostgreSQL itself before it lands in DDL text.
	await tx.query('SELECT $1::regconfig', [s.language]);
	await tx.query(`CREATE TABLE ${table} (
		id text PRIMARY KEY,
		namespace text NOT NULL,
		user_id text NOT NULL DEFAULT '',
		agent_id text NOT NULL DEFAULT '',
		session_id text NOT NULL DEFAULT '',
		content text NOT NULL,
		content_hash text NOT NULL,
		metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
		embedding ${type}(${Number(s.dimension)}) NOT NULL,
		tsv tsvector GENERATED ALWAYS AS (to_tsvector('${s.language}'::regconfig, content)) STORED,
		created_at timestamptz NOT NULL DEFAULT now(),
		updated_at timestamptz NOT NULL DEFAULT now(),
		expires_at timestamptz,
		UNIQUE (namespace, user_id, agent_id, session_id, content_hash)
	)`);
	const ix = (suffix: string) => indexName(name, suffix);
	await createVectorIndex(tx, name, s);
	await createSearchIndexes(tx, name);
	await tx.query(
		`CREATE INDEX ${ix('scope')} ON ${table} (namespace, user_id, agent_id, session_id, created_at)`,
	);
	await tx.query(`CREATE INDEX ${ix('exp')} ON ${table} (expires_at) WHERE expires_at IS NOT NULL`);
	await createScopeStatistics(tx, name);
}
