import * as fs from 'fs';
import { dashboards, readText, readYaml, repoPath } from './stack-files';

interface Provisioned {
	datasources: Array<{ uid: string; type: string; url: string }>;
}
interface Providers {
	providers: Array<{ options: { path: string } }>;
}
interface PrometheusConfig {
	rule_files: string[];
	alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
	scrape_configs: Array<{
		job_name: string;
		metrics_path?: string;
		static_configs?: Array<{ targets: string[] }>;
	}>;
}
interface ComposeService {
	volumes?: string[];
}

const compose = readYaml<{ services: Record<string, ComposeService> }>('docker-compose.yml');
const datasources = readYaml<Provisioned>(
	'observability/grafana/provisioning/datasources/datasources.yml',
).datasources;
const prometheus = readYaml<PrometheusConfig>('observability/prometheus/prometheus.yml');

describe('Grafana dashboards', () => {
	const all = dashboards();

	it('cover team runs and tokens, airlock decisions, memory and graph latency, bus traffic, n8n executions', () => {
		const titles = all.map(({ dashboard }) => dashboard.title.toLowerCase()).join(' | ');
		for (const topic of ['team', 'airlock', 'memory', 'graph', 'bus', 'n8n executions']) {
			expect(titles).toContain(topic);
		}
	});

	it('are valid dashboard JSON with unique uids, panel ids and non-overlapping panels', () => {
		const uids = all.map(({ dashboard }) => dashboard.uid);
		expect(new Set(uids).size).toBe(uids.length);
		for (const { file, dashboard } of all) {
			expect([file, typeof dashboard.title, Array.isArray(dashboard.panels)]).toEqual([
				file,
				'string',
				true,
			]);
			expect(dashboard.panels.length).toBeGreaterThan(3);
			const ids = dashboard.panels.map((p) => p.id);
			expect(new Set(ids).size).toBe(ids.length);
			const cells = new Set<string>();
			const overlaps: string[] = [];
			for (const panel of dashboard.panels) {
				const { x, y, w, h } = panel.gridPos;
				expect(x + w).toBeLessThanOrEqual(24);
				for (let row = y; row < y + h; row++) {
					for (let col = x; col < x + w; col++) {
						const cell = `${row}:${col}`;
						if (cells.has(cell)) overlaps.push(`${file} / ${panel.title} at ${cell}`);
						cells.add(cell);
					}
				}
			}
			expect(overlaps).toEqual([]);
		}
	});

	it('query only provisioned data sources, and every panel has a query', () => {
		const known = new Map(datasources.map((d) => [d.uid, d.type]));
		for (const { file, dashboard } of all) {
			for (const panel of dashboard.panels) {
				expect([file, panel.title, (panel.targets?.length ?? 0) > 0]).toEqual([
					file,
					panel.title,
					true,
				]);
				for (const target of panel.targets ?? []) {
					const ds = target.datasource ?? panel.datasource;
					expect([file, panel.title, known.get(ds?.uid ?? '')]).toEqual([
						file,
						panel.title,
						ds?.type,
					]);
					expect(target.expr?.trim()).toBeTruthy();
				}
			}
		}
	});

	it('are loaded from the folder the compose file mounts', () => {
		const providers = readYaml<Providers>(
			'observability/grafana/provisioning/dashboards/dashboards.yml',
		).providers;
		expect(providers).toHaveLength(1);
		const mounts = compose.services.grafana.volumes ?? [];
		expect(mounts).toContain(`./observability/grafana/dashboards:${providers[0].options.path}:ro`);
		expect(mounts).toContain('./observability/grafana/provisioning:/etc/grafana/provisioning:ro');
	});
});

describe('Grafana data sources', () => {
	it('point at the compose services', () => {
		const urls = Object.fromEntries(datasources.map((d) => [d.type, d.url]));
		expect(urls).toEqual({
			prometheus: 'http://prometheus:9090',
			loki: 'http://loki:3100',
			alertmanager: 'http://alertmanager:9093',
		});
	});
});

describe('Prometheus configuration', () => {
	const targets = Object.fromEntries(
		prometheus.scrape_configs.map((job) => [
			job.job_name,
			(job.static_configs ?? []).flatMap((c) => c.targets),
		]),
	);

	it('scrapes n8n /metrics, RabbitMQ :15692 and postgres-exporter', () => {
		expect(targets.n8n).toEqual(['n8n:5678']);
		expect(prometheus.scrape_configs.find((j) => j.job_name === 'n8n')?.metrics_path).toBe(
			'/metrics',
		);
		expect(targets.rabbitmq).toEqual(['rabbitmq:15692']);
		expect(targets.postgres).toEqual(['postgres-exporter:9187']);
	});

	it('scrapes only services that exist in the compose file', () => {
		for (const list of Object.values(targets)) {
			for (const target of list) {
				const host = target.split(':')[0];
				if (host === 'localhost') continue;
				expect([target, compose.services[host] !== undefined]).toEqual([target, true]);
			}
		}
	});

	it('loads the rule files the compose file mounts and sends alerts to Alertmanager', () => {
		expect(prometheus.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
		expect(compose.services.prometheus.volumes).toContain(
			'./observability/prometheus/rules:/etc/prometheus/rules:ro',
		);
		expect(prometheus.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
			'alertmanager:9093',
		]);
	});

	it('has a promtool unit test file for the rules', () => {
		const tests = fs.readdirSync(repoPath('observability/prometheus/tests'));
		expect(tests.length).toBeGreaterThan(0);
		const rulesTested = readText('observability/prometheus/tests', tests[0]);
		const alerts = [
			...readText('observability/prometheus/rules/agentos.yml').matchAll(/alert: (\w+)/g),
		].map((m) => m[1]);
		for (const alert of alerts) {
			expect([alert, rulesTested.includes(`alertname: ${alert}`)]).toEqual([alert, true]);
		}
	});
});

describe('log shipping', () => {
	it('Alloy reads the compose project containers and pushes to Loki', () => {
		const alloy = readText('observability/alloy/config.alloy');
		expect(alloy).toContain('com.docker.compose.project=agentos');
		expect(alloy).toContain('http://loki:3100/loki/api/v1/push');
		expect(readText('docker-compose.yml')).toMatch(/^name: agentos$/m);
	});

	it('Loki stores on its volume with retention', () => {
		const loki = readYaml<{
			common: { path_prefix: string };
			limits_config: { retention_period: string };
		}>('observability/loki/loki.yml');
		expect(loki.common.path_prefix).toBe('/loki');
		expect(compose.services.loki.volumes).toContain('loki_data:/loki');
		expect(loki.limits_config.retention_period).toMatch(/^\d+h$/);
	});
});
