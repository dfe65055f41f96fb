import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { StorageError } from './errors';
import { Mutex } from './mutex';
import type { QueryResult, SqlClient, SqlExecutor } from './types';

interface SharedInstance {
	db: Promise<PgliteThread>;
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

/**
 * PGlite runs PostgreSQL compiled to WebAssembly on the thread that calls it,
 * and a statement holds that thread until it ends: an index build over many
 * memories takes a minute, creating a data directory (initdb) seconds. On
 * n8n's main thread that would stall every request, the editor and n8n's own
 * database health check. So each embedded database lives in a worker thread
 * of its own, and statements, their parameters and their rows travel as
 * messages (structured clones: dates, arrays and binary data arrive as such).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const { vector } = require(workerData.vector);
const FIELDS = ['code', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'dataType', 'constraint', 'severity', 'where'];
const errorOf = (e) => {
	const out = { message: String((e && e.message) || e) };
	for (const k of FIELDS) if (e && e[k] !== undefined) out[k] = e[k];
	return out;
};
let db;
parentPort.on('message', async (m) => {
	try {
		let result;
		if (m.op === 'open') db = await PGlite.create(workerData.dir, { extensions: { vector } });
		else if (m.op === 'query') {
			if (m.begin) await db.query('BEGIN');
			const r = await db.query(m.sql, m.params);
			result = { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
		} else if (m.op === 'exec') await db.exec(m.sql);
		else if (m.op === 'close') await db.close();
		parentPort.postMessage({ id: m.id, ok: true, result });
	} catch (e) {
		parentPort.postMessage({ id: m.id, ok: false, error: errorOf(e) });
	}
});
`;

type Op = 'open' | 'query' | 'exec' | 'close';

/** One embedded database in its worker thread; calls are answered in order. */
class PgliteThread {
	private readonly worker: Worker;
	private readonly pending = new Map<
		number,
		{ resolve: (v: unknown) => void; reject: (e: Error) => void }
	>();
	private next = 1;
	private dead?: Error;

	constructor(dir: string | undefined) {
		this.worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: {
				dir,
				pglite: require.resolve('@electric-sql/pglite'),
				vector: require.resolve('@electric-sql/pglite-pgvector'),
			},
		});
		// Idle, the thread does not keep the process alive; a call in flight does.
		this.worker.unref();
		this.worker.on(
			'message',
			(m: { id: number; ok: boolean; result?: unknown; error?: Record<string, unknown> }) => {
				const call = this.pending.get(m.id);
				if (!call) return;
				this.pending.delete(m.id);
				if (!this.pending.size) this.worker.unref();
				if (m.ok) call.resolve(m.result);
				else call.reject(Object.assign(new Error(String(m.error?.message)), m.error));
			},
		);
		const fail = (err: Error) => {
			this.dead = err;
			for (const call of this.pending.values()) call.reject(err);
			this.pending.clear();
		};
		this.worker.on('error', fail);
		this.worker.on('exit', (code) =>
			fail(new Error(`the embedded database thread stopped (code ${code})`)),
		);
	}

	/** `begin`: open a transaction right before the statement (one round trip instead of two). */
	call<T>(op: Op, sql?: string, params?: unknown[], begin = false): Promise<T> {
		if (this.dead) return Promise.reject(this.dead);
		const id = this.next++;
		return new Promise<T>((resolve, reject) => {
			if (!this.pending.size) this.worker.ref();
			this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
			this.worker.postMessage({ id, op, sql, params, begin });
		});
	}

	async stop(): Promise<void> {
		try {
			if (!this.dead) await this.call('close');
		} finally {
			await this.worker.terminate();
		}
	}
}

function executor(thread: PgliteThread): SqlExecutor {
	return {
		query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
			return thread.call<QueryResult<T>>('query', sql, params);
		},
	};
}

/** Starts a database thread and opens (creating if need be) the directory in it. */
async function startThread(dir: string | undefined): Promise<PgliteThread> {
	const thread = new PgliteThread(dir);
	try {
		await thread.call('open');
	} catch (err) {
		await thread.stop().catch(() => undefined);
		throw err;
	}
	return thread;
}

export function isInitialised(dir: string): boolean {
	return fs.existsSync(path.join(dir, 'PG_VERSION'));
}

/** Creates a data directory (PostgreSQL's initdb) off the calling thread, once. */
export async function initialiseDataDir(dir: string): Promise<void> {
	if (isInitialised(dir)) return;
	await (await startThread(dir)).stop();
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
		shared = {
			db: startThread(target).catch((err: Error) => {
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
	const thread = await shared.db;
	const ex = executor(thread);
	let closed = false;

	return {
		kind: 'pglite',
		label: `embedded PGlite (${key})`,
		query: (sql, params) => mutex.run(() => ex.query(sql, params)),
		exec: (sql) => mutex.run(async () => void (await thread.call('exec', sql))),
		transaction: (fn) =>
			mutex.run(async () => {
				// BEGIN travels with the transaction's first statement.
				let open = false;
				const tx: SqlExecutor = {
					query<T>(sql: string, params: unknown[] = []) {
						const begin = !open;
						open = true;
						return thread.call<QueryResult<T>>('query', sql, params, begin);
					},
				};
				let result;
				try {
					result = await fn(tx);
				} catch (err) {
					if (open) await ex.query('ROLLBACK').catch(() => undefined);
					throw err;
				}
				if (open) await ex.query('COMMIT');
				return result;
			}),
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
	const thread = await shared.db;
	await shared.mutex.run(() => thread.stop());
}

/** Closes every embedded instance nobody holds (tests, benchmarks, shutdown). */
export async function closeIdlePglite(): Promise<void> {
	await Promise.all([...instances.keys()].map((key) => closeInstance(key)));
}
