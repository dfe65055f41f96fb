/**
 * The built package as n8n sees it: every node and credential listed in the
 * n8n block exists in dist/, exports a class named like its file, carries its
 * codex and icon, and n8n registers each node type under the package name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rest } from './harness/n8n';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
	name: string;
	keywords: string[];
	n8n: { n8nNodesApiVersion: number; nodes: string[]; credentials: string[] };
	peerDependencies: Record<string, string>;
	dependencies: Record<string, string>;
};

describe('the package n8n loads', () => {
	it('has the community package shape', () => {
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
		for (const peer of ['n8n-workflow', '@langchain/core']) {
			expect(pkg.peerDependencies[peer]).toBeDefined();
			expect(pkg.dependencies[peer]).toBeUndefined();
		}
	});

	it.each(pkg.n8n.nodes)('%s exists, is named like its file and has its codex and icon', (file) => {
		const full = path.join(ROOT, file);
		expect(fs.existsSync(full)).toBe(true);
		const className = path.basename(file, '.node.js');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require(full) as Record<string, new () => { description: { icon?: string } }>;
		expect(typeof mod[className]).toBe('function');
		const description = new mod[className]().description;
		expect(fs.existsSync(full.replace(/\.js$/, '.json'))).toBe(true);
		const icon = String(description.icon ?? '').replace(/^file:/, '');
		expect(icon).not.toBe('');
		expect(fs.existsSync(path.join(path.dirname(full), icon))).toBe(true);
	});

	it.each(pkg.n8n.credentials)('%s exists and is named like its file', (file) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require(path.join(ROOT, file)) as Record<string, unknown>;
		expect(typeof mod[path.basename(file, '.credentials.js')]).toBe('function');
	});

	it('registers every node in the running n8n under the package name', async () => {
		const types = (await rest<Array<{ name: string }>>('/types/nodes.json')).map((t) => t.name);
		for (const file of pkg.n8n.nodes) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const mod = require(path.join(ROOT, file)) as Record<
				string,
				new () => { description: { name: string } }
			>;
			const name = new mod[path.basename(file, '.node.js')]().description.name;
			expect(types).toContain(`${pkg.name}.${name}`);
		}
		expect(types.filter((t) => t.startsWith('CUSTOM.'))).toEqual([]);
	});

	it('exports the engines for programmatic use', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const api = require(path.join(ROOT, 'index.js')) as Record<string, Record<string, unknown>>;
		expect(Object.keys(api).sort()).toEqual([
			'bus',
			'compliance',
			'db',
			'graph',
			'memory',
			'metrics',
			'team',
		]);
		expect(typeof api.memory.MemoryStore).toBe('function');
	});
});
