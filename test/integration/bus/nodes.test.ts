import {
	createDeferredPromise,
	NodeOperationError,
	type IDataObject,
	type IDeferredPromise,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IRun,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import { AMQP_URL, describeWithRabbit } from '../../helpers/services';
import { AgentBus as AgentBusNode } from '../../../nodes/AgentBus/AgentBus.node';
import { AgentBusTrigger } from '../../../nodes/AgentBusTrigger/AgentBusTrigger.node';
import { HEADERS, type AgentBus } from '../../../lib/bus';
import { cleanup, openBus, uniqueNamespace, until } from './harness';

const url = new URL(AMQP_URL);
const credential = {
	hostname: url.hostname,
	port: Number(url.port || 5672),
	username: decodeURIComponent(url.username || 'guest'),
	password: decodeURIComponent(url.password || 'guest'),
	vhost: '/',
	ssl: false,
};
const node = {
	id: '1',
	name: 'Agent Bus',
	type: 'n8n-nodes-agent-os.agentBus',
	typeVersion: 1,
	position: [0, 0] as [number, number],
	parameters: {},
};

type Params = Record<string, unknown>;

function executeContext(
	items: INodeExecutionData[],
	params: Params | ((i: number) => Params),
	opts: { continueOnFail?: boolean; credential?: IDataObject } = {},
): IExecuteFunctions {
	const at = (i: number) => (typeof params === 'function' ? params(i) : params);
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => at(i)[name] ?? fallback,
		getCredentials: async () => opts.credential ?? credential,
		continueOnFail: () => opts.continueOnFail ?? false,
		getNode: () => node,
		getWorkflow: () => ({ id: 'w1', name: 'bus test', active: false }),
	} as unknown as IExecuteFunctions;
}

/** What the fake n8n does with each emitted item: run "the workflow" and settle the done promise. */
type Workflow = (json: IDataObject) => { output?: IDataObject; error?: string } | 'hang';

interface RunningTrigger {
	response: ITriggerResponse;
	emitted: IDataObject[];
}

async function startTrigger(params: Params, workflow: Workflow): Promise<RunningTrigger> {
	const emitted: IDataObject[] = [];
	const ctx = {
		getNodeParameter: (name: string, fallback?: unknown) => params[name] ?? fallback,
		getCredentials: async () => credential,
		getMode: () => 'trigger',
		getNode: () => ({ ...node, name: 'Agent Bus Trigger' }),
		logger: {
			info: () => undefined,
			warn: () => undefined,
			debug: () => undefined,
			error: () => undefined,
		},
		helpers: { createDeferredPromise },
		emit: (data: INodeExecutionData[][], _r: unknown, done?: IDeferredPromise<IRun>) => {
			const json = data[0][0].json;
			emitted.push(json);
			const result = workflow(json);
			if (result === 'hang' || !done) return;
			done.resolve({
				data: {
					resultData: {
						error: result.error ? { message: result.error } : undefined,
						lastNodeExecuted: 'Answer',
						runData: { Answer: [{ data: { main: [[{ json: result.output ?? {} }]] } }] },
					},
				},
			} as unknown as IRun);
		},
	} as unknown as ITriggerFunctions;
	const response = await new AgentBusTrigger().trigger.call(ctx);
	return { response, emitted };
}

