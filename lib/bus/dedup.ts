/**
 * Remembers which message ids were processed within a time window, so a
 * redelivery (after a dropped connection, or a publisher retry) is acknowledged
 * without running the handler again. The window is bounded in time and size;
 * the oldest entries go first. It lives in the consuming process: consumers in
 * other processes keep their own.
 */
export class DedupWindow {
	private readonly done = new Map<string, number>();
	private sinceSweep = 0;
	private readonly inFlight = new Map<string, Array<(ok: boolean) => void>>();

	constructor(
		readonly windowMs = 10 * 60_000,
		readonly maxEntries = 100_000,
		private readonly now: () => number = Date.now,
	) {}

	/** True when `id` completed successfully within the window. */
	has(id: string): boolean {
		const at = this.done.get(id);
		if (at === undefined) return false;
		if (this.now() - at > this.windowMs) {
			this.done.delete(id);
			return false;
		}
		return true;
	}

	/** Records a successful processing of `id`. */
	markDone(id: string): void {
		this.done.delete(id);
		this.done.set(id, this.now());
		// Expiry is checked on lookup too, so sweeping now and then is enough.
		if (this.done.size > this.maxEntries || ++this.sinceSweep >= 256) this.evict();
	}

	/**
	 * When a handler for `id` is still running (a redelivery raced it), a
	 * promise of its outcome (true on success); otherwise undefined.
	 */
	whenDone(id: string): Promise<boolean> | undefined {
		const waiters = this.inFlight.get(id);
		if (!waiters) return undefined;
		return new Promise((resolve) => waiters.push(resolve));
	}

	/** Marks a handler run for `id` as started. */
	begin(id: string): void {
		if (!this.inFlight.has(id)) this.inFlight.set(id, []);
	}

	/** Marks the run for `id` as finished; a success is remembered for the window. */
	end(id: string, ok: boolean): void {
		const waiters = this.inFlight.get(id);
		this.inFlight.delete(id);
		if (ok) this.markDone(id);
		if (waiters) for (const w of waiters) w(ok);
	}

	get size(): number {
		return this.done.size;
	}

	private evict(): void {
		this.sinceSweep = 0;
		const cutoff = this.now() - this.windowMs;
		for (const [id, at] of this.done) {
			if (this.done.size <= this.maxEntries && at >= cutoff) break;
			this.done.delete(id);
		}
	}
}
