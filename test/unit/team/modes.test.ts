import { AIMessage } from '@langchain/core/messages';
import { TeamRunner } from '../../../lib/team';
import { FakeToolCallingModel, httpError, seen } from './fake-model';

describe('route mode', () => {
	it('lets the leader pick one member, who answers directly', async () => {
		const leader = new FakeToolCallingModel([
			{
				toolCalls: [
					{ name: 'route_to_member', args: { member: 'billing', reason: 'invoice question' } },
				],
			},
		]);
		const billing = new FakeToolCallingModel(['Your invoice is paid.']);
		const support = new FakeToolCallingModel(['unused']);
		const team = new TeamRunner({
			mode: 'route',
			model: leader,
			members: [
				{ name: 'support', model: support },
				{ name: 'billing', model: billing },
			],
		});
		const result = await team.run('Is my invoice paid?');
		expect(result.status).toBe('completed');
		expect(result.answer).toBe('Your invoice is paid.');
		expect(support.calls).toHaveLength(0);
		expect(leader.calls).toHaveLength(1);
		expect(seen(billing.calls[0])).toContain('Is my invoice paid?');
		expect(result.transcript.some((e) => e.content === 'routed: invoice question')).toBe(true);
	});

	it('accepts a member named in plain text and fails clearly when none is named', async () => {
		const byText = new TeamRunner({
			mode: 'route',
			model: new FakeToolCallingModel(['I pick Billing.']),
			members: [
				{ name: 'support', model: new FakeToolCallingModel(['s']) },
				{ name: 'billing', model: new FakeToolCallingModel(['b']) },
			],
		});
		expect((await byText.run('?')).answer).toBe('b');

		const lost = new TeamRunner({
			mode: 'route',
			model: new FakeToolCallingModel([
				{ toolCalls: [{ name: 'route_to_member', args: { member: 'nobody' } }] },
			]),
			members: [{ name: 'support', model: new FakeToolCallingModel(['s']) }],
		});
		const result = await lost.run('?');
		expect(result.status).toBe('failed');
		expect(result.errors.join()).toContain('did not pick a known member');
		expect(result.answer).toContain('The team could not answer: leader: the leader did not pick');
	});

	it('routes by name with a leader model that cannot call tools', async () => {
		const asked: string[] = [];
		const plainLeader = {
			invoke: async (messages: Array<{ content: unknown }>) => {
				asked.push(String(messages[messages.length - 1].content));
				return new AIMessage('billing');
			},
		};
		const result = await new TeamRunner({
			mode: 'route',
			model: plainLeader,
			members: [
				{ name: 'support', model: new FakeToolCallingModel(['s']) },
				{ name: 'billing', model: new FakeToolCallingModel(['from billing']) },
			],
		}).run('invoice?');
		expect(result.answer).toBe('from billing');
		expect(asked[0]).toContain('Reply with only the name of the member');
	});

	it('routes to the fallback member when the pick is unknown', async () => {
		const team = new TeamRunner({
			mode: 'route',
			model: new FakeToolCallingModel(['no idea']),
			members: [
				{ name: 'support', model: new FakeToolCallingModel(['from support']) },
				{ name: 'billing', model: new FakeToolCallingModel(['b']) },
			],
			fallbackMember: 'support',
		});
		const result = await team.run('?');
		expect(result.answer).toBe('from support');
	});
});

describe('broadcast mode', () => {
	it('runs every member in parallel and the leader synthesises', async () => {
		const members = ['a', 'b', 'c'].map((name) => ({
			name,
			model: new FakeToolCallingModel([`answer from ${name}`], { delayMs: 30 }),
		}));
		const leader = new FakeToolCallingModel(['synthesis']);
		const result = await new TeamRunner({ mode: 'broadcast', model: leader, members }).run('q');
		expect(result.status).toBe('completed');
		expect(result.answer).toBe('synthesis');
		const calls = members.map((m) => m.model.calls[0]);
		const lastStart = Math.max(...calls.map((c) => c.startedAt));
		const firstEnd = Math.min(...calls.map((c) => c.endedAt!));
		expect(lastStart).toBeLessThan(firstEnd);
		for (const name of ['a', 'b', 'c'])
			expect(seen(leader.calls[0])).toContain(`answer from ${name}`);
	});

	it('gives a partial result with the failure stated when a member fails', async () => {
		const leader = new FakeToolCallingModel(['synthesis without b']);
		const result = await new TeamRunner({
			mode: 'broadcast',
			model: leader,
			members: [
				{ name: 'a', model: new FakeToolCallingModel(['fine']) },
				{ name: 'b', model: new FakeToolCallingModel([httpError(400, 'model not found')]) },
			],
		}).run('q');
		expect(result.status).toBe('partial');
		expect(result.errors).toContain('b: model not found');
		expect(seen(leader.calls[0])).toContain('### b (failed)\nmodel not found');
	});

	it('fails without a synthesis call when every member fails', async () => {
		const leader = new FakeToolCallingModel(['never']);
		const result = await new TeamRunner({
			mode: 'broadcast',
			model: leader,
			members: [{ name: 'a', model: new FakeToolCallingModel([httpError(401, 'no key')]) }],
		}).run('q');
		expect(result.status).toBe('failed');
		expect(leader.calls).toHaveLength(0);
	});
});

