import { defaultDataDir, openClient, type ConnectionConfig, type SqlClient } from '../db';
import { AuditLog } from './audit';
import { HoldStore } from './holds';

/** Where the audit trail and holds live: embedded PGlite (default) or a PostgreSQL server. */
export type ComplianceStorage =
	| { kind: 'embedded'; dataDir?: string }
	| ({ kind: 'postgres' } & Omit<Extract<ConnectionConfig, { kind: 'postgres' }>, 'kind'>);

export interface ComplianceStore {
	client: SqlClient;
	audit: AuditLog;
	holds: HoldStore;
	close(): Promise<void>;
}

export async function openComplianceStore(
	storage: ComplianceStorage,
	chain = 'default',
): Promise<ComplianceStore> {
	const client =
		storage.kind === 'embedded'
			? await openClient({ kind: 'pglite', dataDir: storage.dataDir ?? defaultDataDir() })
			: await openClient(storage);
	return {
		client,
		audit: new AuditLog(client, chain),
		holds: new HoldStore(client),
		close: () => client.close(),
	};
}
