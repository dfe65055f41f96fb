import { describeWithRabbit } from '../../helpers/services';
import type { AgentBus } from '../../../lib/bus';
import { cleanup, dropConnection, openBus, reconnected, uniqueNamespace, until } from './harness';

describeWithRabbit('AgentBus across dropped connections', () => {
	jest.setTimeout(60_000);
	let ns: string;
	let producer: AgentBus;
	let consumer: AgentBus;

	beforeEach(async () => {
		ns = uniqueNamespace();
		producer = await openBus(ns);
		consumer = await openBus(ns);
	});

	afterEach(async () => {
		await cleanup(producer, [producer.topology.agentQueue('worker')]);
		await consumer.close();
		await producer.close();
	});

	it('loses nothing and processes nothing twice when both connections drop mid-stream', async () => {
		const total = 3000;
		const processed = new Map<number, number>();
		await consumer.consume(
			{ agent: 'worker' },
			async ({ envelope }) => {
				const n = (envelope.payload as { n: number }).n;
				// A little work per message, so deliveries are in flight when the socket dies.
				await new Promise((r) => setImmediate(r));
				processed.set(n, (processed.get(n) ?? 0) + 1);
			},
			{ prefetch: 50 },
		);

		const sends: Promise<unknown>[] = [];
		let consumerDropped = false;
		let producerDropped = false;
		for (let n = 0; n < total; n++) {
			sends.push(
				producer.send({
					recipient: 'worker',
					type: 'task.count',
					sender: 'planner',
					payload: { n },
				}),
			);
			if (n === Math.floor(total / 3)) {
				const back = reconnected(producer);
				dropConnection(producer);
				producerDropped = true;
				void back;
			}
			if (n % 200 === 0) await new Promise((r) => setImmediate(r));
			if (!consumerDropped && processed.size > total / 4) {
				dropConnection(consumer);
				consumerDropped = true;
			}
		}
		const outcomes = await Promise.allSettled(sends);
		expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
		if (!consumerDropped) {
			dropConnection(consumer);
			consumerDropped = true;
		}
		await until(() => processed.size === total, 45_000, `all ${total} messages processed`);
		// Give any stray redelivery a moment to show up as a second run.
		await new Promise((r) => setTimeout(r, 300));

		expect(producerDropped && consumerDropped).toBe(true);
		const twice = [...processed].filter(([, c]) => c > 1).map(([n]) => n);
		expect(twice).toEqual([]);
		expect(processed.size).toBe(total);
		const q = await producer.withChannel((ch) =>
			ch.checkQueue(producer.topology.agentQueue('worker')),
		);
		expect(q.messageCount).toBe(0);
		const dl = await producer.withChannel((ch) => ch.checkQueue(producer.topology.deadLetterQueue));
		expect(dl.messageCount).toBe(0);
	});

	it('rejects a pending request when the connection drops, then serves new requests', async () => {
		await consumer.declareAgent('worker');
		const pending = producer
			.request({
				recipient: 'worker',
				type: 'task.slow',
				sender: 'p',
				payload: {},
				timeoutMs: 30_000,
			})
			.catch((e) => e);
		await new Promise((r) => setTimeout(r, 100));
		const back = reconnected(producer);
		dropConnection(producer);
		const err = await pending;
		expect(err.code).toBe('BUS_CONNECTION_LOST');
		expect(err.message).toContain('"worker"');
		await back;
		await consumer.consume({ agent: 'worker' }, async ({ envelope }) => {
			if (envelope.type === 'task.ping')
				await consumer.reply(envelope, { sender: 'worker', payload: 'pong' });
		});
		const reply = await producer.request({
			recipient: 'worker',
			type: 'task.ping',
			sender: 'p',
			payload: {},
			timeoutMs: 10_000,
		});
		expect(reply.payload).toBe('pong');
	});

	it('publishes on the new connection when the old one drops while the channel is opening', async () => {
		const got: number[] = [];
		await consumer.consume({ agent: 'worker' }, ({ envelope }) => {
			got.push((envelope.payload as { n: number }).n);
		});
		// Drop the socket right after the publisher channel's open RPC goes out, so it is pending.
		const m = producer.connection.current() as unknown as {
			createConfirmChannel(): Promise<unknown>;
		};
		const open = m.createConfirmChannel.bind(m);
		let dropped = false;
		m.createConfirmChannel = () => {
			const p = open();
			if (!dropped) {
				dropped = true;
				dropConnection(producer);
			}
			return p;
		};
		const sends = [0, 1, 2].map((n) =>
			producer.send({ recipient: 'worker', type: 'task.n', sender: 'p', payload: { n } }),
		);
		const outcomes = await Promise.allSettled(sends);
		expect(dropped).toBe(true);
		expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
		await until(() => got.length === 3, 10_000, 'the three messages');
		expect(got.sort()).toEqual([0, 1, 2]);
	});

	it('does not replay a consumer that failed to start on every reconnection', async () => {
		await expect(
			consumer.consume({ queue: `${ns}.missing`, raw: true }, () => undefined),
		).rejects.toThrow(/NOT_FOUND/);
		let back = false;
		void reconnected(consumer).then(() => (back = true));
		dropConnection(consumer);
		await until(() => back, 10_000, 'the reconnection');
		const got: string[] = [];
		await consumer.consume({ agent: 'worker' }, ({ envelope }) => void got.push(envelope.type));
		await producer.send({ recipient: 'worker', type: 'task.after', sender: 'p', payload: {} });
		await until(() => got.length === 1, 10_000, 'message after reconnection');
		expect(got).toEqual(['task.after']);
	});

	it('keeps consuming after the consumer connection comes back', async () => {
		const got: string[] = [];
		await consumer.consume({ agent: 'worker' }, ({ envelope }) => void got.push(envelope.type));
		await producer.send({ recipient: 'worker', type: 'task.before', sender: 'p', payload: {} });
		await until(() => got.length === 1, 5000, 'first message');
		const back = reconnected(consumer);
		dropConnection(consumer);
		await back;
		await producer.send({ recipient: 'worker', type: 'task.after', sender: 'p', payload: {} });
		await until(() => got.length === 2, 10_000, 'message after reconnection');
		expect(got).toEqual(['task.before', 'task.after']);
	});
});
