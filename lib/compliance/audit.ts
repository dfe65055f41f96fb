import { createHash, randomUUID } from 'node:crypto';
import { migrate, type Migration, type SqlClient, type SqlExecutor } from '../db';
import { StorageError, ValidationError } from './errors';

/**
 * The audit trail: an append-only table in which every record carries the
 * hash of the record before it. Appends are serialised by locking the chain's
 * head row (SELECT ... FOR UPDATE inside the transaction), so concurrent
 * writers from several n8n workers still produce one unbroken chain. Triggers
 * refuse UPDATE and DELETE; anyone able to bypass them (a superuser) still
 * cannot change a record without breaking every hash after it.
 */
export const AUDIT_TABLE = 'agentos_compliance_audit';
export const AUDIT_HEAD_TABLE = 'agentos_compliance_audit_head';
export const GENESIS_HASH = '0'.repeat(64);

export const AUDIT_MIGRATIONS: Migration[] = [
	{
		version: 1,
		name: 'audit chain',
		up: [
			`CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
				chain text NOT NULL,
				seq bigint NOT NULL,
				id text NOT NULL UNIQUE,
				created_at text NOT NULL,
				event text NOT NULL,
				policy text,
				action text,
				risk double precision,
				findings jsonb NOT NULL DEFAULT '[]'::jsonb,
				text_redacted text,
				text_sha256 text,
				subject jsonb NOT NULL DEFAULT '{}'::jsonb,
				prev_hash text NOT NULL,
				hash text NOT NULL,
				PRIMARY KEY (chain, seq)
			)`,
			`CREATE TABLE IF NOT EXISTS ${AUDIT_HEAD_TABLE} (
				chain text PRIMARY KEY,
				seq bigint NOT NULL,
				hash text NOT NULL
			)`,
			`CREATE OR REPLACE FUNCTION agentos_compliance_audit_append_only() RETURNS trigger AS $$
			BEGIN
				RAISE EXCEPTION 'the compliance audit trail is append-only';
			END;
			$$ LANGUAGE plpgsql`,
			`DROP TRIGGER IF EXISTS agentos_compliance_audit_no_change ON ${AUDIT_TABLE}`,
			`CREATE TRIGGER agentos_compliance_audit_no_change BEFORE UPDATE OR DELETE ON ${AUDIT_TABLE}
				FOR EACH ROW EXECUTE FUNCTION agentos_compliance_audit_append_only()`,
		],
	},
];

/** What a caller appends; `findings` must already be free of matched text. */
export interface AuditEntry {
	/** `decision`, `hold`, `review`, `timeout`, ... */
	event: string;
	policy?: string;
	action?: string;
	risk?: number;
	findings?: Array<Record<string, unknown>>;
	/** Redacted text only; never the original. */
	textRedacted?: string;
	textSha256?: string;
	/** Where the decision came from and who made it: workflow, execution, item, reviewer, comment. */
	subject?: Record<string, unknown>;
}

export interface AuditRecord
	extends Required<Omit<AuditEntry, 'policy' | 'action' | 'risk' | 'textRedacted' | 'textSha256'>> {
	chain: string;
	seq: number;
	id: string;
	createdAt: string;
	policy: string | null;
	action: string | null;
	risk: number | null;
	textRedacted: string | null;
	textSha256: string | null;
	prevHash: string;
	hash: string;
}

export interface VerifyResult {
	valid: boolean;
	records: number;
	/** The first record that does not verify, and why. */
	firstBroken?: { seq: number; id?: string; reason: string };
	headSeq: number;
}

/** JSON with sorted keys at every level: the same record always hashes the same, whatever jsonb did to key order. */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	const obj = value as Record<string, unknown>;
	return `{${Object.keys(obj)
		.filter((k) => obj[k] !== undefined)
		.sort()
		.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
		.join(',')}}`;
}

export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
	const body = canonicalJson({
		chain: r.chain,
		seq: r.seq,
		id: r.id,
		createdAt: r.createdAt,
		event: r.event,
		policy: r.policy,
		action: r.action,
		risk: r.risk,
		findings: r.findings,
		textRedacted: r.textRedacted,
		textSha256: r.textSha256,
		subject: r.subject,
		prevHash: r.prevHash,
	});
	return createHash('sha256').update(body, 'utf8').digest('hex');
}

function fromRow(row: Record<string, unknown>): AuditRecord {
	const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
	return {
		chain: String(row.chain),
		seq: Number(row.seq),
		id: String(row.id),
		createdAt: String(row.created_at),
		event: String(row.event),
		policy: (row.policy as string | null) ?? null,
		action: (row.action as string | null) ?? null,
		risk: row.risk === null || row.risk === undefined ? null : Number(row.risk),
		findings: json(row.findings) as Array<Record<string, unknown>>,
		textRedacted: (row.text_redacted as string | null) ?? null,
		textSha256: (row.text_sha256 as string | null) ?? null,
		subject: json(row.subject) as Record<string, unknown>,
		prevHash: String(row.prev_hash),
		hash: String(row.hash),
	};
}

const CHAIN_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const PAGE = 500;

export class AuditLog {
	private ready: Promise<void> | null = null;

	constructor(
		private readonly client: SqlClient,
		readonly chain = 'default',
	) {
		if (!CHAIN_NAME.test(chain)) {
			throw new ValidationError(
				`Invalid audit chain name ${JSON.stringify(chain)}`,
				'Use 1-64 letters, digits, "_", ".", ":" or "-".',
			);
		}
	}

	/** Creates the tables on first use (idempotent, safe under concurrency). */
	init(): Promise<void> {
		this.ready ??= migrate(this.client, 'compliance_audit', AUDIT_MIGRATIONS).then(
			() => undefined,
			(err) => {
				this.ready = null;
				throw new StorageError(
					`Could not prepare the audit trail on ${this.client.label}: ${(err as Error).message}`,
					'AUDIT_MIGRATE',
				);
			},
		);
		return this.ready;
	}

