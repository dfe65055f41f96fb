import * as prom from 'prom-client';
import { counter, histogram, gauge } from '../../lib/metrics';

describe('metrics in the host registry', () => {
	it('come back after the host clears its registry (as n8n does when its metrics start)', async () => {
		const c = counter('unit_probe_total', 'probe', ['k']);
		const h = histogram('unit_probe_seconds', 'probe');
		const g = gauge('unit_probe_level', 'probe');
		prom.register.clear();
		c.inc({ k: 'a' });
		h.observe({}, 0.01);
		g.set({}, 3);
		const text = await prom.register.metrics();
		expect(text).toContain('agentos_unit_probe_total{k="a"} 1');
		expect(text).toContain('agentos_unit_probe_seconds_count 1');
		expect(text).toContain('agentos_unit_probe_level 3');
	});
});
