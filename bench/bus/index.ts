/**
 * Agent Bus throughput and request/reply latency, side by side with raw
 * amqplib on the same broker and the same queue settings (durable queue with
 * priorities, publisher confirms, manual acks), with persistent messages (the
 * headline) and with transient ones.
 *
 *   node -r ./scripts/ts-register.js bench/bus/index.ts
 *
 * The producer and the consumer of each run live in two separate processes
 * (bench/bus/worker.ts), as they do in a deployment; the same two processes
 * serve both sides. The RPC client and server are split the same way.
 *
 * Env: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672), BENCH_BUS_MESSAGES
 * (default 20000), BENCH_BUS_RPC (default 2000), BENCH_BUS_ROUNDS (default 5),
 * BENCH_BUS_BROKER_PID (the broker's process, found by itself when local),
 * BENCH_BUS_ENVELOPE=1 (adds a third side: plain amqplib sending the bus's
 * message format, see worker.ts). Each side runs once untimed first (JIT
 * warm-up). Rounds alternate which side goes first; the ratio is the median
 * of the per-round ratios, so load from other processes on the machine hits
 * both sides alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AgentBus, deleteTopology } from '../../lib/bus';
import { cpuBetween, cpuCount, findBrokerPid, sampleCpu, type CpuUse } from './system';
import type { Command, CpuResult, RpcSpec, RunSpec, Side } from './worker';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MESSAGES = Number(process.env.BENCH_BUS_MESSAGES ?? 20_000);
const RPC_CALLS = Number(process.env.BENCH_BUS_RPC ?? 2000);
const ROUNDS = Number(process.env.BENCH_BUS_ROUNDS ?? 5);
/** Unconfirmed publishes in flight at once, for both sides. */
const WINDOW = 1000;
const PREFETCH = 500;
const PAYLOAD_BYTES = 1024;
const DROP_MESSAGES = Math.min(MESSAGES, 10_000);
const SIDES: Side[] =
	process.env.BENCH_BUS_ENVELOPE === '1' ? ['raw', 'bus', 'envelope'] : ['raw', 'bus'];

const namespace = `bench-${randomBytes(4).toString('hex')}`;
const brokerPid = findBrokerPid();

const percentile = (sorted: number[], p: number): number =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAverage = (): string | null =>
	fs.existsSync('/proc/loadavg')
		? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
		: null;

// ------------------------------------------------------------ processes

/** A forked bench/bus/worker.ts and a promise-based call over IPC. */
class Worker {
	private readonly child: ChildProcess;
	private nextId = 0;
	private readonly waiting = new Map<
		number,
		{ resolve(v: unknown): void; reject(e: Error): void }
	>();

	constructor(readonly name: string) {
		this.child = fork(path.join(__dirname, 'worker.ts'), [name], {
			execArgv: ['-r', path.join(__dirname, '..', '..', 'scripts', 'ts-register.js')],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
			const w = this.waiting.get(m.id);
			this.waiting.delete(m.id);
			if (m.error !== undefined) w?.reject(new Error(`${this.name}: ${m.error}`));
			else w?.resolve(m.result);
		});
		this.child.on('exit', (code) => {
			for (const w of this.waiting.values()) w.reject(new Error(`${this.name} exited (${code})`));
			this.waiting.clear();
		});
	}

	call<T = unknown>(c: Command): Promise<T> {
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
			this.child.send({ id, ...c });
		});
	}

	stop(): void {
		this.child.disconnect();
	}
}

// ------------------------------------------------------------ throughput

interface RunResult {
	rate: number;
	/** Producer + consumer CPU per message, µs. */
	clientUs: number;
	cpu: CpuUse | null;
}

