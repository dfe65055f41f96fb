import * as amqp from 'amqplib';
import { AMQP_URL, describeWithRabbit } from '../../helpers/services';
import {
	AgentBus,
	BusError,
	DEFAULT_MAX_BYTES,
	HEADERS,
	ValidationError,
	createEnvelope,
	type Delivery,
	type Envelope,
} from '../../../lib/bus';
import { metricsText } from '../../../lib/metrics';
import { cleanup, openBus, uniqueNamespace, until } from './harness';

describeWithRabbit('AgentBus on RabbitMQ', () => {
	let ns: string;
	let bus: AgentBus;
	const queues: string[] = [];

	beforeEach(async () => {
		ns = uniqueNamespace();
		bus = await openBus(ns);
		queues.length = 0;
	});

	afterEach(async () => {
		await cleanup(bus, queues);
		await bus.close();
	});

	const agentQueue = (name: string) => {
		const q = bus.topology.agentQueue(name);
		queues.push(q);
		return q;
	};

	async function readDeadLetters(expected: number): Promise<amqp.GetMessage[]> {
		const got: amqp.GetMessage[] = [];
		const deadline = Date.now() + 10_000;
		while (got.length < expected && Date.now() < deadline) {
			const m = await bus.withChannel((ch) =>
				ch.get(bus.topology.deadLetterQueue, { noAck: true }),
			);
			if (m) got.push(m);
			else await new Promise((r) => setTimeout(r, 20));
		}
		return got;
	}

	it('delivers events to topic subscribers whose pattern matches', async () => {
		const tasks: Envelope[] = [];
		const all: Envelope[] = [];
		await bus.consume({ topics: ['task.*'] }, ({ envelope }) => void tasks.push(envelope));
		await bus.consume({ topics: ['#'] }, ({ envelope }) => void all.push(envelope));
		const sent = await bus.publishEvent({
			type: 'task.created',
			sender: 'planner',
			payload: { title: 'write report' },
			traceId: 'abc123',
		});
		await bus.publishEvent({
			type: 'content.generated',
			sender: 'writer',
			payload: { words: 120 },
		});
		await until(() => tasks.length === 1 && all.length === 2, 5000, 'events');
		expect(tasks[0]).toEqual(sent);
		expect(tasks[0]).toMatchObject({
			type: 'task.created',
			sender: 'planner',
			recipient: null,
			traceId: 'abc123',
			payload: { title: 'write report' },
		});
		expect(all.map((e) => e.type).sort()).toEqual(['content.generated', 'task.created']);
	});

	it('queues tasks per agent and hands the highest priority out first', async () => {
		agentQueue('writer');
		await bus.declareAgent('writer');
		for (const p of [1, 9, 5]) {
			await bus.send({
				recipient: 'writer',
				type: 'task.write',
				sender: 'planner',
				payload: { p },
				priority: p,
			});
		}
		const seen: number[] = [];
		await bus.consume({ agent: 'writer' }, ({ envelope }) => void seen.push(envelope.priority), {
			prefetch: 1,
		});
		await until(() => seen.length === 3, 5000, 'three tasks');
		expect(seen).toEqual([9, 5, 1]);
	});

	it('refuses a task for an unknown recipient with an error naming it', async () => {
		const err = await bus
			.send({ recipient: 'nobody-home', type: 'task.x', sender: 'planner', payload: {} })
			.catch((e) => e);
		expect(err).toBeInstanceOf(BusError);
		expect(err.code).toBe('BUS_UNROUTABLE');
		expect(err.message).toContain('"nobody-home"');
	});

	it('answers a request over direct reply-to, correlated to the request id', async () => {
		agentQueue('calc');
		await bus.consume({ agent: 'calc' }, async ({ envelope }) => {
			const { a, b } = envelope.payload as { a: number; b: number };
			await bus.reply(envelope, { sender: 'calc', payload: { sum: a + b } });
		});
		const reply = await bus.request({
			recipient: 'calc',
			type: 'math.add',
			sender: 'planner',
			payload: { a: 2, b: 3 },
			traceId: 'trace42',
			timeoutMs: 5000,
		});
		expect(reply.payload).toEqual({ sum: 5 });
		expect(reply.type).toBe('math.add.reply');
		expect(reply.sender).toBe('calc');
		expect(reply.recipient).toBe('planner');
		expect(reply.traceId).toBe('trace42');
		expect(reply.correlationId).toMatch(/[0-9a-f-]{36}/);
	});

	it('rejects a request when the recipient replies with an error', async () => {
		agentQueue('fragile');
		await bus.consume({ agent: 'fragile' }, async ({ envelope }) => {
			await bus.reply(envelope, { sender: 'fragile', payload: null, error: 'disk full' });
		});
		const err = await bus
			.request({ recipient: 'fragile', type: 'job.run', sender: 'x', payload: {}, timeoutMs: 5000 })
			.catch((e) => e);
		expect(err.code).toBe('BUS_REMOTE');
		expect(err.message).toBe('agent "fragile" failed "job.run": disk full');
	});

	it('times out a request nobody answers, naming the recipient', async () => {
		agentQueue('sleepy');
		await bus.declareAgent('sleepy');
		const err = await bus
			.request({ recipient: 'sleepy', type: 'task.nap', sender: 'x', payload: {}, timeoutMs: 200 })
			.catch((e) => e);
		expect(err).toBeInstanceOf(BusError);
		expect(err.code).toBe('BUS_TIMEOUT');
		expect(err.message).toBe('no reply from agent "sleepy" to "task.nap" within 200 ms');
		// Nobody waits any more, so the request expires into the dead-letter queue.
		const [dead] = await readDeadLetters(1);
		const death = (dead.properties.headers?.['x-death'] as Array<{ reason: string }>)[0];
		expect(death.reason).toBe('expired');
		expect(dead.properties.type).toBe('task.nap');
	});

	it('fails a request to an unknown recipient at once instead of waiting for the timeout', async () => {
		const err = await bus
			.request({ recipient: 'ghost', type: 'task.x', sender: 'x', payload: {}, timeoutMs: 60_000 })
			.catch((e) => e);
		expect(err.code).toBe('BUS_UNROUTABLE');
		expect(err.message).toContain('"ghost"');
	});

	it('dead-letters malformed messages with the reason and keeps consuming', async () => {
		const q = agentQueue('strict');
		const good: Delivery[] = [];
		await bus.consume({ agent: 'strict' }, (d) => void good.push(d));
		const raw = await amqp.connect(AMQP_URL);
		try {
			const ch = await raw.createConfirmChannel();
			const put = (body: string) =>
				new Promise<void>((res, rej) =>
					ch.sendToQueue(q, Buffer.from(body), { messageId: 'raw' }, (e) => (e ? rej(e) : res())),
				);
			await put('not json at all');
			await put(JSON.stringify({ id: 'x1', type: 'task', sender: 'a', priority: 42 }));
		} finally {
			await raw.close();
		}
		await bus.send({ recipient: 'strict', type: 'task.ok', sender: 'a', payload: 1 });
		await until(() => good.length === 1, 5000, 'good message');
		const dead = await readDeadLetters(2);
		const reasons = dead.map((m) => String(m.properties.headers?.[HEADERS.deadReason]));
		expect(reasons[0]).toMatch(/^malformed envelope: not JSON/);
		expect(reasons[1]).toMatch(
			/^malformed envelope: envelope field "(timestamp|priority|traceId)"/,
		);
		expect(dead[0].properties.headers?.[HEADERS.deadQueue]).toBe(q);
		expect(dead[0].content.toString()).toBe('not json at all');
		expect(good[0].envelope.type).toBe('task.ok');
	});

	it('refuses to send a payload over the size limit', async () => {
		agentQueue('big');
		await bus.declareAgent('big');
		const err = await bus
			.send({
				recipient: 'big',
				type: 'task.x',
				sender: 'a',
				payload: 'x'.repeat(DEFAULT_MAX_BYTES),
			})
			.catch((e) => e);
		expect(err).toBeInstanceOf(ValidationError);
		expect(err.message).toMatch(/over the 1\.0 MiB limit/);
	});

	it('dead-letters an oversized message a foreign producer put on the queue', async () => {
		const small = await openBus(ns, { maxBytes: 2048 });
		try {
			const q = agentQueue('tiny');
			const got: Delivery[] = [];
			await small.consume({ agent: 'tiny' }, (d) => void got.push(d));
			await bus.send({ recipient: 'tiny', type: 'task.x', sender: 'a', payload: 'y'.repeat(4096) });
			const [dead] = await readDeadLetters(1);
			expect(dead.properties.headers?.[HEADERS.deadKind]).toBe('too_large');
			expect(String(dead.properties.headers?.[HEADERS.deadReason])).toMatch(
				/over the 2\.0 KiB limit/,
			);
			expect(dead.properties.headers?.[HEADERS.deadQueue]).toBe(q);
			expect(got).toHaveLength(0);
		} finally {
			await small.close();
		}
	});

	it('retries a failing handler and dead-letters after the last attempt with the error as reason', async () => {
		agentQueue('flaky');
		const attempts: number[] = [];
		const deadInfo: string[] = [];
		await bus.consume(
			{ agent: 'flaky' },
			({ attempt }) => {
				attempts.push(attempt);
				throw new Error('model overloaded');
			},
			{ maxAttempts: 3, onDeadLetter: (i) => void deadInfo.push(i.reason) },
		);
		const env = await bus.send({ recipient: 'flaky', type: 'task.x', sender: 'a', payload: {} });
		const [dead] = await readDeadLetters(1);
		expect(attempts).toEqual([1, 2, 3]);
		expect(dead.properties.headers?.[HEADERS.deadReason]).toBe(
			'failed 3 time(s): model overloaded',
		);
		expect(dead.properties.headers?.[HEADERS.deadKind]).toBe('max_attempts');
		expect(dead.properties.messageId).toBe(env.id);
		expect(JSON.parse(dead.content.toString()).id).toBe(env.id);
		// The hook runs once the broker confirmed the dead letter, which can come after the copy is readable.
		await until(() => deadInfo.length > 0, 5000, 'the dead-letter hook');
		expect(deadInfo).toEqual(['failed 3 time(s): model overloaded']);
	});

	it('processes a message that succeeds on retry exactly once and dead-letters nothing', async () => {
		agentQueue('recovering');
		let calls = 0;
		const done: string[] = [];
		await bus.consume({ agent: 'recovering' }, ({ envelope }) => {
			calls++;
			if (calls === 1) throw new Error('transient');
			done.push(envelope.id);
		});
		const env = await bus.send({
			recipient: 'recovering',
			type: 'task.x',
			sender: 'a',
			payload: {},
		});
		await until(() => done.length === 1, 5000, 'success on retry');
		expect(done).toEqual([env.id]);
		const dl = await bus.withChannel((ch) => ch.checkQueue(bus.topology.deadLetterQueue));
		expect(dl.messageCount).toBe(0);
	});

	it('runs the handler once for a message id delivered twice', async () => {
		agentQueue('once');
		const seen: string[] = [];
		await bus.consume({ agent: 'once' }, ({ envelope }) => void seen.push(envelope.id));
		const env = createEnvelope({
			type: 'task.x',
			sender: 'a',
			recipient: 'once',
			payload: { n: 1 },
		});
		await bus.publishEnvelope(env, bus.topology.agents, 'once', { mandatory: true, kind: 'task' });
		await bus.publishEnvelope(env, bus.topology.agents, 'once', { mandatory: true, kind: 'task' });
		await bus.send({ recipient: 'once', type: 'task.y', sender: 'a', payload: { n: 2 } });
		await until(() => seen.length === 2, 5000, 'two distinct messages');
		const q = await bus.withChannel((ch) => ch.checkQueue(bus.topology.agentQueue('once')));
		expect(q.messageCount).toBe(0);
		expect(seen.filter((id) => id === env.id)).toHaveLength(1);
	});

	it('counts published and consumed messages and request latency in the metrics registry', async () => {
		const value = async (series: string) => {
			const line = (await metricsText()).split('\n').find((l) => l.startsWith(series + ' '));
			return line ? Number(line.split(' ')[1]) : 0;
		};
		const published = 'agentos_bus_published_total{kind="task"}';
		const consumed = 'agentos_bus_consumed_total{outcome="ok"}';
		const rpcCount = 'agentos_bus_rpc_seconds_count{outcome="ok"}';
		const before = [await value(published), await value(consumed), await value(rpcCount)];
		agentQueue('metered');
		let handled = 0;
		await bus.consume({ agent: 'metered' }, async ({ envelope }) => {
			handled++;
			if (envelope.replyTo) await bus.reply(envelope, { sender: 'metered', payload: 'ok' });
		});
		await bus.send({ recipient: 'metered', type: 'task.x', sender: 'a', payload: {} });
		await bus.request({
			recipient: 'metered',
			type: 'task.y',
			sender: 'a',
			payload: {},
			timeoutMs: 5000,
		});
		await until(() => handled === 2, 5000, 'two messages handled');
		for (let i = 0; i < 100 && (await value(consumed)) - before[1] < 2; i++) {
			await new Promise((r) => setTimeout(r, 20));
		}
		expect((await value(published)) - before[0]).toBe(1);
		expect((await value(consumed)) - before[1]).toBe(2);
		expect((await value(rpcCount)) - before[2]).toBe(1);
		expect(await metricsText()).toContain('agentos_bus_dead_lettered_total');
	});
});

describe('AgentBus with the broker down', () => {
	it('fails at start with an error naming where it tried to connect', async () => {
		const err = await AgentBus.open({
			broker: { hostname: '127.0.0.1', port: 1, username: 'guest', password: 's3cret-pw' },
		}).catch((e) => e);
		expect(err).toBeInstanceOf(BusError);
		expect(err.code).toBe('BUS_CONNECT');
		expect(err.message).toBe('cannot reach RabbitMQ at amqp://127.0.0.1:1/ (connection refused)');
		expect(err.message).not.toContain('s3cret-pw');
	});

	it('retries with backoff before giving up when asked to', async () => {
		const started = Date.now();
		const err = await AgentBus.open({
			broker: { url: 'amqp://guest:guest@127.0.0.1:1' },
			startAttempts: 3,
			reconnect: { initialMs: 100, maxMs: 100, jitter: 0 },
		}).catch((e) => e);
		expect(err.code).toBe('BUS_CONNECT');
		expect(Date.now() - started).toBeGreaterThanOrEqual(200);
	});
});
