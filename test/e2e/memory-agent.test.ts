/**
 * n8n's own AI Agent node with this package's memory: the agent stores a fact
 * with the Save Memory tool, later finds it with Recall Memories, and the
 * Vector Chat Memory carries the first turn into the second request.
 */
import { callWebhook, state } from './harness/n8n';
import { openai } from './harness/openai';

const session = `s-${Date.now()}`;

describe('the memory-agent template: n8n AI Agent + Vector Memory tools + chat memory', () => {
	beforeAll(() => openai.reset());

	it('is active', () => {
		const wf = state().workflows.find((w) => w.file === 'memory-agent.json');
		expect(wf).toEqual(expect.objectContaining({ active: true }));
	});

	it('stores a fact through the tool, then recalls it in a later conversation turn', async () => {
		// First match wins: the recall answer rule comes before the store acknowledgement.
		await openai.rules(
			{
				hasTool: 'Save_Memory',
				lastRole: 'user',
				lastContains: 'Remember that',
				reply: {
					toolCalls: [{ name: 'Save_Memory', arguments: { input: 'Ada Lovelace prefers email' } }],
				},
			},
			{
				hasTool: 'Recall_Memories',
				lastRole: 'user',
				lastContains: 'How should I contact',
				reply: {
					toolCalls: [{ name: 'Recall_Memories', arguments: { input: 'Ada Lovelace contact' } }],
				},
			},
			{
				hasTool: 'Recall_Memories',
				lastRole: 'tool',
				lastContains: 'Ada Lovelace prefers email',
				reply: { content: 'Write Ada an email.' },
			},
			{
				hasTool: 'Save_Memory',
				lastRole: 'tool',
				lastContains: 'stored',
				reply: { content: 'Noted: Ada prefers email.' },
			},
		);

		const first = await callWebhook<{ answer: string }>('memory/agent', {
			message: 'Remember that Ada Lovelace prefers email',
			sessionId: session,
		});
		expect(first.status).toBe(200);
		expect(first.body.answer).toBe('Noted: Ada prefers email.');

		const second = await callWebhook<{ answer: string }>('memory/agent', {
			message: 'How should I contact Ada?',
			sessionId: session,
		});
		expect(second.status).toBe(200);
		// Only reachable when the search tool really returned the stored fact.
		expect(second.body.answer).toBe('Write Ada an email.');

		const requests = await openai.requests();
		const secondTurn = requests.find((r) =>
			JSON.stringify(r.messages).includes('How should I contact Ada?'),
		);
		// The chat memory put the first exchange in front of the second question.
		expect(JSON.stringify(secondTurn?.messages)).toContain(
			'Remember that Ada Lovelace prefers email',
		);
		expect(JSON.stringify(secondTurn?.messages)).toContain('Noted: Ada prefers email.');
	});

	it('answers 400 on a request without a message', async () => {
		const res = await callWebhook<{ error: string }>('memory/agent', { sessionId: session });
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(/message/);
	});
});