async function throughput(
	producer: Worker,
	consumer: Worker,
	side: Side,
	persistent: boolean,
	round: number | 'warmup',
	messages = MESSAGES,
): Promise<RunResult> {
	const spec: RunSpec = {
		side,
		url: AMQP_URL,
		namespace,
		target: side === 'raw' ? `${namespace}.raw-${round}` : `${side}-${round}`,
		messages,
		persistent,
		window: WINDOW,
		prefetch: PREFETCH,
		payloadBytes: PAYLOAD_BYTES,
	};
	await consumer.call({ cmd: 'consume.open', spec });
	await producer.call({ cmd: 'produce.open', spec });
	try {
		const before = sampleCpu(brokerPid);
		const t0 = process.hrtime.bigint();
		const [published, consumed] = await Promise.all([
			producer.call<CpuResult>({ cmd: 'produce.run' }),
			consumer.call<CpuResult>({ cmd: 'consume.wait' }),
		]);
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		const after = sampleCpu(brokerPid);
		return {
			rate: messages / secs,
			clientUs: (published.cpuUs + consumed.cpuUs) / messages,
			cpu: cpuBetween(before, after, messages),
		};
	} finally {
		await producer.call({ cmd: 'produce.close' });
		await consumer.call({ cmd: 'consume.close' });
		const queue = side === 'raw' ? spec.target : setupBus!.topology.agentQueue(spec.target);
		await setupBus!.withChannel((ch) => ch.deleteQueue(queue));
	}
}

// ------------------------------------------------------------------ rpc

async function rpc(client: Worker, server: Worker, side: Side): Promise<number[]> {
	const spec: RpcSpec = { side, url: AMQP_URL, namespace, calls: RPC_CALLS, warmup: 200 };
	const { queue } = await server.call<{ queue: string }>({ cmd: 'rpc.serve', spec });
	try {
		const times = await client.call<number[]>({ cmd: 'rpc.run', spec, queue });
		return times.sort((a, b) => a - b);
	} finally {
		await server.call({ cmd: 'rpc.stop' });
	}
}

// ------------------------------------------------------ dropped connections

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
	const payload = 'x'.repeat(PAYLOAD_BYTES);
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
		let next = 0;
		const sender = async () => {
			while (next < n) {
				const i = next++;
				if (i === Math.floor(n / 3)) drop(producer);
				if (i === Math.floor((2 * n) / 3)) drop(consumer);
				await producer.send({
					recipient: 'drop',
					type: 'bench.task',
					sender: 'bench',
					payload: { n: i, data: payload },
				});
			}
		};
		await Promise.all(Array.from({ length: WINDOW }, sender));
		const deadline = Date.now() + 60_000;
		while (seen.size < n && Date.now() < deadline) await sleep(50);
		await sleep(500);
		const duplicates = [...seen.values()].filter((c) => c > 1).length;
		await producer.withChannel((ch) => ch.deleteQueue(producer.topology.agentQueue('drop')));
		return { lost: n - seen.size, duplicates, reconnects };
	} finally {
		await consumer.close();
		await producer.close();
	}
}

// ----------------------------------------------------------------- main

/** Declares the namespace and cleans up after each run. */
let setupBus: AgentBus | null = null;

type Series = Record<Side, RunResult[]>;

const fmt = (x: RunResult) =>
	`${x.rate.toFixed(0)} msg/s (client ${x.clientUs.toFixed(0)} µs/msg` +
	(x.cpu?.brokerUsPerMsg != null ? `, broker ${x.cpu.brokerUsPerMsg.toFixed(0)} µs/msg` : '') +
	(x.cpu ? `, machine ${(x.cpu.machineBusy * 100).toFixed(0)} % busy` : '') +
	')';

async function rounds(producer: Worker, consumer: Worker, persistent: boolean): Promise<Series> {
	const s: Series = { raw: [], bus: [], envelope: [] };
	for (let r = 0; r < ROUNDS; r++) {
		// Alternate which side goes first, so a load swing does not always hit the same one.
		const order = r % 2 === 0 ? SIDES : [...SIDES].reverse();
		for (const side of order)
			s[side].push(await throughput(producer, consumer, side, persistent, r));
		console.log(
			`  ${persistent ? 'persistent' : 'transient'} round ${r + 1}: ` +
				SIDES.map((side) => `${side} ${fmt(s[side][r])}`).join(', '),
		);
	}
	return s;
}

function summary(runs: RunResult[]) {
	const broker = runs.map((x) => x.cpu?.brokerUsPerMsg).filter((x): x is number => x != null);
	const busy = runs.map((x) => x.cpu?.machineBusy).filter((x): x is number => x != null);
	const clientUs = median(runs.map((x) => x.clientUs));
	const brokerUs = broker.length ? median(broker) : null;
	return {
		rate: median(runs.map((x) => x.rate)),
		best: Math.max(...runs.map((x) => x.rate)),
		clientUs,
		brokerUs,
		machineBusy: busy.length ? median(busy) : null,
		// What every CPU of this machine, given to this work alone, could move at this cost per message.
		ceiling: brokerUs === null ? null : (cpuCount() * 1e6) / (clientUs + brokerUs),
	};
}

