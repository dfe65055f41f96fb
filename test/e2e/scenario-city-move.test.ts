import { openai } from './harness/openai';
import { hook, systemOf, textOf, workflowOf, type ModelRequest } from './scenario-support';

interface CityAnswer {
	sessionId: string;
	answer: string;
	status: string;
	delegations: number;
	transcript: Array<{ kind: string; target?: string }>;
}

const run = `${process.pid}-${Date.now()}`;
const FIRST = 'Should I move from Berlin to Lisbon? I work remotely.';
const FIRST_ANSWER = 'TURN ONE: yes, Lisbon is cheaper and the visa is simple.';
const SECOND = 'And what about rent for a two-bedroom flat?';

const leaderCalls = (requests: ModelRequest[]) =>
	requests.filter((r) => systemOf(r).includes('You lead a team'));

describe('the city-move-team template: a multi-turn team with session memory', () => {
	beforeAll(() =>
		openai.reset().then(() =>
			openai.rules(
				{
					system: 'You lead a team',
					lastContains: FIRST,
					reply: {
						toolCalls: [
							{ name: 'delegate_to_cost-analyst', arguments: { task: 'Costs Berlin vs Lisbon' } },
							{ name: 'delegate_to_sentiment-analyst', arguments: { task: 'Mood in Lisbon' } },
							{
								name: 'delegate_to_migration-researcher',
								arguments: { task: 'Moving within the EU to Portugal' },
							},
						],
					},
				},
				{ system: 'You are "cost-analyst"', reply: { content: 'Lisbon is 25% cheaper.' } },
				{ system: 'You are "sentiment-analyst"', reply: { content: 'Residents love it.' } },
				{ system: 'You are "migration-researcher"', reply: { content: 'EU citizens register.' } },
				{ system: 'You lead a team', lastRole: 'tool', reply: { content: FIRST_ANSWER } },
				{
					system: 'You lead a team',
					lastContains: SECOND,
					reply: { content: 'TURN TWO: about 1500 EUR a month.' },
				},
			),
		),
	);

	it('is active', () => {
		expect(workflowOf('city-move-team.json')).toEqual(expect.objectContaining({ active: true }));
	});

	it('keeps the conversation of a session: the second turn sees the first', async () => {
		const sessionId = `move-${run}`;
		const one = await hook<CityAnswer>('city-move', { sessionId, message: FIRST });
		expect(one.status).toBe(200);
		expect(one.body).toEqual(
			expect.objectContaining({ sessionId, answer: FIRST_ANSWER, status: 'completed' }),
		);
		expect(one.body.delegations).toBe(3);

		const two = await hook<CityAnswer>('city-move', { sessionId, message: SECOND });
		expect(two.status).toBe(200);
		expect(two.body.answer).toBe('TURN TWO: about 1500 EUR a month.');

		const second = leaderCalls(await openai.requests()).find((r) => textOf(r).includes(SECOND))!;
		const roles = second.messages.map((m) => m.role);
		const firstTurn = second.messages.findIndex(
			(m) => m.role === 'user' && String(m.content) === FIRST,
		);
		expect(firstTurn).toBeGreaterThan(0);
		expect(second.messages[firstTurn + 1]).toEqual(
			expect.objectContaining({ role: 'assistant', content: FIRST_ANSWER }),
		);
		expect(roles.at(-1)).toBe('user');
		expect(String(second.messages.at(-1)?.content)).toBe(SECOND);
	});

	it('does not mix sessions', async () => {
		await hook('city-move', { sessionId: `other-${run}`, message: SECOND });
		const calls = leaderCalls(await openai.requests()).filter(
			(r) => String(r.messages.at(-1)?.content) === SECOND,
		);
		const fresh = calls.find((r) => !textOf(r).includes(FIRST_ANSWER));
		expect(fresh).toBeDefined();
		expect(textOf(fresh!)).not.toContain(FIRST);
	});

	it.each([
		['a missing sessionId', { message: 'hi' }, /sessionId is required/],
		['a sessionId with spaces', { message: 'hi', sessionId: 'a b' }, /sessionId is required/],
		['a missing message', { sessionId: 's1' }, /message is required/],
		['an oversized message', { sessionId: 's1', message: 'x'.repeat(4001) }, /at most 4000/],
	])('answers 400 for %s', async (_what, body, reason) => {
		const res = await hook<{ error: string }>('city-move', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(reason);
	});
});
