import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { TeamRunner, type MemoryLike } from '../../../lib/team';
import { metricsText } from '../../../lib/metrics';
import { FakeToolCallingModel, httpError, seen } from './fake-model';
import { jsonTool } from './tools';

const fastRetry = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 };

describe('retries, timeouts and fallback', () => {
	it('retries rate limits and server errors, then succeeds', async () => {
		const member = new FakeToolCallingModel([
			httpError(429, 'Rate limit'),
			httpError(503),
			'made it',
		]);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: member,
			members: [{ name: 'a', model: member }],
			limits: { retry: fastRetry },
		}).run('x');
		expect(result.status).toBe('completed');
		expect(result.answer).toBe('made it');
		expect(member.calls).toHaveLength(3);
		const retries = result.transcript.filter((e) => e.kind === 'retry');
		expect(retries).toHaveLength(2);
		expect(retries[0].content).toContain('Rate limit');
	});

	it('does not retry a client error', async () => {
		const member = new FakeToolCallingModel([httpError(400, 'bad'), 'never']);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: member,
			members: [{ name: 'a', model: member }],
			limits: { retry: fastRetry },
		}).run('x');
		expect(member.calls).toHaveLength(1);
		expect(result.status).toBe('failed');
	});

	it('hands the task to the fallback member when retries run out', async () => {
		const flaky = new FakeToolCallingModel([httpError(429)]);
		const backup = new FakeToolCallingModel(['backup answer']);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: backup,
			members: [
				{ name: 'flaky', model: flaky },
				{ name: 'backup', model: backup },
			],
			fallbackMember: 'backup',
			limits: { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } },
		}).run('task');
		expect(flaky.calls).toHaveLength(2);
		const fallback = result.transcript.find((e) => e.kind === 'fallback');
		expect(fallback?.target).toBe('backup');
		expect(seen(backup.calls[0])).toContain('task');
		expect(result.status).toBe('completed');
	});

	it('times out a slow member and lets the fallback answer', async () => {
		const slow = new FakeToolCallingModel(['too late'], { delayMs: 10_000 });
		const quick = new FakeToolCallingModel(['quick answer']);
		const team = new TeamRunner({
			mode: 'broadcast',
			model: new FakeToolCallingModel(['synth']),
			members: [
				{ name: 'slow', model: slow },
				{ name: 'quick', model: quick },
			],
			fallbackMember: 'quick',
			limits: { memberTimeoutMs: 300 },
		});
		const result = await team.run('x');
		expect(result.errors).toContain('slow: slow timed out after 300 ms');
		expect(result.transcript.some((e) => e.kind === 'fallback' && e.target === 'quick')).toBe(true);
		expect(quick.calls).toHaveLength(2);
		expect(result.status).toBe('completed');
		// the slow call was aborted, not waited for
		expect(slow.calls[0].endedAt).toBeUndefined();
	});

	it('stops cleanly when the token budget is spent, with what it has', async () => {
		const leader = new FakeToolCallingModel([
			{ toolCalls: [{ name: 'delegate_to_a', args: { task: 't' } }] },
			{ toolCalls: [{ name: 'delegate_to_a', args: { task: 't2' } }] },
			'never reached',
		]);
		const a = new FakeToolCallingModel(['first result']);
		const result = await new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: a }],
			limits: { tokenBudget: 30 },
		}).run('x');
		expect(result.status).toBe('budget_exhausted');
		expect(result.usage.total.total).toBe(30);
		expect(result.answer).toContain('token budget of 30');
		expect(result.answer).toContain('first result');
		expect(leader.calls).toHaveLength(1);
	});

	it('is cancelled by an AbortSignal, aborting calls in flight', async () => {
		const slow = new FakeToolCallingModel(['late'], { delayMs: 5_000 });
		const controller = new AbortController();
		const team = new TeamRunner({
			mode: 'broadcast',
			model: new FakeToolCallingModel(['synth']),
			members: [
				{ name: 'fast', model: new FakeToolCallingModel(['fast result']) },
				{ name: 'slow', model: slow },
			],
		});
		setTimeout(() => controller.abort(), 50);
		const result = await team.run('x', { signal: controller.signal });
		expect(result.status).toBe('cancelled');
		expect(slow.calls[0].endedAt).toBeUndefined();
		expect(result.answer).toContain('fast result');
	});
});

