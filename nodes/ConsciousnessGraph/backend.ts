import { postgresConnection, type PostgresCredential } from '../shared/storage';
import type { IExecuteFunctions, INodeProperties, ISupplyDataFunctions } from 'n8n-workflow';
import { defaultDataDir } from '../../lib/db';
import { openGraphStore, type GraphStore } from '../../lib/graph';

type Context = IExecuteFunctions | ISupplyDataFunctions;

export const backendProperty: INodeProperties = {
	displayName: 'Backend',
	name: 'backend',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Embedded',
			value: 'embedded',
			description:
				'Graph tables in the PostgreSQL compiled into the node (PGlite), saved under the n8n user folder. Nothing to install.',
		},
		{
			name: 'PostgreSQL',
			value: 'postgres',
			description:
				'Graph tables on a PostgreSQL server, through a Postgres credential (no extension needed)',
		},
		{
			name: 'Neo4j',
			value: 'neo4j',
			description: 'A Neo4j 5 database over Bolt, through a Neo4j credential; enables Run Cypher',
		},
	],
	default: 'embedded',
};

export const graphProperty: INodeProperties = {
	displayName: 'Graph',
	name: 'graph',
	type: 'string',
	default: 'default',
	required: true,
	description:
		'Name of the graph to use: lower-case letters, digits and _. Graphs in one database do not see each other.',
};

export const backendCredentials = [
	{ name: 'postgres', required: true, displayOptions: { show: { backend: ['postgres'] } } },
	{ name: 'neo4jApi', required: true, displayOptions: { show: { backend: ['neo4j'] } } },
];

interface Neo4jCredential {
	uri: string;
	username: string;
	password: string;
	database?: string;
}

/** Opens the graph store the Backend and Graph parameters name. */
export async function openStore(
	ctx: Context,
	singleValued: string[] = [],
	itemIndex = 0,
): Promise<GraphStore> {
	const backend = ctx.getNodeParameter('backend', itemIndex, 'embedded') as string;
	const graph = ctx.getNodeParameter('graph', itemIndex, 'default') as string;
	if (backend === 'neo4j') {
		const c = (await ctx.getCredentials('neo4jApi', itemIndex)) as unknown as Neo4jCredential;
		return openGraphStore({
			kind: 'neo4j',
			connection: {
				uri: c.uri,
				username: c.username,
				password: c.password,
				database: c.database || undefined,
			},
			graph,
			singleValued,
		});
	}
	if (backend === 'postgres') {
		const c = (await ctx.getCredentials('postgres', itemIndex)) as unknown as PostgresCredential;
		return openGraphStore({
			kind: 'sql',
			connection: postgresConnection(c),
			graph,
			singleValued,
		});
	}
	return openGraphStore({
		kind: 'sql',
		connection: { kind: 'pglite', dataDir: defaultDataDir() },
		graph,
		singleValued,
	});
}

/** Splits a comma-separated list parameter. */
export function list(value: unknown): string[] {
	if (Array.isArray(value))
		return value
			.map(String)
			.map((s) => s.trim())
			.filter(Boolean);
	if (typeof value !== 'string') return [];
	return value
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}
