import { createHash } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { StorageError, scrubSecrets } from '../../db/errors';

export interface Neo4jConnection {
	/** bolt://, neo4j://, neo4j+s:// … */
	uri: string;
	username: string;
	password: string;
	/** Default: the server's default database. */
	database?: string;
}

interface SharedDriver {
	driver: Driver;
	refs: number;
	/** Schema set-up per database, run once per process. */
	schema: Map<string, Promise<void>>;
}

/** One driver (one connection pool) per server and user in a process. */
const drivers = new Map<string, SharedDriver>();

function driverKey(c: Neo4jConnection): string {
	const secret = createHash('sha256')
		.update(c.password ?? '')
		.digest('hex')
		.slice(0, 16);
	return [c.uri, c.username, secret].join('|');
}

export interface DriverHandle {
	driver: Driver;
	schema: Map<string, Promise<void>>;
	release(): Promise<void>;
}

export async function acquireDriver(c: Neo4jConnection): Promise<DriverHandle> {
	const key = driverKey(c);
	let shared = drivers.get(key);
	if (!shared) {
		let driver: Driver;
		try {
			driver = neo4j.driver(c.uri, neo4j.auth.basic(c.username, c.password), {
				disableLosslessIntegers: true,
				connectionAcquisitionTimeout: 20_000,
				maxTransactionRetryTime: 15_000,
			});
		} catch (err) {
			throw new StorageError(
				`Invalid Neo4j connection URI: ${scrubSecrets((err as Error).message, [c.password])}`,
				'NEO4J_URI',
				'Use a URI such as bolt://localhost:7687 or neo4j+s://<id>.databases.neo4j.io.',
			);
		}
		shared = { driver, refs: 0, schema: new Map() };
		drivers.set(key, shared);
	}
	try {
		await shared.driver.verifyConnectivity({ database: c.database });
	} catch (err) {
		if (shared.refs === 0) {
			drivers.delete(key);
			await shared.driver.close().catch(() => undefined);
		}
		throw new StorageError(
			`Could not connect to Neo4j at ${c.uri} as "${c.username}": ${scrubSecrets((err as Error).message, [c.password])}`,
			'NEO4J_CONNECT',
			'Check the URI, user name and password in the Neo4j credential, and that the server accepts Bolt connections from n8n.',
		);
	}
	shared.refs++;
	const s = shared;
	let released = false;
	return {
		driver: s.driver,
		schema: s.schema,
		async release() {
			if (released) return;
			released = true;
			if (--s.refs > 0) return;
			drivers.delete(key);
			await s.driver.close();
		},
	};
}