	/** Appends entries in one transaction, each chained to the one before. */
	async append(entries: AuditEntry | AuditEntry[]): Promise<AuditRecord[]> {
		const list = Array.isArray(entries) ? entries : [entries];
		if (!list.length) return [];
		await this.init();
		return this.client.transaction((tx) => this.appendIn(tx, list));
	}

	/**
	 * Appends inside a transaction the caller holds, so the records commit or
	 * roll back together with the caller's other writes. Call init() first.
	 */
	async appendIn(tx: SqlExecutor, list: AuditEntry[]): Promise<AuditRecord[]> {
		const head = await this.lockHead(tx);
		let { seq, hash } = head;
		const out: AuditRecord[] = [];
		for (const e of list) {
			const base = {
				chain: this.chain,
				seq: seq + 1,
				id: randomUUID(),
				createdAt: new Date().toISOString(),
				event: e.event,
				policy: e.policy ?? null,
				action: e.action ?? null,
				risk: e.risk === undefined ? null : Math.round(e.risk * 10_000) / 10_000,
				findings: JSON.parse(JSON.stringify(e.findings ?? [])) as Array<Record<string, unknown>>,
				textRedacted: e.textRedacted ?? null,
				textSha256: e.textSha256 ?? null,
				subject: JSON.parse(JSON.stringify(e.subject ?? {})) as Record<string, unknown>,
				prevHash: hash,
			};
			const record: AuditRecord = { ...base, hash: recordHash(base) };
			await tx.query(
				`INSERT INTO ${AUDIT_TABLE} (chain, seq, id, created_at, event, policy, action, risk, findings, text_redacted, text_sha256, subject, prev_hash, hash)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12::jsonb, $13, $14)`,
				[
					record.chain,
					record.seq,
					record.id,
					record.createdAt,
					record.event,
					record.policy,
					record.action,
					record.risk,
					JSON.stringify(record.findings),
					record.textRedacted,
					record.textSha256,
					JSON.stringify(record.subject),
					record.prevHash,
					record.hash,
				],
			);
			out.push(record);
			seq = record.seq;
			hash = record.hash;
		}
		await tx.query(`UPDATE ${AUDIT_HEAD_TABLE} SET seq = $2, hash = $3 WHERE chain = $1`, [
			this.chain,
			seq,
			hash,
		]);
		return out;
	}

	private async lockHead(tx: SqlExecutor): Promise<{ seq: number; hash: string }> {
		await tx.query(
			`INSERT INTO ${AUDIT_HEAD_TABLE} (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING`,
			[this.chain, GENESIS_HASH],
		);
		const { rows } = await tx.query<{ seq: string | number; hash: string }>(
			`SELECT seq, hash FROM ${AUDIT_HEAD_TABLE} WHERE chain = $1 FOR UPDATE`,
			[this.chain],
		);
		return { seq: Number(rows[0].seq), hash: rows[0].hash };
	}

	/** Records in order, a page at a time. */
	async *records(fromSeq = 1): AsyncGenerator<AuditRecord> {
		await this.init();
		let next = fromSeq;
		for (;;) {
			const { rows } = await this.client.query(
				`SELECT * FROM ${AUDIT_TABLE} WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT ${PAGE}`,
				[this.chain, next],
			);
			for (const row of rows) yield fromRow(row);
			if (rows.length < PAGE) return;
			next = Number(rows[rows.length - 1].seq) + 1;
		}
	}

	/** Recomputes every hash and link; reports the first record that does not verify. */
	async verify(): Promise<VerifyResult> {
		await this.init();
		const head = await this.client.query<{ seq: string | number; hash: string }>(
			`SELECT seq, hash FROM ${AUDIT_HEAD_TABLE} WHERE chain = $1`,
			[this.chain],
		);
		const headSeq = head.rows.length ? Number(head.rows[0].seq) : 0;
		let prev = GENESIS_HASH;
		let expectedSeq = 1;
		let count = 0;
		for await (const r of this.records()) {
			count++;
			const broken = (reason: string): VerifyResult => ({
				valid: false,
				records: count,
				firstBroken: { seq: r.seq, id: r.id, reason },
				headSeq,
			});
			if (r.seq !== expectedSeq)
				return {
					valid: false,
					records: count,
					firstBroken: {
						seq: expectedSeq,
						reason: `record ${expectedSeq} is missing (next is ${r.seq})`,
					},
					headSeq,
				};
			if (r.prevHash !== prev)
				return broken('prev_hash does not match the hash of the record before it');
			const { hash, ...rest } = r;
			if (recordHash(rest) !== hash)
				return broken('content does not match its hash (the record was changed)');
			prev = hash;
			expectedSeq++;
		}
		if (head.rows.length && (headSeq !== expectedSeq - 1 || head.rows[0].hash !== prev)) {
			return {
				valid: false,
				records: count,
				firstBroken: {
					seq: expectedSeq,
					reason: `the chain head says ${headSeq} records but ${expectedSeq - 1} verify (records were removed from the end)`,
				},
				headSeq,
			};
		}
		return { valid: true, records: count, headSeq };
	}

	/** The chain as JSON lines, one record per line, oldest first. */
	async exportJsonl(options: { fromSeq?: number; limit?: number } = {}): Promise<string> {
		const lines: string[] = [];
		for await (const r of this.records(options.fromSeq ?? 1)) {
			lines.push(JSON.stringify(r));
			if (options.limit && lines.length >= options.limit) break;
		}
		return lines.length ? lines.join('\n') + '\n' : '';
	}
}
