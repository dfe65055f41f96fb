/**
 * n8n's own /metrics endpoint, after the other e2e files ran workflows (this
 * file runs next to last, before zz-stored-rows stops n8n): our
 * engines' series are in n8n's registry (one prom-client, n8n's), and every
 * n8n series the bundled dashboards and alerts name exists in a real dump.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { state } from './harness/n8n';

const contract = JSON.parse(
	fs.readFileSync(path.resolve(__dirname, '../../observability/metrics-contract.json'), 'utf8'),
) as {
	agentos: Record<string, { type: string; engine: string }>;
	n8n: Record<string, { type: string; requires: string }>;
};

function seriesNames(dump: string): Set<string> {
	const names = new Set<string>();
	for (const line of dump.split('\n')) {
		const m = /^# TYPE (\S+) /.exec(line);
		if (m) names.add(m[1]);
	}
	return names;
}

describe("n8n's /metrics with this package installed", () => {
	let names: Set<string>;

	beforeAll(async () => {
		const res = await fetch(`${state().base}/metrics`);
		expect(res.status).toBe(200);
		const dump = await res.text();
		fs.mkdirSync(path.resolve(__dirname, '../../test-artifacts'), { recursive: true });
		fs.writeFileSync(path.resolve(__dirname, '../../test-artifacts/n8n-metrics.txt'), dump);
		names = seriesNames(dump);
	});

	it('exposes the engines’ series through n8n’s own registry', () => {
		for (const name of [
			'agentos_memory_operations_total',
			'agentos_memory_operation_seconds',
			'agentos_team_runs_total',
			'agentos_compliance_decisions_total',
			'agentos_graph_operations_total',
			'agentos_bus_published_total',
		]) {
			expect(names).toContain(name);
		}
	});

	it('has every n8n series the dashboards and rules name (queue-mode series aside)', () => {
		// n8n creates each event-bus counter on its event's first occurrence: the
		// failed-workflow counter exists only once a workflow has failed, which
		// the templates (which answer every error) never do here.
		const createdOnFirstEvent = new Set(['n8n_workflow_failed_total']);
		const expected = Object.entries(contract.n8n)
			.filter(([, spec]) => !/EXECUTIONS_MODE=queue/.test(spec.requires))
			.map(([name]) => name)
			.filter((name) => !createdOnFirstEvent.has(name));
		const missing = expected.filter((name) => !names.has(name));
		expect(missing).toEqual([]);
	});
});
