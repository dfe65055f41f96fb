import { counter, histogram } from '../metrics';

export const memoryMetrics = {
	operations: counter('memory_operations_total', 'Vector memory operations by outcome', [
		'operation',
		'status',
	]),
	seconds: histogram('memory_operation_seconds', 'Vector memory operation latency', ['operation']),
};
