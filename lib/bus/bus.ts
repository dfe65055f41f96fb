import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { connectTarget, type BrokerConfig } from './broker';
import type { BackoffOptions } from './backoff';
import {
	BusConnection,
	ChannelSlot,
	createConfirmChannel,
	type BusLogger,
	type SetupFn,
} from './connection';
import { AckBatcher, type Settlement } from './acks';
import { DedupWindow } from './dedup';
import {
	DEFAULT_MAX_BYTES,
	assertAgentName,
	createEnvelope,
	decodeEnvelope,
	encodeEnvelope,
	epochSeconds,
	type Envelope,
	type EnvelopeInput,
} from './envelope';
import { BusError, ValidationError } from './errors';
import { busMetrics } from './metrics';
import {
	assertAgentQueue,
	assertQueueName,
	assertTopicPattern,
	assertTopology,
	durableQueueOptions,
	queueArguments,
	topology,
	type Topology,
} from './topology';

/** The pseudo-queue RabbitMQ offers for replies without declaring a queue. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** Headers the bus adds to dead letters and retries. */
export const HEADERS = {
	attempt: 'x-agentos-attempt',
	deadReason: 'x-agentos-dead-reason',
	deadKind: 'x-agentos-dead-kind',
	deadQueue: 'x-agentos-dead-queue',
	deadAt: 'x-agentos-dead-at',
} as const;

export interface BusOptions {
	broker: BrokerConfig;
	/** Prefix of every exchange and queue (default `agentos`). */
	namespace?: string;
	/** Largest encoded envelope accepted, in bytes (default 1 MiB). */
	maxBytes?: number;
	/** How long a publish may wait for a connection and its confirm across reconnections (default 30 s). */
	publishTimeoutMs?: number;
	reconnect?: BackoffOptions;
	/** Connection attempts before `open` fails (default 1). */
	startAttempts?: number;
	/** AMQP heartbeat in seconds (default 10). */
	heartbeatSec?: number;
	/** Persist messages on disk in durable queues (default true). */
	persistent?: boolean;
	/** Name shown in the broker's connection list and used as sender of discovery messages. */
	clientName?: string;
	logger?: BusLogger;
}

export type SendInput<P = unknown> = Omit<EnvelopeInput<P>, 'recipient' | 'replyTo'> & {
	recipient: string;
};

export type RequestInput<P = unknown> = SendInput<P> & {
	/** How long to wait for the reply (default 30 s). */
	timeoutMs?: number;
};

export interface ReplyInput<P = unknown> {
	sender: string;
	payload: P;
	/** Reply type; defaults to `<request type>.reply`. */
	type?: string;
	/** Marks the reply as a failure: the requester's promise rejects with this message. */
	error?: string | null;
	priority?: number;
}

/** What a reply needs from the request it answers. */
export type RequestRef = Pick<Envelope, 'id' | 'replyTo' | 'traceId' | 'type'> & {
	sender?: string;
};

/** Where a consumer reads from. */
export type ConsumeSource =
	| { agent: string }
	| { topics: string[]; queue?: string }
	| { queue: string; raw: true };

export interface ConsumeOptions {
	/** Unacknowledged messages in flight per consumer (default 10). */
	prefetch?: number;
	/** Handler runs before a message goes to the dead-letter exchange (default 3). */
	maxAttempts?: number;
	/** Pause before a failed message is queued again (default 0). */
	retryDelayMs?: number;
	/** How long processed ids are remembered for deduplication (default 10 min). */
	dedupWindowMs?: number;
	/** Called after a message is dead-lettered (for example to send an error reply). */
	onDeadLetter?: (info: DeadLetterInfo) => void | Promise<void>;
}

export interface Delivery<P = unknown> {
	envelope: Envelope<P>;
	/** 1 on first delivery, counting handler runs across retries. */
	attempt: number;
	/** The broker flagged this as a redelivery (a consumer died holding it). */
	redelivered: boolean;
	routingKey: string;
	queue: string;
}

export type DeliveryHandler<P = unknown> = (delivery: Delivery<P>) => Promise<void> | void;

