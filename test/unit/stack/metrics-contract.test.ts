import { dashboardExpressions, metricNames, readJson, ruleExpressions } from './stack-files';

interface MetricSpec {
	type: 'counter' | 'gauge' | 'histogram';
	engine?: string;
	labels?: string[];
}
interface Contract {
	agentos: Record<string, MetricSpec>;
	n8n: Record<string, MetricSpec>;
	exporters: Record<string, MetricSpec>;
}

const contract = readJson<Contract>('observability/metrics-contract.json');
const allSpecs: Record<string, MetricSpec> = {
	...contract.agentos,
	...contract.n8n,
	...contract.exporters,
};

/** The contract entry a series name belongs to (histogram series map to their base name). */
function specFor(series: string): string | undefined {
	if (allSpecs[series]) return series;
	const base = series.replace(/_(bucket|sum|count)$/, '');
	if (base !== series && allSpecs[base]?.type === 'histogram') return base;
	return undefined;
}

const used = [...dashboardExpressions(), ...ruleExpressions()].flatMap(({ where, expr }) =>
	metricNames(expr).map((name) => ({ where, name })),
);

describe('metric name extraction from PromQL', () => {
	it('finds metric names and skips functions, keywords, labels, strings and Grafana macros', () => {
		expect(
			metricNames(
				'sum by (le, operation) (rate(agentos_memory_operation_seconds_bucket{operation="search"}[$__rate_interval])) / clamp_min(sum(rate(agentos_memory_operations_total[5m])), 1e-9) > 0.5 and on(job) up == 0',
			).sort(),
		).toEqual(['agentos_memory_operation_seconds_bucket', 'agentos_memory_operations_total', 'up']);
	});

	it('sees a metric that only appears inside a nested expression', () => {
		expect(
			metricNames('topk(10, sum without (instance) (increase(n8n_workflow_failed_total[1h])))'),
		).toEqual(['n8n_workflow_failed_total']);
	});
});

describe('observability/metrics-contract.json', () => {
	it('declares the agent OS metrics with the agentos_ prefix, a type and an engine', () => {
		for (const [name, spec] of Object.entries(contract.agentos)) {
			expect(name).toMatch(/^agentos_[a-z]+_[a-z_]+$/);
			expect(['counter', 'gauge', 'histogram']).toContain(spec.type);
			expect(['memory', 'graph', 'compliance', 'team', 'bus']).toContain(spec.engine);
			if (spec.type === 'counter') expect(name).toMatch(/_total$/);
			if (spec.type === 'histogram') expect(name).toMatch(/_seconds$/);
		}
	});

	it('names n8n metrics with the n8n_ prefix', () => {
		for (const name of Object.keys(contract.n8n)) expect(name).toMatch(/^n8n_/);
	});

	it('covers every metric a dashboard or an alert rule names', () => {
		expect(used.length).toBeGreaterThan(40);
		const unknown = used.filter(({ name }) => specFor(name) === undefined);
		expect(unknown).toEqual([]);
	});

	it('has every agentos_ metric on at least one dashboard or rule', () => {
		const referenced = new Set(used.map(({ name }) => specFor(name)));
		const unused = Object.keys(contract.agentos).filter((name) => !referenced.has(name));
		expect(unused).toEqual([]);
	});

	it('reads histograms only through their _bucket, _sum or _count series', () => {
		const bare = used.filter(({ name }) => allSpecs[name]?.type === 'histogram');
		expect(bare).toEqual([]);
	});

	it('filters agentos_ metrics only by labels the contract declares', () => {
		const problems: string[] = [];
		for (const { where, expr } of [...dashboardExpressions(), ...ruleExpressions()]) {
			const selector = /(agentos_[a-z_]+)\{([^}]*)\}/g;
			let match: RegExpExecArray | null;
			while ((match = selector.exec(expr)) !== null) {
				const spec = allSpecs[specFor(match[1]) ?? ''];
				const labels = [...match[2].matchAll(/([a-zA-Z_]\w*)\s*(=~|!=|!~|=)/g)].map((m) => m[1]);
				for (const label of labels) {
					if (label !== 'le' && !spec?.labels?.includes(label)) {
						problems.push(`${where}: ${match[1]} has no label ${label}`);
					}
				}
			}
		}
		expect(problems).toEqual([]);
	});
});
