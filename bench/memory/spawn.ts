/**
 * The parent's half of the Vector Memory benchmark harness: transpiles the
 * code the children run, and starts them.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import type { SideConfig } from './side';

const ROOT = path.resolve(__dirname, '../..');

/**
 * In the parent: transpiles the engine (lib/) and this benchmark to JavaScript
 * once, with the options of scripts/ts-register.js, into `file`; the children
 * load it through precompiled.js and never load the TypeScript compiler.
 */
export function precompile(file: string): void {
	const out: Record<string, string> = {};
	const walk = (dir: string) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
				out[full] = ts.transpileModule(fs.readFileSync(full, 'utf8'), {
					fileName: full,
					compilerOptions: {
						module: ts.ModuleKind.CommonJS,
						target: ts.ScriptTarget.ES2022,
						esModuleInterop: true,
						inlineSourceMap: true,
					},
				}).outputText;
			}
		}
	};
	walk(path.join(ROOT, 'lib'));
	walk(__dirname);
	fs.writeFileSync(file, JSON.stringify(out));
}

/** In the parent: runs one side's script in a child process and returns what it sent. */
export function spawnSide<R>(script: string, config: SideConfig, compiled: string): Promise<R> {
	return new Promise((resolve, reject) => {
		let result: R | undefined;
		const child = fork(path.join(__dirname, script), [], {
			execArgv: ['-r', path.join(__dirname, 'precompiled.js')],
			env: {
				...process.env,
				MEMORY_BENCH_SIDE: JSON.stringify(config),
				MEMORY_BENCH_COMPILED: compiled,
			},
			stdio: 'inherit',
		});
		child.on('message', (m) => (result = m as R));
		child.on('error', reject);
		child.on('exit', (code) =>
			code === 0 && result !== undefined
				? resolve(result)
				: reject(new Error(`${script} exited with code ${code}`)),
		);
	});
}
