/**
 * Real services for the integration tier. Connection settings come from the
 * environment with this machine's defaults. A suite whose service is absent
 * says so loudly and skips; with CI=true an absent service fails the run.
 */
import { Client } from 'pg';
import * as net from 'node:net';

export const PG = {
	host: process.env.PGHOST ?? '127.0.0.1',
	port: Number(process.env.PGPORT ?? 5432),
	database: process.env.PGDATABASE ?? 'test',
	user: process.env.PGUSER ?? 'postgres',
	password: process.env.PGPASSWORD ?? '',
};

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

async function pgReachable(): Promise<boolean> {
	const c = new Client({ ...PG, connectionTimeoutMillis: 3000 });
	try {
		await c.connect();
		await c.query('SELECT 1');
		return true;
	} catch {
		return false;
	} finally {
		await c.end().catch(() => undefined);
	}
}

function tcpReachable(host: string, port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const s = net.connect({ host, port, timeout: 3000 });
		s.once('connect', () => {
			s.destroy();
			resolve(true);
		});
		s.once('error', () => resolve(false));
		s.once('timeout', () => {
			s.destroy();
			resolve(false);
		});
	});
}

export async function postgresAvailable(): Promise<boolean> {
	return serviceGate('PostgreSQL', `${PG.host}:${PG.port}/${PG.database}`, await pgReachable());
}

export async function rabbitAvailable(): Promise<boolean> {
	const u = new URL(AMQP_URL);
	const ok = await tcpReachable(u.hostname, Number(u.port || 5672));
	return serviceGate('RabbitMQ', `${u.hostname}:${u.port || 5672}`, ok);
}

function serviceGate(name: string, where: string, ok: boolean): boolean {
	if (ok) return true;
	const msg = `${name} is not reachable at ${where}`;
	if (IN_CI) throw new Error(`${msg}; CI=true requires it (start it, or fix the connection env).`);
	console.warn(`\n*** SKIPPING: ${msg}. Start it to run these tests. ***\n`);
	return false;
}

/**
 * `describe` blocks gated on a service. test/integration/global-setup.js probes
 * the services once per run (failing the run in CI when one is absent) and
 * leaves its verdict in the environment the test workers inherit.
 */
export function describeWithPostgres(name: string, fn: () => void): void {
	(process.env.AGENTOS_HAVE_PG === '1' ? describe : describe.skip)(name, fn);
}
export function describeWithRabbit(name: string, fn: () => void): void {
	(process.env.AGENTOS_HAVE_AMQP === '1' ? describe : describe.skip)(name, fn);
}
