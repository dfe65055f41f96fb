// Credentials the templates reference, created in the test n8n through its
// public API, pointing at this machine's services and the local OpenAI mock.
const { AMQP_URL_DEFAULT, PG_DEFAULT } = {
	AMQP_URL_DEFAULT: process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
	PG_DEFAULT: {
		host: process.env.PGHOST || '127.0.0.1',
		port: Number(process.env.PGPORT || 5432),
		database: process.env.PGDATABASE || 'test',
		user: process.env.PGUSER || 'postgres',
		password: process.env.PGPASSWORD || '',
	},
};

function credentialFactory({ openaiUrl }) {
	const made = new Map();
	const amqp = new URL(AMQP_URL_DEFAULT);
	const data = {
		openAiApi: { apiKey: 'sk-local-test', url: openaiUrl, header: false },
		rabbitmq: {
			hostname: amqp.hostname,
			port: Number(amqp.port || 5672),
			username: decodeURIComponent(amqp.username || 'guest'),
			password: decodeURIComponent(amqp.password || 'guest'),
			vhost: '/',
			ssl: false,
		},
		postgres: {
			...PG_DEFAULT,
			maxConnections: 10,
			allowUnauthorizedCerts: false,
			ssl: 'disable',
			sshTunnel: false,
		},
	};
	return async (type, client) => {
		if (made.has(type)) return made.get(type);
		if (!data[type]) return undefined;
		const created = await client.createCredential(`Local ${type}`, type, data[type]);
		const ref = { id: created.id, name: created.name };
		made.set(type, ref);
		return ref;
	};
}

module.exports = { credentialFactory };
