/**
 * Every Agent Team mode in a real n8n, through the team-research template and
 * n8n's OpenAI Chat Model node; the local OpenAI-compatible server answers
 * each agent by the system prompt it sends.
 */
import { callWebhook } from './harness/n8n';
import { openai } from './harness/openai';

interface TeamAnswer {
	answer: string;
	status: string;
	transcript: Array<{ kind: string; actor: string; target?: string; atMs: number }>;
	delegations: number;
}

const task = 'Brief me on heat pumps for old houses';
const member = (name: string) => `You are "${name}"`;

async function systemsAndLastMessages() {
	const requests = await openai.requests();
	return requests.map((r) => ({
		system: String(r.messages.find((m) => m.role === 'system')?.content ?? ''),
		all: JSON.stringify(r.messages),
	}));
}

describe('Agent Team modes in a real n8n', () => {
	beforeEach(() => openai.reset());

	it('route: the leader picks one member, who answers directly', async () => {
		await openai.rules(
			{
				system: 'You route requests',
				reply: { toolCalls: [{ name: 'route_to_member', arguments: { member: 'analyst' } }] },
			},
			{ system: member('analyst'), reply: { content: 'ROUTED: insulation decides.' } },
		);
		const res = await callWebhook<TeamAnswer>('team-research', { task, mode: 'route' });
		expect(res.status).toBe(200);
		expect(res.body.answer).toBe('ROUTED: insulation decides.');
		const calls = await systemsAndLastMessages();
		expect(calls.filter((c) => c.system.includes(member('researcher')))).toHaveLength(0);
		expect(calls.filter((c) => c.system.includes(member('analyst')))).toHaveLength(1);
	});

	it('broadcast: every member works, the leader combines', async () => {
		await openai.rules(
			{ system: member('researcher'), reply: { content: 'R: facts' } },
			{ system: member('analyst'), reply: { content: 'A: meaning' } },
			{ system: member('writer'), reply: { content: 'W: prose' } },
			{ system: 'Your members have worked on the request', reply: { content: 'SYNTHESIS' } },
		);
		const res = await callWebhook<TeamAnswer>('team-research', { task, mode: 'broadcast' });
		expect(res.body.answer).toBe('SYNTHESIS');
		expect(res.body.status).toBe('completed');
		const synthesis = (await systemsAndLastMessages()).find((c) =>
			c.system.includes('Your members have worked'),
		);
		for (const part of ['R: facts', 'A: meaning', 'W: prose'])
			expect(synthesis?.all).toContain(part);
	});

	it('sequential: each member sees the previous output', async () => {
		await openai.rules(
			{ system: member('researcher'), reply: { content: 'STEP-1 facts' } },
			{ system: member('analyst'), reply: { content: 'STEP-2 analysis' } },
			{ system: member('writer'), reply: { content: 'STEP-3 brief' } },
		);
		const res = await callWebhook<TeamAnswer>('team-research', { task, mode: 'sequential' });
		expect(res.body.answer).toBe('STEP-3 brief');
		const calls = await systemsAndLastMessages();
		expect(calls.find((c) => c.system.includes(member('analyst')))?.all).toContain('STEP-1 facts');
		expect(calls.find((c) => c.system.includes(member('writer')))?.all).toContain(
			'STEP-2 analysis',
		);
	});

	it('plan: a task graph runs in dependency order and the leader answers', async () => {
		const plan = {
			tasks: [
				{ id: 't1', member: 'researcher', task: 'collect facts', dependsOn: [] },
				{ id: 't2', member: 'analyst', task: 'assess facts', dependsOn: ['t1'] },
				{ id: 't3', member: 'writer', task: 'write brief', dependsOn: ['t2'] },
			],
		};
		await openai.rules(
			{
				system: 'Your members have worked',
				lastContains: 'Task results:',
				reply: { content: 'PLAN DONE' },
			},
			{ system: 'as a task graph', reply: { content: JSON.stringify(plan) } },
			{ system: member('researcher'), reply: { content: 'T1 output' } },
			{ system: member('analyst'), reply: { content: 'T2 output' } },
			{ system: member('writer'), reply: { content: 'T3 output' } },
		);
		const res = await callWebhook<TeamAnswer>('team-research', { task, mode: 'plan' });
		expect(res.body.answer).toBe('PLAN DONE');
		expect(res.body.status).toBe('completed');
		const calls = await systemsAndLastMessages();
		expect(calls.find((c) => c.system.includes(member('analyst')))?.all).toContain('T1 output');
		expect(calls.find((c) => c.system.includes(member('writer')))?.all).toContain('T2 output');
		const started = res.body.transcript.filter((t) => t.kind === 'delegation').map((t) => t.target);
		expect(started).toEqual(['researcher', 'analyst', 'writer']);
	});

	it('a rejected plan (unknown member) is re-planned once', async () => {
		await openai.rules(
			{
				system: 'Your members have worked',
				lastContains: 'Task results:',
				reply: { content: 'REPLANNED' },
			},
			{
				system: 'as a task graph',
				lastContains: 'That plan was rejected',
				reply: {
					content: JSON.stringify({
						tasks: [{ id: 'a', member: 'writer', task: 'write', dependsOn: [] }],
					}),
				},
			},
			{
				system: 'as a task graph',
				reply: {
					content: JSON.stringify({
						tasks: [{ id: 'a', member: 'ghost', task: 'x', dependsOn: [] }],
					}),
				},
			},
			{ system: member('writer'), reply: { content: 'written' } },
		);
		const res = await callWebhook<TeamAnswer>('team-research', { task, mode: 'plan' });
		expect(res.body.answer).toBe('REPLANNED');
		const calls = await systemsAndLastMessages();
		const rejection = calls.find((c) => c.all.includes('That plan was rejected'));
		expect(rejection?.all).toContain('ghost');
	});
});
