/**
 * deploy-local/deploy.sh against a fake `docker` on PATH (fake-docker.sh), which
 * records every call. No Docker engine is involved.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { repoPath } from './stack-files';

const SCRIPT = repoPath('deploy-local/deploy.sh');
const PORT_VARS = [
	'N8N_PORT',
	'N8N_WEBHOOK_PORT',
	'POSTGRES_PORT',
	'NEO4J_HTTP_PORT',
	'NEO4J_BOLT_PORT',
	'RABBITMQ_PORT',
	'RABBITMQ_MANAGEMENT_PORT',
	'GRAFANA_PORT',
	'PROMETHEUS_PORT',
	'ALERTMANAGER_PORT',
	'LOKI_PORT',
];
const SECRETS = [
	'N8N_ENCRYPTION_KEY',
	'N8N_RUNNERS_AUTH_TOKEN',
	'REDIS_PASSWORD',
	'POSTGRES_PASSWORD',
	'NEO4J_PASSWORD',
	'RABBITMQ_PASSWORD',
	'GRAFANA_ADMIN_PASSWORD',
];

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
	calls: string[];
}

let dir: string;
let envFile: string;
let logFile: string;
let ports: Record<string, string>;

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

async function listen(port: number): Promise<net.Server> {
	const server = net.createServer((socket) => socket.destroy());
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return server;
}

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
	fs.writeFileSync(logFile, '');
	const env = {
		PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
		HOME: dir,
		FAKE_DOCKER_LOG: logFile,
		AGENTOS_ENV_FILE: envFile,
		AGENTOS_HEALTH_TIMEOUT: '20',
		AGENTOS_HEALTH_INTERVAL: '0.05',
		AGENTOS_MIN_DISK_GB: '0',
		...ports,
		...extraEnv,
	};
	return new Promise((resolve, reject) => {
		const child = spawn('bash', [SCRIPT, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.stdin.end();
		child.on('error', reject);
		child.on('close', (code) => {
			const calls = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
			resolve({ code, stdout, stderr, calls });
		});
	});
}

function readEnv(): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of fs.readFileSync(envFile, 'utf8').split('\n')) {
		const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
		if (m) out[m[1]] = m[2];
	}
	return out;
}

/** Index of the first recorded call containing `text`, -1 when absent. */
const callIndex = (calls: string[], text: string) => calls.findIndex((c) => c.includes(text));

beforeEach(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-deploy-'));
	fs.mkdirSync(path.join(dir, 'bin'));
	fs.copyFileSync(repoPath('test/unit/stack/fake-docker.sh'), path.join(dir, 'bin', 'docker'));
	fs.chmodSync(path.join(dir, 'bin', 'docker'), 0o755);
	envFile = path.join(dir, '.env');
	logFile = path.join(dir, 'docker-calls.log');
	ports = {};
	for (const name of PORT_VARS) ports[name] = String(await freePort());
});

