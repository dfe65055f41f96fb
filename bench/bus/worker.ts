/**
 * One side of a bus benchmark run, in its own process: the producer and the
 * consumer (and the RPC client and server) run in separate processes, as they
 * do when two n8n workflows or instances talk over the bus. bench/bus/index.ts
 * forks two of these and drives them over IPC; each command answers with a
 * result message carrying the same id.
 *
 * Both sides use the same techniques: confirms with a window of unconfirmed
 * publishes, prefetch, JSON bodies decoded on receipt, acknowledgements batched
 * per event-loop turn (one `ack(msg, allUpTo)` for the messages handled in that
 * turn), and the frames of one turn sent in one socket write (the bus does both
 * by itself; the raw side gets the same through `rawConnect` below).
 */
import * as amqp from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import {
	AgentBus,
	assertAgentQueue,
	coalesceWrites,
	newTraceId,
	queueArguments,
	topology,
	type Subscription,
} from '../../lib/bus';

/**
 * `raw`: plain amqplib with a bare JSON body (the practical limit). `bus`: the
 * Agent Bus. `envelope`: plain amqplib sending what the bus sends (the same
 * envelope JSON, AMQP properties, exchange and mandatory flag) and decoding
 * it without validation or deduplication, which splits the gap between the
 * other two into the message format's cost and the bus code's.
 */
export type Side = 'raw' | 'bus' | 'envelope';

export interface RunSpec {
	side: Side;
	url: string;
	namespace: string;
	/** The raw side's queue, or the bus side's agent name. */
	target: string;
	messages: number;
	persistent: boolean;
	window: number;
	prefetch: number;
	payloadBytes: number;
}

export interface RpcSpec {
	side: Side;
	url: string;
	namespace: string;
	calls: number;
	warmup: number;
}

export type Command =
	| { cmd: 'consume.open'; spec: RunSpec }
	| { cmd: 'consume.wait' }
	| { cmd: 'consume.close' }
	| { cmd: 'produce.open'; spec: RunSpec }
	| { cmd: 'produce.run' }
	| { cmd: 'produce.close' }
	| { cmd: 'rpc.serve'; spec: RpcSpec }
	| { cmd: 'rpc.stop' }
	| { cmd: 'rpc.run'; spec: RpcSpec; queue: string };

/** Client CPU (user + system) in µs spent by this process during the run. */
export interface CpuResult {
	cpuUs: number;
}

