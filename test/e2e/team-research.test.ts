import { callWebhook, state } from './harness/n8n';
import { openai } from './harness/openai';

interface TeamAnswer {
	answer: string;
	status: string;
	transcript: Array<{ kind: string; target?: string }>;
	usage: { total: { totalTokens?: number; total?: number } };
	delegations: number;
}

describe('the team-research template with n8n’s OpenAI Chat Model', () => {
	beforeEach(() => openai.reset());

	it('is active with its OpenAI credential pointed at the local server', () => {
		const wf = state().workflows.find((w) => w.file === 'team-research.json');
		expect(wf).toEqual(expect.objectContaining({ active: true }));
	});

	it('coordinates members through real tool calls and answers the webhook', async () => {
		await openai.rules(
			{
				system: 'You lead a team',
				lastRole: 'user',
				reply: {
					toolCalls: [
						{
							name: 'delegate_to_researcher',
							arguments: { task: 'Find facts on heat pumps in old houses' },
						},
						{
							name: 'delegate_to_analyst',
							arguments: { task: 'Weigh costs and insulation needs' },
						},
					],
				},
			},
			{
				system: 'You are "researcher"',
				reply: { content: 'Heat pumps work in old houses once insulated.' },
			},
			{ system: 'You are "analyst"', reply: { content: 'Insulate first, then size the pump.' } },
			{
				system: 'You lead a team',
				lastRole: 'tool',
				reply: { content: 'FINAL: insulate, then fit a right-sized heat pump.' },
			},
		);
		const res = await callWebhook<TeamAnswer>('team-research', {
			task: 'Brief me on heat pumps for old houses',
			mode: 'coordinate',
		});
		expect(res.status).toBe(200);
		expect(res.body.answer).toBe('FINAL: insulate, then fit a right-sized heat pump.');
		expect(res.body.status).toBe('completed');
		expect(res.body.delegations).toBe(2);
		const delegated = res.body.transcript
			.filter((t) => t.kind === 'delegation')
			.map((t) => t.target);
		expect(delegated.sort()).toEqual(['analyst', 'researcher']);

		const requests = await openai.requests();
		const systems = requests.map((r) =>
			String(r.messages.find((m) => m.role === 'system')?.content ?? ''),
		);
		expect(systems.filter((s) => s.includes('You are "researcher"'))).toHaveLength(1);
		expect(systems.filter((s) => s.includes('You are "analyst"'))).toHaveLength(1);
		expect(systems.filter((s) => s.includes('You lead a team'))).toHaveLength(2);
		const researcherCall = requests.find((r) =>
			String(r.messages[0]?.content).includes('You are "researcher"'),
		);
		expect(JSON.stringify(researcherCall?.messages)).toContain(
			'Find facts on heat pumps in old houses',
		);
	});
});