afterEach(() => {
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('deploy.sh on a fresh machine', () => {
	it('writes .env with generated secrets and starts the stack in dependency order', async () => {
		const result = await run([]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);

		expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
		const env = readEnv();
		const secrets = SECRETS.map((name) => env[name]);
		for (const secret of secrets) expect(secret).toMatch(/^[0-9a-f]{48}$/);
		expect(new Set(secrets).size).toBe(secrets.length);
		expect(env.N8N_OWNER_PASSWORD).toMatch(/^(?=.*[A-Z])(?=.*\d).{8,64}$/);
		expect(env.N8N_WEBHOOK_URL).toBe(`http://localhost:${ports.N8N_PORT}/`);
		for (const name of PORT_VARS) expect(env[name]).toBe(ports[name]);

		const { calls } = result;
		expect(callIndex(calls, 'compose version')).toBeGreaterThan(-1);
		const stackCalls = calls.filter(
			(c) => c.startsWith('compose ') && !c.startsWith('compose version'),
		);
		expect(stackCalls.length).toBeGreaterThan(5);
		for (const call of stackCalls) expect(call).toContain(`--env-file ${envFile}`);
		const order = [
			'build n8n',
			'up -d --no-deps postgres neo4j rabbitmq|',
			'up -d --no-deps n8n-init',
			'up -d --no-deps n8n n8n-runner|',
			'up -d --no-deps postgres-exporter loki alloy alertmanager prometheus grafana',
			'exec -T n8n',
		].map((text) => callIndex(calls, text));
		expect(order.every((i) => i >= 0)).toBe(true);
		expect([...order].sort((a, b) => a - b)).toEqual(order);

		expect(result.stdout).toContain(`http://localhost:${ports.N8N_PORT}/`);
		expect(result.stdout).toContain(`login admin / ${env.GRAFANA_ADMIN_PASSWORD}`);
		expect(result.stdout).toMatch(/neo4j +healthy/);
	});

	it('moves a default port that is taken to a free one and records it in .env', async () => {
		const busy = Number(ports.N8N_PORT);
		const server = await listen(busy);
		try {
			const result = await run([]);
			expect(result.code).toBe(0);
			const env = readEnv();
			expect(env.N8N_PORT).not.toBe(String(busy));
			expect(Number(env.N8N_PORT)).toBeGreaterThan(busy);
			const assigned = PORT_VARS.map((name) => env[name]);
			expect(new Set(assigned).size).toBe(assigned.length);
			expect(result.stdout).toContain(`port ${busy} for N8N_PORT is taken; using ${env.N8N_PORT}`);
			expect(env.N8N_WEBHOOK_URL).toBe(`http://localhost:${env.N8N_PORT}/`);
		} finally {
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	});

	it('refuses Compose versions without depends_on.required, before writing anything', async () => {
		const result = await run([], { FAKE_COMPOSE_VERSION: '2.17.3' });
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain('Docker Compose 2.17.3 is too old; 2.20.0 or newer is needed');
		expect(fs.existsSync(envFile)).toBe(false);
		expect(callIndex(result.calls, ' up ')).toBe(-1);
	});

	it('refuses a Docker engine with too little memory', async () => {
		const result = await run([], { FAKE_DOCKER_MEMORY: String(2 * 1024 ** 3) });
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain(
			'Docker has 2048 MB of memory; the stack needs at least 4096 MB',
		);
	});
});

describe('deploy.sh with an existing .env', () => {
	const custom = 'N8N_PORT=5999\nPOSTGRES_PASSWORD=mine\nGRAFANA_ADMIN_USER=admin\n';

	it('leaves the file exactly as it is and uses it', async () => {
		fs.writeFileSync(envFile, custom, { mode: 0o644 });
		const before = fs.statSync(envFile);
		const result = await run([]);
		expect(result.code).toBe(0);
		expect(fs.readFileSync(envFile, 'utf8')).toBe(custom);
		expect(fs.statSync(envFile).mtimeMs).toBe(before.mtimeMs);
		expect(result.stdout).toContain(`Using existing ${envFile}`);
		expect(result.stdout).toContain('http://localhost:5999/');
	});

	it('is idempotent: a second run changes nothing and succeeds again', async () => {
		expect((await run([])).code).toBe(0);
		const first = fs.readFileSync(envFile, 'utf8');
		const second = await run([]);
		expect(second.code).toBe(0);
		expect(fs.readFileSync(envFile, 'utf8')).toBe(first);
	});
});

describe('deploy.sh when something does not come up', () => {
	it('stops with a clear message when a service never becomes healthy', async () => {
		const result = await run([], {
			FAKE_UNHEALTHY: 'neo4j',
			AGENTOS_HEALTH_TIMEOUT: '1',
			AGENTOS_HEALTH_INTERVAL: '0.1',
		});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(
			'neo4j did not become healthy within 1s (last state: running (starting)); see: deploy-local/deploy.sh --logs neo4j',
		);
		expect(result.stdout).toMatch(/neo4j +\.*timed out/);
		expect(callIndex(result.calls, 'up -d --no-deps n8n-init')).toBe(-1);
		expect(callIndex(result.calls, 'up -d --no-deps n8n n8n-runner')).toBe(-1);
	});

	it('stops when the import job fails and shows its log', async () => {
		const result = await run([], { FAKE_INIT_EXIT: '3' });
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('n8n-init exited with code 3');
		expect(callIndex(result.calls, 'logs --no-color --tail 30 n8n-init')).toBeGreaterThan(-1);
		expect(callIndex(result.calls, 'up -d --no-deps n8n n8n-runner')).toBe(-1);
	});
});

describe('deploy.sh --scale', () => {
	it('starts Redis, workers and the webhook processor with the scale profile', async () => {
		const result = await run(['--scale']);
		expect(result.code).toBe(0);
		expect(
			callIndex(result.calls, 'up -d --no-deps postgres neo4j rabbitmq redis|profiles=scale'),
		).toBeGreaterThan(-1);
		expect(
			callIndex(
				result.calls,
				'up -d --no-deps n8n n8n-runner n8n-worker n8n-webhook|profiles=scale',
			),
		).toBeGreaterThan(-1);
	});
});

describe('deploy.sh with queue mode kept in .env', () => {
	it('treats COMPOSE_PROFILES=scale in .env like --scale', async () => {
		fs.writeFileSync(envFile, 'COMPOSE_PROFILES=scale\nN8N_WORKER_REPLICAS=3\n');
		const result = await run([]);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('queue mode: Redis, 3 worker(s) and a webhook processor');
		expect(
			callIndex(result.calls, 'up -d --no-deps postgres neo4j rabbitmq redis'),
		).toBeGreaterThan(-1);
	});
});

describe('deploy.sh --status, --down and --reset', () => {
	it('--status needs a deployment', async () => {
		const result = await run(['--status']);
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain('nothing has been deployed from here yet');
	});

	it('--down removes containers but keeps the volumes', async () => {
		fs.writeFileSync(envFile, 'N8N_PORT=5678\n');
		const result = await run(['--down']);
		expect(result.code).toBe(0);
		const down = result.calls.find((c) => c.includes(' down '));
		expect(down).toContain('down --remove-orphans|profiles=scale');
		expect(down).not.toContain('--volumes');
	});

	it('--reset without a terminal and without --yes refuses and deletes nothing', async () => {
		fs.writeFileSync(envFile, 'N8N_PORT=5678\n');
		const result = await run(['--reset']);
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain('no terminal to ask for confirmation, so nothing was done');
		expect(result.stderr).toContain('--reset --yes');
		expect(callIndex(result.calls, ' down')).toBe(-1);
		expect(fs.existsSync(envFile)).toBe(true);
	});

	it('--reset --yes deletes the volumes and keeps .env', async () => {
		fs.writeFileSync(envFile, 'N8N_PORT=5678\n');
		const result = await run(['--reset', '--yes']);
		expect(result.code).toBe(0);
		expect(
			callIndex(result.calls, 'down --volumes --remove-orphans|profiles=scale'),
		).toBeGreaterThan(-1);
		expect(fs.readFileSync(envFile, 'utf8')).toBe('N8N_PORT=5678\n');
	});

	it('rejects unknown options', async () => {
		const result = await run(['--frobnicate']);
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain('unknown option --frobnicate');
	});
});
