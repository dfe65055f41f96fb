import { counter, histogram } from '../metrics';

const operations = counter(
	'graph_operations_total',
	'Knowledge-graph operations by backend, operation and status',
	['backend', 'operation', 'status'],
);
const seconds = histogram(
	'graph_operation_seconds',
	'Knowledge-graph operation latency in seconds',
	['backend', 'operation'],
);

/** Counts and times one store operation. */
export async function observe<T>(
	backend: string,
	operation: string,
	fn: () => Promise<T>,
): Promise<T> {
	const stop = seconds.startTimer({ backend, operation });
	try {
		const result = await fn();
		operations.inc({ backend, operation, status: 'ok' });
		return result;
	} catch (err) {
		operations.inc({ backend, operation, status: 'error' });
		throw err;
	} finally {
		stop();
	}
}
