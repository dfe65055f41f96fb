import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { openComplianceStore, type ComplianceStore } from '../../lib/compliance';
import { postgresConnection, type PostgresCredential } from '../shared/storage';

/** Opens the audit/holds store for the Storage parameter: embedded PGlite or the `postgres` credential. */
export async function openStore(
	storage: string,
	chain: string,
	credentials: () => Promise<ICredentialDataDecryptedObject>,
): Promise<ComplianceStore> {
	if (storage !== 'postgres') return openComplianceStore({ kind: 'embedded' }, chain || 'default');
	const c = (await credentials()) as unknown as PostgresCredential;
	return openComplianceStore(postgresConnection(c), chain || 'default');
}
