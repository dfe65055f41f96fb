/**
 * deploy-local/n8n/credentials.js: the plain-data credential files the init job
 * hands to `n8n import:credentials --separate`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoPath } from './stack-files';

interface Credential {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

function generate(env: Record<string, string>): { out: string; files: Record<string, Credential> } {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-creds-'));
	const target = path.join(dir, 'credentials');
	const result = spawnSync(
		process.execPath,
		[repoPath('deploy-local/n8n/credentials.js'), target],
		{
			env: { PATH: process.env.PATH, ...env },
			encoding: 'utf8',
		},
	);
	expect(result.status).toBe(0);
	const files: Record<string, Credential> = {};
	for (const file of fs.readdirSync(target)) {
		expect(fs.statSync(path.join(target, file)).mode & 0o077).toBe(0);
		const credential = JSON.parse(fs.readFileSync(path.join(target, file), 'utf8')) as Credential;
		files[credential.type] = credential;
	}
	fs.rmSync(dir, { recursive: true, force: true });
	return { out: result.stdout + result.stderr, files };
}

describe('credentials for the import job', () => {
	it('describes the compose services with the passwords from the environment, printing nothing', () => {
		const { out, files } = generate({
			AGENTOS_POSTGRES_PASSWORD: 'pg-secret',
			AGENTOS_RABBITMQ_PASSWORD: 'mq-secret',
			AGENTOS_NEO4J_PASSWORD: 'neo-secret',
		});
		expect(out).toBe('');
		expect(Object.keys(files).sort()).toEqual(['neo4jApi', 'postgres', 'rabbitmq']);
		expect(files.postgres).toMatchObject({
			id: 'agentosPostgres1',
			data: {
				host: 'postgres',
				port: 5432,
				database: 'agentos',
				password: 'pg-secret',
				ssl: 'disable',
			},
		});
		expect(files.rabbitmq.data).toMatchObject({
			hostname: 'rabbitmq',
			port: 5672,
			password: 'mq-secret',
		});
		expect(files.neo4jApi.data).toMatchObject({ uri: 'bolt://neo4j:7687', password: 'neo-secret' });
		// n8n only encrypts `data` on import when it is an object.
		for (const credential of Object.values(files)) expect(typeof credential.data).toBe('object');
	});

	it('takes RabbitMQ from a CloudAMQP URL, decoding user, password and vhost', () => {
		const { files } = generate({
			AGENTOS_AMQP_URL: 'amqps://us%40er:p%2Fss@bunny.cloudamqp.com/my%2Fvhost',
		});
		expect(files.rabbitmq.data).toEqual({
			hostname: 'bunny.cloudamqp.com',
			port: 5671,
			username: 'us@er',
			password: 'p/ss',
			vhost: 'my/vhost',
			ssl: true,
		});
	});

	it('uses fixed ids that templates can reference', () => {
		const { files } = generate({});
		expect(
			Object.values(files)
				.map((c) => c.id)
				.sort(),
		).toEqual(['agentosNeo4j0001', 'agentosPostgres1', 'agentosRabbitMQ1']);
		for (const credential of Object.values(files)) expect(credential.id).toHaveLength(16);
	});
});
