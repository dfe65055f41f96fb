/** The result of one SQL statement. */
export interface QueryResult<T = Record<string, unknown>> {
	rows: T[];
	rowCount: number;
}

export interface QueryOptions {
	/**
	 * Keep the statement prepared on the connection (PostgreSQL; embedded
	 * PGlite ignores it): later runs skip parsing, and planning once the
	 * server settles on a generic plan. For fixed statement texts run often.
	 */
	prepare?: boolean;
}

/** Something that runs parameterised SQL: a client, or a transaction on one. */
export interface SqlExecutor {
	/** Runs one statement. Values only ever travel as `$n` parameters. */
	query<T = Record<string, unknown>>(
		sql: string,
		params?: unknown[],
		options?: QueryOptions,
	): Promise<QueryResult<T>>;
}

/** One SQL database, a real PostgreSQL server or embedded PGlite. */
export interface SqlClient extends SqlExecutor {
	readonly kind: 'postgres' | 'pglite';
	/** A short, secret-free description for error messages ("PostgreSQL 127.0.0.1:5432/test"). */
	readonly label: string;
	/** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
	transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
	/** Runs a script of several statements without parameters (migrations). */
	exec(sql: string): Promise<void>;
	/** Releases this handle; the shared connection closes with its last handle. */
	close(): Promise<void>;
}

export interface PostgresConfig {
	host: string;
	port?: number;
	database: string;
	user: string;
	password?: string;
	/** `disable` (default), `require` (TLS, certificate checked) or `allow-unauthorized`. */
	ssl?: 'disable' | 'require' | 'allow-unauthorized';
	/** Pool size; default 10. */
	max?: number;
}

export type ConnectionConfig =
	| { kind: 'pglite'; dataDir: string }
	| ({ kind: 'postgres' } & PostgresConfig);
