#!/usr/bin/env node
// `npm run bench [engine…]`: runs the benchmarks in bench/<engine>/index.ts one
// after another (each prints its table and writes bench/results/<engine>.json).
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const all = fs
	.readdirSync(path.join(ROOT, 'bench'), { withFileTypes: true })
	.filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'bench', d.name, 'index.ts')))
	.map((d) => d.name)
	.sort();
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
const env = {
	...process.env,
	NODE_OPTIONS:
		`${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings=ExperimentalWarning`.trim(),
};
let failed = 0;
for (const name of wanted) {
	if (!all.includes(name)) {
		console.error(`No benchmark "${name}"; available: ${all.join(', ')}`);
		failed++;
		continue;
	}
	console.log(`\n=== bench/${name}`);
	const res = spawnSync(
		process.execPath,
		['-r', './scripts/ts-register.js', `bench/${name}/index.ts`],
		{ cwd: ROOT, stdio: 'inherit', env },
	);
	if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
