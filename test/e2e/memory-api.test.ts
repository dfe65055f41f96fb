import { api, callWebhook, rest, state } from './harness/n8n';

interface Stored {
	id: string;
	created: boolean;
	namespace: string;
}
interface Found {
	query: string;
	count: number;
	results: Array<{ id: string; text: string; score: number; metadata: Record<string, unknown> }>;
}

const ns = `e2e-${Date.now()}`;

describe('the memory-api template in a real n8n', () => {
	it('is installed as a community package and active', async () => {
		const types = await rest<Array<{ name: string }>>('/types/nodes.json');
		const ours = types.map((t) => t.name).filter((n) => n.includes('vectorMemory'));
		expect(ours).toContain('n8n-nodes-agent-os.vectorMemory');
		expect(ours.some((n) => n.startsWith('CUSTOM.'))).toBe(false);
		const wf = state().workflows.find((w) => w.file === 'memory-api.json');
		expect(wf).toEqual(expect.objectContaining({ active: true }));
	});

	it('stores memories and finds them again by their words', async () => {
		const a = await callWebhook<Stored>('memory/store', {
			text: 'Ada Lovelace prefers to be contacted by email',
			namespace: ns,
			metadata: { source: 'call', priority: 2 },
		});
		expect(a.status).toBe(201);
		expect(a.body).toEqual(expect.objectContaining({ created: true, namespace: ns }));
		await callWebhook('memory/store', {
			text: 'The quarterly report is due on Friday',
			namespace: ns,
		});
		await callWebhook('memory/store', {
			text: 'Ada Lovelace prefers email',
			namespace: `${ns}-other`,
		});

		const again = await callWebhook<Stored>('memory/store', {
			text: 'Ada Lovelace prefers to be contacted by email',
			namespace: ns,
		});
		expect(again.body).toEqual(expect.objectContaining({ id: a.body.id, created: false }));

		const found = await callWebhook<Found>('memory/search', {
			query: 'how do I contact Ada Lovelace',
			namespace: ns,
			topK: 5,
		});
		expect(found.status).toBe(200);
		expect(found.body.count).toBe(2);
		expect(found.body.results[0]).toEqual(
			expect.objectContaining({
				id: a.body.id,
				text: 'Ada Lovelace prefers to be contacted by email',
				metadata: { source: 'call', priority: 2 },
			}),
		);
		expect(found.body.results[0].score).toBeGreaterThan(found.body.results[1].score);

		const filtered = await callWebhook<Found>('memory/search', {
			query: 'report',
			namespace: ns,
			filter: { source: 'call' },
		});
		expect(filtered.body.results.map((r) => r.id)).toEqual([a.body.id]);
	});

	it.each([
		['an empty query', 'memory/search', { query: '', namespace: 'x' }, /search query is empty/],
		['top-k out of range', 'memory/search', { query: 'a', topK: 5000 }, /1 to 1000/],
		[
			'a namespace with unsafe characters',
			'memory/store',
			{ text: 'a', namespace: 'a b;' },
			/Invalid namespace/,
		],
		[
			'metadata that is not an object',
			'memory/store',
			{ text: 'a', metadata: [1, 2] },
			/must be a JSON object/,
		],
		['a missing text', 'memory/store', { namespace: 'x' }, /text is empty/],
	])('answers 400 with the reason for %s', async (_what, path, body, reason) => {
		const res = await callWebhook<{ error: string }>(path, body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(reason);
	});

	it('records the executions in n8n', async () => {
		const wf = state().workflows.find((w) => w.file === 'memory-api.json');
		const executions = await api<{ data: Array<{ status: string }> }>(
			`/executions?workflowId=${wf?.id}&limit=50`,
		);
		expect(executions.data.length).toBeGreaterThanOrEqual(5);
	});
});
