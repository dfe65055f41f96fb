// Installs n8n from npm into an ignored folder (.e2e/n8n-<version>) once and
// reuses it. The npm registry here is a partial mirror, so a few transitive
// packages are pinned to versions it has (overrides), install scripts are
// skipped (isolated-vm cannot compile here; n8n runs with the legacy
// expression engine) and only sqlite3, which n8n needs, is built from source.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { E2E_DIR, N8N_VERSION } = require('./paths');

const OVERRIDES = {
	linkedom: '0.18.12',
	xlsx: '0.18.5',
	'@langchain/langgraph-checkpoint': '1.0.0',
	'isolated-vm': '5.0.4',
};

function n8nDir(version = N8N_VERSION) {
	return path.join(E2E_DIR, `n8n-${version}`);
}

function n8nBin(version = N8N_VERSION) {
	return path.join(n8nDir(version), 'node_modules', 'n8n', 'bin', 'n8n');
}

function npm(args, cwd, log) {
	// Under `npm test` the parent npm exports its settings (this project's
	// ignore-scripts=true among them) as npm_config_* variables; n8n's own
	// install must not inherit them, or sqlite3 is never built.
	const env = { ...process.env };
	delete env.NODE_OPTIONS;
	for (const key of Object.keys(env)) if (/^npm_config_/i.test(key)) delete env[key];
	execFileSync('npm', args, { cwd, env, stdio: ['ignore', log, log] });
}

/** Returns the n8n bin path, installing n8n first when needed. */
function ensureN8n({ version = N8N_VERSION, log = (m) => console.log(m) } = {}) {
	const dir = n8nDir(version);
	const marker = path.join(dir, '.installed');
	if (fs.existsSync(marker) && fs.existsSync(n8nBin(version))) return n8nBin(version);
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: 'agent-os-local-n8n',
				private: true,
				dependencies: { n8n: version },
				overrides: OVERRIDES,
			},
			null,
			2,
		),
	);
	const logFile = path.join(dir, 'install.log');
	const fd = fs.openSync(logFile, 'a');
	try {
		log(
			`Installing n8n ${version} into ${path.relative(process.cwd(), dir)} (first run only, a few minutes)…`,
		);
		npm(['install', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund'], dir, fd);
		log('Building sqlite3 for n8n (about a minute)…');
		npm(['rebuild', 'sqlite3', '--ignore-scripts=false'], dir, fd);
	} catch (err) {
		throw new Error(`Installing n8n ${version} failed; see ${logFile}: ${err.message}`);
	} finally {
		fs.closeSync(fd);
	}
	// Fail here, with the reason, rather than when n8n cannot open its database.
	try {
		execFileSync(process.execPath, ['-e', "require('sqlite3')"], { cwd: dir, stdio: 'pipe' });
	} catch (err) {
		throw new Error(
			`sqlite3 did not build for n8n ${version}; see ${logFile}: ${String(err.stderr || err.message).slice(0, 500)}`,
		);
	}
	fs.writeFileSync(marker, new Date().toISOString());
	return n8nBin(version);
}

module.exports = { ensureN8n, n8nDir, n8nBin };
