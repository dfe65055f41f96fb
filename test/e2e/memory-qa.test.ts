/**
 * n8n's own Question and Answer Chain and Vector Store Retriever over the
 * Vector Memory Store sub-node: the retriever must hand the chain the stored
 * memories of the asked namespace, and only those.
 */
import { callWebhook, state } from './harness/n8n';
import { openai } from './harness/openai';

const ns = `qa-${Date.now()}`;

describe('the memory-qa template: n8n Q&A chain + retriever over Vector Memory Store', () => {
	beforeAll(async () => {
		await openai.reset();
		for (const [text, namespace] of [
			['Ada Lovelace prefers to be contacted by email', ns],
			['The office closes at six on Fridays', ns],
			['Ada Lovelace prefers to be contacted by telegram', `${ns}-other`],
		]) {
			const res = await callWebhook('memory/store', { text, namespace });
			expect(res.status).toBe(201);
		}
	});

	it('is active', () => {
		const wf = state().workflows.find((w) => w.file === 'memory-qa.json');
		expect(wf).toEqual(expect.objectContaining({ active: true }));
	});

	it('answers from the memories the retriever found', async () => {
		await openai.rules({
			lastRole: 'user',
			lastContains: 'How should I contact Ada?',
			reply: { content: 'By email.' },
		});
		const res = await callWebhook<{ answer: string; namespace: string }>('memory/ask', {
			question: 'How should I contact Ada?',
			namespace: ns,
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ answer: 'By email.', namespace: ns });

		const asked = (await openai.requests()).find((r) =>
			JSON.stringify(r.messages).includes('How should I contact Ada?'),
		);
		const prompt = JSON.stringify(asked?.messages);
		// The chain's system prompt carries the retrieved memories as context.
		expect(prompt).toContain('Ada Lovelace prefers to be contacted by email');
		// Scoped to the asked namespace: the other namespace's memory never reaches the model.
		expect(prompt).not.toContain('telegram');
	});

	it('answers 400 without a question', async () => {
		const res = await callWebhook<{ error: string }>('memory/ask', { namespace: ns });
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(/question/);
	});
});
