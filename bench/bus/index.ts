/**
 * Agent Bus throughput and request/reply latency, side by side with raw
 * amqplib on the same broker and the same queue settings (durable queue with
 * priorities, publisher confirms, manual acks), with persistent messages (the
 * headline) and with transient ones.
 *
 *   node -r ./scripts/ts-register.js bench/bus/index.ts
 *
 * Env: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672), BENCH_BUS_MESSAGES
 * (default 20000), BENCH_BUS_RPC (default 2000), BENCH_BUS_ROUNDS (default 5).
 * Rounds alternate raw and bus runs; the ratio is the median of the per-round
 * ratios, so load from other processes on the machine hits both sides alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { AgentBus, deleteTopology, queueArguments } from '../../lib/bus';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MESSAGES = Number(process.env.BENCH_BUS_MESSAGES ?? 20_000);
const RPC_CALLS = Number(process.env.BENCH_BUS_RPC ?? 2000);
const ROUNDS = Number(process.env.BENCH_BUS_ROUNDS ?? 5);
/** Unconfirmed publishes in flight at once, for both sides. */
const WINDOW = 1000;
const PREFETCH = 500;
const PAYLOAD = 'x'.repeat(1024);

/** The same socket settings the bus uses (Nagle off), so raw is measured at its best. */
const RAW_SOCKET = { noDelay: true };

