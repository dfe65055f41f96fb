import type { SqlClient, SqlExecutor } from './types';

export interface Migration {
	version: number;
	name: string;
	/** Statements run in order inside one transaction, or a function given that transaction. */
	up: string[] | ((tx: SqlExecutor) => Promise<void>);
}

const LOCK_KEY = 'agent-os:migrations';

/**
 * Applies the migrations of one component (memory, graph, audit, ...) that are
 * not yet recorded in `agentos_schema_versions`. Everything runs in one
 * transaction under a transaction-level advisory lock, so two processes that
 * start together apply each migration exactly once and a failing migration
 * leaves nothing behind. Returns the versions it applied.
 */
export async function migrate(
	client: SqlClient,
	component: string,
	migrations: Migration[],
): Promise<number[]> {
	const sorted = [...migrations].sort((a, b) => a.version - b.version);
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i].version === sorted[i - 1].version) {
			throw new Error(`Duplicate migration version ${sorted[i].version} for ${component}`);
		}
	}
	return client.transaction(async (tx) => {
		await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY]);
		await tx.query(`CREATE TABLE IF NOT EXISTS agentos_schema_versions (
			component text NOT NULL,
			version integer NOT NULL,
			name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (component, version)
		)`);
		const { rows } = await tx.query<{ version: number }>(
			'SELECT version FROM agentos_schema_versions WHERE component = $1',
			[component],
		);
		const done = new Set(rows.map((r) => Number(r.version)));
		const applied: number[] = [];
		for (const m of sorted) {
			if (done.has(m.version)) continue;
			if (typeof m.up === 'function') await m.up(tx);
			else for (const statement of m.up) await tx.query(statement);
			await tx.query(
				'INSERT INTO agentos_schema_versions (component, version, name) VALUES ($1, $2, $3)',
				[component, m.version, m.name],
			);
			applied.push(m.version);
		}
		return applied;
	});
}

/** The versions of a component recorded in the database, ascending. */
export async function appliedVersions(client: SqlClient, component: string): Promise<number[]> {
	const exists = await client.query<{ t: string | null }>(
		"SELECT to_regclass('agentos_schema_versions')::text AS t",
	);
	if (!exists.rows[0]?.t) return [];
	const { rows } = await client.query<{ version: number }>(
		'SELECT version FROM agentos_schema_versions WHERE component = $1 ORDER BY version',
		[component],
	);
	return rows.map((r) => Number(r.version));
}
