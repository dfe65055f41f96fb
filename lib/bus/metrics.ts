import { counter, gauge, histogram } from '../metrics';

/** Bus series on the shared registry (names get the `agentos_` prefix). */
export const busMetrics = {
	published: counter('bus_published_total', 'Envelopes confirmed by the broker', ['kind']),
	consumed: counter('bus_consumed_total', 'Envelopes taken off a queue', ['outcome']),
	deadLettered: counter('bus_dead_lettered_total', 'Envelopes sent to the dead-letter exchange', [
		'reason',
	]),
	unroutable: counter('bus_unroutable_total', 'Envelopes returned because no queue matched'),
	reconnects: counter('bus_reconnects_total', 'Broker reconnections after a dropped connection'),
	rpcSeconds: histogram('bus_rpc_seconds', 'Request/reply round trip', ['outcome']),
	connected: gauge('bus_connected', '1 while the bus holds a broker connection', ['name']),
};