const namespace = `bench-${randomBytes(4).toString('hex')}`;

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `task(i)` for i in 0..n with at most `window` in flight. */
async function windowed(n: number, window: number, task: (i: number) => Promise<unknown>) {
	let next = 0;
	const worker = async () => {
		while (next < n) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
}

async function rawThroughput(queue: string, persistent = true): Promise<number> {
	const pubConn = await amqp.connect(AMQP_URL, RAW_SOCKET);
	const subConn = await amqp.connect(AMQP_URL, RAW_SOCKET);
	try {
		const pub = await pubConn.createConfirmChannel();
		await pub.assertQueue(queue, { durable: true, arguments: queueArguments(topologyNames()) });
		const sub = await subConn.createChannel();
		await sub.prefetch(PREFETCH);
		let consumed = 0;
		let finish: () => void = () => undefined;
		const done = new Promise<void>((r) => (finish = r));
		await sub.consume(queue, (m) => {
			if (!m) return;
			JSON.parse(m.content.toString());
			sub.ack(m);
			if (++consumed === MESSAGES) finish();
		});
		const t0 = process.hrtime.bigint();
		await windowed(MESSAGES, WINDOW, (n) => {
			const body = Buffer.from(JSON.stringify({ n, data: PAYLOAD }));
			return new Promise<void>((resolve, reject) =>
				pub.publish('', queue, body, { persistent, priority: 5, messageId: String(n) }, (e) =>
					e ? reject(e) : resolve(),
				),
			);
		});
		await done;
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		await pub.deleteQueue(queue);
		return MESSAGES / secs;
	} finally {
		await pubConn.close();
		await subConn.close();
	}
}

function topologyNames() {
	return { dlx: `${namespace}.dlx` } as Parameters<typeof queueArguments>[0];
}

async function busThroughput(agent: string, persistent = true): Promise<number> {
	const producer = await AgentBus.open({ broker: { url: AMQP_URL }, namespace, persistent });
	const consumer = await AgentBus.open({ broker: { url: AMQP_URL }, namespace });
	try {
		let consumed = 0;
		let finish: () => void = () => undefined;
		const done = new Promise<void>((r) => (finish = r));
		await consumer.consume(
			{ agent },
			() => {
				if (++consumed === MESSAGES) finish();
			},
			{ prefetch: PREFETCH },
		);
		const t0 = process.hrtime.bigint();
		await windowed(MESSAGES, WINDOW, (n) =>
			producer.send({
				recipient: agent,
				type: 'bench.task',
				sender: 'bench',
				payload: { n, data: PAYLOAD },
			}),
		);
		await done;
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		await producer.withChannel((ch) => ch.deleteQueue(producer.topology.agentQueue(agent)));
		return MESSAGES / secs;
	} finally {
		await consumer.close();
		await producer.close();
	}
}

async function rawRpc(): Promise<number[]> {
	const conn = await amqp.connect(AMQP_URL, RAW_SOCKET);
	try {
		const server = await conn.createChannel();
		const q = (await server.assertQueue('', { exclusive: true })).queue;
		await server.consume(q, (m) => {
			if (!m) return;
			server.sendToQueue(m.properties.replyTo, m.content, {
				correlationId: m.properties.correlationId,
			});
			server.ack(m);
		});
		const client = await conn.createChannel();
		const waiting = new Map<string, () => void>();
		await client.consume(
			'amq.rabbitmq.reply-to',
			(m) => m && waiting.get(m.properties.correlationId)?.(),
			{ noAck: true },
		);
		const times: number[] = [];
		for (let i = 0; i < RPC_CALLS + 200; i++) {
			const id = String(i);
			const t0 = process.hrtime.bigint();
			await new Promise<void>((resolve) => {
				waiting.set(id, resolve);
				client.publish('', q, Buffer.from(JSON.stringify({ i })), {
					replyTo: 'amq.rabbitmq.reply-to',
					correlationId: id,
				});
			});
			waiting.delete(id);
			if (i >= 200) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		return times.sort((a, b) => a - b);
	} finally {
		await conn.close();
	}
}

async function busRpc(): Promise<number[]> {
	const client = await AgentBus.open({ broker: { url: AMQP_URL }, namespace });
	const server = await AgentBus.open({ broker: { url: AMQP_URL }, namespace });
	try {
		await server.consume({ agent: 'echo' }, async ({ envelope }) => {
			await server.reply(envelope, { sender: 'echo', payload: envelope.payload });
		});
		const times: number[] = [];
		for (let i = 0; i < RPC_CALLS + 200; i++) {
			const t0 = process.hrtime.bigint();
			await client.request({
				recipient: 'echo',
				type: 'bench.echo',
				sender: 'bench',
				payload: { i },
			});
			if (i >= 200) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		await client.withChannel((ch) => ch.deleteQueue(client.topology.agentQueue('echo')));
		return times.sort((a, b) => a - b);
	} finally {
		await server.close();
		await client.close();
	}
}

/** Sends while both connections are dropped mid-stream; counts lost and twice-processed messages. */
async function dropRun(
	n: number,
): Promise<{ lost: number; duplicates: number; reconnects: number }> {
	const producer = await AgentBus.open({
		broker: { url: AMQP_URL },
		namespace,
		reconnect: { initialMs: 50 },
	});
	const consumer = await AgentBus.open({
		broker: { url: AMQP_URL },
		namespace,
		reconnect: { initialMs: 50 },
	});
	const drop = (b: AgentBus) =>
		(
			b.connection.current() as unknown as { connection: { stream: { destroy(e: Error): void } } }
		)?.connection.stream.destroy(new Error('dropped by benchmark'));
	let reconnects = 0;
	producer.connection.on('connected', () => reconnects++);
	consumer.connection.on('connected', () => reconnects++);
	try {
		const seen = new Map<number, number>();
		await consumer.consume(
			{ agent: 'drop' },
			({ envelope }) => {
				const k = (envelope.payload as { n: number }).n;
				seen.set(k, (seen.get(k) ?? 0) + 1);
			},
			{ prefetch: PREFETCH },
		);
		await windowed(n, WINDOW, async (i) => {
			if (i === Math.floor(n / 3)) drop(producer);
			if (i === Math.floor((2 * n) / 3)) drop(consumer);
			await producer.send({
				recipient: 'drop',
				type: 'bench.task',
				sender: 'bench',
				payload: { n: i, data: PAYLOAD },
			});
		});
		const deadline = Date.now() + 60_000;
		while (seen.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
		await new Promise((r) => setTimeout(r, 500));
		const duplicates = [...seen.values()].filter((c) => c > 1).length;
		await producer.withChannel((ch) => ch.deleteQueue(producer.topology.agentQueue('drop')));
		return { lost: n - seen.size, duplicates, reconnects };
	} finally {
		await consumer.close();
		await producer.close();
	}
}

async function main() {
	console.log(
		`Agent Bus benchmark: ${MESSAGES} messages x ${ROUNDS} rounds, 1 KiB payloads, confirms, window ${WINDOW}, prefetch ${PREFETCH}; ${RPC_CALLS} RPCs`,
	);
	const setup = await AgentBus.open({ broker: { url: AMQP_URL }, namespace });
	const raw: number[] = [];
	const bus: number[] = [];
	try {
		for (let r = 0; r < ROUNDS; r++) {
			raw.push(await rawThroughput(`${namespace}.raw`));
			bus.push(await busThroughput('worker'));
			console.log(
				`  round ${r + 1}: raw ${raw[r].toFixed(0)} msg/s, bus ${bus[r].toFixed(0)} msg/s`,
			);
		}
		// The same with transient messages: no disk in the path, the broker's CPU is the limit.
		const rawT: number[] = [];
		const busT: number[] = [];
		for (let r = 0; r < ROUNDS; r++) {
			rawT.push(await rawThroughput(`${namespace}.raw`, false));
			busT.push(await busThroughput('worker', false));
			console.log(
				`  transient round ${r + 1}: raw ${rawT[r].toFixed(0)} msg/s, bus ${busT[r].toFixed(0)} msg/s`,
			);
		}
		const rawTimes = await rawRpc();
		const busTimes = await busRpc();
		const drop = await dropRun(Math.min(MESSAGES, 10_000));

		const rawRate = median(raw);
		const busRate = median(bus);
		const ratio = median(bus.map((b, i) => b / raw[i]));
		const rows = [
			['', 'Agent Bus', 'raw amqplib'],
			['persistent msg/s (median)', busRate.toFixed(0), rawRate.toFixed(0)],
			['transient msg/s (median)', median(busT).toFixed(0), median(rawT).toFixed(0)],
			['RPC p50 ms', percentile(busTimes, 50).toFixed(3), percentile(rawTimes, 50).toFixed(3)],
			['RPC p99 ms', percentile(busTimes, 99).toFixed(3), percentile(rawTimes, 99).toFixed(3)],
		];
		console.log('');
		for (const row of rows)
			console.log(`${row[0].padEnd(32)}${row[1].padStart(12)}${row[2].padStart(14)}`);
		const ratioT = median(busT.map((b, i) => b / rawT[i]));
		console.log(
			`ratio to raw (median of rounds): persistent ${(ratio * 100).toFixed(1)}%, transient ${(ratioT * 100).toFixed(1)}%`,
		);
		console.log(
			`dropped connections: ${drop.reconnects} reconnections, ${drop.lost} lost, ${drop.duplicates} processed twice (of ${Math.min(MESSAGES, 10_000)})`,
		);

		const result = {
			msgs_per_s: Math.round(busRate),
			raw_msgs_per_s: Math.round(rawRate),
			ratio_to_raw: Number(ratio.toFixed(3)),
			transient_msgs_per_s: Math.round(median(busT)),
			transient_raw_msgs_per_s: Math.round(median(rawT)),
			transient_ratio_to_raw: Number(ratioT.toFixed(3)),
			rpc_p50_ms: Number(percentile(busTimes, 50).toFixed(3)),
			rpc_p99_ms: Number(percentile(busTimes, 99).toFixed(3)),
			raw_rpc_p50_ms: Number(percentile(rawTimes, 50).toFixed(3)),
			raw_rpc_p99_ms: Number(percentile(rawTimes, 99).toFixed(3)),
			lost: drop.lost,
			processed_twice: drop.duplicates,
			reconnections: drop.reconnects,
			rounds: {
				bus: bus.map(Math.round),
				raw: raw.map(Math.round),
				bus_transient: busT.map(Math.round),
				raw_transient: rawT.map(Math.round),
			},
			messages: MESSAGES,
			rpc_calls: RPC_CALLS,
			payload_bytes: PAYLOAD.length,
			window: WINDOW,
			prefetch: PREFETCH,
			node: process.version,
			date: new Date().toISOString(),
		};
		const out = path.join(__dirname, '..', 'results', 'bus.json');
		fs.mkdirSync(path.dirname(out), { recursive: true });
		fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
		console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
	} finally {
		await setup.withChannel((ch) => deleteTopology(ch, setup.topology)).catch(() => undefined);
		await setup.close();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
