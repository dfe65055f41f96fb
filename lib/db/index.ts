import * as os from 'node:os';
import * as path from 'node:path';
import { closeIdlePglite, openPglite } from './pglite';
import { closeIdlePools, openPostgres } from './postgres';
import type { ConnectionConfig, SqlClient } from './types';

export * from './types';
export * from './errors';
export * from './identifiers';
export * from './migrations';
export * from './statistics';
export { ensureVectorExtension } from './vector-extension';
export { Mutex } from './mutex';

/** Opens a SQL client: a pooled PostgreSQL connection or the shared embedded PGlite. */
export function openClient(config: ConnectionConfig): Promise<SqlClient> {
	if (config.kind === 'pglite') return openPglite(config.dataDir);
	const { kind: _kind, ...pg } = config;
	return openPostgres(pg);
}

/**
 * Where embedded data lives: `AGENT_OS_DATA_DIR` if set, else
 * `<n8n user folder>/.n8n/agent-os/pglite` — the folder n8n keeps its own
 * data in, so embedded memory survives restarts and moves with n8n's volume.
 */
export function defaultDataDir(): string {
	if (process.env.AGENT_OS_DATA_DIR) return path.resolve(process.env.AGENT_OS_DATA_DIR);
	const userFolder = process.env.N8N_USER_FOLDER || os.homedir();
	return path.join(userFolder, '.n8n', 'agent-os', 'pglite');
}

/**
 * Closes the embedded databases and pools that no handle holds any more.
 * Handles keep them open for a while after their last close so consecutive
 * workflow executions reuse them; call this before a process exits.
 */
export async function closeIdleConnections(): Promise<void> {
	await Promise.all([closeIdlePglite(), closeIdlePools()]);
}
