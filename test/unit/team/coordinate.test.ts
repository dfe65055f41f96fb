import { TeamRunner } from '../../../lib/team';
import { FakeToolCallingModel, seen } from './fake-model';

const call = (name: string, args: Record<string, unknown>) => ({ name, args });

describe('coordinate mode', () => {
	it('delegates several members at once, runs them in parallel and loops until the leader answers', async () => {
		const leader = new FakeToolCallingModel([
			{
				toolCalls: [
					call('delegate_to_researcher', { task: 'find facts about otters' }),
					call('delegate_to_writer', { task: 'draft an intro about otters' }),
				],
			},
			'Otters hold hands while sleeping. (final)',
		]);
		const researcher = new FakeToolCallingModel(['Otters hold hands.'], {
			delayMs: 40,
			name: 'small',
		});
		const writer = new FakeToolCallingModel(['Meet the otter.'], { delayMs: 40, name: 'small' });
		const team = new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [
				{ name: 'researcher', role: 'finds facts', model: researcher },
				{ name: 'writer', role: 'writes prose', model: writer },
			],
			priceTable: { 'fake-model': { input: 1, output: 2 }, '*': { input: 10, output: 10 } },
		});
		const result = await team.run('Tell me about otters');

		expect(result.status).toBe('completed');
		expect(result.answer).toBe('Otters hold hands while sleeping. (final)');
		expect(result.delegations).toBe(2);
		// both members were in flight at the same time
		const [r, w] = [researcher.calls[0], writer.calls[0]];
		expect(r.startedAt).toBeLessThan(w.endedAt!);
		expect(w.startedAt).toBeLessThan(r.endedAt!);
		// the leader saw both results as tool messages on its second turn
		expect(leader.calls).toHaveLength(2);
		const second = seen(leader.calls[1]);
		expect(second).toContain('Otters hold hands.');
		expect(second).toContain('Meet the otter.');
		expect(leader.calls[0].tools.map((t) => t.name)).toEqual([
			'delegate_to_researcher',
			'delegate_to_writer',
		]);
		// members got the task the leader wrote, with their instructions
		expect(seen(researcher.calls[0])).toContain('find facts about otters');
		expect(seen(researcher.calls[0])).toContain('"researcher", finds facts');

		expect(result.usage.total).toEqual({ input: 40, output: 20, total: 60 });
		expect(result.usage.byMember.leader.total).toBe(30);
		expect(result.usage.byMember.researcher.total).toBe(15);
		expect(result.usage.byModel.small.total).toBe(30);
		// fake-model: 20 in, 10 out at 1/2 per M; small: 20 in, 10 out at the default 10/10
		expect(result.cost.byModel['fake-model']).toBeCloseTo((20 * 1 + 10 * 2) / 1e6, 9);
		expect(result.cost.total).toBeCloseTo((20 + 20 + 300) / 1e6, 9);

		const kinds = result.transcript.map((e) => e.kind);
		expect(kinds[0]).toBe('input');
		expect(kinds.filter((k) => k === 'delegation')).toHaveLength(2);
		expect(kinds.filter((k) => k === 'result')).toHaveLength(2);
		expect(kinds[kinds.length - 1]).toBe('final');
		const delegation = result.transcript.find(
			(e) => e.kind === 'delegation' && e.target === 'writer',
		);
		expect(delegation?.content).toBe('draft an intro about otters');
		const memberResult = result.transcript.find((e) => e.kind === 'result' && e.actor === 'writer');
		expect(memberResult?.durationMs).toBeGreaterThan(0);
		expect(result.transcript.map((e) => e.seq)).toEqual(result.transcript.map((_, i) => i + 1));
	});

	it('stops a leader that never stops calling tools at the turn limit with a partial answer', async () => {
		const leader = new FakeToolCallingModel([
			{ toolCalls: [call('delegate_to_a', { task: 'again' })] },
		]);
		const a = new FakeToolCallingModel(['piece of work']);
		const team = new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: a }],
			limits: { maxTurns: 3 },
		});
		const result = await team.run('loop forever');
		expect(result.status).toBe('max_turns');
		expect(leader.calls).toHaveLength(3);
		expect(result.answer).toContain('turn limit of 3');
		expect(result.answer).toContain('piece of work');
		expect(result.transcript.some((e) => e.kind === 'limit')).toBe(true);
	});

	it('refuses delegations past the limit and tells the leader, who answers with what it has', async () => {
		const leader = new FakeToolCallingModel([
			{ toolCalls: [call('delegate_to_a', { task: '1' }), call('delegate_to_a', { task: '2' })] },
			'done with one',
		]);
		const team = new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: new FakeToolCallingModel(['ok']) }],
			limits: { maxDelegations: 1, maxConcurrency: 1 },
		});
		const result = await team.run('x');
		expect(result.status).toBe('max_delegations');
		expect(result.answer).toBe('done with one');
		expect(result.delegations).toBe(1);
		expect(seen(leader.calls[1])).toContain('Delegation limit of 1 reached');
	});

	it('reports a delegation without a task back to the leader', async () => {
		const leader = new FakeToolCallingModel([
			{ toolCalls: [call('delegate_to_a', {})] },
			'gave up',
		]);
		const team = new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: new FakeToolCallingModel(['ok']) }],
		});
		const result = await team.run('x');
		expect(seen(leader.calls[1])).toContain('"task" argument is missing');
		expect(result.delegations).toBe(0);
		expect(result.errors.join()).toContain('task');
	});

	it('answers malformed tool arguments with an error the model can act on', async () => {
		const leader = new FakeToolCallingModel([
			{ invalidToolCalls: [{ name: 'delegate_to_a', args: '{"task": "unterminated' }] },
			{ toolCalls: [call('delegate_to_a', { task: 'fixed' })] },
			'final',
		]);
		const a = new FakeToolCallingModel(['member output']);
		const team = new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: a }],
		});
		const result = await team.run('x');
		expect(result.status).toBe('completed');
		expect(seen(leader.calls[1])).toContain('not valid JSON');
		expect(seen(leader.calls[1])).toContain('unterminated');
		expect(
			result.transcript.some((e) => e.kind === 'error' && e.content.includes('not valid JSON')),
		).toBe(true);
		expect(a.calls).toHaveLength(1);
	});

	it('tells the leader about a member that failed instead of failing the run', async () => {
		const leader = new FakeToolCallingModel([
			{ toolCalls: [call('delegate_to_a', { task: 't' })] },
			'answer without a',
		]);
		const a = new FakeToolCallingModel([Object.assign(new Error('bad request'), { status: 400 })]);
		const team = new TeamRunner({
			mode: 'coordinate',
			model: leader,
			members: [{ name: 'a', model: a }],
		});
		const result = await team.run('x');
		expect(a.calls).toHaveLength(1);
		expect(seen(leader.calls[1])).toContain('Error: a failed: bad request');
		expect(result.status).toBe('partial');
		expect(result.errors).toContain('a: bad request');
	});
});
