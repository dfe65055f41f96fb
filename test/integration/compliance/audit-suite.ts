import type { SqlClient } from '../../../lib/db';
import {
	AUDIT_TABLE,
	AuditLog,
	HoldStore,
	complianceStoreOn,
	type AuditEntry,
} from '../../../lib/compliance';

const entry = (n: number): AuditEntry => ({
	event: 'decision',
	policy: 'default',
	action: n % 2 ? 'redact' : 'allow',
	risk: n / 100,
	findings: [{ type: 'CREDIT_CARD', start: 5, end: 21, score: 0.95, rule: 'pii.credit_card.visa' }],
	textRedacted: `card <CREDIT_CARD> #${n}`,
	textSha256: 'ab'.repeat(32),
	subject: { workflowId: 'wf1', executionId: String(n), item: n },
});

/**
 * The same behaviour suite for embedded PGlite and the real PostgreSQL.
 * `tamper` runs raw SQL with the append-only trigger switched off, the way an
 * attacker with database rights would.
 */
export function auditSuite(open: () => Promise<SqlClient>, chainPrefix: string): void {
	let client: SqlClient;
	let chain: string;
	let n = 0;

	beforeAll(async () => {
		client = await open();
	});
	afterAll(async () => {
		await client.close();
	});
	beforeEach(() => {
		chain = `${chainPrefix}-${process.pid}-${Date.now()}-${n++}`;
	});

	async function tamper(sql: string, params: unknown[]): Promise<void> {
		await client.transaction(async (tx) => {
			await tx.query(
				`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER agentos_compliance_audit_no_change`,
			);
			await tx.query(sql, params);
			await tx.query(
				`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER agentos_compliance_audit_no_change`,
			);
		});
	}

	it('appends chained records and verifies them', async () => {
		const log = new AuditLog(client, chain);
		const first = await log.append(entry(1));
		const more = await log.append([entry(2), entry(3)]);
		expect(first[0].seq).toBe(1);
		expect(more.map((r) => r.seq)).toEqual([2, 3]);
		expect(more[0].prevHash).toBe(first[0].hash);
		expect(more[1].prevHash).toBe(more[0].hash);
		expect(await log.verify()).toEqual({ valid: true, records: 3, headSeq: 3 });
	});

	it('refuses UPDATE and DELETE', async () => {
		const log = new AuditLog(client, chain);
		await log.append(entry(1));
		await expect(
			client.query(`UPDATE ${AUDIT_TABLE} SET action = 'allow' WHERE chain = $1`, [chain]),
		).rejects.toThrow(/append-only/);
		await expect(
			client.query(`DELETE FROM ${AUDIT_TABLE} WHERE chain = $1`, [chain]),
		).rejects.toThrow(/append-only/);
	});

	it('reports the first record whose content was changed', async () => {
		const log = new AuditLog(client, chain);
		await log.append([entry(1), entry(2), entry(3), entry(4)]);
		await tamper(`UPDATE ${AUDIT_TABLE} SET action = 'block' WHERE chain = $1 AND seq = 2`, [
			chain,
		]);
		const v = await log.verify();
		expect(v.valid).toBe(false);
		expect(v.firstBroken).toMatchObject({
			seq: 2,
			reason: expect.stringMatching(/content does not match/),
		});
	});

	it('detects a record rewritten with a fresh hash: the next link breaks', async () => {
		const log = new AuditLog(client, chain);
		await log.append([entry(1), entry(2), entry(3)]);
		await tamper(`UPDATE ${AUDIT_TABLE} SET hash = $2 WHERE chain = $1 AND seq = 2`, [
			chain,
			'f'.repeat(64),
		]);
		const v = await log.verify();
		expect(v.firstBroken?.seq).toBe(2);
	});

	it('detects a deleted record in the middle and at the end', async () => {
		const log = new AuditLog(client, chain);
		await log.append([entry(1), entry(2), entry(3), entry(4)]);
		await tamper(`DELETE FROM ${AUDIT_TABLE} WHERE chain = $1 AND seq = 4`, [chain]);
		expect((await log.verify()).firstBroken?.reason).toMatch(/removed from the end/);
		await tamper(`DELETE FROM ${AUDIT_TABLE} WHERE chain = $1 AND seq = 2`, [chain]);
		expect((await log.verify()).firstBroken).toMatchObject({
			seq: 2,
			reason: expect.stringMatching(/missing/),
		});
	});

	it('keeps one unbroken chain under concurrent appends', async () => {
		const log = new AuditLog(client, chain);
		const writers = Array.from({ length: 12 }, (_, i) =>
			new AuditLog(client, chain).append([entry(i), entry(i + 100)]),
		);
		await Promise.all(writers);
		const v = await log.verify();
		expect(v).toEqual({ valid: true, records: 24, headSeq: 24 });
	});

	it('exports JSON lines with redacted text and hashes only', async () => {
		const log = new AuditLog(client, chain);
		await log.append([entry(1), entry(2)]);
		const jsonl = await log.exportJsonl();
		const lines = jsonl
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l));
		expect(lines).toHaveLength(2);
		expect(lines[1]).toMatchObject({
			seq: 2,
			textRedacted: 'card <CREDIT_CARD> #2',
			prevHash: lines[0].hash,
		});
		expect(jsonl).not.toMatch(/4111/);
		expect(await log.exportJsonl({ fromSeq: 2 })).toBe(JSON.stringify(lines[1]) + '\n');
	});

	describe('review holds', () => {
		it('N of M: decides once enough approvals arrive; duplicates and strangers change nothing', async () => {
			const holds = new HoldStore(client);
			const hold = await holds.create({
				required: 2,
				reviewers: ['ann', 'bob', 'cy'],
				payload: [{ json: { a: 1 } }],
			});
			expect(
				(await holds.vote(hold.id, { reviewer: 'ann', decision: 'approve', comment: 'fine' }))
					.state,
			).toBe('recorded');
			expect((await holds.vote(hold.id, { reviewer: 'ann', decision: 'approve' })).state).toBe(
				'duplicate',
			);
			expect((await holds.vote(hold.id, { reviewer: 'mallory', decision: 'approve' })).state).toBe(
				'not-a-reviewer',
			);
			const done = await holds.vote(hold.id, { reviewer: 'cy', decision: 'approve' });
			expect(done.state).toBe('decided');
			expect(done.hold?.status).toBe('approved');
			expect(done.hold?.votes.map((v) => v.reviewer)).toEqual(['ann', 'cy']);
			expect((await holds.vote(hold.id, { reviewer: 'bob', decision: 'reject' })).state).toBe(
				'already-decided',
			);
			const stored = await holds.get(hold.id);
			expect(stored?.payload).toBeNull();
			expect(stored?.votes.find((v) => v.reviewer === 'ann')?.comment).toBe('fine');
		});

		it('rejects as soon as the approvals can no longer be reached', async () => {
			const holds = new HoldStore(client);
			const hold = await holds.create({ required: 2, reviewers: ['ann', 'bob'], payload: null });
			const out = await holds.vote(hold.id, { reviewer: 'bob', decision: 'reject' });
			expect(out).toMatchObject({ state: 'decided', hold: { status: 'rejected' } });
		});

		it('an expired hold takes no votes', async () => {
			const holds = new HoldStore(client);
			const hold = await holds.create({
				required: 1,
				reviewers: [],
				expiresAt: new Date(Date.now() - 1000),
				payload: null,
			});
			expect((await holds.vote(hold.id, { reviewer: 'reviewer', decision: 'approve' })).state).toBe(
				'expired',
			);
			expect(
				(await holds.vote('no-such-hold', { reviewer: 'reviewer', decision: 'approve' })).state,
			).toBe('unknown-hold');
		});

		it('concurrent votes on one hold produce exactly one decision', async () => {
			const holds = new HoldStore(client);
			const reviewers = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
			const hold = await holds.create({ required: 1, reviewers, payload: { items: 1 } });
			const outcomes = await Promise.all(
				reviewers.map((r, i) =>
					holds.vote(hold.id, { reviewer: r, decision: i % 2 ? 'reject' : 'approve' }),
				),
			);
			expect(outcomes.filter((o) => o.state === 'decided')).toHaveLength(1);
			const stored = await holds.get(hold.id);
			expect(stored?.status).not.toBe('pending');
		});

		it('a hold whose wait ran out is decided by its timeout decision once, with an audit record', async () => {
			const store = complianceStoreOn(client, chain);
			const past = new Date(Date.now() - 1000);
			const approveOnTimeout = await store.holds.create({
				required: 1,
				reviewers: [],
				expiresAt: past,
				payload: { held: 1 },
				context: { chain, timeoutDecision: 'approve', executionId: '41' },
			});
			const rejectOnTimeout = await store.holds.create({
				required: 1,
				reviewers: [],
				expiresAt: past,
				payload: { held: 2 },
				context: { chain, timeoutDecision: 'reject', executionId: '42' },
			});
			const running = await store.holds.create({
				required: 1,
				reviewers: [],
				expiresAt: new Date(Date.now() + 3_600_000),
				payload: null,
				context: { chain, timeoutDecision: 'reject' },
			});
			const otherChain = await store.holds.create({
				required: 1,
				reviewers: [],
				expiresAt: past,
				payload: null,
				context: { chain: `${chain}-other`, timeoutDecision: 'reject' },
			});

			// Two sweeps at once (two n8n executions opening the store): each hold is settled once.
			const [a, b] = await Promise.all([store.settleExpiredHolds(), store.settleExpiredHolds()]);
			const settled = [...a, ...b];
			expect(settled.map((h) => [h.id, h.status]).sort()).toEqual(
				[
					[approveOnTimeout.id, 'approved'],
					[rejectOnTimeout.id, 'rejected'],
				].sort(),
			);
			expect(await store.settleExpiredHolds()).toEqual([]);
			expect((await store.holds.get(approveOnTimeout.id))?.payload).toBeNull();
			expect((await store.holds.get(running.id))?.status).toBe('pending');
			expect((await store.holds.get(otherChain.id))?.status).toBe('pending');

			const records = [];
			for await (const r of store.audit.records()) records.push(r);
			expect(
				records
					.filter((r) => r.event === 'timeout')
					.map((r) => [r.subject.holdId, r.action, r.subject.executionId])
					.sort(),
			).toEqual(
				[
					[approveOnTimeout.id, 'approve', '41'],
					[rejectOnTimeout.id, 'reject', '42'],
				].sort(),
			);
			expect(await store.audit.verify()).toMatchObject({ valid: true });
			// A late vote changes nothing.
			expect(
				(await store.holds.vote(rejectOnTimeout.id, { reviewer: 'reviewer', decision: 'approve' }))
					.state,
			).toBe('already-decided');
		});

		it('validates reviewers and the required count', async () => {
			const holds = new HoldStore(client);
			await expect(
				holds.create({ required: 3, reviewers: ['a', 'b'], payload: null }),
			).rejects.toThrow(/between 1 and the number of reviewers/);
			await expect(
				holds.create({ required: 1, reviewers: ['a b'], payload: null }),
			).rejects.toThrow(/Invalid reviewer/);
			await expect(
				holds.create({ required: 1, reviewers: ['a', 'a'], payload: null }),
			).rejects.toThrow(/twice/);
		});
	});
}