export interface DeadLetterInfo {
	reason: string;
	kind: 'malformed' | 'too_large' | 'max_attempts';
	queue: string;
	/** The envelope when it could be decoded. */
	envelope?: Envelope;
}

export interface Subscription {
	/** The queue consumed (server-named queues change after a reconnection). */
	readonly queue: string;
	/**
	 * Stops consuming and waits up to `drainMs` (default 10 s) for handlers in
	 * progress. Messages whose handler has not finished by then are not
	 * acknowledged, so the broker delivers them again.
	 */
	cancel(drainMs?: number): Promise<void>;
}

interface PendingRequest {
	resolve: (env: Envelope) => void;
	reject: (err: Error) => void;
	recipient: string;
	type: string;
	/** Discovery collects every reply instead of the first. */
	collect?: (env: Envelope) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isConnectionLoss(e: unknown): boolean {
	const msg = String((e as Error)?.message ?? '');
	return (
		/channel closed|connection closed|channel ended|socket closed/i.test(msg) ||
		(e instanceof BusError && e.code === 'BUS_CONNECTION_LOST')
	);
}

/**
 * Agent messaging over RabbitMQ: events on a topic exchange, tasks to per-agent
 * queues, request/reply over direct reply-to, priorities, dead letters with a
 * reason, publisher confirms, reconnection, and deduplicating consumers.
 */
export class AgentBus {
	readonly topology: Topology;
	readonly connection: BusConnection;
	private readonly maxBytes: number;
	private readonly publishTimeoutMs: number;
	private readonly persistent: boolean;
	readonly clientName: string;
	private readonly publisher: ChannelSlot<ConfirmChannel>;
	private readonly rpc: ChannelSlot<ConfirmChannel>;
	private readonly returned = new Set<string>();
	private readonly pending = new Map<string, PendingRequest>();
	private readonly subscriptions = new Set<Subscription>();
	private closed = false;

	private constructor(private readonly opts: BusOptions) {
		this.topology = topology(opts.namespace);
		this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
		this.publishTimeoutMs = opts.publishTimeoutMs ?? 30_000;
		this.persistent = opts.persistent ?? true;
		this.clientName = opts.clientName ?? 'agent-os';
		this.connection = new BusConnection({
			target: connectTarget(opts.broker, opts.heartbeatSec ?? 10, this.clientName),
			reconnect: opts.reconnect,
			startAttempts: opts.startAttempts,
			logger: opts.logger,
		});
		const onReturn = (msg: ConsumeMessage) => {
			if (msg.properties.messageId) this.returned.add(String(msg.properties.messageId));
		};
		this.publisher = new ChannelSlot(this.connection, createConfirmChannel, (ch) => {
			ch.on('return', onReturn);
		});
		this.rpc = new ChannelSlot(
			this.connection,
			createConfirmChannel,
			async (ch) => {
				ch.on('return', onReturn);
				await ch.consume(DIRECT_REPLY_TO, (msg) => msg && this.onReply(msg), { noAck: true });
			},
			() => this.failPending(),
		);
	}

	/** Connects, declares the namespace's exchanges, and returns a ready bus. Throws BusError BUS_CONNECT when the broker is unreachable. */
	static async open(opts: BusOptions): Promise<AgentBus> {
		const bus = new AgentBus(opts);
		await bus.connection.addSetup(async (m) => {
			const ch = await m.createChannel();
			try {
				await assertTopology(ch, bus.topology);
			} finally {
				await ch.close().catch(() => undefined);
			}
		});
		await bus.connection.start();
		return bus;
	}

	// ---------------------------------------------------------------- publish

	/** Publishes an event to every subscriber of its type. Resolves once the broker confirmed it. */
	async publishEvent<P>(
		input: Omit<EnvelopeInput<P>, 'recipient'>,
		opts: { requireSubscriber?: boolean } = {},
	): Promise<Envelope<P>> {
		const env = createEnvelope<P>({ ...input, recipient: null });
		await this.publishEnvelope(env, this.topology.events, env.type, {
			mandatory: opts.requireSubscriber ?? false,
			kind: 'event',
		});
		return env;
	}

