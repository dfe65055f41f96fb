import { defaultDataDir, openClient, type ConnectionConfig, type SqlClient } from '../db';
import { AuditLog } from './audit';
import { HoldStore, type ExpiredHold } from './holds';

/** Where the audit trail and holds live: embedded PGlite (default) or a PostgreSQL server. */
export type ComplianceStorage =
	| { kind: 'embedded'; dataDir?: string }
	| ({ kind: 'postgres' } & Omit<Extract<ConnectionConfig, { kind: 'postgres' }>, 'kind'>);

export interface ComplianceStore {
	client: SqlClient;
	audit: AuditLog;
	holds: HoldStore;
	/**
	 * Decides the holds of this store's audit chain whose wait time is over
	 * (with the timeout decision they were created with) and records a
	 * `timeout` audit entry for each, in one transaction. n8n resumes a timed-out
	 * execution without calling the node, so this runs whenever the node next
	 * opens the store. Returns the holds it settled.
	 */
	settleExpiredHolds(now?: Date): Promise<ExpiredHold[]>;
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
	return complianceStoreOn(client, chain);
}

/** The audit trail (of `chain`) and holds on an open client; close() closes the client. */
export function complianceStoreOn(client: SqlClient, chain = 'default'): ComplianceStore {
	const audit = new AuditLog(client, chain);
	const holds = new HoldStore(client);
	return {
		client,
		audit,
		holds,
		async settleExpiredHolds(now = new Date()) {
			await Promise.all([audit.init(), holds.init()]);
			return client.transaction(async (tx) => {
				const expired = await holds.settleExpiredIn(tx, chain, now);
				if (expired.length) {
					await audit.appendIn(
						tx,
						expired.map((h) => ({
							event: 'timeout',
							action: h.status === 'approved' ? 'approve' : 'reject',
							subject: {
								holdId: h.id,
								status: h.status,
								expiresAt: h.expiresAt,
								executionId: h.context.executionId ?? null,
								workflowId: h.context.workflowId ?? null,
								node: h.context.node ?? null,
							},
						})),
					);
				}
				return expired;
			});
		},
		close: () => client.close(),
	};
}
