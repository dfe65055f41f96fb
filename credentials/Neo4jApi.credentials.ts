import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Neo4j over Bolt for the Consciousness Graph node. The connection test uses
 * Neo4j's HTTP discovery endpoint next to Bolt (same host, the HTTP port).
 */
export class Neo4jApi implements ICredentialType {
	name = 'neo4jApi';

	displayName = 'Neo4j API';

	icon = 'file:neo4j.svg' as const;

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-agent-os#consciousness-graph';

	properties: INodeProperties[] = [
		{
			displayName: 'Connection URI',
			name: 'uri',
			type: 'string',
			default: 'neo4j://localhost:7687',
			placeholder: 'neo4j+s://xxxxxxxx.databases.neo4j.io',
			description: 'Bolt URI: neo4j:// or bolt:// (add +s for TLS, as Neo4j AuraDB requires)',
			required: true,
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: 'neo4j',
			required: true,
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'neo4j',
			description: 'The database name; AuraDB free instances have only "neo4j"',
		},
		{
			displayName: 'HTTP URL for Connection Test',
			name: 'httpUrl',
			type: 'string',
			default: 'http://localhost:7474',
			description:
				'Neo4j HTTP(S) endpoint used only by the credential test; for AuraDB use https://<id>.databases.neo4j.io',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: { username: '={{$credentials.username}}', password: '={{$credentials.password}}' },
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.httpUrl}}',
			url: '=/db/{{$credentials.database || "neo4j"}}/tx/commit',
			method: 'POST',
			body: { statements: [{ statement: 'RETURN 1 AS ok' }] },
		},
	};
}
