import { randomBytes } from 'node:crypto';
import { AMQP_URL } from '../../helpers/services';
import { AgentBus, deleteTopology, type BusOptions } from '../../../lib/bus';

/** A bus on a namespace of its own, so runs never see each other's queues. */
export function uniqueNamespace(): string {
	return `t-${randomBytes(5).toString('hex')}`;
}

export function openBus(namespace: string, extra: Partial<BusOptions> = {}): Promise<AgentBus> {
	return AgentBus.open({
		broker: { url: AMQP_URL },
		namespace,
		reconnect: { initialMs: 50, maxMs: 500 },
		...extra,
	});
}

/** Deletes every queue and exchange of the namespace (agent and subscription queues named). */
export async function cleanup(bus: AgentBus, queues: string[] = []): Promise<void> {
	await bus.withChannel((ch) => deleteTopology(ch, bus.topology, queues)).catch(() => undefined);
}

export function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const tick = () => {
			if (cond()) return resolve();
			if (Date.now() - started > timeoutMs)
				return reject(new Error(`timed out waiting for ${what}`));
			setTimeout(tick, 10);
		};
		tick();
	});
}

/** Drops the TCP connection under the bus, as a network failure or broker restart would. */
export function dropConnection(bus: AgentBus): void {
	const m = bus.connection.current() as unknown as {
		connection: { stream: { destroy(err: Error): void } };
	};
	if (!m) throw new Error('bus is not connected');
	m.connection.stream.destroy(
		Object.assign(new Error('connection reset by test'), { code: 'ECONNRESET' }),
	);
}

export function reconnected(bus: AgentBus): Promise<void> {
	return new Promise((resolve) => bus.connection.once('connected', () => resolve()));
}