	/** Queues a task for one agent. Throws BUS_UNROUTABLE when no agent of that name has a queue. */
	async send<P>(input: SendInput<P>): Promise<Envelope<P>> {
		assertAgentName(input.recipient, 'recipient');
		const env = createEnvelope<P>(input);
		await this.publishEnvelope(env, this.topology.agents, input.recipient, {
			mandatory: true,
			kind: 'task',
		});
		return env;
	}

	/**
	 * Sends a task and waits for the reply envelope. Rejects with BUS_TIMEOUT
	 * naming the recipient when no reply comes in time, BUS_UNROUTABLE when the
	 * recipient is unknown, and BUS_REMOTE when the recipient replied with an error.
	 */
	async request<P, R = unknown>(input: RequestInput<P>): Promise<Envelope<R>> {
		assertAgentName(input.recipient, 'recipient');
		const timeoutMs = input.timeoutMs ?? 30_000;
		if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
			throw new ValidationError(
				`timeout ${timeoutMs} ms is not valid`,
				'Use a positive number of milliseconds.',
			);
		}
		const { timeoutMs: _t, ...fields } = input;
		const env = createEnvelope<P>({ ...fields, replyTo: DIRECT_REPLY_TO });
		const body = encodeEnvelope(env, this.maxBytes);
		const stop = busMetrics.rpcSeconds.startTimer();
		let timer: NodeJS.Timeout | undefined;
		try {
			const ch = await this.channelOf(this.rpc, Date.now() + this.publishTimeoutMs);
			const reply = new Promise<Envelope>((resolve, reject) => {
				this.pending.set(env.id, { resolve, reject, recipient: input.recipient, type: env.type });
				timer = setTimeout(() => {
					this.pending.delete(env.id);
					reject(
						new BusError(
							`no reply from agent "${input.recipient}" to "${env.type}" within ${timeoutMs} ms`,
							'BUS_TIMEOUT',
							`Check that "${input.recipient}" is running and replies, or raise the timeout.`,
						),
					);
				}, timeoutMs);
			});
			reply.catch(() => undefined);
			// Transient and expiring with the timeout: past it, nobody waits for the reply, so the
			// broker drops the request to the dead-letter queue (x-death reason "expired").
			await this.confirmPublish(
				ch,
				this.topology.agents,
				input.recipient,
				body,
				env,
				true,
				false,
				timeoutMs,
			);
			busMetrics.published.inc({ kind: 'request' });
			const out = (await reply) as Envelope<R>;
			stop({ outcome: 'ok' });
			return out;
		} catch (e) {
			this.pending.delete(env.id);
			stop({ outcome: e instanceof BusError ? e.code.toLowerCase() : 'error' });
			throw this.mapPublishError(e, env);
		} finally {
			clearTimeout(timer);
		}
	}

	/** Answers a request. The reply's correlation id is the request's id. */
	async reply<P>(request: RequestRef, input: ReplyInput<P>): Promise<Envelope<P>> {
		if (!request.replyTo) {
			throw new ValidationError(
				`message ${request.id} has no replyTo, so nobody is waiting for a reply`,
				'Reply only to requests (messages sent with "Send Task and Wait for Reply").',
			);
		}
		const env = createEnvelope<P>({
			type: input.type ?? `${request.type}.reply`,
			sender: input.sender,
			recipient: request.sender ?? null,
			correlationId: request.id,
			traceId: request.traceId,
			payload: input.payload,
			priority: input.priority,
			error: input.error ?? null,
		});
		await this.publishEnvelope(env, '', request.replyTo, {
			mandatory: false,
			kind: 'reply',
			retry: false,
			persistent: false,
		});
		return env;
	}

	/**
	 * Publishes with a confirm. Across a dropped connection the message is
	 * published again on the new one (consumers deduplicate by id), until
	 * `publishTimeoutMs`.
	 */
	async publishEnvelope(
		env: Envelope,
		exchange: string,
		routingKey: string,
		o: { mandatory: boolean; kind: string; retry?: boolean; persistent?: boolean },
	): Promise<void> {
		this.assertOpen();
		const body = encodeEnvelope(env, this.maxBytes);
		const deadline = Date.now() + this.publishTimeoutMs;
		for (;;) {
			// -1 until a channel is in hand: a failure before that never reached the broker.
			let generation = -1;
			try {
				const ch = this.publisher.peek() ?? (await this.channelOf(this.publisher, deadline));
				generation = this.connection.generation;
				await this.confirmPublish(ch, exchange, routingKey, body, env, o.mandatory, o.persistent);
				busMetrics.published.inc({ kind: o.kind });
				return;
			} catch (e) {
				const lost =
					isConnectionLoss(e) || (generation >= 0 && this.connection.generation !== generation);
				if (o.retry !== false && lost && !this.closed && Date.now() < deadline) {
					await sleep(10);
					continue;
				}
				throw this.mapPublishError(e, env);
			}
		}
	}