/** Runs `task(i)` for i in 0..n with at most `window` in flight. */
async function windowed(n: number, window: number, task: (i: number) => Promise<unknown>) {
	let next = 0;
	const worker = async () => {
		while (next < n) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
}

/** A plain amqplib connection with the socket settings and write batching the bus uses. */
async function rawConnect(url: string): Promise<amqp.ChannelModel> {
	const conn = await amqp.connect(url, { noDelay: true });
	coalesceWrites(conn);
	return conn;
}

const cpuSince = (start: NodeJS.CpuUsage): number => {
	const d = process.cpuUsage(start);
	return d.user + d.system;
};

// ------------------------------------------------------------- throughput

interface Consumer {
	done: Promise<void>;
	started: NodeJS.CpuUsage;
	close(): Promise<void>;
}

interface Producer {
	run(): Promise<void>;
	close(): Promise<void>;
}

async function rawConsumer(spec: RunSpec): Promise<Consumer> {
	const conn = await rawConnect(spec.url);
	const ch = await conn.createChannel();
	let queue = spec.target;
	if (spec.side === 'envelope') {
		queue = await assertAgentQueue(ch, topology(spec.namespace), spec.target);
	} else {
		await ch.assertQueue(queue, {
			durable: true,
			arguments: queueArguments(topology(spec.namespace)),
		});
	}
	await ch.prefetch(spec.prefetch);
	let consumed = 0;
	let finish: () => void = () => undefined;
	const done = new Promise<void>((r) => (finish = r));
	// Messages are handled in delivery order, so one ack of the newest covers the turn.
	let newest: ConsumeMessage | null = null;
	const flush = () => {
		if (newest) ch.ack(newest, true);
		newest = null;
	};
	await ch.consume(queue, (m) => {
		if (!m) return;
		JSON.parse(m.content.toString('utf8'));
		if (!newest) process.nextTick(flush);
		newest = m;
		if (++consumed === spec.messages) finish();
	});
	return {
		done,
		started: process.cpuUsage(),
		close: async () => {
			flush();
			await conn.close();
		},
	};
}

async function rawProducer(spec: RunSpec): Promise<Producer> {
	const conn = await rawConnect(spec.url);
	const ch = await conn.createConfirmChannel();
	const data = 'x'.repeat(spec.payloadBytes);
	return {
		run: () =>
			windowed(spec.messages, spec.window, (n) => {
				const body = Buffer.from(JSON.stringify({ n, data }));
				return new Promise<void>((resolve, reject) =>
					ch.publish(
						'',
						spec.target,
						body,
						{ persistent: spec.persistent, priority: 5, messageId: String(n) },
						(e) => (e ? reject(e) : resolve()),
					),
				);
			}),
		close: () => conn.close(),
	};
}

/** Plain amqplib publishing the bus's message: envelope body, properties, agents exchange, mandatory. */
async function envelopeProducer(spec: RunSpec): Promise<Producer> {
	const conn = await rawConnect(spec.url);
	const ch = await conn.createConfirmChannel();
	const exchange = topology(spec.namespace).agents;
	const data = 'x'.repeat(spec.payloadBytes);
	return {
		run: () =>
			windowed(spec.messages, spec.window, (n) => {
				const id = randomUUID();
				const now = Date.now();
				const body = Buffer.from(
					JSON.stringify({
						id,
						type: 'bench.task',
						sender: 'bench',
						recipient: spec.target,
						correlationId: null,
						replyTo: null,
						priority: 5,
						timestamp: new Date(now).toISOString(),
						traceId: newTraceId(id),
						payload: { n, data },
					}),
				);
				return new Promise<void>((resolve, reject) =>
					ch.publish(
						exchange,
						spec.target,
						body,
						{
							messageId: id,
							type: 'bench.task',
							appId: 'bench',
							priority: 5,
							timestamp: Math.floor(now / 1000),
							contentType: 'application/json',
							persistent: spec.persistent,
							mandatory: true,
						},
						(e) => (e ? reject(e) : resolve()),
					),
				);
			}),
		close: () => conn.close(),
	};
}

async function busConsumer(spec: RunSpec): Promise<Consumer> {
	const bus = await AgentBus.open({ broker: { url: spec.url }, namespace: spec.namespace });
	let consumed = 0;
	let finish: () => void = () => undefined;
	const done = new Promise<void>((r) => (finish = r));
	await bus.consume(
		{ agent: spec.target },
		() => {
			if (++consumed === spec.messages) finish();
		},
		{ prefetch: spec.prefetch },
	);
	return { done, started: process.cpuUsage(), close: () => bus.close() };
}

async function busProducer(spec: RunSpec): Promise<Producer> {
	const bus = await AgentBus.open({
		broker: { url: spec.url },
		namespace: spec.namespace,
		persistent: spec.persistent,
	});
	const data = 'x'.repeat(spec.payloadBytes);
	return {
		run: () =>
			windowed(spec.messages, spec.window, (n) =>
				bus.send({
					recipient: spec.target,
					type: 'bench.task',
					sender: 'bench',
					payload: { n, data },
				}),
			),
		close: () => bus.close(),
	};
}

// -------------------------------------------------------------------- rpc

interface RpcServer {
	queue: string;
	close(): Promise<void>;
}

async function rawRpcServer(spec: RpcSpec): Promise<RpcServer> {
	const conn = await rawConnect(spec.url);
	const ch = await conn.createChannel();
	const queue = (await ch.assertQueue('', { exclusive: true })).queue;
	await ch.consume(queue, (m) => {
		if (!m) return;
		ch.sendToQueue(m.properties.replyTo, m.content, {
			correlationId: m.properties.correlationId,
		});
		ch.ack(m);
	});
	return { queue, close: () => conn.close() };
}

async function rawRpcClient(spec: RpcSpec, queue: string): Promise<number[]> {
	const conn = await rawConnect(spec.url);
	try {
		const ch = await conn.createChannel();
		const waiting = new Map<string, () => void>();
		await ch.consume(
			'amq.rabbitmq.reply-to',
			(m) => m && waiting.get(m.properties.correlationId)?.(),
			{ noAck: true },
		);
		const times: number[] = [];
		for (let i = 0; i < spec.calls + spec.warmup; i++) {
			const id = String(i);
			const t0 = process.hrtime.bigint();
			await new Promise<void>((resolve) => {
				waiting.set(id, resolve);
				ch.publish('', queue, Buffer.from(JSON.stringify({ i })), {
					replyTo: 'amq.rabbitmq.reply-to',
					correlationId: id,
				});
			});
			waiting.delete(id);
			if (i >= spec.warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		return times;
	} finally {
		await conn.close();
	}
}

async function busRpcServer(spec: RpcSpec): Promise<RpcServer> {
	const server = await AgentBus.open({ broker: { url: spec.url }, namespace: spec.namespace });
	const sub: Subscription = await server.consume({ agent: 'echo' }, async ({ envelope }) => {
		await server.reply(envelope, { sender: 'echo', payload: envelope.payload });
	});
	return {
		queue: sub.queue,
		close: async () => {
			await server.withChannel((ch) => ch.deleteQueue(sub.queue));
			await server.close();
		},
	};
}

async function busRpcClient(spec: RpcSpec): Promise<number[]> {
	const client = await AgentBus.open({ broker: { url: spec.url }, namespace: spec.namespace });
	try {
		const times: number[] = [];
		for (let i = 0; i < spec.calls + spec.warmup; i++) {
			const t0 = process.hrtime.bigint();
			await client.request({
				recipient: 'echo',
				type: 'bench.echo',
				sender: 'bench',
				payload: { i },
			});
			if (i >= spec.warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		return times;
	} finally {
		await client.close();
	}
}

// -------------------------------------------------------------------- ipc

let consumer: Consumer | null = null;
let producer: Producer | null = null;
let rpcServer: RpcServer | null = null;

async function handle(c: Command): Promise<unknown> {
	switch (c.cmd) {
		case 'consume.open':
			consumer = await (c.spec.side === 'bus' ? busConsumer(c.spec) : rawConsumer(c.spec));
			return null;
		case 'consume.wait': {
			const cons = consumer!;
			await cons.done;
			return { cpuUs: cpuSince(cons.started) } satisfies CpuResult;
		}
		case 'consume.close':
			await consumer?.close();
			consumer = null;
			return null;
		case 'produce.open':
			producer = await (c.spec.side === 'bus'
				? busProducer(c.spec)
				: c.spec.side === 'envelope'
					? envelopeProducer(c.spec)
					: rawProducer(c.spec));
			return null;
		case 'produce.run': {
			const started = process.cpuUsage();
			await producer!.run();
			return { cpuUs: cpuSince(started) } satisfies CpuResult;
		}
		case 'produce.close':
			await producer?.close();
			producer = null;
			return null;
		case 'rpc.serve':
			rpcServer = await (c.spec.side === 'raw' ? rawRpcServer(c.spec) : busRpcServer(c.spec));
			return { queue: rpcServer.queue };
		case 'rpc.stop':
			await rpcServer?.close();
			rpcServer = null;
			return null;
		case 'rpc.run':
			return c.spec.side === 'raw' ? rawRpcClient(c.spec, c.queue) : busRpcClient(c.spec);
	}
}

if (require.main === module) {
	process.on('message', (m: { id: number } & Command) => {
		handle(m).then(
			(result) => process.send!({ id: m.id, result }),
			(e: Error) => process.send!({ id: m.id, error: e?.stack ?? String(e) }),
		);
	});
	process.on('disconnect', () => process.exit(0));
}
