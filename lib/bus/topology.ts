import type { Channel, Options } from 'amqplib';
import { MAX_PRIORITY, assertAgentName } from './envelope';
import { ValidationError } from './errors';

/**
 * Names of everything the bus declares, all under one namespace so several
 * buses (or test runs) can share a broker:
 *
 *   <ns>.events       topic exchange, routing key = envelope type
 *   <ns>.agents       direct exchange, routing key = recipient agent name
 *   <ns>.agent.<name> durable per-agent queue, priorities 0-9
 *   <ns>.dlx          topic exchange for dead letters
 *   <ns>.dead-letter  durable queue holding every dead letter
 */
export interface Topology {
	namespace: string;
	events: string;
	agents: string;
	dlx: string;
	deadLetterQueue: string;
	agentQueue(name: string): string;
	subscriptionQueue(name: string): string;
}

const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const QUEUE_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
const PATTERN_RE = /^([A-Za-z0-9_-]+|\*|#)(\.([A-Za-z0-9_-]+|\*|#))*$/;

export const DEFAULT_NAMESPACE = 'agentos';

export function topology(namespace = DEFAULT_NAMESPACE): Topology {
	if (!NAMESPACE_RE.test(namespace)) {
		throw new ValidationError(
			`namespace ${JSON.stringify(namespace)} is not valid`,
			'Use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.',
		);
	}
	return {
		namespace,
		events: `${namespace}.events`,
		agents: `${namespace}.agents`,
		dlx: `${namespace}.dlx`,
		deadLetterQueue: `${namespace}.dead-letter`,
		agentQueue: (name) => `${namespace}.agent.${assertAgentName(name)}`,
		subscriptionQueue: (name) => `${namespace}.sub.${assertQueueName(name)}`,
	};
}

export function assertQueueName(name: unknown): string {
	if (typeof name !== 'string' || !QUEUE_RE.test(name)) {
		throw new ValidationError(
			`queue name ${JSON.stringify(name)} is not valid`,
			'Use 1-200 letters, digits and . _ : @ - (starting with a letter or digit).',
		);
	}
	return name;
}

/** Throws unless `pattern` is a topic binding pattern such as `task.*` or `content.#`. */
export function assertTopicPattern(pattern: unknown): string {
	if (typeof pattern !== 'string' || pattern.length > 255 || !PATTERN_RE.test(pattern)) {
		throw new ValidationError(
			`topic pattern ${JSON.stringify(pattern)} is not valid`,
			'Use dot-separated words, "*" for exactly one word and "#" for zero or more, e.g. "task.*" or "content.#".',
		);
	}
	return pattern;
}

/** Arguments every bus queue gets: priorities 0-9 and the namespace's dead-letter exchange. */
export function queueArguments(t: Topology): Record<string, unknown> {
	return { 'x-max-priority': MAX_PRIORITY, 'x-dead-letter-exchange': t.dlx };
}

export function durableQueueOptions(t: Topology): Options.AssertQueue {
	return { durable: true, arguments: queueArguments(t) };
}

/** Declares the exchanges and the dead-letter queue (idempotent). */
export async function assertTopology(ch: Channel, t: Topology): Promise<void> {
	await ch.assertExchange(t.events, 'topic', { durable: true });
	await ch.assertExchange(t.agents, 'direct', { durable: true });
	await ch.assertExchange(t.dlx, 'topic', { durable: true });
	await ch.assertQueue(t.deadLetterQueue, { durable: true });
	await ch.bindQueue(t.deadLetterQueue, t.dlx, '#');
}

/** Declares an agent's queue and binds it to the agents exchange under its name. */
export async function assertAgentQueue(ch: Channel, t: Topology, agent: string): Promise<string> {
	const q = t.agentQueue(agent);
	await ch.assertQueue(q, durableQueueOptions(t));
	await ch.bindQueue(q, t.agents, agent);
	return q;
}

/** Deletes everything the namespace declared (tests and teardown). */
export async function deleteTopology(
	ch: Channel,
	t: Topology,
	extraQueues: string[] = [],
): Promise<void> {
	for (const q of [t.deadLetterQueue, ...extraQueues]) await ch.deleteQueue(q);
	for (const x of [t.events, t.agents, t.dlx]) await ch.deleteExchange(x);
}
