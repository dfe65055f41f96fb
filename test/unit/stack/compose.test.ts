import Ajv from 'ajv';
import * as fs from 'fs';
import { readJson, readText, readYaml, repoPath } from './stack-files';

interface Service {
	image?: string;
	build?: unknown;
	profiles?: string[];
	command?: string[];
	entrypoint?: string[];
	environment?: Record<string, string>;
	volumes?: string[];
	ports?: string[];
	healthcheck?: { test: string[] | string };
	depends_on?: Record<string, { condition: string; required?: boolean }>;
	deploy?: { replicas?: number | string; resources?: { limits?: { memory?: string } } };
	networks?: string[];
}
interface Compose {
	services: Record<string, Service>;
	networks: Record<string, unknown>;
	volumes: Record<string, unknown>;
}

const compose = readYaml<Compose>('docker-compose.yml');
const services = Object.entries(compose.services);
const envExample = readText('deploy-local/.env.example');

describe('docker-compose.yml against the Compose specification', () => {
	const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
	const validate = ajv.compile(readJson('test/stack/compose-spec.json'));

	it('is valid', () => {
		const valid = validate(compose);
		expect(validate.errors ?? []).toEqual([]);
		expect(valid).toBe(true);
	});

	it('rejects what the specification forbids (the schema is really applied)', () => {
		const broken = JSON.parse(JSON.stringify(compose)) as Compose & Record<string, unknown>;
		(broken.services.n8n as Record<string, unknown>).restart_policy = 'always';
		(broken.services.n8n.depends_on as Record<string, unknown>).postgres = { condition: 'healthy' };
		expect(validate(broken)).toBe(false);
		expect(validate.errors?.map((e) => e.instancePath)).toEqual(
			expect.arrayContaining(['/services/n8n', '/services/n8n/depends_on']),
		);
	});
});