	/**
	 * The slot's channel. When the connection drops while the channel is being
	 * opened (its open, confirm.select or consume RPC is then rejected with
	 * "Channel ended"), waits for the reconnection and opens it again, until
	 * `deadline`: nothing has been sent yet, so trying again is always safe.
	 */
	private async channelOf(
		slot: ChannelSlot<ConfirmChannel>,
		deadline: number,
	): Promise<ConfirmChannel> {
		for (;;) {
			try {
				return await slot.get(Math.max(1, deadline - Date.now()));
			} catch (e) {
				if (!isConnectionLoss(e) || this.closed || Date.now() >= deadline) throw e;
				await sleep(10);
			}
		}
	}

	/** Publishes one message and settles on the broker's confirm (rejecting when it was returned as unroutable). */
	private confirmPublish(
		ch: ConfirmChannel,
		exchange: string,
		routingKey: string,
		body: Buffer,
		env: Envelope,
		mandatory: boolean,
		persistent = this.persistent,
		expirationMs?: number,
	): Promise<void> {
		const slot = ch === this.rpc.peek() ? this.rpc : this.publisher;
		if (slot.drained) {
			return slot.drained.then(() =>
				this.confirmPublish(
					ch,
					exchange,
					routingKey,
					body,
					env,
					mandatory,
					persistent,
					expirationMs,
				),
			);
		}
		return new Promise<void>((resolve, reject) => {
			try {
				const ok = ch.publish(
					exchange,
					routingKey,
					body,
					this.properties(env, persistent, mandatory, expirationMs),
					(err) => {
						if (err) reject(err);
						else if (mandatory && this.returned.delete(env.id)) reject(this.unroutable(env));
						else resolve();
					},
				);
				if (!ok) slot.backpressure(ch);
			} catch (e) {
				reject(e);
			}
		});
	}

	private unroutable(env: Envelope): BusError {
		busMetrics.unroutable.inc();
		return new BusError(
			env.recipient
				? `no agent named "${env.recipient}" is listening on the bus (namespace "${this.topology.namespace}")`
				: `no subscriber for "${env.type}" on the bus (namespace "${this.topology.namespace}")`,
			'BUS_UNROUTABLE',
			env.recipient
				? `Start the agent "${env.recipient}" (an Agent Bus Trigger serving it) first, or check the recipient name.`
				: 'Subscribe to the event type first, or publish without requiring a subscriber.',
		);
	}

	private mapPublishError(e: unknown, env: Envelope): Error {
		if (e instanceof BusError || e instanceof ValidationError) return e;
		const msg = String((e as Error)?.message ?? e);
		if (isConnectionLoss(e)) {
			return new BusError(
				`connection to RabbitMQ lost while sending "${env.type}" (${msg})`,
				'BUS_CONNECTION_LOST',
				'The message may not have been delivered; try again once the broker is reachable.',
			);
		}
		return new BusError(`RabbitMQ refused "${env.type}": ${msg}`, 'BUS_PUBLISH');
	}

	private properties(
		env: Envelope,
		persistent: boolean,
		mandatory: boolean,
		expirationMs?: number,
	): Options.Publish {
		const props: Options.Publish = {
			messageId: env.id,
			type: env.type,
			appId: env.sender,
			correlationId: env.correlationId ?? undefined,
			replyTo: env.replyTo ?? undefined,
			priority: env.priority,
			timestamp: epochSeconds(env.timestamp),
			contentType: 'application/json',
			persistent,
			mandatory,
		};
		if (expirationMs !== undefined) props.expiration = String(Math.ceil(expirationMs));
		return props;
	}

