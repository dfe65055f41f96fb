import { NodeConnectionTypes, NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';
import { AgentTeam } from '../../../nodes/AgentTeam/AgentTeam.node';
import { AgentTeamTool } from '../../../nodes/AgentTeam/AgentTeamTool.node';
import { FakeToolCallingModel } from './fake-model';

type Params = Record<string, unknown>;

function context(opts: {
	items: Params[];
	params: (i: number) => Params;
	models: unknown;
	continueOnFail?: boolean;
}): IExecuteFunctions {
	return {
		getInputData: () => opts.items.map((json) => ({ json })),
		getNode: () => ({
			name: 'Agent Team',
			type: 'n8n-nodes-agent-os.agentTeam',
			typeVersion: 1,
			parameters: {},
		}),
		getNodeParameter: (name: string, i: number, fallback?: unknown) =>
			opts.params(i)[name] ?? fallback,
		getInputConnectionData: async (type: string) => {
			if (type === NodeConnectionTypes.AiLanguageModel) return opts.models;
			if (type === NodeConnectionTypes.AiTool) return [];
			return undefined;
		},
		getExecutionCancelSignal: () => undefined,
		continueOnFail: () => opts.continueOnFail ?? false,
	} as unknown as IExecuteFunctions;
}

const base = (task: string): Params => ({
	mode: 'sequential',
	task,
	membersSource: 'fields',
	members: { member: [{ name: 'solo', role: 'does it', tools: '', model: 'member' }] },
	options: {},
});

describe('Agent Team node', () => {
	it('runs the team per item and shapes the output with pairedItem', async () => {
		const leader = new FakeToolCallingModel(['leader answer']);
		const member = new FakeToolCallingModel(['member answer']);
		// n8n lists connected models last input first
		const ctx = context({ items: [{}, {}], params: () => base('do it'), models: [member, leader] });
		const [out] = await new AgentTeam().execute.call(ctx);
		expect(out).toHaveLength(2);
		expect(out[0].json).toMatchObject({ answer: 'member answer', status: 'completed' });
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(Object.keys(out[0].json)).toEqual(
			expect.arrayContaining(['answer', 'status', 'transcript', 'usage', 'cost']),
		);
		expect(member.calls).toHaveLength(2);
		expect(leader.calls).toHaveLength(0);
	});

	it('names the Model input when no model is connected', async () => {
		const ctx = context({ items: [{}], params: () => base('x'), models: undefined });
		await expect(new AgentTeam().execute.call(ctx)).rejects.toThrow(
			'No chat model is connected to the Model input',
		);
	});

	it('keeps going with continue-on-fail, marking only the bad item', async () => {
		const model = new FakeToolCallingModel(['fine']);
		const params = (i: number): Params =>
			i === 0 ? { ...base('x'), members: { member: [{ name: 'a' }, { name: 'A' }] } } : base('y');
		const ctx = context({ items: [{}, {}], params, models: model, continueOnFail: true });
		const [out] = await new AgentTeam().execute.call(ctx);
		expect(out[0].json.error).toContain('Two members are named "A"');
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[1].json.answer).toBe('fine');
	});

	it('throws a NodeOperationError naming the item without continue-on-fail', async () => {
		const model = new FakeToolCallingModel(['fine']);
		const ctx = context({
			items: [{}],
			params: () => ({ ...base('x'), members: { member: [{ name: '' }] } }),
			models: model,
		});
		const error = await new AgentTeam().execute.call(ctx).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toContain('Member 1 has no name [item 0]');
		expect((error as NodeOperationError).description).toContain('unique name');
	});

	it('reads members from JSON and rejects a non-array', async () => {
		const model = new FakeToolCallingModel(['from json']);
		const ok = context({
			items: [{}],
			params: () => ({
				...base('x'),
				membersSource: 'json',
				membersJson: '[{"name":"j","model":"leader"}]',
			}),
			models: model,
		});
		expect((await new AgentTeam().execute.call(ok))[0][0].json.answer).toBe('from json');
		const bad = context({
			items: [{}],
			params: () => ({ ...base('x'), membersSource: 'json', membersJson: '{"name":"j"}' }),
			models: model,
		});
		await expect(new AgentTeam().execute.call(bad)).rejects.toThrow('must be an array of members');
	});

	it('rejects an empty task', async () => {
		const ctx = context({
			items: [{}],
			params: () => base('  '),
			models: new FakeToolCallingModel(['x']),
		});
		await expect(new AgentTeam().execute.call(ctx)).rejects.toThrow('The task of item 0 is empty');
	});
});

describe('Agent Team Tool node', () => {
	it('has the sub-node inputs but no main input, and outputs a tool', () => {
		const { description } = new AgentTeamTool();
		const inputs = description.inputs as Array<{ type: string; displayName: string }>;
		expect(inputs.map((i) => i.displayName)).toEqual(['Model', 'Member Model', 'Tools', 'Memory']);
		expect(description.outputs).toEqual([NodeConnectionTypes.AiTool]);
		const task = description.properties.find((p) => p.name === 'task');
		expect(String(task?.default)).toContain("$fromAI('task'");
	});

	it('answers a tool call and leaves the transcript out by default', async () => {
		const model = new FakeToolCallingModel(['tool answer']);
		const ctx = context({
			items: [{ task: 'from the agent' }],
			params: () => base('from the agent'),
			models: model,
		});
		(ctx as unknown as { getNode: () => unknown }).getNode = () => ({
			name: 'Team Tool',
			type: 'n8n-nodes-agent-os.agentTeamTool',
			typeVersion: 1,
			parameters: {},
		});
		const [out] = await new AgentTeamTool().execute.call(ctx);
		expect(out[0].json.answer).toBe('tool answer');
		expect(out[0].json.transcript).toBeUndefined();
		expect(out[0].json.usage).toBeDefined();
	});
});
