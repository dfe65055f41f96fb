import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { openComplianceStore, type ComplianceStore } from '../../lib/compliance';

/** Opens the audit/holds store for the Storage parameter: embedded PGlite or the `postgres` credential. */
export async function openStore(
	storage: string,
	chain: string,
	credentials: () => Promise<ICredentialDataDecryptedObject>,
): Promise<ComplianceStore> {
	if (storage !== 'postgres') return openComplianceStore({ kind: 'embedded' }, chain || 'default');
	const c = await credentials();
	const sslSetting = typeof c.ssl === 'string' ? c.ssl : 'disable';
	const ssl =
		sslSetting === 'disable'
			? 'disable'
			: c.allowUnauthorizedCerts || sslSetting === 'allow'
				? 'allow-unauthorized'
				: 'require';
	return openComplianceStore(
		{
			kind: 'postgres',
			host: String(c.host),
			port: Number(c.port ?? 5432),
			database: String(c.database),
			user: String(c.user),
			password: c.password ? String(c.password) : undefined,
			ssl,
		},
		chain || 'default',
	);
}
