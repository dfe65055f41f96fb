import { randomUUID } from 'node:crypto';
import { migrate, type Migration, type SqlClient, type SqlExecutor } from '../db';
import { StorageError, ValidationError } from './errors';

/**
 * Items held for human review. A hold needs `required` approvals from its
 * reviewers (N of M); one rejection that makes N unreachable rejects it.
 * Every vote runs in a transaction that locks the hold row, so concurrent
 * clicks on the same links produce exactly one decision, and a reviewer's
 * second click (or a replayed link) changes nothing.
 */
export const HOLDS_TABLE = 'agentos_compliance_holds';
export const VOTES_TABLE = 'agentos_compliance_votes';

export const HOLD_MIGRATIONS: Migration[] = [
	{
		version: 1,
		name: 'holds and votes',
		up: [
			`CREATE TABLE IF NOT EXISTS ${HOLDS_TABLE} (
				id text PRIMARY KEY,
				created_at timestamptz NOT NULL DEFAULT now(),
				expires_at timestamptz,
				required integer NOT NULL,
				reviewers jsonb NOT NULL,
				payload jsonb,
				context jsonb NOT NULL DEFAULT '{}'::jsonb,
				status text NOT NULL DEFAULT 'pending',
				decided_at timestamptz
			)`,
			`CREATE TABLE IF NOT EXISTS ${VOTES_TABLE} (
				hold_id text NOT NULL REFERENCES ${HOLDS_TABLE}(id),
				reviewer text NOT NULL,
				decision text NOT NULL,
				comment text,
				voted_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (hold_id, reviewer)
			)`,
		],
	},
];

export type HoldStatus = 'pending' | 'approved' | 'rejected';

export interface Vote {
	reviewer: string;
	decision: 'approve' | 'reject';
	comment?: string | null;
	votedAt?: string;
}

export interface Hold {
	id: string;
	status: HoldStatus;
	required: number;
	reviewers: string[];
	expiresAt: string | null;
	payload: unknown;
	context: Record<string, unknown>;
	votes: Vote[];
}

export interface VoteOutcome {
	/** `decided`: this vote settled the hold; `recorded`: counted, still waiting; the rest change nothing. */
	state:
		| 'decided'
		| 'recorded'
		| 'duplicate'
		| 'already-decided'
		| 'expired'
		| 'unknown-hold'
		| 'not-a-reviewer';
	hold?: Hold;
}

/** A hold decided by its timeout. */
export interface ExpiredHold {
	id: string;
	status: 'approved' | 'rejected';
	expiresAt: string;
	context: Record<string, unknown>;
}

const REVIEWER = /^[\w.@+-]{1,100}$/;

export class HoldStore {
	private ready: Promise<void> | null = null;

	constructor(private readonly client: SqlClient) {}

	init(): Promise<void> {
		this.ready ??= migrate(this.client, 'compliance_holds', HOLD_MIGRATIONS).then(
			() => undefined,
			(err) => {
				this.ready = null;
				throw new StorageError(
					`Could not prepare the review holds on ${this.client.label}: ${(err as Error).message}`,
					'HOLDS_MIGRATE',
				);
			},
		);
		return this.ready;
	}

	async create(input: {
		required: number;
		reviewers: string[];
		expiresAt?: Date | null;
		payload: unknown;
		context?: Record<string, unknown>;
	}): Promise<Hold> {
		const reviewers = input.reviewers.length ? input.reviewers : ['reviewer'];
		for (const r of reviewers) {
			if (!REVIEWER.test(r))
				throw new ValidationError(
					`Invalid reviewer name ${JSON.stringify(r)}`,
					'Use 1-100 letters, digits or . _ @ + -; e.g. an e-mail address.',
				);
		}
		if (new Set(reviewers).size !== reviewers.length)
			throw new ValidationError('A reviewer is listed twice', 'List each reviewer once.');
		if (
			!Number.isInteger(input.required) ||
			input.required < 1 ||
			input.required > reviewers.length
		) {
			throw new ValidationError(
				`Required approvals must be between 1 and the number of reviewers (${reviewers.length}); got ${input.required}`,
			);
		}
		await this.init();
		const id = randomUUID();
		await this.client.query(
			`INSERT INTO ${HOLDS_TABLE} (id, expires_at, required, reviewers, payload, context) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb)`,
			[
				id,
				input.expiresAt ? input.expiresAt.toISOString() : null,
				input.required,
				JSON.stringify(reviewers),
				JSON.stringify(input.payload ?? null),
				JSON.stringify(input.context ?? {}),
			],
		);
		return {
			id,
			status: 'pending',
			required: input.required,
			reviewers,
			expiresAt: input.expiresAt?.toISOString() ?? null,
			payload: input.payload,
			context: input.context ?? {},
			votes: [],
		};
	}

