/**
 * Prometheus metrics for every engine.
 *
 * prom-client is a peer dependency: inside n8n we use n8n's own copy and its
 * default registry, so our series appear on n8n's `/metrics` endpoint
 * (N8N_METRICS=true) next to n8n's. Outside n8n (tests, benchmarks, scripts)
 * the dev-dependency copy is used. When prom-client cannot be loaded at all,
 * metrics become no-ops rather than failing the node.
 */

export interface Counter {
	inc(labels?: Record<string, string>, value?: number): void;
}
export interface Histogram {
	observe(labels: Record<string, string>, seconds: number): void;
	/** Starts a timer; call the returned function to record the elapsed seconds. */
	startTimer(labels?: Record<string, string>): (extra?: Record<string, string>) => void;
}
export interface Gauge {
	set(labels: Record<string, string>, value: number): void;
}

type PromClient = typeof import('prom-client');

let prom: PromClient | null | undefined;
function loadProm(): PromClient | null {
	if (prom !== undefined) return prom;
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		prom = require('prom-client') as PromClient;
	} catch {
		prom = null;
	}
	return prom;
}

/*
 * Each use looks its metric up in the registry (a map lookup) and registers it
 * again when missing: n8n clears the default registry when its metrics service
 * starts, which can be after this package's modules were loaded.
 */

/** All our series start with this prefix, after n8n's own `n8n_` ones. */
export const METRIC_PREFIX = 'agentos_';

/** Default latency buckets in seconds: 0.5 ms … 30 s. */
export const LATENCY_BUCKETS = [
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Every metric name registered through this module, for the dashboard consistency test. */
export const registeredMetricNames = new Set<string>();
/** Type and label names of each registered metric. */
export const registeredMetrics = new Map<string, { type: string; labels: string[] }>();

function record(full: string, type: string, labels: string[]): void {
	registeredMetricNames.add(full);
	registeredMetrics.set(full, { type, labels: [...labels] });
}

function existing<T>(name: string): T | undefined {
	const p = loadProm();
	return p ? (p.register.getSingleMetric(name) as unknown as T | undefined) : undefined;
}

export function counter(name: string, help: string, labelNames: string[] = []): Counter {
	const full = METRIC_PREFIX + name;
	record(full, 'counter', labelNames);
	const p = loadProm();
	if (!p) return { inc: () => undefined };
	const c = () =>
		existing<import('prom-client').Counter<string>>(full) ??
		new p.Counter({ name: full, help, labelNames });
	c();
	return { inc: (labels = {}, value = 1) => c().inc(labels, value) };
}

export function histogram(
	name: string,
	help: string,
	labelNames: string[] = [],
	buckets = LATENCY_BUCKETS,
): Histogram {
	const full = METRIC_PREFIX + name;
	record(full, 'histogram', labelNames);
	const p = loadProm();
	if (!p) return { observe: () => undefined, startTimer: () => () => undefined };
	const h = () =>
		existing<import('prom-client').Histogram<string>>(full) ??
		new p.Histogram({ name: full, help, labelNames, buckets });
	h();
	return {
		observe: (labels, seconds) => h().observe(labels, seconds),
		startTimer: (labels = {}) => {
			const start = process.hrtime.bigint();
			return (extra = {}) =>
				h().observe({ ...labels, ...extra }, Number(process.hrtime.bigint() - start) / 1e9);
		},
	};
}

export function gauge(name: string, help: string, labelNames: string[] = []): Gauge {
	const full = METRIC_PREFIX + name;
	record(full, 'gauge', labelNames);
	const p = loadProm();
	if (!p) return { set: () => undefined };
	const g = () =>
		existing<import('prom-client').Gauge<string>>(full) ??
		new p.Gauge({ name: full, help, labelNames });
	g();
	return { set: (labels, value) => g().set(labels, value) };
}

/** The text exposition of the registry in use (tests and the stack's checks). */
export async function metricsText(): Promise<string> {
	const p = loadProm();
	return p ? p.register.metrics() : '';
}
