import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { backoffDelay, type BackoffOptions } from './backoff';
import { connectError, type ConnectTarget } from './broker';
import { BusError } from './errors';
import { busMetrics } from './metrics';

export interface BusLogger {
	debug?(msg: string): void;
	info?(msg: string): void;
	warn?(msg: string): void;
}

/** Runs on every (re)connection, in registration order: declare, open channels, consume. */
export type SetupFn = (model: ChannelModel) => Promise<void>;

export interface ConnectionOptions {
	target: ConnectTarget;
	reconnect?: BackoffOptions;
	/** Connection attempts before `start()` gives up (default 1: fail fast). */
	startAttempts?: number;
	logger?: BusLogger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One broker connection that comes back by itself. When the connection drops,
 * it reconnects with exponential backoff and replays every registered setup
 * (topology, channels, consumers). Callers that need the connection wait on
 * `ready()`.
 */
export class BusConnection extends EventEmitter {
	private model: ChannelModel | null = null;
	private closing = false;
	private reconnecting = false;
	private readonly setups: SetupFn[] = [];
	private waiters: Array<{ resolve: (m: ChannelModel) => void; reject: (e: Error) => void }> = [];
	/** Increments on every successful connection; lets callers tell a new connection from the old. */
	generation = 0;

	constructor(private readonly opts: ConnectionOptions) {
		super();
		this.setMaxListeners(0);
	}

	get display(): string {
		return this.opts.target.display;
	}

	/** The live connection, or null while disconnected. */
	current(): ChannelModel | null {
		return this.model;
	}

	/** Connects, retrying up to `startAttempts` times, and throws a clear BusError when the broker is unreachable. */
	async start(): Promise<void> {
		const attempts = Math.max(1, this.opts.startAttempts ?? 1);
		let last: Error | undefined;
		for (let i = 0; i < attempts; i++) {
			if (i > 0) await sleep(backoffDelay(i - 1, this.opts.reconnect));
			try {
				await this.connectOnce();
				return;
			} catch (e) {
				last = e;
				if (e instanceof BusError && /refused the login|does not allow/.test(e.message)) break;
			}
		}
		throw last instanceof BusError ? last : connectError(last as Error, this.opts.target);
	}

	/** Waits until connected (or `timeoutMs` passes). */
	ready(timeoutMs = 30_000): Promise<ChannelModel> {
		if (this.model) return Promise.resolve(this.model);
		if (this.closing) return Promise.reject(closedError());
		return new Promise((resolve, reject) => {
			const waiter = {
				resolve: (m: ChannelModel) => {
					clearTimeout(timer);
					resolve(m);
				},
				reject: (e: Error) => {
					clearTimeout(timer);
					reject(e);
				},
			};
			const timer = setTimeout(() => {
				this.waiters = this.waiters.filter((w) => w !== waiter);
				reject(
					new BusError(
						`no connection to RabbitMQ at ${this.display} for ${timeoutMs} ms`,
						'BUS_CONNECTION_LOST',
						'The bus keeps reconnecting; check that the broker is up.',
					),
				);
			}, timeoutMs);
			this.waiters.push(waiter);
		});
	}

	/**
	 * Registers a setup step and, when connected, runs it now. A step that fails
	 * now is not kept: the caller gets the error, and a step that cannot succeed
	 * (a queue that does not exist) must not make every later reconnection fail.
	 */
	async addSetup(fn: SetupFn): Promise<void> {
		this.setups.push(fn);
		if (!this.model) return;
		try {
			await fn(this.model);
		} catch (e) {
			this.removeSetup(fn);
			throw e;
		}
	}

	removeSetup(fn: SetupFn): void {
		const i = this.setups.indexOf(fn);
		if (i >= 0) this.setups.splice(i, 1);
	}

	async close(): Promise<void> {
		this.closing = true;
		const m = this.model;
		this.model = null;
		for (const w of this.waiters.splice(0)) w.reject(closedError());
		if (m) await m.close().catch(() => undefined);
		busMetrics.connected.set({ name: 'bus' }, 0);
	}

	private async connectOnce(): Promise<void> {
		const { target } = this.opts;
		let m: ChannelModel;
		try {
			m = await amqp.connect(target.connect, target.socketOptions);
		} catch (e) {
			throw connectError(e, target);
		}
		m.on('error', (err: Error) => this.opts.logger?.warn?.(`bus connection error: ${err.message}`));
		coalesceWrites(m);
		try {
			for (const fn of this.setups) await fn(m);
		} catch (e) {
			await m.close().catch(() => undefined);
			throw e;
		}
		if (this.closing) {
			await m.close().catch(() => undefined);
			throw closedError();
		}
		m.on('close', () => this.onClose(m));
		this.model = m;
		this.generation++;
		busMetrics.connected.set({ name: 'bus' }, 1);
		for (const w of this.waiters.splice(0)) w.resolve(m);
		this.emit('connected', m);
	}

