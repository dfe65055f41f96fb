/**
 * The dashboards and alert rules name metrics from observability/metrics-contract.json;
 * this checks that contract against what the engines really register.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registeredMetricNames, registeredMetrics } from '../../../lib/metrics';
import '../../../lib/memory';
import '../../../lib/graph';
import '../../../lib/compliance';
import '../../../lib/team';
import '../../../lib/bus';

const contract = JSON.parse(
	fs.readFileSync(path.resolve(__dirname, '../../../observability/metrics-contract.json'), 'utf8'),
) as { agentos: Record<string, { type: string; labels: string[] }> };

describe('metrics the engines register', () => {
	it('include every agentos_ metric the dashboards and rules may name', () => {
		const missing = Object.keys(contract.agentos).filter(
			(name) => !registeredMetricNames.has(name),
		);
		expect(missing).toEqual([]);
	});

	it('are all listed in the contract', () => {
		const unlisted = [...registeredMetricNames].filter((name) => !(name in contract.agentos));
		expect(unlisted).toEqual([]);
	});

	it('have the type and labels the contract says', () => {
		const wrong = Object.entries(contract.agentos)
			.map(([name, spec]) => ({ name, spec, real: registeredMetrics.get(name) }))
			.filter(
				({ spec, real }) =>
					real &&
					(real.type !== spec.type ||
						[...real.labels].sort().join(',') !== [...spec.labels].sort().join(',')),
			)
			.map(
				({ name, spec, real }) =>
					`${name}: contract ${spec.type}(${spec.labels}) vs code ${real?.type}(${real?.labels})`,
			);
		expect(wrong).toEqual([]);
	});
});