describe('docker-compose.yml structure', () => {
	it('has the whole stack', () => {
		expect(Object.keys(compose.services).sort()).toEqual(
			[
				'alertmanager',
				'alloy',
				'grafana',
				'loki',
				'n8n',
				'n8n-init',
				'n8n-runner',
				'n8n-webhook',
				'n8n-worker',
				'neo4j',
				'postgres',
				'postgres-exporter',
				'prometheus',
				'rabbitmq',
				'redis',
			].sort(),
		);
		expect(compose.services.postgres.image).toMatch(/^pgvector\/pgvector:/);
		expect(compose.services.neo4j.environment?.NEO4J_PLUGINS).toContain('apoc');
		expect(compose.services.rabbitmq.image).toMatch(/^rabbitmq:[\d.]+-management$/);
		expect(readText('deploy-local/rabbitmq/enabled_plugins')).toMatch(
			/\[\s*rabbitmq_management\s*,\s*rabbitmq_prometheus\s*\]\./,
		);
	});

	it('gives every service a healthcheck, and n8n images probe with wget (they have no curl)', () => {
		for (const [name, service] of services) {
			expect([name, service.healthcheck?.test]).toEqual([name, expect.anything()]);
			const test = JSON.stringify(service.healthcheck?.test);
			expect([name, test]).not.toEqual([name, expect.stringContaining('curl')]);
			if ((service.build && name !== 'n8n-init') || name === 'n8n-runner') {
				expect([name, test]).toEqual([name, expect.stringContaining('wget')]);
			}
		}
	});

	it('waits for dependencies to be healthy (or, for the init job, completed)', () => {
		let edges = 0;
		for (const [name, service] of services) {
			for (const [dependency, rule] of Object.entries(service.depends_on ?? {})) {
				edges++;
				const expected =
					dependency === 'n8n-init' ? 'service_completed_successfully' : 'service_healthy';
				expect([name, dependency, rule.condition]).toEqual([name, dependency, expected]);
				expect(compose.services[dependency]).toBeDefined();
			}
		}
		expect(edges).toBeGreaterThan(10);
		expect(Array.isArray(compose.services.n8n.depends_on)).toBe(false);
	});

	it('only depends on profile services where the dependency is optional or the dependant shares the profile', () => {
		for (const [name, service] of services) {
			for (const [dependency, rule] of Object.entries(service.depends_on ?? {})) {
				const profiles = compose.services[dependency].profiles ?? [];
				if (profiles.length === 0) continue;
				const shared = (service.profiles ?? []).some((p) => profiles.includes(p));
				expect([name, dependency, shared || rule.required === false]).toEqual([
					name,
					dependency,
					true,
				]);
			}
		}
	});

	it('limits the memory of every service', () => {
		for (const [name, service] of services) {
			expect([name, service.deploy?.resources?.limits?.memory]).toEqual([
				name,
				expect.stringMatching(/^\d+[mg]$/),
			]);
		}
	});

	it('keeps state in named volumes and mounts only configuration from the repository, read-only', () => {
		const declared = Object.keys(compose.volumes);
		const usedNamed = new Set<string>();
		for (const [name, service] of services) {
			for (const volume of service.volumes ?? []) {
				const [source, , mode] = volume.split(':');
				if (source.startsWith('./') || source.startsWith('/')) {
					expect([name, volume, mode]).toEqual([name, volume, 'ro']);
					if (source.startsWith('./')) {
						expect([volume, fs.existsSync(repoPath(source))]).toEqual([volume, true]);
					} else {
						expect(source).toBe('/var/run/docker.sock');
					}
				} else {
					expect([name, source, declared.includes(source)]).toEqual([name, source, true]);
					usedNamed.add(source);
				}
			}
		}
		expect([...usedNamed].sort()).toEqual(declared.sort());
	});

	it('puts every service on the one network', () => {
		expect(Object.keys(compose.networks)).toEqual(['agentos']);
		for (const [name, service] of services) {
			expect([name, service.networks]).toEqual([name, ['agentos']]);
		}
	});

	it('configures n8n for PostgreSQL, metrics, task runners and the encryption key from .env', () => {
		const env = compose.services.n8n.environment ?? {};
		expect(env.DB_TYPE).toBe('postgresdb');
		expect(env.DB_POSTGRESDB_HOST).toBe('postgres');
		expect(env.N8N_METRICS).toBe('true');
		expect(env.N8N_METRICS_INCLUDE_MESSAGE_EVENT_BUS_METRICS).toBe('true');
		expect(env.N8N_ENCRYPTION_KEY).toMatch(/^\$\{N8N_ENCRYPTION_KEY:\?/);
		expect(env.N8N_RUNNERS_MODE).toBe('external');
		expect(compose.services['n8n-runner'].environment?.N8N_RUNNERS_TASK_BROKER_URI).toBe(
			'http://n8n:5679',
		);
		// Workers and the webhook processor decrypt the same credentials.
		for (const name of ['n8n-init', 'n8n-worker', 'n8n-webhook']) {
			expect(compose.services[name].environment?.N8N_ENCRYPTION_KEY).toBe(env.N8N_ENCRYPTION_KEY);
		}
	});

	it('has a scale profile in queue mode: Redis, workers and a webhook processor', () => {
		const scale = services.filter(([, s]) => s.profiles?.includes('scale')).map(([n]) => n);
		expect(scale.sort()).toEqual(['n8n-webhook', 'n8n-worker', 'redis']);
		expect(compose.services['n8n-worker'].command?.[0]).toBe('worker');
		expect(compose.services['n8n-webhook'].command).toEqual(['webhook']);
		expect(compose.services.n8n.environment?.EXECUTIONS_MODE).toBe(
			'${N8N_EXECUTIONS_MODE:-regular}',
		);
		expect(compose.services.n8n.environment?.QUEUE_BULL_REDIS_HOST).toBe('redis');
	});

	it('runs the template import as a one-shot init job before n8n', () => {
		const init = compose.services['n8n-init'];
		expect(init.entrypoint?.join(' ')).toContain('/opt/agentos/init/import.sh');
		expect(init.volumes).toEqual(
			expect.arrayContaining(['n8n_data:/home/node/.n8n', './workflows:/opt/agentos/workflows:ro']),
		);
		const script = readText('deploy-local/n8n/import.sh');
		expect(script).toContain('n8n import:credentials --separate');
		expect(script).toContain('n8n import:workflow --separate');
		expect(script).toMatch(/if \[ -f "\$marker" \]/);
	});

	it('binds published ports to BIND_ADDRESS with a port variable that .env.example defines', () => {
		for (const [name, service] of services) {
			for (const port of service.ports ?? []) {
				const match = /^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\$\{([A-Z0-9_]+):-\d+\}:\d+$/.exec(port);
				expect([name, port, match !== null]).toEqual([name, port, true]);
				expect(envExample).toMatch(new RegExp(`^${match?.[1]}=\\d+$`, 'm'));
			}
		}
	});

	it('requires every variable without a default to be in .env.example', () => {
		const required = [...readText('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)(:?[?-])?/g)]
			.filter((m) => m[2] === undefined || m[2].endsWith('?'))
			.map((m) => m[1]);
		expect(required.length).toBeGreaterThan(5);
		for (const name of new Set(required)) {
			expect([name, new RegExp(`^${name}=`, 'm').test(envExample)]).toEqual([name, true]);
		}
	});
});

describe('n8n image (deploy-local/Dockerfile)', () => {
	const dockerfile = readText('deploy-local/Dockerfile');
	const entrypoint = readText('deploy-local/n8n/entrypoint.sh');

	it('installs the npm pack output the way n8n installs a community package', () => {
		expect(dockerfile).toMatch(/npm pack/);
		expect(dockerfile).toMatch(/FROM n8nio\/n8n:\$\{N8N_VERSION\}/);
		expect(dockerfile).toMatch(/nodes\/node_modules\/n8n-nodes-agent-os/);
		expect(dockerfile).toMatch(/npm install --omit=dev --ignore-scripts/);
		expect(dockerfile).toMatch(/delete p\.peerDependencies/);
		expect(dockerfile).not.toMatch(/\bapk\b/);
	});

	it('bakes the package outside the volume and copies it into the user folder at start', () => {
		const instructions = dockerfile.replace(/^#.*$/gm, '');
		expect(instructions).toMatch(/\/opt\/agentos\/nodes/);
		expect(instructions).not.toMatch(/\/home\/node\/\.n8n/);
		expect(entrypoint).toMatch(/\.n8n\/nodes"?$/m);
		expect(entrypoint).toContain('cp -R "$baked/node_modules/$pkg"');
		expect(entrypoint).toContain('exec /docker-entrypoint.sh "$@"');
		expect(compose.services.n8n.volumes).toContain('n8n_data:/home/node/.n8n');
	});

	it('keeps the build context small', () => {
		const ignore = readText('deploy-local/Dockerfile.dockerignore');
		for (const entry of ['node_modules', '.e2e', '**/.env']) {
			expect(ignore.split('\n')).toContain(entry);
		}
	});
});
