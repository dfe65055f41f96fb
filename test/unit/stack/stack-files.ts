/**
 * Readers shared by the stack tests: the repository's stack files, and the
 * metric names a PromQL expression refers to.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');

export function repoPath(...parts: string[]): string {
	return path.join(ROOT, ...parts);
}

export function readText(...parts: string[]): string {
	return fs.readFileSync(repoPath(...parts), 'utf8');
}

/** Parses YAML with merge keys (`<<: *anchor`) resolved, as Docker Compose does. */
export function readYaml<T = Record<string, unknown>>(...parts: string[]): T {
	return YAML.parse(readText(...parts), { merge: true }) as T;
}

export function readJson<T = Record<string, unknown>>(...parts: string[]): T {
	return JSON.parse(readText(...parts)) as T;
}

const PROMQL_WORDS = new Set([
	'and',
	'or',
	'unless',
	'by',
	'without',
	'on',
	'ignoring',
	'group_left',
	'group_right',
	'bool',
	'offset',
	'inf',
	'nan',
]);

/**
 * Metric names in a PromQL expression: identifiers that are neither function
 * calls, keywords, label names nor string contents. Grafana macros
 * (`$__rate_interval`) and template variables are ignored.
 */
export function metricNames(expr: string): string[] {
	const stripped = expr
		.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
		.replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
		.replace(/\{[^}]*\}/g, ' ') // label matchers
		.replace(/\[[^\]]*\]/g, ' ') // range selectors
		.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
	const names = new Set<string>();
	const identifier = /([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
	let match: RegExpExecArray | null;
	while ((match = identifier.exec(stripped)) !== null) {
		const [, name, call] = match;
		if (call) continue; // a function such as rate(
		if (PROMQL_WORDS.has(name.toLowerCase())) continue;
		if (/^\d/.test(name)) continue;
		// Durations and numbers such as 5m or 1e-9 start with a digit and are not matched;
		// an exponent's tail (e-9) is preceded by a digit.
		const before = stripped[match.index - 1];
		if (before !== undefined && /[0-9.]/.test(before)) continue;
		names.add(name);
	}
	return [...names];
}

export interface Dashboard {
	uid: string;
	title: string;
	panels: Array<{
		id: number;
		type: string;
		title: string;
		datasource?: { type: string; uid: string };
		gridPos: { h: number; w: number; x: number; y: number };
		targets?: Array<{ refId: string; expr?: string; datasource?: { type: string; uid: string } }>;
	}>;
}

export function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
	const dir = repoPath('observability/grafana/dashboards');
	return fs
		.readdirSync(dir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => ({
			file,
			dashboard: readJson<Dashboard>('observability/grafana/dashboards', file),
		}));
}

/** Every PromQL expression of the dashboards (Prometheus data source only). */
export function dashboardExpressions(): Array<{ where: string; expr: string }> {
	const out: Array<{ where: string; expr: string }> = [];
	for (const { file, dashboard } of dashboards()) {
		for (const panel of dashboard.panels) {
			for (const target of panel.targets ?? []) {
				const uid = (target.datasource ?? panel.datasource)?.uid;
				if (uid === 'prometheus' && target.expr) {
					out.push({ where: `${file} / ${panel.title}`, expr: target.expr });
				}
			}
		}
	}
	return out;
}

interface RuleFile {
	groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

export function ruleExpressions(): Array<{ where: string; expr: string }> {
	const dir = repoPath('observability/prometheus/rules');
	const out: Array<{ where: string; expr: string }> = [];
	for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
		const rules = readYaml<RuleFile>('observability/prometheus/rules', file);
		for (const group of rules.groups) {
			for (const rule of group.rules) {
				out.push({ where: `${file} / ${rule.alert ?? rule.record}`, expr: String(rule.expr) });
			}
		}
	}
	return out;
}
