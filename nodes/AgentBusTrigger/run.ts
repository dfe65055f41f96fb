import type { IRun } from 'n8n-workflow';

/** Splits a comma-separated parameter into trimmed, non-empty entries. */
export function splitList(value: string): string[] {
	return value
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s.length > 0);
}

/**
 * The output of the last node that ran: one item's JSON, a list of JSON for
 * several items, null when it produced nothing.
 */
export function lastNodeOutput(run: IRun): unknown {
	const result = run.data?.resultData;
	const name = result?.lastNodeExecuted;
	if (!name) return null;
	const runs = result.runData?.[name];
	const items = runs?.[runs.length - 1]?.data?.main?.[0] ?? [];
	if (items.length === 0) return null;
	if (items.length === 1) return items[0].json;
	return items.map((i) => i.json);
}