type Summary = ReturnType<typeof summary>;

async function main() {
	console.log(
		`Agent Bus benchmark: ${MESSAGES} messages x ${ROUNDS} rounds, ${PAYLOAD_BYTES} B payloads, confirms, window ${WINDOW}, prefetch ${PREFETCH}; ${RPC_CALLS} RPCs; producer and consumer in separate processes; ${cpuCount()} CPUs, broker process ${brokerPid ?? 'not found (remote?)'}`,
	);
	const loadBefore = loadAverage();
	setupBus = await AgentBus.open({ broker: { url: AMQP_URL }, namespace });
	const producer = new Worker('producer');
	const consumer = new Worker('consumer');
	try {
		for (const side of SIDES) await throughput(producer, consumer, side, true, 'warmup', 2000);
		const persistent = await rounds(producer, consumer, true);
		// The same with transient messages: no disk in the path.
		const transient = await rounds(producer, consumer, false);
		const rawTimes = await rpc(producer, consumer, 'raw');
		const busTimes = await rpc(producer, consumer, 'bus');
		const drop = await dropRun(DROP_MESSAGES);

		const ratioOf = (s: Series, side: Side = 'bus') =>
			median(s[side].map((b, i) => b.rate / s.raw[i].rate));
		const ratio = ratioOf(persistent);
		const ratioT = ratioOf(transient);
		const sumP = {} as Record<Side, Summary>;
		const sumT = {} as Record<Side, Summary>;
		for (const side of SIDES) {
			sumP[side] = summary(persistent[side]);
			sumT[side] = summary(transient[side]);
		}
		const us = (x: number | null) => (x === null ? '-' : x.toFixed(0));
		const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(0)} %`);
		const cols = (f: (x: Summary) => string) => SIDES.map((side) => f(sumP[side]));
		const rows = [
			[
				'',
				...SIDES.map((side) =>
					side === 'bus' ? 'Agent Bus' : side === 'raw' ? 'raw amqplib' : 'raw, bus format',
				),
			],
			['persistent msg/s (median)', ...cols((x) => x.rate.toFixed(0))],
			['persistent msg/s (best round)', ...cols((x) => x.best.toFixed(0))],
			['transient msg/s (median)', ...SIDES.map((side) => sumT[side].rate.toFixed(0))],
			['client CPU µs/msg (persistent)', ...cols((x) => us(x.clientUs))],
			['broker CPU µs/msg (persistent)', ...cols((x) => us(x.brokerUs))],
			['client CPU µs/msg (transient)', ...SIDES.map((side) => us(sumT[side].clientUs))],
			['broker CPU µs/msg (transient)', ...SIDES.map((side) => us(sumT[side].brokerUs))],
			['machine busy (persistent)', ...cols((x) => pct(x.machineBusy))],
			['CPU-bound ceiling msg/s', ...cols((x) => us(x.ceiling))],
		];
		const times: Partial<Record<Side, number[]>> = { raw: rawTimes, bus: busTimes };
		const rpcRow = (label: string, p: number) => [
			label,
			...SIDES.map((side) => {
				const t = times[side];
				return t ? percentile(t, p).toFixed(3) : '-';
			}),
		];
		const rpcRows = [rpcRow('RPC p50 ms', 50), rpcRow('RPC p99 ms', 99)];
		console.log('');
		for (const row of [...rows, ...rpcRows])
			console.log(
				row[0].padEnd(34) +
					row
						.slice(1)
						.map((c) => c.padStart(16))
						.join(''),
			);
		console.log(
			`ratio to raw (median of rounds): persistent ${(ratio * 100).toFixed(1)}%, transient ${(ratioT * 100).toFixed(1)}%` +
				(SIDES.includes('envelope')
					? `; raw with the bus's format: persistent ${(ratioOf(persistent, 'envelope') * 100).toFixed(1)}%, transient ${(ratioOf(transient, 'envelope') * 100).toFixed(1)}%`
					: ''),
		);
		console.log(
			`dropped connections: ${drop.reconnects} reconnections, ${drop.lost} lost, ${drop.duplicates} processed twice (of ${DROP_MESSAGES})`,
		);

		const [busP, rawP, busT, rawT] = [sumP.bus, sumP.raw, sumT.bus, sumT.raw];
		const round = (xs: RunResult[]) => xs.map((x) => Math.round(x.rate));
		const int = (x: number | null) => (x === null ? null : Math.round(x));
		const result = {
			msgs_per_s: Math.round(busP.rate),
			raw_msgs_per_s: Math.round(rawP.rate),
			ratio_to_raw: Number(ratio.toFixed(3)),
			best_round_msgs_per_s: Math.round(busP.best),
			best_round_raw_msgs_per_s: Math.round(rawP.best),
			transient_msgs_per_s: Math.round(busT.rate),
			transient_raw_msgs_per_s: Math.round(rawT.rate),
			transient_ratio_to_raw: Number(ratioT.toFixed(3)),
			client_cpu_us_per_msg: int(busP.clientUs),
			raw_client_cpu_us_per_msg: int(rawP.clientUs),
			broker_cpu_us_per_msg: int(busP.brokerUs),
			raw_broker_cpu_us_per_msg: int(rawP.brokerUs),
			transient_client_cpu_us_per_msg: int(busT.clientUs),
			transient_raw_client_cpu_us_per_msg: int(rawT.clientUs),
			transient_broker_cpu_us_per_msg: int(busT.brokerUs),
			transient_raw_broker_cpu_us_per_msg: int(rawT.brokerUs),
			machine_busy: busP.machineBusy === null ? null : Number(busP.machineBusy.toFixed(2)),
			raw_machine_busy: rawP.machineBusy === null ? null : Number(rawP.machineBusy.toFixed(2)),
			cpu_ceiling_msgs_per_s: int(busP.ceiling),
			raw_cpu_ceiling_msgs_per_s: int(rawP.ceiling),
			...(SIDES.includes('envelope')
				? {
						raw_bus_format: {
							msgs_per_s: Math.round(sumP.envelope.rate),
							ratio_to_raw: Number(ratioOf(persistent, 'envelope').toFixed(3)),
							transient_msgs_per_s: Math.round(sumT.envelope.rate),
							transient_ratio_to_raw: Number(ratioOf(transient, 'envelope').toFixed(3)),
							client_cpu_us_per_msg: int(sumP.envelope.clientUs),
							broker_cpu_us_per_msg: int(sumP.envelope.brokerUs),
							transient_client_cpu_us_per_msg: int(sumT.envelope.clientUs),
							transient_broker_cpu_us_per_msg: int(sumT.envelope.brokerUs),
						},
					}
				: {}),
			rpc_p50_ms: Number(percentile(busTimes, 50).toFixed(3)),
			rpc_p99_ms: Number(percentile(busTimes, 99).toFixed(3)),
			raw_rpc_p50_ms: Number(percentile(rawTimes, 50).toFixed(3)),
			raw_rpc_p99_ms: Number(percentile(rawTimes, 99).toFixed(3)),
			lost: drop.lost,
			processed_twice: drop.duplicates,
			reconnections: drop.reconnects,
			rounds: {
				bus: round(persistent.bus),
				raw: round(persistent.raw),
				bus_transient: round(transient.bus),
				raw_transient: round(transient.raw),
			},
			messages: MESSAGES,
			rpc_calls: RPC_CALLS,
			payload_bytes: PAYLOAD_BYTES,
			window: WINDOW,
			prefetch: PREFETCH,
			processes: 'producer and consumer in separate processes',
			cpus: cpuCount(),
			load_average_before: loadBefore,
			load_average_after: loadAverage(),
			node: process.version,
			date: new Date().toISOString(),
		};
		const out = path.join(__dirname, '..', 'results', 'bus.json');
		fs.mkdirSync(path.dirname(out), { recursive: true });
		fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
		console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
	} finally {
		producer.stop();
		consumer.stop();
		await setupBus
			.withChannel((ch) => deleteTopology(ch, setupBus!.topology))
			.catch(() => undefined);
		await setupBus.close();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