describeWithRabbit('Agent Bus nodes on RabbitMQ', () => {
	jest.setTimeout(30_000);
	let ns: string;
	let bus: AgentBus;
	const triggers: RunningTrigger[] = [];

	beforeEach(async () => {
		ns = uniqueNamespace();
		bus = await openBus(ns);
	});

	afterEach(async () => {
		for (const t of triggers.splice(0)) await t.response.closeFunction?.();
		await cleanup(bus, [bus.topology.agentQueue('doubler')]);
		await bus.close();
	});

	const doubler = (extra: Params = {}, workflow?: Workflow) =>
		startTrigger(
			{
				source: 'agent',
				agentName: 'doubler',
				options: { namespace: ns, capabilities: 'math, double', retryDelayMs: 0, ...extra },
			},
			workflow ??
				((json) => {
					const p = json.payload as { x: number; fail?: boolean };
					return p.fail ? { error: 'cannot double that' } : { output: { answer: p.x * 2 } };
				}),
		).then((t) => {
			triggers.push(t);
			return t;
		});

	const sendTask = (payloads: unknown[], extra: Params = {}, opts = {}) =>
		new AgentBusNode().execute.call(
			executeContext(
				payloads.map((p) => ({ json: p as IDataObject })),
				(i) => ({
					operation: 'sendTask',
					sender: 'planner',
					recipient: 'doubler',
					taskType: 'math.double',
					payload: JSON.stringify(payloads[i]),
					waitForReply: true,
					timeoutMs: 10_000,
					options: { namespace: ns },
					...extra,
				}),
				opts,
			),
		);

	it('delegates a task to a trigger workflow and outputs its reply', async () => {
		const t = await doubler();
		const [out] = await sendTask([{ x: 21 }, { x: 5 }]);
		expect(out.map((o) => o.json.reply)).toEqual([{ answer: 42 }, { answer: 10 }]);
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect((out[0].json.envelope as IDataObject).sender).toBe('doubler');
		expect(t.emitted[0]).toMatchObject({
			type: 'math.double',
			sender: 'planner',
			recipient: 'doubler',
			payload: { x: 21 },
			attempt: 1,
			redelivered: false,
		});
		expect(String(t.emitted[0].replyTo)).toMatch(/^amq\.rabbitmq\.reply-to\./);
	});

	it('lists the trigger as a live agent with its capabilities', async () => {
		await doubler({ description: 'Doubles numbers' });
		const [out] = await new AgentBusNode().execute.call(
			executeContext([{ json: {} }], { operation: 'listAgents', options: { namespace: ns } }),
		);
		expect(out[0].json.count).toBe(1);
		expect(out[0].json.agents).toEqual([
			expect.objectContaining({
				name: 'doubler',
				capabilities: ['math', 'double'],
				description: 'Doubles numbers',
			}),
		]);
	});

	it('retries a failing workflow, then dead-letters the task and fails the caller with the reason', async () => {
		const t = await doubler({ maxAttempts: 2 });
		const err = await sendTask([{ x: 1, fail: true }]).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toBe(
			'agent "doubler" failed "math.double": failed 2 time(s): cannot double that [item 0]',
		);
		expect(t.emitted.map((e) => e.attempt)).toEqual([1, 2]);
		const dead = await bus.withChannel((ch) =>
			ch.get(bus.topology.deadLetterQueue, { noAck: true }),
		);
		expect(dead && dead.properties.headers?.[HEADERS.deadReason]).toBe(
			'failed 2 time(s): cannot double that',
		);
	});

	it('acknowledges only after the workflow finishes: an unfinished task goes to the next trigger', async () => {
		let hang = true;
		const first = await doubler({}, () => (hang ? 'hang' : { output: {} }));
		await sendTask([{ x: 1 }], { waitForReply: false });
		await until(() => first.emitted.length === 1, 5000, 'first delivery');
		triggers.splice(triggers.indexOf(first), 1);
		const closing = first.response.closeFunction?.();
		hang = false;
		// The first run never finished, so its message was never acknowledged.
		await closing;
		const second = await doubler();
		await until(() => second.emitted.length === 1, 10_000, 'redelivery to the next trigger');
		expect(second.emitted[0]).toMatchObject({ payload: { x: 1 }, redelivered: true });
	});

	it('dead-letters a malformed message with the reason and keeps serving', async () => {
		const t = await doubler();
		const q = bus.topology.agentQueue('doubler');
		await bus.withChannel(async (ch) => {
			ch.sendToQueue(q, Buffer.from('{"hello":'));
		});
		const [out] = await sendTask([{ x: 2 }]);
		expect(out[0].json.reply).toEqual({ answer: 4 });
		expect(t.emitted).toHaveLength(1);
		let dead = null;
		for (let i = 0; i < 50 && !dead; i++) {
			dead = await bus.withChannel((ch) => ch.get(bus.topology.deadLetterQueue, { noAck: true }));
			if (!dead) await new Promise((r) => setTimeout(r, 50));
		}
		expect(dead).not.toBeNull();
		expect(
			String(
				(dead as unknown as { properties: { headers: IDataObject } }).properties.headers[
					HEADERS.deadReason
				],
			),
		).toMatch(/^malformed envelope: not JSON/);
	});

	it('reports an unknown recipient per item and goes on when continue-on-fail is set', async () => {
		await doubler();
		const [out] = await new AgentBusNode().execute.call(
			executeContext(
				[{ json: {} }, { json: {} }],
				(i) => ({
					operation: 'sendTask',
					sender: 'planner',
					recipient: i === 0 ? 'ghost' : 'doubler',
					taskType: 'math.double',
					payload: '{"x": 3}',
					waitForReply: i === 1,
					timeoutMs: 10_000,
					options: { namespace: ns },
				}),
				{ continueOnFail: true },
			),
		);
		expect(out[0]).toEqual({
			json: { error: `no agent named "ghost" is listening on the bus (namespace "${ns}")` },
			pairedItem: { item: 0 },
		});
		expect(out[1].json.reply).toEqual({ answer: 6 });
		expect(out[1].pairedItem).toEqual({ item: 1 });
	});

	it('times out naming the recipient when the agent does not answer', async () => {
		await doubler({ replyMode: 'none' });
		const err = await sendTask([{ x: 1 }], { timeoutMs: 300 }).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toBe(
			'no reply from agent "doubler" to "math.double" within 300 ms [item 0]',
		);
	});

	it('replies from a workflow with the Reply operation', async () => {
		const replies: INodeExecutionData[][] = [];
		await doubler({ replyMode: 'none' }, (json) => {
			void new AgentBusNode().execute
				.call(
					executeContext([{ json }], {
						operation: 'reply',
						sender: 'doubler',
						replyTo: json.replyTo,
						requestId: json.id,
						requestType: json.type,
						requestTraceId: json.traceId,
						payload: JSON.stringify({ explicit: true }),
						options: { namespace: ns },
					}),
				)
				.then((r) => replies.push(...r));
			return { output: {} };
		});
		const [out] = await sendTask([{ x: 1 }], { options: { namespace: ns, traceId: 'feedbeef' } });
		expect(out[0].json.reply).toEqual({ explicit: true });
		expect((out[0].json.envelope as IDataObject).traceId).toBe('feedbeef');
		expect((out[0].json.envelope as IDataObject).type).toBe('math.double.reply');
	});

	it('publishes an event that a topic trigger receives', async () => {
		const t = await startTrigger(
			{ source: 'topic', topics: 'content.*', options: { namespace: ns } },
			() => ({
				output: {},
			}),
		);
		triggers.push(t);
		const [out] = await new AgentBusNode().execute.call(
			executeContext([{ json: {} }], {
				operation: 'publishEvent',
				sender: 'writer',
				eventType: 'content.generated',
				payload: '{"words": 300}',
				options: { namespace: ns, priority: 7 },
			}),
		);
		expect(out[0].json).toMatchObject({ type: 'content.generated', priority: 7, recipient: null });
		await until(() => t.emitted.length === 1, 5000, 'event at the trigger');
		expect(t.emitted[0]).toMatchObject({ id: out[0].json.id, payload: { words: 300 } });
	});

	it('fails with a clear error when the broker is down', async () => {
		const err = await new AgentBusNode().execute
			.call(
				executeContext(
					[{ json: {} }],
					{ operation: 'listAgents', options: {} },
					{ credential: { ...credential, port: 1 } },
				),
			)
			.catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toBe(
			`cannot reach RabbitMQ at amqp://${credential.hostname}:1/ (connection refused)`,
		);
		expect(err.description).toMatch(/host and port/);
	});
});