	// ------------------------------------------------------------------ reply

	private onReply(msg: ConsumeMessage): void {
		const decoded = decodeEnvelope(msg.content, this.maxBytes);
		const key = decoded.ok ? decoded.envelope.correlationId : msg.properties.correlationId;
		const p = key ? this.pending.get(String(key)) : undefined;
		if (!p) return;
		if (p.collect) {
			if (decoded.ok) p.collect(decoded.envelope);
			return;
		}
		this.pending.delete(String(key));
		if (!decoded.ok) {
			p.reject(
				new BusError(
					`agent "${p.recipient}" sent an invalid reply: ${decoded.reason}`,
					'BUS_REMOTE',
				),
			);
		} else if (decoded.envelope.error) {
			p.reject(
				new BusError(
					`agent "${p.recipient}" failed "${p.type}": ${decoded.envelope.error}`,
					'BUS_REMOTE',
				),
			);
		} else {
			p.resolve(decoded.envelope);
		}
	}

	private failPending(): void {
		for (const [id, p] of this.pending) {
			if (p.collect) continue;
			this.pending.delete(id);
			p.reject(
				new BusError(
					`connection to RabbitMQ lost while waiting for the reply from "${p.recipient}" to "${p.type}"`,
					'BUS_CONNECTION_LOST',
					'The task may or may not have run; retry it if it is idempotent.',
				),
			);
		}
	}

	/**
	 * Publishes `env` (which must carry replyTo = direct reply-to) on the RPC
	 * channel and hands every reply to `collect` for `waitMs`.
	 */
	async gather(
		env: Envelope,
		exchange: string,
		routingKey: string,
		waitMs: number,
		collect: (reply: Envelope) => void,
	): Promise<void> {
		this.assertOpen();
		const ch = await this.channelOf(this.rpc, Date.now() + this.publishTimeoutMs);
		this.pending.set(env.id, {
			resolve: () => undefined,
			reject: () => undefined,
			recipient: '*',
			type: env.type,
			collect,
		});
		try {
			await this.confirmPublish(
				ch,
				exchange,
				routingKey,
				encodeEnvelope(env, this.maxBytes),
				env,
				false,
				false,
			);
			await sleep(waitMs);
		} finally {
			this.pending.delete(env.id);
		}
	}

	// ---------------------------------------------------------------- consume

