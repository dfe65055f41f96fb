import * as amqp from 'amqplib';
import { AMQP_URL, describeWithRabbit } from '../../helpers/services';
import { coalesceWrites, type AgentBus } from '../../../lib/bus';
import { AckBatcher, type AckChannel } from '../../../lib/bus/acks';
import { cleanup, openBus, uniqueNamespace, until } from './harness';

async function untilAsync(cond: () => Promise<boolean>, what: string): Promise<void> {
	const started = Date.now();
	while (!(await cond())) {
		if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

describeWithRabbit('acknowledgements and writes on the wire', () => {
	let conn: amqp.ChannelModel;

	beforeEach(async () => {
		conn = await amqp.connect(AMQP_URL);
	});

	afterEach(async () => {
		await conn.close().catch(() => undefined);
	});

	it('acknowledges a burst of deliveries in fewer frames than messages and leaves none unacknowledged', async () => {
		const admin = await conn.createChannel();
		const { queue } = await admin.assertQueue('', { exclusive: true });
		for (let i = 0; i < 50; i++) admin.sendToQueue(queue, Buffer.from(String(i)));
		await untilAsync(
			async () => (await admin.checkQueue(queue)).messageCount === 50,
			'50 queued messages',
		);

		const ch = await conn.createChannel();
		await ch.prefetch(100);
		let frames = 0;
		const counting: AckChannel = {
			ack: (m, allUpTo) => {
				frames++;
				ch.ack(m, allUpTo);
			},
			nack: (m, allUpTo, requeue) => ch.nack(m, allUpTo, requeue),
		};
		const acks = new AckBatcher(counting);
		let handled = 0;
		await ch.consume(queue, (m) => {
			if (!m) return;
			acks.track(m).ack();
			handled++;
		});
		await until(() => handled === 50, 10_000, 'all deliveries handled');
		// Closing the channel queues every unacknowledged message again.
		await ch.close();

		expect((await admin.checkQueue(queue)).messageCount).toBe(0);
		expect(frames).toBeGreaterThan(0);
		expect(frames).toBeLessThan(50);
	});

	it('sends the frames published in one turn in far fewer socket writes', async () => {
		const writesFor = async (model: amqp.ChannelModel) => {
			const ch = await model.createConfirmChannel();
			const { queue } = await ch.assertQueue('', { exclusive: true });
			const socket = (model as unknown as { connection: { stream: Record<string, unknown> } })
				.connection.stream;
			let writes = 0;
			for (const hook of ['_write', '_writev']) {
				const original = socket[hook] as ((...a: unknown[]) => unknown) | undefined;
				if (!original) continue;
				socket[hook] = function (this: unknown, ...a: unknown[]) {
					writes++;
					return original.apply(this, a);
				};
			}
			for (let i = 0; i < 50; i++) ch.publish('', queue, Buffer.alloc(64, i));
			await ch.waitForConfirms();
			const counted = writes;
			expect((await ch.checkQueue(queue)).messageCount).toBe(50);
			return counted;
		};
		const plain = await writesFor(conn);
		const batched = await amqp.connect(AMQP_URL);
		try {
			expect(coalesceWrites(batched)).toBe(true);
			const coalesced = await writesFor(batched);
			expect(coalesced).toBeLessThanOrEqual(5);
			expect(coalesced).toBeLessThan(plain);
		} finally {
			await batched.close();
		}
	});
});

describeWithRabbit('AgentBus acknowledgements', () => {
	let ns: string;
	let producer: AgentBus;

	beforeEach(async () => {
		ns = uniqueNamespace();
		producer = await openBus(ns);
	});

	afterEach(async () => {
		await cleanup(producer, [producer.topology.agentQueue('slow')]);
		await producer.close();
	});

	it('never acknowledges a message whose handler is still running, even after later ones finished', async () => {
		const first = await openBus(ns);
		let release: () => void = () => undefined;
		const gate = new Promise<void>((r) => (release = r));
		const finished: number[] = [];
		await first.consume(
			{ agent: 'slow' },
			async ({ envelope }) => {
				const n = (envelope.payload as { n: number }).n;
				if (n === 0) await gate;
				finished.push(n);
			},
			{ prefetch: 10 },
		);
		for (let n = 0; n < 5; n++) {
			await producer.send({ recipient: 'slow', type: 'task.x', sender: 'a', payload: { n } });
		}
		await until(() => finished.length === 4, 10_000, 'messages 1-4 handled');
		// Stop without waiting for message 0: the broker takes back what was not acknowledged.
		await first.close(1);
		release();

		const second = await openBus(ns);
		try {
			const seen: number[] = [];
			await second.consume({ agent: 'slow' }, ({ envelope }) => {
				seen.push((envelope.payload as { n: number }).n);
			});
			// Redeliveries come back at the head of the queue, so they arrive before this one.
			await producer.send({ recipient: 'slow', type: 'task.x', sender: 'a', payload: { n: 99 } });
			await until(() => seen.includes(99), 10_000, 'the marker message');
			expect(finished.slice(0, 4).sort()).toEqual([1, 2, 3, 4]);
			expect(seen).toEqual([0, 99]);
		} finally {
			await second.close();
		}
	});
});