	/**
	 * Within the caller's transaction: decides the pending holds of `chain`
	 * whose wait time is over with their timeout decision (`context.timeoutDecision`,
	 * reject unless it is "approve") and clears their payload. Votes lock the
	 * hold row, so a hold is decided once, by a vote or by its timeout.
	 */
	async settleExpiredIn(tx: SqlExecutor, chain: string, now = new Date()): Promise<ExpiredHold[]> {
		const { rows } = await tx.query<Record<string, unknown>>(
			`UPDATE ${HOLDS_TABLE}
			 SET status = CASE WHEN context->>'timeoutDecision' = 'approve' THEN 'approved' ELSE 'rejected' END,
			     decided_at = $1, payload = NULL
			 WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= $1
			   AND context->>'chain' = $2
			 RETURNING id, status, expires_at, context`,
			[now.toISOString(), chain],
		);
		const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
		return rows.map((r) => ({
			id: String(r.id),
			status: r.status === 'approved' ? 'approved' : 'rejected',
			expiresAt: new Date(r.expires_at as string).toISOString(),
			context: (json(r.context) ?? {}) as Record<string, unknown>,
		}));
	}

	async get(id: string): Promise<Hold | null> {
		await this.init();
		return load(this.client, id);
	}

	/**
	 * Records one reviewer's vote and, when it settles the hold, the decision.
	 * The payload is cleared once decided, so held items do not outlive the review.
	 */
	async vote(id: string, vote: Vote, now = new Date()): Promise<VoteOutcome> {
		await this.init();
		return this.client.transaction(async (tx) => {
			const { rows } = await tx.query<Record<string, unknown>>(
				`SELECT id, status, expires_at FROM ${HOLDS_TABLE} WHERE id = $1 FOR UPDATE`,
				[id],
			);
			if (!rows.length) return { state: 'unknown-hold' as const };
			const hold = (await load(tx, id)) as Hold;
			if (hold.status !== 'pending') return { state: 'already-decided' as const, hold };
			if (hold.expiresAt && new Date(hold.expiresAt).getTime() <= now.getTime())
				return { state: 'expired' as const, hold };
			if (!hold.reviewers.includes(vote.reviewer))
				return { state: 'not-a-reviewer' as const, hold };
			if (hold.votes.some((v) => v.reviewer === vote.reviewer))
				return { state: 'duplicate' as const, hold };
			await tx.query(
				`INSERT INTO ${VOTES_TABLE} (hold_id, reviewer, decision, comment) VALUES ($1, $2, $3, $4)`,
				[id, vote.reviewer, vote.decision, vote.comment?.slice(0, 2000) ?? null],
			);
			const votes = [...hold.votes, { ...vote, votedAt: now.toISOString() }];
			const approvals = votes.filter((v) => v.decision === 'approve').length;
			const rejections = votes.filter((v) => v.decision === 'reject').length;
			let status: HoldStatus = 'pending';
			if (approvals >= hold.required) status = 'approved';
			else if (hold.reviewers.length - rejections < hold.required) status = 'rejected';
			if (status === 'pending') return { state: 'recorded' as const, hold: { ...hold, votes } };
			await tx.query(
				`UPDATE ${HOLDS_TABLE} SET status = $2, decided_at = now(), payload = NULL WHERE id = $1`,
				[id, status],
			);
			return { state: 'decided' as const, hold: { ...hold, status, votes } };
		});
	}
}

async function load(q: { query: SqlClient['query'] }, id: string): Promise<Hold | null> {
	const { rows } = await q.query<Record<string, unknown>>(
		`SELECT * FROM ${HOLDS_TABLE} WHERE id = $1`,
		[id],
	);
	if (!rows.length) return null;
	const r = rows[0];
	const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
	const votes = await q.query<Record<string, unknown>>(
		`SELECT reviewer, decision, comment, voted_at FROM ${VOTES_TABLE} WHERE hold_id = $1 ORDER BY voted_at, reviewer`,
		[id],
	);
	return {
		id: String(r.id),
		status: r.status as HoldStatus,
		required: Number(r.required),
		reviewers: json(r.reviewers) as string[],
		expiresAt: r.expires_at ? new Date(r.expires_at as string).toISOString() : null,
		payload: json(r.payload),
		context: json(r.context) as Record<string, unknown>,
		votes: votes.rows.map((v) => ({
			reviewer: String(v.reviewer),
			decision: v.decision as Vote['decision'],
			comment: (v.comment as string | null) ?? null,
			votedAt: new Date(v.voted_at as string).toISOString(),
		})),
	};
}
