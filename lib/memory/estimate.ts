import type { SqlExecutor } from '../db';

/**
 * The planner's row estimates, from one EXPLAIN (no rows read): how many rows
 * of `table` match `where`, and how many the table holds. They come from the
 * statistics ANALYZE gathered, so they are as fresh as the last ANALYZE.
 * `table` is a quoted identifier and `where` SQL built with `$n` parameters.
 */
export async function estimateRows(
	tx: SqlExecutor,
	table: string,
	where: string,
	params: unknown[],
): Promise<{ matching: number; total: number }> {
	const { rows } = await tx.query<{ 'QUERY PLAN': unknown }>(
		`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} WHERE ${where} UNION ALL SELECT 1 FROM ${table}`,
		params,
	);
	return planRows(rows[0]?.['QUERY PLAN']);
}

/**
 * The two branches of the UNION ALL are the two children of its Append node.
 * Any other shape reads as "nothing matches", which leads searches to the
 * exact scan: the answer that is never wrong.
 */
function planRows(plan: unknown): { matching: number; total: number } {
	type Node = { 'Plan Rows'?: unknown; Plans?: Node[] };
	const doc = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Array<{ Plan?: Node }>;
	const children = doc?.[0]?.Plan?.Plans;
	if (!Array.isArray(children) || children.length !== 2) return { matching: 0, total: 0 };
	const rowsOf = (n: Node) => (typeof n['Plan Rows'] === 'number' ? n['Plan Rows'] : 0);
	return { matching: rowsOf(children[0]), total: rowsOf(children[1]) };
}