describe('sequential mode', () => {
	it('passes each output to the next member', async () => {
		const a = new FakeToolCallingModel(['draft v1']);
		const b = new FakeToolCallingModel(['draft v2']);
		const c = new FakeToolCallingModel(['final draft']);
		const leader = new FakeToolCallingModel(['unused']);
		const result = await new TeamRunner({
			mode: 'sequential',
			model: leader,
			members: [
				{ name: 'drafter', model: a },
				{ name: 'editor', model: b },
				{ name: 'proofreader', model: c },
			],
		}).run('write a haiku');
		expect(result.answer).toBe('final draft');
		expect(seen(b.calls[0])).toContain('draft v1');
		expect(seen(c.calls[0])).toContain('draft v2');
		expect(seen(c.calls[0])).toContain('write a haiku');
		expect(leader.calls).toHaveLength(0);
		expect(result.delegations).toBe(3);
	});

	it('stops at a failing step and returns what the pipeline had', async () => {
		const result = await new TeamRunner({
			mode: 'sequential',
			model: new FakeToolCallingModel(['unused']),
			members: [
				{ name: 'drafter', model: new FakeToolCallingModel(['draft v1']) },
				{ name: 'editor', model: new FakeToolCallingModel([httpError(400, 'context too long')]) },
				{ name: 'proofreader', model: new FakeToolCallingModel(['never']) },
			],
		}).run('x');
		expect(result.status).toBe('partial');
		expect(result.answer).toContain('stopped at editor: context too long');
		expect(result.answer).toContain('draft v1');
		expect(result.delegations).toBe(2);
	});
});

describe('plan mode', () => {
	const plan = (tasks: unknown[]) => JSON.stringify({ tasks });

	it('runs independent tasks in parallel, feeds results to dependents and synthesises', async () => {
		const leader = new FakeToolCallingModel([
			'```json\n' +
				plan([
					{ id: 'facts', member: 'researcher', task: 'collect facts', dependsOn: [] },
					{ id: 'figures', member: 'analyst', task: 'collect figures' },
					{
						id: 'report',
						member: 'writer',
						task: 'write the report',
						dependsOn: ['facts', 'figures'],
					},
				]) +
				'\n```',
			'the final report',
		]);
		const researcher = new FakeToolCallingModel(['FACTS'], { delayMs: 30 });
		const analyst = new FakeToolCallingModel(['FIGURES'], { delayMs: 30 });
		const writer = new FakeToolCallingModel(['REPORT']);
		const result = await new TeamRunner({
			mode: 'plan',
			model: leader,
			members: [
				{ name: 'researcher', model: researcher },
				{ name: 'analyst', model: analyst },
				{ name: 'writer', model: writer },
			],
		}).run('report on widgets');
		expect(result.status).toBe('completed');
		expect(result.answer).toBe('the final report');
		expect(researcher.calls[0].startedAt).toBeLessThan(analyst.calls[0].endedAt!);
		expect(analyst.calls[0].startedAt).toBeLessThan(researcher.calls[0].endedAt!);
		expect(writer.calls[0].startedAt).toBeGreaterThanOrEqual(
			Math.max(researcher.calls[0].endedAt!, analyst.calls[0].endedAt!),
		);
		expect(seen(writer.calls[0])).toContain('FACTS');
		expect(seen(writer.calls[0])).toContain('FIGURES');
		expect(seen(leader.calls[1])).toContain('REPORT');
		const planEntry = result.transcript.find((e) => e.kind === 'plan');
		expect(planEntry?.content).toContain('report writer after facts,figures');
	});

	it('rejects a plan with a cycle, says why, and uses the corrected plan', async () => {
		const leader = new FakeToolCallingModel([
			plan([
				{ id: 't1', member: 'a', task: 'x', dependsOn: ['t2'] },
				{ id: 't2', member: 'a', task: 'y', dependsOn: ['t1'] },
			]),
			plan([{ id: 't1', member: 'a', task: 'x' }]),
			'final',
		]);
		const result = await new TeamRunner({
			mode: 'plan',
			model: leader,
			members: [{ name: 'a', model: new FakeToolCallingModel(['done']) }],
		}).run('go');
		expect(result.status).toBe('completed');
		expect(seen(leader.calls[1])).toContain('form a cycle');
		expect(result.errors[0]).toContain('plan rejected');
	});

	it('fails with the reason when the re-plan is also invalid', async () => {
		const leader = new FakeToolCallingModel([
			plan([{ id: 't1', member: 'ghost', task: 'x' }]),
			plan([{ id: 't1', member: 'ghost', task: 'x' }]),
		]);
		const result = await new TeamRunner({
			mode: 'plan',
			model: leader,
			members: [{ name: 'a', model: new FakeToolCallingModel(['done']) }],
		}).run('go');
		expect(result.status).toBe('failed');
		expect(leader.calls).toHaveLength(2);
		expect(seen(leader.calls[1])).toContain('unknown member "ghost"');
		expect(result.errors.join('\n')).toContain('unknown member "ghost"');
		expect(result.delegations).toBe(0);
	});

	it('skips the dependents of a failed task and reports a partial result', async () => {
		const leader = new FakeToolCallingModel([
			plan([
				{ id: 't1', member: 'a', task: 'x' },
				{ id: 't2', member: 'b', task: 'y' },
				{ id: 't3', member: 'c', task: 'z', dependsOn: ['t2'] },
			]),
			'final from t1 only',
		]);
		const c = new FakeToolCallingModel(['never']);
		const result = await new TeamRunner({
			mode: 'plan',
			model: leader,
			members: [
				{ name: 'a', model: new FakeToolCallingModel(['A']) },
				{ name: 'b', model: new FakeToolCallingModel([httpError(400, 'broken')]) },
				{ name: 'c', model: c },
			],
		}).run('go');
		expect(result.status).toBe('partial');
		expect(c.calls).toHaveLength(0);
		expect(seen(leader.calls[1])).toContain('t3 (c, failed)');
		expect(result.errors.join('\n')).toContain('t3 skipped: it depends on t2, which failed');
	});
});
