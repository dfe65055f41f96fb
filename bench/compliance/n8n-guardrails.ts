import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * n8n's Guardrails node keeps its PII regexes in a module-private constant,
 * so the benchmark reads them from the installed package's compiled file at
 * run time (never a copy in this repository): whatever n8n version is
 * installed is what gets measured.
 */
const RELATIVE =
	'node_modules/@n8n/n8n-nodes-langchain/dist/nodes/Guardrails/actions/checks/pii.js';

export function guardrailsCandidates(repoRoot: string): string[] {
	// The e2e harness installs n8n under .e2e/<folder>/ (the folder name may carry the version).
	const e2e = path.join(repoRoot, '.e2e');
	const installs = fs.existsSync(e2e)
		? fs
				.readdirSync(e2e)
				.sort()
				.reverse()
				.map((d) => path.join(e2e, d, RELATIVE))
		: [];
	const list = [process.env.N8N_GUARDRAILS_PII_JS, ...installs, path.join(repoRoot, RELATIVE)];
	return list.filter((p): p is string => !!p);
}

export function loadGuardrailsPatterns(
	repoRoot: string,
): { file: string; patterns: Record<string, RegExp> } | null {
	for (const file of guardrailsCandidates(repoRoot)) {
		if (!fs.existsSync(file)) continue;
		const src = fs.readFileSync(file, 'utf8');
		const start = src.indexOf('const DEFAULT_PII_PATTERNS = {');
		if (start < 0) continue;
		const open = src.indexOf('{', start);
		const close = src.indexOf('\n};', open);
		if (close < 0) continue;
		const literal = src.slice(open, close + 2);
		const patterns = vm.runInNewContext(`(${literal})`, {}, { timeout: 1000 }) as Record<
			string,
			RegExp
		>;
		const out: Record<string, RegExp> = {};
		for (const [k, re] of Object.entries(patterns))
			out[k] = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
		return { file, patterns: out };
	}
	return null;
}
