import { createHash } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { StorageError, scrubSecrets } from './errors';
import type { PostgresConfig, QueryOptions, QueryResult, SqlClient, SqlExecutor } from './types';

interface SharedPool {
	pool: Pool;
	refs: number;
	idleTimer?: NodeJS.Timeout;
}

/** A pool whose last handle closes lingers this long for the next execution. */
export const POOL_IDLE_CLOSE_MS = 60_000;

/** One pool per server, database and user in a process, shared by every node execution. */
const pools = new Map<string, SharedPool>();

function poolKey(cfg: PostgresConfig): string {
	const secret = createHash('sha256')
		.update(cfg.password ?? '')
		.digest('hex')
		.slice(0, 16);
	return [cfg.host, cfg.port ?? 5432, cfg.database, cfg.user, cfg.ssl ?? 'disable', secret].join(
		'|',
	);
}

function sslOption(ssl: PostgresConfig['ssl']) {
	if (ssl === 'require') return { rejectUnauthorized: true };
	if (ssl === 'allow-unauthorized') return { rejectUnauthorized: false };
	return undefined;
}

/** A prepared statement's name: derived from its text, so equal texts share one per connection. */
function statementName(sql: string): string {
	return `agentos_${createHash('sha1').update(sql).digest('hex')}`;
}

function executor(run: PoolClient | Pool, cfg: PostgresConfig): SqlExecutor {
	return {
		async query<T>(
			sql: string,
			params: unknown[] = [],
			options: QueryOptions = {},
		): Promise<QueryResult<T>> {
			try {
				const res = options.prepare
					? await run.query({ name: statementName(sql), text: sql, values: params })
					: await run.query(sql, params);
				return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
			} catch (err) {
				throw sanitize(err, cfg);
			}
		},
	};
}

/** Driver errors keep their SQLSTATE code but never carry the password. */
function sanitize(err: unknown, cfg: PostgresConfig): Error {
	const e = err as Error & { code?: string };
	if (e && typeof e.message === 'string') {
		e.message = scrubSecrets(e.message, [cfg.password]);
	}
	return e;
}

export async function openPostgres(cfg: PostgresConfig): Promise<SqlClient> {
	const key = poolKey(cfg);
	let shared = pools.get(key);
	if (!shared) {
		const pool = new Pool({
			host: cfg.host,
			port: cfg.port ?? 5432,
			database: cfg.database,
			user: cfg.user,
			password: cfg.password,
			ssl: sslOption(cfg.ssl),
			max: cfg.max ?? 10,
			connectionTimeoutMillis: 10_000,
			idleTimeoutMillis: 30_000,
		});
		// An idle client that loses its connection must not crash the process.
		pool.on('error', () => undefined);
		shared = { pool, refs: 0 };
		pools.set(key, shared);
	}
	const { pool } = shared;
	const label = `PostgreSQL ${cfg.host}:${cfg.port ?? 5432}/${cfg.database}`;
	try {
		const probe = await pool.connect();
		probe.release();
	} catch (err) {
		// A pool nobody holds yet is dropped so the next attempt starts clean.
		if (shared.refs === 0) {
			pools.delete(key);
			await pool.end().catch(() => undefined);
		}
		throw new StorageError(
			`Could not connect to ${label} as "${cfg.user}": ${scrubSecrets((err as Error).message, [cfg.password])}`,
			'PG_CONNECT',
			'Check host, port, database, user and password in the PostgreSQL credential, and that the server accepts connections from n8n.',
		);
	}
	shared.refs++;
	if (shared.idleTimer) clearTimeout(shared.idleTimer);
	shared.idleTimer = undefined;
	let closed = false;

	return {
		kind: 'postgres',
		label,
		query: (sql, params, options) => executor(pool, cfg).query(sql, params, options),
		async exec(sql) {
			await executor(pool, cfg).query(sql);
		},
		async transaction(fn) {
			const conn = await pool.connect();
			try {
				await conn.query('BEGIN');
				const result = await fn(executor(conn, cfg));
				await conn.query('COMMIT');
				return result;
			} catch (err) {
				await conn.query('ROLLBACK').catch(() => undefined);
				throw sanitize(err, cfg);
			} finally {
				conn.release();
			}
		},
		async close() {
			if (closed) return;
			closed = true;
			const current = pools.get(key);
			if (!current || --current.refs > 0) return;
			current.idleTimer = setTimeout(() => void endPool(key), POOL_IDLE_CLOSE_MS);
			current.idleTimer.unref();
		},
	};
}

async function endPool(key: string): Promise<void> {
	const shared = pools.get(key);
	if (!shared || shared.refs > 0) return;
	pools.delete(key);
	if (shared.idleTimer) clearTimeout(shared.idleTimer);
	await shared.pool.end().catch(() => undefined);
}

/** Ends every pool nobody holds (tests, benchmarks, shutdown). */
export async function closeIdlePools(): Promise<void> {
	await Promise.all([...pools.keys()].map((key) => endPool(key)));
}
