export interface BackoffOptions {
	/** First delay in ms (default 100). */
	initialMs?: number;
	/** Upper bound in ms (default 10 000). */
	maxMs?: number;
	/** Growth per attempt (default 2). */
	factor?: number;
	/** Fraction of the delay randomised, 0–1 (default 0.2), so many clients do not reconnect in lockstep. */
	jitter?: number;
}

/** Delay before reconnection attempt `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(
	attempt: number,
	opts: BackoffOptions = {},
	random = Math.random,
): number {
	const initial = opts.initialMs ?? 100;
	const max = opts.maxMs ?? 10_000;
	const factor = opts.factor ?? 2;
	const jitter = opts.jitter ?? 0.2;
	const base = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt)));
	const spread = base * jitter;
	return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}
