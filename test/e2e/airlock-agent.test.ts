/**
 * The Compliance Airlock Tool (the tool variant n8n derives from the node)
 * inside n8n's own AI Agent: the agent's call pauses the execution until a
 * reviewer follows a signed link, and the decision comes back to the agent
 * as the tool's answer.
 */
import { NotifyInbox, click } from './harness/inbox';
import { api, callWebhook, rest, state } from './harness/n8n';
import { openai } from './harness/openai';

interface Execution {
	id: string;
	status: string;
	finished: boolean;
	data?: {
		resultData: {
			runData: Record<
				string,
				Array<{ data?: Record<string, Array<Array<{ json: Record<string, unknown> }> | null>> }>
			>;
		};
	};
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inbox = new NotifyInbox();
const DRAFT = 'Hi Ada, your refund of 20 EUR is approved. Reach us at help@example.com.';

async function execution(id: string): Promise<Execution> {
	return api<Execution>(`/executions/${id}?includeData=true`);
}

/** Waits until the execution has finished and its Result node's data is saved. */
async function finished(id: string): Promise<Execution> {
	for (let i = 0; i < 600; i++) {
		const e = await execution(id);
		if (e.status === 'error' || e.status === 'crashed') return e;
		if (e.finished && (e.data?.resultData.runData.Result ?? []).length) return e;
		await sleep(200);
	}
	throw new Error(`execution ${id} did not finish`);
}

function answer(e: Execution): unknown {
	return e.data?.resultData.runData.Result?.[0]?.data?.main?.[0]?.[0]?.json.answer;
}

/** The text of every tool answer the model received, across all its requests. */
async function toolAnswers(): Promise<string[]> {
	return (await openai.requests()).flatMap((r) =>
		r.messages
			.filter((m) => m.role === 'tool')
			.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))),
	);
}

beforeAll(async () => {
	await inbox.start();
	await openai.reset();
	await openai.rules(
		{
			hasTool: 'Send_for_Approval',
			lastRole: 'user',
			lastContains: 'refund',
			reply: { toolCalls: [{ name: 'Send_for_Approval', arguments: { text: DRAFT } }] },
		},
		{
			hasTool: 'Send_for_Approval',
			lastRole: 'tool',
			lastContains: '"outcome":"approved"',
			reply: { content: 'The reply was approved and sent.' },
		},
		{
			hasTool: 'Send_for_Approval',
			lastRole: 'tool',
			lastContains: '"outcome":"rejected"',
			reply: { content: 'A reviewer rejected the reply.' },
		},
	);
});
afterAll(() => inbox.stop());

describe('the airlock-agent template: n8n AI Agent + Compliance Airlock Tool', () => {
	it('offers the tool variant and the template is active', async () => {
		const types = await rest<Array<{ name: string; outputs: unknown }>>('/types/nodes.json');
		const tool = types.find((t) => t.name === 'n8n-nodes-agent-os.complianceAirlockTool');
		expect(tool?.outputs).toEqual(['ai_tool']);
		const wf = state().workflows.find((w) => w.file === 'airlock-agent.json');
		expect(wf).toEqual(expect.objectContaining({ active: true }));
	});

	it.each([
		['approve', 'The reply was approved and sent.', 'approved'],
		['reject', 'A reviewer rejected the reply.', 'rejected'],
	])(
		'waits for the reviewer, who decides "%s", and hands the decision to the agent',
		async (decision, expected, outcome) => {
			const path = `/agent/${decision}`;
			const started = await callWebhook<{ status: string; executionId: string }>('airlock/agent', {
				message: 'Tell Ada her refund is approved',
				notifyUrl: `${inbox.base}${path}`,
			});
			expect(started.status).toBe(202);
			const id = String(started.body.executionId);

			const notify = await inbox.take(path);
			// The draft reached the reviewer redacted by the policy.
			expect(notify.summary).toContain('<EMAIL_ADDRESS>');
			expect(notify.summary).not.toContain('help@example.com');
			const waiting = await execution(id);
			expect(waiting.status).toBe('waiting');
			expect(waiting.finished).toBe(false);

			const link = decision === 'approve' ? notify.links[0].approve : notify.links[0].reject;
			const vote = await click(link, `${decision}d by the e2e reviewer`);
			expect(vote.status).toBe(200);
			expect(vote.text).toContain(`The held items are ${outcome}`);

			const done = await finished(id);
			expect(done.status).toBe('success');
			expect(answer(done)).toBe(expected);

			// The model saw the reviewer's decision and comment as the tool's answer.
			const answers = (await toolAnswers()).filter((a) => a.includes(notify.holdId));
			expect(answers).toHaveLength(1);
			expect(answers[0]).toContain(`"outcome":"${outcome}"`);
			expect(answers[0]).toContain(`${decision}d by the e2e reviewer`);
			if (outcome === 'approved') expect(answers[0]).toContain('<EMAIL_ADDRESS>');
			expect(answers[0]).not.toContain('help@example.com');

			// A replayed link changes nothing: no second decision, no second answer to the agent.
			const replay = await click(link);
			expect(replay.text).not.toContain('The held items are');
			await sleep(500);
			expect((await toolAnswers()).filter((a) => a.includes(notify.holdId))).toHaveLength(1);
			expect((await execution(id)).data?.resultData.runData.Result).toHaveLength(1);
		},
	);

	it('answers 400 without a message', async () => {
		const res = await callWebhook<{ error: string }>('airlock/agent', {});
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(/message/);
	});
});
