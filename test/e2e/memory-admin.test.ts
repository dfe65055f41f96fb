/**
 * The memory-admin template: Vector Memory's get, list, update, delete,
 * forget-expired and namespace-TTL operations through a real n8n, on the
 * memories that the memory-api template stores.
 */
import { callWebhook, state } from './harness/n8n';

interface Memory {
	id: string;
	text: string;
	metadata: Record<string, unknown>;
	namespace: string;
	createdAt: string;
	updatedAt: string;
	expiresAt: string | null;
}
interface Page {
	count: number;
	items: Memory[];
	nextCursor: string | null;
}

const ns = `admin-${Date.now()}`;
const admin = <T = Record<string, unknown>>(body: Record<string, unknown>) =>
	callWebhook<T>('memory/admin', { namespace: ns, ...body });
const store = async (text: string, metadata: Record<string, unknown>, namespace = ns) => {
	const res = await callWebhook<{ id: string }>('memory/store', { text, namespace, metadata });
	expect(res.status).toBe(201);
	return res.body.id;
};

describe('the memory-admin template in a real n8n', () => {
	const ids: string[] = [];

	beforeAll(async () => {
		ids.push(await store('Ada Lovelace prefers email', { source: 'call', priority: 1 }));
		ids.push(await store('Grace Hopper prefers the phone', { source: 'email', priority: 2 }));
		ids.push(await store('Alan Turing asked for a meeting', { source: 'email', priority: 3 }));
	});

	it('is active', () => {
		const wf = state().workflows.find((w) => w.file === 'memory-admin.json');
		expect(wf).toEqual(expect.objectContaining({ active: true }));
	});

	it('lists a namespace newest first, a page at a time', async () => {
		const first = await admin<Page>({ operation: 'list', limit: 2 });
		expect(first.status).toBe(200);
		expect(first.body.items.map((m) => m.id)).toEqual([ids[2], ids[1]]);
		expect(first.body.nextCursor).toEqual(expect.any(String));
		const second = await admin<Page>({
			operation: 'list',
			limit: 2,
			cursor: first.body.nextCursor,
		});
		expect(second.body.items.map((m) => m.id)).toEqual([ids[0]]);
		expect(second.body.nextCursor).toBeNull();

		const filtered = await admin<Page>({ operation: 'list', filter: { priority: { $gte: 2 } } });
		expect(filtered.body.items.map((m) => m.id).sort()).toEqual([ids[1], ids[2]].sort());
	});

	it('gets memories by id and reports the ids it did not find', async () => {
		const res = await admin<{ count: number; items: Memory[]; missingIds: string[] }>({
			operation: 'get',
			ids: [ids[0], 'no-such-memory'],
		});
		expect(res.status).toBe(200);
		expect(res.body.count).toBe(1);
		expect(res.body.items[0]).toEqual(
			expect.objectContaining({ id: ids[0], text: 'Ada Lovelace prefers email' }),
		);
		expect(res.body.missingIds).toEqual(['no-such-memory']);

		// Another namespace does not see them.
		const other = await callWebhook<{ count: number; missingIds: string[] }>('memory/admin', {
			operation: 'get',
			namespace: `${ns}-other`,
			ids: [ids[0]],
		});
		expect(other.body).toEqual(expect.objectContaining({ count: 0, missingIds: [ids[0]] }));
	});

	it('updates the text, re-embeds it, and search finds the new words', async () => {
		const res = await admin<{ id: string; found: boolean; reembedded: boolean }>({
			operation: 'update',
			id: ids[0],
			text: 'Ada Lovelace now prefers carrier pigeons',
			metadata: { source: 'call', priority: 5 },
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual(
			expect.objectContaining({ id: ids[0], found: true, reembedded: true }),
		);

		const found = await callWebhook<{ results: Memory[] }>('memory/search', {
			query: 'carrier pigeons',
			namespace: ns,
			topK: 1,
		});
		expect(found.body.results[0]).toEqual(
			expect.objectContaining({
				id: ids[0],
				text: 'Ada Lovelace now prefers carrier pigeons',
				metadata: { source: 'call', priority: 5 },
			}),
		);
	});

	it('reports an update of a memory that does not exist, and writes nothing', async () => {
		const res = await admin<{ id: string; found: boolean; reembedded: boolean }>({
			operation: 'update',
			id: 'no-such-memory',
			text: 'anything',
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual(
			expect.objectContaining({ id: 'no-such-memory', found: false, reembedded: false }),
		);
		const all = await admin<Page>({ operation: 'list' });
		expect(all.body.items.map((m) => m.id)).not.toContain('no-such-memory');
		expect(all.body.count).toBe(3);
	});

	it('deletes by ids, reporting the missing ones, and by metadata filter', async () => {
		const byIds = await admin<{ deleted: number; deletedIds: string[]; missingIds: string[] }>({
			operation: 'delete',
			ids: [ids[1], 'no-such-memory'],
		});
		expect(byIds.status).toBe(200);
		expect(byIds.body).toEqual(
			expect.objectContaining({
				deleted: 1,
				deletedIds: [ids[1]],
				missingIds: ['no-such-memory'],
			}),
		);

		const byFilter = await admin<{ deleted: number; deletedIds: string[] }>({
			operation: 'delete',
			filter: { source: 'email' },
		});
		expect(byFilter.body).toEqual(expect.objectContaining({ deleted: 1, deletedIds: [ids[2]] }));

		const left = await admin<Page>({ operation: 'list' });
		expect(left.body.items.map((m) => m.id)).toEqual([ids[0]]);
	});

	it('expires memories with the namespace default TTL and forgets them', async () => {
		const ttlNs = `${ns}-ttl`;
		const set = await callWebhook<{ ttlSeconds: number }>('memory/admin', {
			operation: 'ttl',
			namespace: ttlNs,
			ttlSeconds: 1,
		});
		expect(set.status).toBe(200);
		expect(set.body.ttlSeconds).toBe(1);
		const id = await store('A short-lived note', {}, ttlNs);

		const stored = await callWebhook<{ items: Memory[] }>('memory/admin', {
			operation: 'get',
			namespace: ttlNs,
			ids: [id],
		});
		expect(stored.body.items[0].expiresAt).toEqual(expect.any(String));

		await new Promise((r) => setTimeout(r, 1500));
		const forgot = await callWebhook<{ deleted: number }>('memory/admin', {
			operation: 'forget',
			namespace: ttlNs,
		});
		expect(forgot.status).toBe(200);
		expect(forgot.body.deleted).toBe(1);

		const gone = await callWebhook<{ count: number; missingIds: string[] }>('memory/admin', {
			operation: 'get',
			namespace: ttlNs,
			ids: [id],
		});
		expect(gone.body).toEqual(expect.objectContaining({ count: 0, missingIds: [id] }));
		// The other namespace kept its memory.
		const kept = await admin<Page>({ operation: 'list' });
		expect(kept.body.count).toBe(1);
	});

	it('answers 400 for an unknown operation and for bad input', async () => {
		const unknown = await admin<{ error: string }>({ operation: 'drop-table' });
		expect(unknown.status).toBe(400);
		expect(unknown.body.error).toMatch(/Unknown operation "drop-table"/);

		const badFilter = await admin<{ error: string }>({
			operation: 'list',
			filter: { priority: { $regex: '.*' } },
		});
		expect(badFilter.status).toBe(400);
		expect(badFilter.body.error).toMatch(/\$regex/);

		const badNamespace = await callWebhook<{ error: string }>('memory/admin', {
			operation: 'list',
			namespace: 'no spaces; allowed',
		});
		expect(badNamespace.status).toBe(400);
		expect(badNamespace.body.error).toMatch(/namespace/i);
	});
});
