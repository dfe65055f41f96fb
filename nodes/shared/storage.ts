import type { IExecuteFunctions, ISupplyDataFunctions, INodeProperties } from 'n8n-workflow';
import { defaultDataDir, type ConnectionConfig } from '../../lib/db';

type Context = IExecuteFunctions | ISupplyDataFunctions;

/** The "Storage" parameter every node with a SQL backend shares. */
export const storageProperty: INodeProperties = {
	displayName: 'Storage',
	name: 'storage',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Embedded',
			value: 'embedded',
			description:
				'PostgreSQL + pgvector compiled into the node (PGlite), saved under the n8n user folder. Nothing to install.',
		},
		{
			name: 'PostgreSQL',
			value: 'postgres',
			description: 'A PostgreSQL server with the pgvector extension, through a Postgres credential',
		},
	],
	default: 'embedded',
};

/** The fields of n8n's built-in Postgres credential this package reads. */
export interface PostgresCredential {
	host: string;
	port?: number;
	database: string;
	user: string;
	password?: string;
	ssl?: string;
	allowUnauthorizedCerts?: boolean;
}

/** Maps n8n's Postgres credential (its SSL choices included) to a lib/db connection. */
export function postgresConnection(c: PostgresCredential): ConnectionConfig & { kind: 'postgres' } {
	const ssl =
		!c.ssl || c.ssl === 'disable'
			? 'disable'
			: c.allowUnauthorizedCerts || c.ssl === 'allow'
				? 'allow-unauthorized'
				: 'require';
	return {
		kind: 'postgres',
		host: String(c.host),
		port: Number(c.port ?? 5432),
		database: String(c.database),
		user: String(c.user),
		password: c.password ? String(c.password) : undefined,
		ssl,
	};
}

/** Turns the Storage parameter (and credential) into a connection for lib/db. */
export async function connectionFor(ctx: Context, itemIndex = 0): Promise<ConnectionConfig> {
	const storage = ctx.getNodeParameter('storage', itemIndex, 'embedded') as string;
	if (storage !== 'postgres') return { kind: 'pglite', dataDir: defaultDataDir() };
	return postgresConnection(
		(await ctx.getCredentials('postgres', itemIndex)) as unknown as PostgresCredential,
	);
}
