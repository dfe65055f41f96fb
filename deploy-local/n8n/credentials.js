// Writes one plain-data n8n credential file per bundled service into the
// folder given as the first argument, for `n8n import:credentials --separate`.
// Values come from the container environment (deploy-local/.env through
// docker-compose.yml, or the Render blueprint); nothing is printed. The ids are
// fixed so that workflow templates can refer to these credentials and a
// repeated import updates them in place.
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const env = process.env;
const now = new Date().toISOString();

/** RabbitMQ fields from AGENTOS_AMQP_URL (e.g. CloudAMQP's amqps://user:pass@host/vhost). */
function rabbitFromUrl(value) {
	const url = new URL(value);
	const tls = url.protocol === 'amqps:';
	return {
		hostname: url.hostname,
		port: Number(url.port) || (tls ? 5671 : 5672),
		username: decodeURIComponent(url.username),
		password: decodeURIComponent(url.password),
		vhost: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '/',
		ssl: tls,
	};
}

const rabbit = env.AGENTOS_AMQP_URL
	? rabbitFromUrl(env.AGENTOS_AMQP_URL)
	: {
			hostname: env.AGENTOS_RABBITMQ_HOST || 'rabbitmq',
			port: Number(env.AGENTOS_RABBITMQ_PORT || 5672),
			username: env.AGENTOS_RABBITMQ_USER || 'agentos',
			password: env.AGENTOS_RABBITMQ_PASSWORD || '',
			vhost: '/',
			ssl: false,
		};

const credentials = [
	{
		id: 'agentosPostgres1',
		name: 'Agent OS PostgreSQL',
		type: 'postgres',
		data: {
			host: env.AGENTOS_POSTGRES_HOST || 'postgres',
			port: Number(env.AGENTOS_POSTGRES_PORT || 5432),
			database: env.AGENTOS_POSTGRES_DB || 'agentos',
			user: env.AGENTOS_POSTGRES_USER || 'agentos',
			password: env.AGENTOS_POSTGRES_PASSWORD || '',
			ssl: env.AGENTOS_POSTGRES_SSL || 'disable',
		},
	},
	{ id: 'agentosRabbitMQ1', name: 'Agent OS RabbitMQ', type: 'rabbitmq', data: rabbit },
	{
		id: 'agentosNeo4j0001',
		name: 'Agent OS Neo4j',
		type: 'neo4jApi',
		data: {
			uri: env.AGENTOS_NEO4J_URI || 'bolt://neo4j:7687',
			username: env.AGENTOS_NEO4J_USER || 'neo4j',
			password: env.AGENTOS_NEO4J_PASSWORD || '',
			database: env.AGENTOS_NEO4J_DATABASE || 'neo4j',
		},
	},
];

fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
for (const credential of credentials) {
	const file = path.join(dir, `${credential.id}.json`);
	fs.writeFileSync(file, JSON.stringify({ ...credential, createdAt: now, updatedAt: now }), {
		mode: 0o600,
	});
}
