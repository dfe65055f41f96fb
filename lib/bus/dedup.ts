type Waiter = (ok: boolean) => void;

/** A handler run in progress, with whoever waits for its outcome. */
class Running {
	waiters: Waiter[] | null = null;
}

/**
 * Remembers which message ids were processed within a time window, so a
 * redelivery (after a dropped connection, or a publisher retry) is acknowledged
 * without running the handler again. The window is bounded in time and size;
 * the oldest entries go first. It lives in the consuming process: consumers in
 * other processes keep their own.
 *
 * Every operation is O(1) (amortised): ids leave in the order they were
 * recorded, from a queue kept next to the lookup map, so eviction never walks
 * the map (a Map iterated from the front after many deletions skips every
 * deleted slot, which made a full window cost tens of µs per message).
 */
export class DedupWindow {
	/** Id -> when it was last recorded as done, or its run in progress. */
	private readonly ids = new Map<string, number | Running>();
	private doneCount = 0;
	/** Recording order: ids and times, oldest at `head`. An id recorded again appears twice. */
	private order: string[] = [];
	private times: number[] = [];
	private head = 0;

	constructor(
		readonly windowMs = 10 * 60_000,
		readonly maxEntries = 100_000,
		private readonly now: () => number = Date.now,
	) {}

	/** True when `id` completed successfully within the window. */
	has(id: string): boolean {
		const v = this.ids.get(id);
		return typeof v === 'number' && this.now() - v <= this.windowMs;
	}

	/**
	 * Claims `id` for a handler run: 'done' when it already succeeded within the
	 * window, a promise of the outcome (true on success) when a run is in
	 * progress (a redelivery raced it), or 'claimed' when the caller now runs it
	 * and must call `end`.
	 */
	claim(id: string): 'done' | 'claimed' | Promise<boolean> {
		const v = this.ids.get(id);
		if (v instanceof Running) return this.wait(v);
		if (v !== undefined && this.now() - v <= this.windowMs) return 'done';
		this.set(id, new Running());
		return 'claimed';
	}

	/** Records a successful processing of `id`. */
	markDone(id: string): void {
		const now = this.now();
		this.set(id, now);
		this.order.push(id);
		this.times.push(now);
		this.evict(now);
	}

	/**
	 * When a handler for `id` is still running (a redelivery raced it), a
	 * promise of its outcome (true on success); otherwise undefined.
	 */
	whenDone(id: string): Promise<boolean> | undefined {
		const v = this.ids.get(id);
		return v instanceof Running ? this.wait(v) : undefined;
	}

	/** Marks a handler run for `id` as started. */
	begin(id: string): void {
		if (!(this.ids.get(id) instanceof Running)) this.set(id, new Running());
	}

	/** Marks the run for `id` as finished; a success is remembered for the window. */
	end(id: string, ok: boolean): void {
		const v = this.ids.get(id);
		if (ok) this.markDone(id);
		else if (v instanceof Running) this.ids.delete(id);
		if (v instanceof Running && v.waiters) for (const w of v.waiters) w(ok);
	}

	/** Ids remembered as done. */
	get size(): number {
		return this.doneCount;
	}

	private wait(run: Running): Promise<boolean> {
		return new Promise((resolve) => (run.waiters ??= []).push(resolve));
	}

	private set(id: string, v: number | Running): void {
		const was = this.ids.get(id);
		if (typeof was === 'number') this.doneCount--;
		if (typeof v === 'number') this.doneCount++;
		this.ids.set(id, v);
	}

	/** Drops entries past the window, and the oldest beyond `maxEntries`. */
	private evict(now: number): void {
		const cutoff = now - this.windowMs;
		const { order, times } = this;
		while (
			this.head < order.length &&
			(this.doneCount > this.maxEntries ||
				times[this.head] < cutoff ||
				order.length - this.head > 2 * this.maxEntries)
		) {
			const id = order[this.head];
			// A later recording of the same id keeps it; so does a run of it in progress.
			if (this.ids.get(id) === times[this.head]) {
				this.ids.delete(id);
				this.doneCount--;
			}
			this.head++;
		}
		if (this.head > 4096 && this.head * 2 > order.length) {
			this.order = order.slice(this.head);
			this.times = times.slice(this.head);
			this.head = 0;
		}
	}
}
