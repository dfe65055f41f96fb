import { quoteIdent, type Migration, type SqlExecutor } from '../db';

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

export function memoryTable(collection: string): string {
	return quoteIdent(`agentos_mem_${collection}`, 'collection table');
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
	const ix = (suffix: string) => quoteIdent(`agentos_mem_${name}_${suffix}`.slice(0, 63), 'index');
	if (s.indexType === 'hnsw') {
		const m = Math.trunc(s.hnsw?.m ?? 16);
		const ef = Math.trunc(s.hnsw?.efConstruction ?? 64);
		await tx.query(
			`CREATE INDEX ${ix('vec')} ON ${table} USING hnsw (embedding ${opsClass(s.metric, type)}) WITH (m = ${m}, ef_construction = ${ef})`,
		);
	} else if (s.indexType === 'ivfflat') {
		const lists = Math.trunc(s.ivfflat?.lists ?? 100);
		await tx.query(
			`CREATE INDEX ${ix('vec')} ON ${table} USING ivfflat (embedding ${opsClass(s.metric, type)}) WITH (lists = ${lists})`,
		);
	}
	await tx.query(`CREATE INDEX ${ix('tsv')} ON ${table} USING gin (tsv)`);
	await tx.query(`CREATE INDEX ${ix('meta')} ON ${table} USING gin (metadata jsonb_path_ops)`);
	await tx.query(
		`CREATE INDEX ${ix('scope')} ON ${table} (namespace, user_id, agent_id, session_id, created_at)`,
	);
	await tx.query(`CREATE INDEX ${ix('exp')} ON ${table} (expires_at) WHERE expires_at IS NOT NULL`);
}
