import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { StorageError } from './errors';
import { Mutex } from './mutex';
import type { QueryResult, SqlClient, SqlExecutor } from './types';

interface SharedInstance {
	db: Promise<PGlite>;
	refs: number;
	mutex: Mutex;
	idleTimer?: NodeJS.Timeout;
}

/**
 * Opening PGlite takes seconds (WASM start-up and recovery), so an instance
 * whose last handle closes stays open this long in case the next workflow
 * execution needs it; the timer does not keep the process alive.
 */
export const PGLITE_IDLE_CLOSE_MS = 60_000;

/**
 * PGlite keeps its whole database in one process. Two instances on one data
 * directory would corrupt it, so each directory gets one shared instance per
 * process, reference counted, and every statement goes through one lock.
 */
const instances = new Map<string, SharedInstance>();

function wrap(exec: { query: PGlite['query'] }): SqlExecutor {
	return {
		async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
			const res = await exec.query<T>(sql, params as unknown[]);
			return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
		},
	};
}

/**
 * Creating a new data directory (PostgreSQL's initdb) keeps PGlite's thread
 * busy for seconds without a break. On n8n's main thread that stalls every
 * request and trips n8n's own database health check (a 5 s ping), so a
 * directory that does not exist yet is created in a worker thread; opening
 * an existing one blocks only briefly. Runs once per directory.
 */
const INIT_IN_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
PGlite.create(workerData.dir)
	.then((db) => db.close())
	.then(
		() => parentPort.postMessage({ ok: true }),
		(err) => parentPort.postMessage({ ok: false, message: String((err && err.message) || err) }),
	);
`;

export function isInitialised(dir: string): boolean {
	return fs.existsSync(path.join(dir, 'PG_VERSION'));
}

export async function initialiseDataDir(dir: string): Promise<void> {
	if (isInitialised(dir)) return;
	await new Promise<void>((resolve, reject) => {
		const worker = new Worker(INIT_IN_WORKER, {
			eval: true,
			workerData: { dir, pglite: require.resolve('@electric-sql/pglite') },
		});
		let settled = false;
		worker.once('message', (m: { ok: boolean; message?: string }) => {
			settled = true;
			if (m.ok) resolve();
			else reject(new Error(m.message));
		});
		worker.once('error', (err) => {
			settled = true;
			reject(err);
		});
		worker.once('exit', (code) => {
			if (!settled) reject(new Error(`the set-up worker stopped with code ${code}`));
		});
	});
}

export async function openPglite(dataDir: string): Promise<SqlClient> {
	const key =
		dataDir === 'memory://' ? `memory://${instances.size}:${Date.now()}` : path.resolve(dataDir);
	let shared = instances.get(key);
	if (!shared) {
		const target = key.startsWith('memory://') ? undefined : key;
		if (target) {
			try {
				fs.mkdirSync(target, { recursive: true });
			} catch (err) {
				throw new StorageError(
					`Could not create the embedded database folder ${target}: ${(err as Error).message}`,
					'PGLITE_OPEN',
					'Check that the folder is writable, or set AGENT_OS_DATA_DIR to one that is.',
				);
			}
		}
		const ready = target ? initialiseDataDir(target) : Promise.resolve();
		shared = {
			db: ready
				.then(() => PGlite.create(target, { extensions: { vector } }))
				.catch((err: Error) => {
					instances.delete(key);
					throw new StorageError(
						`Could not open the embedded database in ${target ?? 'memory'}: ${err.message}`,
						'PGLITE_OPEN',
						'Check that the folder is writable and not used by another n8n process.',
					);
				}),
			refs: 0,
			mutex: new Mutex(),
		};
		instances.set(key, shared);
	}
	shared.refs++;
	if (shared.idleTimer) clearTimeout(shared.idleTimer);
	shared.idleTimer = undefined;
	const { mutex } = shared;
	const db = await shared.db;
	let closed = false;

	return {
		kind: 'pglite',
		label: `embedded PGlite (${key})`,
		query: (sql, params) => mutex.run(() => wrap(db).query(sql, params)),
		exec: (sql) => mutex.run(async () => void (await db.exec(sql))),
		transaction: (fn) => mutex.run(() => db.transaction((tx) => fn(wrap(tx)))),
		async close() {
			if (closed) return;
			closed = true;
			const current = instances.get(key);
			if (!current || --current.refs > 0) return;
			current.idleTimer = setTimeout(() => void closeInstance(key), PGLITE_IDLE_CLOSE_MS);
			current.idleTimer.unref();
		},
	};
}

async function closeInstance(key: string): Promise<void> {
	const shared = instances.get(key);
	if (!shared || shared.refs > 0) return;
	instances.delete(key);
	if (shared.idleTimer) clearTimeout(shared.idleTimer);
	const db = await shared.db;
	await shared.mutex.run(() => db.close());
}

/** Closes every embedded instance nobody holds (tests, benchmarks, shutdown). */
export async function closeIdlePglite(): Promise<void> {
	await Promise.all([...instances.keys()].map((key) => closeInstance(key)));
}
