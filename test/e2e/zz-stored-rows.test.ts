/**
 * Runs last (the e2e tier runs in band, files in name order): stops n8n, then
 * opens the embedded database n8n wrote to and checks the rows the memory-api
 * template stored through its webhooks. PGlite allows one process per data
 * directory, so this cannot happen while n8n runs.
 */
import * as path from 'node:path';
import { closeIdleConnections, openClient } from '../../lib/db';
import { state } from './harness/n8n';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stopPid } = require('../../scripts/lib/n8n-process') as {
	stopPid: (pid: number) => Promise<void>;
};

describe('rows written by n8n', () => {
	it('holds exactly the memories the webhooks stored, once each', async () => {
		const s = state();
		await stopPid(s.pid);
		const client = await openClient({
			kind: 'pglite',
			dataDir: path.join(s.userFolder, '.n8n', 'agent-os', 'pglite'),
		});
		try {
			const { rows } = await client.query<{ namespace: string; content: string; metadata: object }>(
				`SELECT namespace, content, metadata FROM agentos_mem_memories
				  WHERE namespace LIKE 'e2e-%' ORDER BY content`,
			);
			expect(rows.map((r) => r.content)).toEqual([
				'Ada Lovelace prefers email',
				'Ada Lovelace prefers to be contacted by email',
				'The quarterly report is due on Friday',
			]);
			const ada = rows.find((r) => r.content === 'Ada Lovelace prefers to be contacted by email');
			expect(ada?.metadata).toEqual({ source: 'call', priority: 2 });
			const rejected = await client.query(
				`SELECT count(*)::int AS n FROM agentos_mem_memories WHERE namespace IN ('a b;', 'x')`,
			);
			expect(rejected.rows[0]).toEqual({ n: 0 });
		} finally {
			await client.close();
			await closeIdleConnections();
		}
	});
});