	private onClose(m: ChannelModel): void {
		if (this.model !== m) return;
		this.model = null;
		busMetrics.connected.set({ name: 'bus' }, 0);
		this.emit('disconnected');
		if (!this.closing) void this.reconnectLoop();
	}

	private async reconnectLoop(): Promise<void> {
		if (this.reconnecting) return;
		this.reconnecting = true;
		try {
			for (let attempt = 0; !this.closing && !this.model; attempt++) {
				await sleep(backoffDelay(attempt, this.opts.reconnect));
				if (this.closing) return;
				try {
					await this.connectOnce();
					busMetrics.reconnects.inc();
					this.opts.logger?.info?.(`bus reconnected to ${this.display}`);
				} catch (e) {
					this.opts.logger?.warn?.(
						`bus reconnection attempt ${attempt + 1} to ${this.display} failed: ${e.message}`,
					);
				}
			}
		} finally {
			this.reconnecting = false;
		}
	}
}

/**
 * Makes a connection send the frames queued during one turn of the event loop
 * in one socket write. amqplib's multiplexer writes each frame (a publish, an
 * ack) to the socket on its own, one system call and usually one TCP segment
 * each; corking the socket for the multiplexer's pass turns them into a single
 * writev, which saves CPU in this process and in the broker (fewer, fuller
 * reads). It relies on amqplib's internal `connection.muxer` (present in the
 * 0.10 line this package pins); when that is missing, nothing changes and
 * false is returned.
 */
export function coalesceWrites(model: ChannelModel): boolean {
	const mux = (model as unknown as { connection?: { muxer?: Muxer } }).connection?.muxer;
	const out = mux?.out;
	if (!mux || typeof mux._readIncoming !== 'function' || typeof out?.cork !== 'function') {
		return false;
	}
	const pass = mux._readIncoming;
	mux._readIncoming = function (this: Muxer) {
		out.cork();
		try {
			pass.call(this);
		} finally {
			out.uncork();
		}
	};
	return true;
}

interface Muxer {
	_readIncoming: () => void;
	out?: { cork(): void; uncork(): void };
}

function closedError(): BusError {
	return new BusError('the bus is closed', 'BUS_CLOSED', 'Open a new bus connection.');
}

/**
 * A channel that is re-created on demand after it (or the connection) closes.
 * `init` runs on every new channel (prefetch, consumers, event handlers).
 */
export class ChannelSlot<C extends Channel> {
	private ch: C | null = null;
	private opening: Promise<C> | null = null;
	/** Set while the channel's write buffer is full; publishers wait on it. */
	drained: Promise<void> | null = null;

	constructor(
		private readonly conn: BusConnection,
		private readonly create: (m: ChannelModel) => Promise<C>,
		private readonly init: (ch: C) => Promise<void> | void = () => undefined,
		private readonly onClosed: (ch: C) => void = () => undefined,
	) {}

	peek(): C | null {
		return this.ch;
	}

	async get(timeoutMs = 30_000): Promise<C> {
		if (this.ch) return this.ch;
		if (!this.opening) {
			this.opening = this.open(timeoutMs).finally(() => {
				this.opening = null;
			});
		}
		return this.opening;
	}

	/** Marks the channel as back-pressured until it emits 'drain' or closes. */
	backpressure(ch: C): void {
		if (this.drained || this.ch !== ch) return;
		this.drained = new Promise<void>((resolve) => {
			const done = () => {
				ch.removeListener('drain', done);
				ch.removeListener('close', done);
				this.drained = null;
				resolve();
			};
			ch.once('drain', done);
			ch.once('close', done);
		});
	}

	async close(): Promise<void> {
		const ch = this.ch;
		this.ch = null;
		if (ch) await ch.close().catch(() => undefined);
	}

	private async open(timeoutMs: number): Promise<C> {
		const m = await this.conn.ready(timeoutMs);
		const ch = await this.create(m);
		let closed = false;
		ch.on('error', () => undefined);
		ch.on('close', () => {
			closed = true;
			if (this.ch === ch) this.ch = null;
			this.onClosed(ch);
		});
		try {
			await this.init(ch);
		} catch (e) {
			// Not handed out, so close it rather than leave it open on a live connection.
			if (!closed) await ch.close().catch(() => undefined);
			throw e;
		}
		// A channel that died during init must not be handed out.
		if (closed) throw new Error('channel closed while opening');
		this.ch = ch;
		return ch;
	}
}

export const createConfirmChannel = (m: ChannelModel): Promise<ConfirmChannel> =>
	m.createConfirmChannel();
export const createChannel = (m: ChannelModel): Promise<Channel> => m.createChannel();