	/**
	 * Consumes an agent's queue, a topic subscription, or an existing queue.
	 * A message is acknowledged only after the handler resolves (the
	 * acknowledgements of messages finished together go in one frame). A failing
	 * handler's message is queued again until `maxAttempts`, then dead-lettered
	 * with the error as reason; malformed or oversized messages are
	 * dead-lettered at once. Redeliveries of a processed id are acknowledged
	 * without running the handler.
	 */
	async consume<P = unknown>(
		source: ConsumeSource,
		handler: DeliveryHandler<P>,
		opts: ConsumeOptions = {},
	): Promise<Subscription> {
		this.assertOpen();
		const prefetch = opts.prefetch ?? 10;
		const maxAttempts = opts.maxAttempts ?? 3;
		if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
			throw new ValidationError(
				`prefetch ${prefetch} is not valid`,
				'Use a whole number from 1 to 65535.',
			);
		}
		if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
			throw new ValidationError(
				`max attempts ${maxAttempts} is not valid`,
				'Use a whole number of 1 or more.',
			);
		}
		if ('agent' in source) assertAgentName(source.agent, 'agent');
		if ('topics' in source) {
			if (!source.topics.length)
				throw new ValidationError('subscribe to at least one topic pattern');
			source.topics.forEach(assertTopicPattern);
			if (source.queue !== undefined) assertQueueName(source.queue);
		}
		if ('raw' in source) assertQueueName(source.queue);

		const dedup = new DedupWindow(opts.dedupWindowMs ?? 10 * 60_000);
		let active = 0;
		let idle: (() => void) | null = null;
		let channel: Channel | null = null;
		let acks: AckBatcher | null = null;
		let consumerTag: string | null = null;
		let queue = '';
		let cancelled = false;

		const onMessage = async (msg: ConsumeMessage, settle: Settlement) => {
			active++;
			try {
				const decoded = decodeEnvelope(msg.content, this.maxBytes);
				if (!decoded.ok) {
					busMetrics.consumed.inc({ outcome: 'rejected' });
					await this.deadLetter(
						settle,
						msg,
						queue,
						decoded.reason,
						decoded.kind,
						1,
						opts.onDeadLetter,
					);
					return;
				}
				const env = decoded.envelope as Envelope<P>;
				// The broker rewrites the direct reply-to property into a per-channel address.
				if (env.replyTo === DIRECT_REPLY_TO && msg.properties.replyTo) {
					env.replyTo = String(msg.properties.replyTo);
				}
				let claim = dedup.claim(env.id);
				// A redelivery that raced a run in progress: its outcome decides.
				while (typeof claim !== 'string') claim = (await claim) ? 'done' : dedup.claim(env.id);
				if (claim === 'done') {
					busMetrics.consumed.inc({ outcome: 'duplicate' });
					settle.ack();
					return;
				}
				const attempt = Number(msg.properties.headers?.[HEADERS.attempt] ?? 1) || 1;
				let failure: Error | undefined;
				let ok = false;
				try {
					const result = handler({
						envelope: env,
						attempt,
						redelivered: msg.fields.redelivered,
						routingKey: msg.fields.routingKey,
						queue,
					});
					if (result) await result;
					ok = true;
				} catch (e) {
					failure = e instanceof Error ? e : new Error(String(e));
				} finally {
					dedup.end(env.id, ok);
				}
				if (ok) {
					busMetrics.consumed.inc({ outcome: 'ok' });
					settle.ack();
					return;
				}
				busMetrics.consumed.inc({ outcome: 'failed' });
				const reason = failure?.message || 'handler failed';
				if (attempt >= maxAttempts) {
					await this.deadLetter(
						settle,
						msg,
						queue,
						`failed ${attempt} time(s): ${reason}`,
						'max_attempts',
						attempt,
						opts.onDeadLetter,
						env,
					);
					return;
				}
				if (opts.retryDelayMs) await sleep(opts.retryDelayMs);
				await this.requeue(settle, msg, queue, attempt + 1);
			} catch (e) {
				this.opts.logger?.warn?.(`bus consumer on ${queue} failed: ${e.message}`);
			} finally {
				if (--active === 0 && idle) idle();
			}
		};

		const setup: SetupFn = async (m: ChannelModel) => {
			const ch = await m.createChannel();
			ch.on('error', () => undefined);
			await ch.prefetch(prefetch);
			if ('agent' in source) {
				queue = await assertAgentQueue(ch, this.topology, source.agent);
			} else if ('topics' in source) {
				if (source.queue) {
					queue = this.topology.subscriptionQueue(source.queue);
					await ch.assertQueue(queue, durableQueueOptions(this.topology));
				} else {
					const q = await ch.assertQueue('', {
						exclusive: true,
						autoDelete: true,
						arguments: queueArguments(this.topology),
					});
					queue = q.queue;
				}
				for (const t of source.topics) await ch.bindQueue(queue, this.topology.events, t);
			} else {
				queue = source.queue;
				await ch.checkQueue(queue);
			}
			const batcher = new AckBatcher(ch);
			const ok = await ch.consume(queue, (msg) => {
				if (msg) void onMessage(msg, batcher.track(msg));
			});
			channel = ch;
			acks = batcher;
			consumerTag = ok.consumerTag;
		};

		await this.connection.addSetup(setup);
		const sub: Subscription = {
			get queue() {
				return queue;
			},
			cancel: async (drainMs = 10_000) => {
				if (cancelled) return;
				cancelled = true;
				this.connection.removeSetup(setup);
				this.subscriptions.delete(sub);
				const ch = channel;
				if (ch && consumerTag) await ch.cancel(consumerTag).catch(() => undefined);
				if (active > 0) {
					let timer: NodeJS.Timeout | undefined;
					await new Promise<void>((resolve) => {
						idle = resolve;
						timer = setTimeout(resolve, drainMs);
					});
					clearTimeout(timer);
				}
				acks?.flush();
				if (ch) await ch.close().catch(() => undefined);
			},
		};
		this.subscriptions.add(sub);
		return sub;
	}

	/** Re-queues a failed message with its attempt count, then acknowledges the original. */
	private async requeue(
		settle: Settlement,
		msg: ConsumeMessage,
		queue: string,
		attempt: number,
	): Promise<void> {
		try {
			await this.republish('', queue, msg, { [HEADERS.attempt]: attempt });
			settle.ack();
		} catch {
			// The broker redelivers the unacknowledged original instead.
			settle.nack(true);
		}
	}

	/**
	 * Sends a copy of the message to the dead-letter exchange with the reason
	 * in its headers, then acknowledges the original (never the other way round).
	 */
	private async deadLetter(
		settle: Settlement,
		msg: ConsumeMessage,
		queue: string,
		reason: string,
		kind: DeadLetterInfo['kind'],
		attempts: number,
		notify?: ConsumeOptions['onDeadLetter'],
		envelope?: Envelope,
	): Promise<void> {
		try {
			await this.republish(this.topology.dlx, msg.fields.routingKey || queue, msg, {
				[HEADERS.deadReason]: reason.slice(0, 1000),
				[HEADERS.deadKind]: kind,
				[HEADERS.deadQueue]: queue,
				[HEADERS.deadAt]: new Date().toISOString(),
				[HEADERS.attempt]: attempts,
			});
		} catch (e) {
			this.opts.logger?.warn?.(`bus could not dead-letter a message from ${queue}: ${e.message}`);
			// Leave it to the queue's own dead-letter route (x-death) rather than lose it.
			settle.nack(false);
			return;
		}
		settle.ack();
		busMetrics.deadLettered.inc({ reason: kind });
		if (notify) {
			try {
				await notify({ reason, kind, queue, envelope });
			} catch (e) {
				this.opts.logger?.warn?.(`bus dead-letter hook failed: ${e.message}`);
			}
		}
	}

	private async republish(
		exchange: string,
		routingKey: string,
		msg: ConsumeMessage,
		headers: Record<string, unknown>,
	): Promise<void> {
		const p = msg.properties;
		const ch = await this.channelOf(this.publisher, Date.now() + this.publishTimeoutMs);
		await new Promise<void>((resolve, reject) => {
			try {
				ch.publish(
					exchange,
					routingKey,
					msg.content,
					{
						messageId: p.messageId,
						type: p.type,
						appId: p.appId,
						correlationId: p.correlationId,
						replyTo: p.replyTo,
						priority: p.priority,
						timestamp: p.timestamp,
						contentType: p.contentType,
						contentEncoding: p.contentEncoding,
						persistent: this.persistent,
						headers: { ...(p.headers ?? {}), ...headers },
					},
					(err) => (err ? reject(err) : resolve()),
				);
			} catch (e) {
				reject(e);
			}
		});
	}

	// ----------------------------------------------------------------- admin

	/** Declares an agent's queue without consuming it (messages wait for the agent). */
	async declareAgent(agent: string): Promise<string> {
		const m = await this.connection.ready(this.publishTimeoutMs);
		const ch = await m.createChannel();
		try {
			return await assertAgentQueue(ch, this.topology, agent);
		} finally {
			await ch.close().catch(() => undefined);
		}
	}

	/** Runs `fn` on a short-lived channel (inspection, tests, cleanup). */
	async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
		const m = await this.connection.ready(this.publishTimeoutMs);
		const ch = await m.createChannel();
		ch.on('error', () => undefined);
		try {
			return await fn(ch);
		} finally {
			await ch.close().catch(() => undefined);
		}
	}

	/** Stops every consumer (waiting up to `drainMs` for handlers in progress) and closes the connection. */
	async close(drainMs?: number): Promise<void> {
		if (this.closed) return;
		await Promise.allSettled([...this.subscriptions].map((s) => s.cancel(drainMs)));
		this.closed = true;
		this.failPending();
		await this.publisher.close();
		await this.rpc.close();
		await this.connection.close();
	}

	private assertOpen(): void {
		if (this.closed) throw new BusError('the bus is closed', 'BUS_CLOSED', 'Open a new bus.');
	}
}
