import type { Channel, ConsumeMessage } from 'amqplib';

const OPEN = 0;
const READY = 1;
const SENT = 2;
/** Settled entries kept behind an unsettled one before they are swept out. */
const COMPACT_MIN = 1024;

/** What a consumer channel needs for settling deliveries (an amqplib Channel). */
export type AckChannel = Pick<Channel, 'ack' | 'nack'>;

/** One delivery on a consumer channel, from arrival until the broker is told its fate. */
export class Settlement {
	/** @internal */
	state = OPEN;

	constructor(
		private readonly batcher: AckBatcher,
		readonly msg: ConsumeMessage,
	) {}

	/** The handler is done with it: acknowledge (in the next batch). */
	ack(): void {
		if (this.state !== OPEN) return;
		this.state = READY;
		this.batcher.ready(this);
	}

	/** Rejects it at once, queueing it again or (requeue false) dead-lettering it through the queue. */
	nack(requeue: boolean): void {
		if (this.state !== OPEN) return;
		this.state = SENT;
		this.batcher.reject(this, requeue);
	}
}

/**
 * Acknowledgements of one consumer channel, sent together instead of one frame
 * per message: once the deliveries read from the socket in one go (and the
 * synchronous part of their handlers) are done, the run of acknowledged
 * deliveries at the head of the channel's unsettled list goes as a single
 * `ack(newest, allUpTo)`, and a delivery acknowledged behind one still in
 * progress goes on its own. Nothing is acknowledged before its handler has
 * finished. When the channel closes first, the broker queues its
 * unacknowledged messages again and the consumer's deduplication acknowledges
 * a redelivery of one already processed.
 */
export class AckBatcher {
	/** Deliveries in arrival (delivery tag) order; those before `head` are settled. */
	private entries: Settlement[] = [];
	private head = 0;
	/** Acknowledged since the last flush. */
	private readyList: Settlement[] = [];
	private scheduled = false;
	private compactAt = COMPACT_MIN;
	private readonly flushNow = () => this.flush();

	constructor(private readonly ch: AckChannel) {}

	/** Registers a delivery as it arrives, before anything can settle it. */
	track(msg: ConsumeMessage): Settlement {
		const s = new Settlement(this, msg);
		this.entries.push(s);
		return s;
	}

	/** @internal */
	ready(s: Settlement): void {
		this.readyList.push(s);
		this.schedule();
	}

	/** @internal */
	reject(s: Settlement, requeue: boolean): void {
		try {
			this.ch.nack(s.msg, false, requeue);
		} catch {
			// Channel gone: the broker queues the message again.
		}
		this.schedule();
	}

	private schedule(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		// After the deliveries of the current socket read and their handlers' microtasks.
		process.nextTick(this.flushNow);
	}

	/** Sends the acknowledgements collected so far. */
	flush(): void {
		this.scheduled = false;
		let newest: Settlement | null = null;
		const { entries } = this;
		while (this.head < entries.length && entries[this.head].state !== OPEN) {
			const s = entries[this.head++];
			if (s.state === READY) {
				s.state = SENT;
				newest = s;
			}
		}
		const stragglers = this.readyList;
		this.readyList = [];
		try {
			if (newest) this.ch.ack(newest.msg, true);
			for (const s of stragglers) {
				if (s.state !== READY) continue;
				s.state = SENT;
				this.ch.ack(s.msg);
			}
		} catch {
			// Channel gone: the broker redelivers, and deduplication acknowledges the processed ones.
		}
		if (this.head === entries.length) {
			entries.length = 0;
			this.head = 0;
		} else if (entries.length - this.head > this.compactAt) {
			// A handler that never finishes holds the head; drop what was settled behind it.
			this.entries = entries.slice(this.head).filter((e) => e.state !== SENT);
			this.head = 0;
			this.compactAt = Math.max(COMPACT_MIN, 2 * this.entries.length);
		} else if (this.head > COMPACT_MIN && this.head * 2 > entries.length) {
			this.entries = entries.slice(this.head);
			this.head = 0;
		}
	}
}
