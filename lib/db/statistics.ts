import type { SqlClient } from './types';

/**
 * PGlite runs no autovacuum, so nothing else refreshes the planner statistics
 * of its tables, and plans made from stale ones can read far more than they
 * need to. Stores tell this module how many rows a write changed; once the
 * changes since the last ANALYZE pass autovacuum's default rule (50 rows plus
 * 10 % of the tables), the store's `analyze` runs. On PostgreSQL autovacuum
 * does this, and nothing happens here.
 */
const BASE_ROWS = 50;
const due = (tuples: number) => BASE_ROWS + 0.1 * Math.max(0, tuples);

interface State {
	pending: number;
	due: number;
	/** The tables' own counts were read (the first time in this process). */
	known: boolean;
}

/** Per database and group of tables. */
const states = new Map<string, State>();
/** Groups whose counting is paused (a bulk load analyzes once at its end). */
const paused = new Set<string>();

const keyOf = (client: SqlClient, tables: readonly string[]) =>
	`${client.label}|${tables.join(',')}`;

/** Row count and changes since the last ANALYZE of the tables, from the catalog. */
async function catalogCounts(
	client: SqlClient,
	tables: readonly string[],
): Promise<{ tuples: number; changed: number }> {
	const { rows } = await client.query<{ tuples: number; changed: number }>(
		`SELECT COALESCE(sum(greatest(c.reltuples, 0)), 0)::float8 AS tuples,
		        COALESCE(sum(s.n_mod_since_analyze), 0)::float8 AS changed
		   FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
		  WHERE c.relname = ANY($1::text[]) AND c.relnamespace = current_schema()::regnamespace`,
		[tables],
	);
	return { tuples: Number(rows[0]?.tuples ?? 0), changed: Number(rows[0]?.changed ?? 0) };
}

/**
 * Counts `changed` rows written to a group of tables (unquoted names) and
 * runs `analyze` when the group is due. Embedded PGlite only.
 */
export async function noteChanges(
	client: SqlClient,
	tables: readonly string[],
	changed: number,
	analyze: () => Promise<void>,
): Promise<void> {
	if (client.kind !== 'pglite' || changed <= 0) return;
	const key = keyOf(client, tables);
	if (paused.has(key)) return;
	const state = states.get(key) ?? { pending: 0, due: BASE_ROWS, known: false };
	states.set(key, state);
	state.pending += changed;
	if (state.pending < state.due) return;
	if (!state.known) {
		// The first time in this process: changes made before it count too.
		const counts = await catalogCounts(client, tables);
		state.known = true;
		state.pending = Math.max(state.pending, counts.changed);
		state.due = due(counts.tuples);
		if (state.pending < state.due) return;
	}
	await analyze();
	await statisticsRefreshed(client, tables);
}

/** Resets the count after the tables were analyzed. */
export async function statisticsRefreshed(
	client: SqlClient,
	tables: readonly string[],
): Promise<void> {
	if (client.kind !== 'pglite') return;
	const { tuples } = await catalogCounts(client, tables);
	states.set(keyOf(client, tables), { pending: 0, due: due(tuples), known: true });
}

/** Stops counting for the tables until `resumeCounting` (a bulk load analyzes at its end). */
export function pauseCounting(client: SqlClient, tables: readonly string[]): void {
	paused.add(keyOf(client, tables));
}

export function resumeCounting(client: SqlClient, tables: readonly string[]): void {
	paused.delete(keyOf(client, tables));
}
