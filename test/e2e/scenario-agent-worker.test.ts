import * as amqp from 'amqplib';
import { AgentBus } from '../../lib/bus';
import { AMQP_URL } from '../helpers/services';
import { openai } from './harness/openai';
import { hook, publicApi, systemOf, textOf, workflowOf } from './scenario-support';

interface WorkerReply {
	answer: string;
	status: string;
	delegations: number;
	errors: string[];
	usage: { total: { total: number } };
	taskId: string;
	handledBy: string;
}

interface WorkflowBody {
	id: string;
	name: string;
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
	connections: unknown;
}

// Other n8n instances on this broker may run the shipped template too (they
// would share the agent's queue), so the tasks go to a copy of it with an
// agent name of this run's own.
const agent = `team-worker-e2e-${process.pid}-${Date.now()}`;
let copyId = '';
let bus: AgentBus;

describe('the agent-worker template: an Agent Bus Trigger answered by an Agent Team', () => {
	beforeAll(async () => {
		const shipped = workflowOf('agent-worker.json');
		expect(shipped).toEqual(expect.objectContaining({ active: true }));
		const wf = await publicApi<WorkflowBody>('GET', `/workflows/${shipped.id}`);
		const nodes = wf.nodes.map((n) =>
			n.type === 'n8n-nodes-agent-os.agentBusTrigger'
				? { ...n, parameters: { ...n.parameters, agentName: agent } }
				: n,
		);
		const copy = await publicApi<{ id: string }>('POST', '/workflows', {
			name: `${wf.name} (${agent})`,
			nodes,
			connections: wf.connections,
			settings: { executionOrder: 'v1' },
		});
		copyId = copy.id;
		await publicApi('POST', `/workflows/${copyId}/activate`);
		bus = await AgentBus.open({ broker: { url: AMQP_URL } });
	});

	afterAll(async () => {
		await bus?.close();
		if (copyId) {
			await publicApi('POST', `/workflows/${copyId}/deactivate`).catch(() => undefined);
			await publicApi('DELETE', `/workflows/${copyId}`).catch(() => undefined);
		}
		const conn = await amqp.connect(AMQP_URL);
		const ch = await conn.createChannel();
		await ch.deleteQueue(`agentos.agent.${agent}`).catch(() => undefined);
		await conn.close();
	});

	beforeEach(() => openai.reset());

	it('answers a task delegated over the bus with the team’s answer', async () => {
		await openai.rules(
			{
				system: 'You lead a team',
				lastRole: 'user',
				reply: {
					toolCalls: [
						{
							name: 'delegate_to_researcher',
							arguments: { task: 'Facts on air-source heat pumps' },
						},
						{ name: 'delegate_to_analyst', arguments: { task: 'When do they pay off?' } },
					],
				},
			},
			{ system: 'You are "researcher"', reply: { content: 'COP 3 at 0 °C.' } },
			{ system: 'You are "analyst"', reply: { content: 'Pays off within 8 years.' } },
			{
				system: 'You lead a team',
				lastRole: 'tool',
				reply: { content: 'WORKER ANSWER: worth it once the house is insulated.' },
			},
		);
		const reply = await bus.request<{ task: string }, WorkerReply>({
			recipient: agent,
			type: 'task.research',
			sender: 'e2e-caller',
			payload: { task: 'Are heat pumps worth it for an old house?' },
			timeoutMs: 60_000,
		});
		expect(reply.payload).toEqual(
			expect.objectContaining({
				answer: 'WORKER ANSWER: worth it once the house is insulated.',
				status: 'completed',
				delegations: 2,
				errors: [],
				handledBy: 'team-worker',
			}),
		);
		expect(reply.payload.taskId).toBe(reply.correlationId);
		expect(reply).toEqual(expect.objectContaining({ sender: agent, type: 'task.research.reply' }));
		expect(reply.payload.usage.total.total).toBeGreaterThan(0);

		const requests = await openai.requests();
		const leaderFirst = requests.find(
			(r) => systemOf(r).includes('You lead a team') && r.messages.at(-1)?.role === 'user',
		);
		expect(textOf(leaderFirst!)).toContain('Are heat pumps worth it for an old house?');
		const researcher = requests.find((r) => systemOf(r).includes('You are "researcher"'));
		expect(textOf(researcher!)).toContain('Facts on air-source heat pumps');
	});

	it('is reachable through the Bus Delegate webhook', async () => {
		await openai.rules({ system: 'You lead a team', reply: { content: 'DIRECT ANSWER' } });
		const res = await hook<{ reply: WorkerReply; envelope: { sender: string } }>('bus/delegate', {
			recipient: agent,
			task: { task: 'Say hello' },
			timeoutMs: 60_000,
		});
		expect(res.status).toBe(200);
		expect(res.body.reply).toEqual(
			expect.objectContaining({ answer: 'DIRECT ANSWER', status: 'completed', delegations: 0 }),
		);
		expect(res.body.envelope.sender).toBe(agent);
	});

	it('fails a task without payload.task at once, and the sender gets the reason', async () => {
		await expect(
			bus.request({
				recipient: agent,
				type: 'task.research',
				sender: 'e2e-caller',
				payload: { question: 'no task field' },
				timeoutMs: 30_000,
			}),
		).rejects.toThrow(/payload\.task is required/);
		expect(await openai.requests()).toHaveLength(0);
	});
});
