// Preload for the benchmark's child processes: their TypeScript files come as
// JavaScript the parent transpiled beforehand (MEMORY_BENCH_COMPILED), so the
// measured processes do not carry the TypeScript compiler, as n8n runs the
// package compiled. A file missing from it falls back to scripts/ts-register.js.
const fs = require('node:fs');
const path = require('node:path');
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
	const compiled = JSON.parse(fs.readFileSync(process.env.MEMORY_BENCH_COMPILED, 'utf8'));
	require.extensions['.ts'] = function loadCompiled(module, filename) {
		const js = compiled[filename];
		if (js === undefined) {
			require(path.resolve(__dirname, '../../scripts/ts-register.js'));
			return require.extensions['.ts'](module, filename);
		}
		delete compiled[filename];
		module._compile(js, filename);
	};
}
