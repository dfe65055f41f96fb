import { isAbortError } from './errors';
import type { RetryPolicy } from './types';

/** HTTP status carried by an error from a provider SDK, when there is one. */
export function errorStatus(error: unknown): number | undefined {
	if (!error || typeof error !== 'object') return undefined;
	const e = error as Record<string, unknown>;
	for (const candidate of [
		e.status,
		e.statusCode,
		(e.response as Record<string, unknown>)?.status,
	]) {
		if (typeof candidate === 'number') return candidate;
	}
	if (e.cause && e.cause !== error) return errorStatus(e.cause);
	return undefined;
}

/** Rate limits and server errors are worth another try; bad requests are not. */
export function isRetryable(error: unknown): boolean {
	if (isAbortError(error)) return false;
	const status = errorStatus(error);
	if (status !== undefined) return status === 429 || status >= 500;
	const code = (error as { lc_error_code?: string } | null)?.lc_error_code;
	if (code === 'MODEL_RATE_LIMIT') return true;
	const message = error instanceof Error ? error.message : String(error);
	return /\b(rate.?limit|too many requests|overloaded|ECONNRESET|ECONNREFUSED|socket hang up)\b/i.test(
		message,
	);
}

/** Exponential backoff with jitter: a random delay between half and all of min(max, base·2^attempt). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
	return Math.round(ceiling * (0.5 + random() / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(abortReason(signal));
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(abortReason(signal!));
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

export function abortReason(signal: AbortSignal): Error {
	const reason: unknown = signal.reason;
	if (reason instanceof Error) return reason;
	const error = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
	error.name = 'AbortError';
	return error;
}

/**
 * Runs `fn` and retries it on retryable errors. `onRetry` hears about each
 * retry before the wait, so the transcript shows why the run slowed down.
 */
export async function withRetry<T>(
	fn: () => Promise<T>,
	policy: RetryPolicy,
	signal: AbortSignal | undefined,
	onRetry: (attempt: number, delayMs: number, error: unknown) => void,
): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			if (attempt >= policy.maxRetries || !isRetryable(error) || signal?.aborted) throw error;
			const delay = backoffDelay(attempt, policy);
			onRetry(attempt + 1, delay, error);
			await sleep(delay, signal);
		}
	}
}
