import { StorageError } from './errors';
import type { SqlClient } from './types';

/**
 * Makes sure pgvector is available. A server without it gets an error that
 * says exactly what to install, or to switch to the embedded store.
 */
export async function ensureVectorExtension(client: SqlClient): Promise<void> {
	const have = await client.query<{ n: number }>(
		"SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'vector'",
	);
	if (have.rows[0]?.n) return;
	try {
		await client.query('CREATE EXTENSION IF NOT EXISTS vector');
	} catch (err) {
		const e = err as Error & { code?: string };
		if (e.code === '42501') {
			throw new StorageError(
				`The pgvector extension is installed on ${client.label} but not enabled in this database, and this user may not enable it.`,
				'PGVECTOR_PERMISSION',
				'Ask a database superuser to run: CREATE EXTENSION vector; — or choose Storage: Embedded.',
			);
		}
		if (e.code === '23505') return; // another process created it at the same moment
		throw new StorageError(
			`${client.label} has no pgvector extension (${e.message}).`,
			'PGVECTOR_MISSING',
			'Install pgvector on the database server (Debian/Ubuntu: apt install postgresql-<version>-pgvector; Docker: the pgvector/pgvector image) and run CREATE EXTENSION vector; — or choose Storage: Embedded, which ships pgvector.',
		);
	}
}
