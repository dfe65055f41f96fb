import * as fs from 'fs';
import { readYaml, repoPath } from './stack-files';

interface EnvVar {
	key?: string;
	value?: string;
	generateValue?: boolean;
	sync?: boolean;
	fromGroup?: string;
	fromDatabase?: { name: string; property: string };
	fromService?: { type: string; name: string; property: string };
}
interface RenderService {
	type: string;
	name: string;
	runtime?: string;
	dockerfilePath?: string;
	dockerContext?: string;
	healthCheckPath?: string;
	disk?: { mountPath: string; sizeGB: number };
	envVars?: EnvVar[];
	ipAllowList?: unknown[];
	maxmemoryPolicy?: string;
}
interface Blueprint {
	services: RenderService[];
	databases: Array<{ name: string; databaseName: string; user: string; plan: string }>;
	envVarGroups: Array<{ name: string; envVars: EnvVar[] }>;
}

const blueprint = readYaml<Blueprint>('deploy-cloud/render.yaml');
const byType = (type: string) => blueprint.services.filter((s) => s.type === type);
const groups = new Map(blueprint.envVarGroups.map((g) => [g.name, g.envVars]));

/** A service's variables with its env groups expanded. */
function variables(service: RenderService): Map<string, EnvVar> {
	const out = new Map<string, EnvVar>();
	for (const entry of service.envVars ?? []) {
		if (entry.fromGroup) {
			for (const v of groups.get(entry.fromGroup) ?? []) out.set(v.key ?? '', v);
		} else {
			out.set(entry.key ?? '', entry);
		}
	}
	return out;
}

describe('deploy-cloud/render.yaml', () => {
	const [web] = byType('web');
	const [worker] = byType('worker');
	const [queue] = byType('keyvalue');

	it('has an n8n web service, a worker, a Key Value instance and a PostgreSQL database', () => {
		expect(byType('web')).toHaveLength(1);
		expect(byType('worker')).toHaveLength(1);
		expect(byType('keyvalue')).toHaveLength(1);
		expect(blueprint.databases).toHaveLength(1);
		expect(queue.maxmemoryPolicy).toBe('noeviction');
		expect(queue.ipAllowList).toEqual([]);
	});

	it('builds web and worker from the Dockerfile that installs the package', () => {
		for (const service of [web, worker]) {
			expect(service.runtime).toBe('docker');
			expect(service.dockerContext).toBe('.');
			expect(fs.existsSync(repoPath(service.dockerfilePath ?? 'missing'))).toBe(true);
		}
		expect(web.healthCheckPath).toBe('/healthz');
		expect(web.disk?.mountPath).toBe('/home/node/.n8n');
	});

	it('generates the shared secrets in an env group used by both web and worker', () => {
		const secrets = [...groups.entries()].filter(([, vars]) => vars.some((v) => v.generateValue));
		expect(secrets).toHaveLength(1);
		const [groupName, vars] = secrets[0];
		expect(vars.filter((v) => v.generateValue).map((v) => v.key)).toEqual(
			expect.arrayContaining(['N8N_ENCRYPTION_KEY', 'N8N_RUNNERS_AUTH_TOKEN']),
		);
		for (const service of [web, worker]) {
			expect(service.envVars?.some((e) => e.fromGroup === groupName)).toBe(true);
			expect(variables(service).get('N8N_ENCRYPTION_KEY')?.generateValue).toBe(true);
		}
		// No secret is written into the file.
		for (const [, entries] of groups) {
			for (const v of entries) {
				if (/KEY|TOKEN|PASSWORD|SECRET/.test(v.key ?? '')) expect(v.value).toBeUndefined();
			}
		}
	});

	it('runs n8n in queue mode on the Key Value instance and the Render database', () => {
		for (const service of [web, worker]) {
			const vars = variables(service);
			expect(vars.get('EXECUTIONS_MODE')?.value).toBe('queue');
			expect(vars.get('DB_TYPE')?.value).toBe('postgresdb');
			expect(vars.get('QUEUE_BULL_REDIS_HOST')?.fromService).toEqual({
				type: 'keyvalue',
				name: queue.name,
				property: 'host',
			});
			for (const key of ['HOST', 'PORT', 'DATABASE', 'USER', 'PASSWORD']) {
				expect(vars.get(`DB_POSTGRESDB_${key}`)?.fromDatabase?.name).toBe(
					blueprint.databases[0].name,
				);
			}
		}
		expect(variables(worker).get('AGENTOS_N8N_COMMAND')?.value).toMatch(/^worker\b/);
	});

	it('asks for the Neo4j AuraDB and CloudAMQP URLs instead of storing them', () => {
		const vars = variables(web);
		for (const key of [
			'AGENTOS_NEO4J_URI',
			'AGENTOS_NEO4J_PASSWORD',
			'AGENTOS_AMQP_URL',
			'WEBHOOK_URL',
		]) {
			expect([key, vars.get(key)?.sync]).toEqual([key, false]);
			expect(vars.get(key)?.value).toBeUndefined();
		}
		expect(vars.get('AGENTOS_IMPORT_ON_START')?.value).toBe('1');
	});

	it('names only env groups, databases and services that exist', () => {
		const names = new Set(blueprint.services.map((s) => s.name));
		for (const service of blueprint.services) {
			for (const entry of service.envVars ?? []) {
				if (entry.fromGroup) expect(groups.has(entry.fromGroup)).toBe(true);
				if (entry.fromService) expect(names.has(entry.fromService.name)).toBe(true);
				if (entry.fromDatabase) expect(entry.fromDatabase.name).toBe(blueprint.databases[0].name);
				const sources = [
					'value',
					'generateValue',
					'sync',
					'fromGroup',
					'fromDatabase',
					'fromService',
				].filter((k) => k in entry);
				expect([entry.key ?? entry.fromGroup, sources.length]).toEqual([
					entry.key ?? entry.fromGroup,
					1,
				]);
			}
		}
	});
});

describe('deploy-cloud/helm/values.yaml', () => {
	const values = readYaml<{
		image: { repository: string; tag: string };
		db: { type: string };
		worker: { mode: string };
		webhook: { mode: string };
		main: { extraEnvVars: Record<string, string>; persistence: { mountPath: string } };
		existingEncryptionKeySecret: string;
		serviceMonitor: { enabled: boolean };
	}>('deploy-cloud/helm/values.yaml');

	it('runs the package image in queue mode with PostgreSQL and metrics', () => {
		expect(values.image.repository).toMatch(/agentos\/n8n$/);
		expect(values.db.type).toBe('postgresdb');
		expect(values.worker.mode).toBe('queue');
		expect(values.webhook.mode).toBe('queue');
		expect(values.existingEncryptionKeySecret).toBeTruthy();
		expect(values.serviceMonitor.enabled).toBe(true);
		expect(values.main.extraEnvVars.AGENTOS_IMPORT_ON_START).toBe('1');
		expect(values.main.persistence.mountPath).toBe('/home/node/.n8n');
	});
});