describe('tools and memory', () => {
	const lookup = jsonTool(
		'lookup',
		'looks a word up',
		{ word: { type: 'string' } },
		async ({ word }) => `definition of ${String(word)}`,
	);
	const broken = jsonTool('broken', 'always fails', {}, async () => {
		throw new Error('database down');
	});

	it('gives members only the tools on their allow-list and reports tool errors to the model', async () => {
		const a = new FakeToolCallingModel([
			{
				toolCalls: [
					{ name: 'lookup', args: { word: 'otter' } },
					{ name: 'broken', args: {} },
				],
			},
			'used the tools',
		]);
		const b = new FakeToolCallingModel(['no tools']);
		const result = await new TeamRunner({
			mode: 'broadcast',
			model: new FakeToolCallingModel(['synth']),
			members: [
				{ name: 'a', model: a, tools: ['lookup', 'broken'] },
				{ name: 'b', model: b },
			],
			tools: [lookup, broken],
		}).run('x');
		expect(a.calls[0].tools.map((t) => t.name).sort()).toEqual(['broken', 'lookup']);
		expect(b.calls[0].tools).toEqual([]);
		const back = seen(a.calls[1]);
		expect(back).toContain('definition of otter');
		expect(back).toContain('Error: tool "broken" failed: database down');
		const toolResults = result.transcript.filter((e) => e.kind === 'tool_result');
		expect(toolResults.find((e) => e.target === 'broken')?.error).toBe(true);
		expect(result.transcript.some((e) => e.kind === 'tool_call' && e.target === 'lookup')).toBe(
			true,
		);
		expect(result.errors).toContain('a → broken: database down');
	});

	it('fails a member that keeps calling tools at the turn limit', async () => {
		const looping = new FakeToolCallingModel([
			{ toolCalls: [{ name: 'lookup', args: { word: 'x' } }] },
		]);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: looping,
			members: [{ name: 'a', model: looping, tools: ['lookup'] }],
			tools: [lookup],
			limits: { maxTurns: 2 },
		}).run('x');
		expect(looping.calls).toHaveLength(2);
		expect(result.status).toBe('failed');
		expect(result.errors).toContain('a: stopped at the turn limit of 2 without answering');
	});

	it('answers a call to a tool the member was not given', async () => {
		const a = new FakeToolCallingModel([
			{ toolCalls: [{ name: 'lookup', args: { word: 'x' } }] },
			'ok',
		]);
		await new TeamRunner({
			mode: 'sequential',
			model: a,
			members: [{ name: 'a', model: a, tools: ['broken'] }],
			tools: [lookup, broken],
		}).run('x');
		expect(seen(a.calls[1])).toContain('there is no tool named "lookup"');
	});

	it('loads the conversation from memory and saves the new turn', async () => {
		const saved: Array<[unknown, unknown]> = [];
		const memory: MemoryLike = {
			loadMemoryVariables: async () => ({
				chat_history: [
					new HumanMessage('my name is Ada'),
					new AIMessage('hello Ada'),
				] as BaseMessage[],
			}),
			saveContext: async (input, output) => {
				saved.push([input, output]);
			},
		};
		const leader = new FakeToolCallingModel(['Your name is Ada.']);
		const result = await new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: leader }],
			memory,
		}).run('what is my name?');
		expect(seen(leader.calls[0])).toContain('my name is Ada');
		expect(saved).toEqual([[{ input: 'what is my name?' }, { output: 'Your name is Ada.' }]]);
		expect(result.answer).toBe('Your name is Ada.');
	});
});

describe('memory failures', () => {
	it('runs without history when memory cannot load, and saves no failed run', async () => {
		const saveContext = jest.fn(async () => undefined);
		const memory: MemoryLike = {
			loadMemoryVariables: async () => {
				throw new Error('redis unreachable');
			},
			saveContext,
		};
		const failing = new FakeToolCallingModel([httpError(400, 'bad')]);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: failing,
			members: [{ name: 'a', model: failing }],
			memory,
		}).run('x');
		expect(result.errors).toContain(
			'team: could not load the conversation from memory: redis unreachable',
		);
		expect(result.status).toBe('failed');
		expect(saveContext).not.toHaveBeenCalled();
	});
});

describe('structured answers', () => {
	const schema = {
		type: 'object',
		properties: { title: { type: 'string' }, score: { type: 'number' } },
		required: ['title', 'score'],
	};

	it('validates the final answer and repairs it once', async () => {
		const leader = new FakeToolCallingModel(['{"title": "x"}', '{"title": "x", "score": 3}']);
		const result = await new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: leader }],
			outputSchema: schema,
		}).run('rate it');
		expect(result.status).toBe('completed');
		expect(result.answer).toEqual({ title: 'x', score: 3 });
		expect(seen(leader.calls[1])).toContain("must have required property 'score'");
	});

	it('fails with the reason when the repair is still invalid', async () => {
		const leader = new FakeToolCallingModel(['not json', 'still not json']);
		const result = await new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: leader }],
			outputSchema: schema,
		}).run('rate it');
		expect(result.status).toBe('failed');
		expect(result.errors.join()).toContain('does not match the output schema after one repair');
	});

	it('holds members to their own output schema', async () => {
		const a = new FakeToolCallingModel(['Sure! ```json\n{"title": "t", "score": 1}\n```']);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: a,
			members: [{ name: 'a', model: a, outputSchema: schema }],
		}).run('x');
		expect(JSON.parse(result.answer as string)).toEqual({ title: 't', score: 1 });
		expect(seen(a.calls[0])).toContain('valid against this JSON schema');
	});
});

describe('metrics', () => {
	it('counts runs, delegations and tokens', async () => {
		const m = new FakeToolCallingModel(['ok']);
		await new TeamRunner({ mode: 'sequential', model: m, members: [{ name: 'a', model: m }] }).run(
			'x',
		);
		const text = await metricsText();
		expect(text).toMatch(/agentos_team_runs_total\{mode="sequential",status="completed"\} [1-9]/);
		expect(text).toMatch(/agentos_team_delegations_total\{mode="sequential",outcome="ok"\} [1-9]/);
		expect(text).toMatch(/agentos_team_tokens_total\{kind="input"\} [1-9]/);
		expect(text).toContain('agentos_team_run_seconds_bucket');
	});
});
