// Installs this package into an n8n user folder exactly the way n8n installs
// a community package: the packed tarball unpacked into
// <user folder>/.n8n/nodes/node_modules/<name>, its dev/peer/optional
// dependencies dropped from package.json, then `npm install` with n8n's own
// flags. Node types therefore register as `n8n-nodes-agent-os.<node>`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ROOT } = require('./paths');

const N8N_INSTALL_ARGS = [
	'install',
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

function cleanEnv() {
	const env = { ...process.env };
	delete env.NODE_OPTIONS;
	for (const key of Object.keys(env)) if (/^npm_config_/i.test(key)) delete env[key];
	return env;
}

/** Packs the already built package; returns the tarball path. */
function packPackage(outDir) {
	fs.mkdirSync(outDir, { recursive: true });
	const out = execFileSync(
		'npm',
		['pack', '--ignore-scripts', '--json', '--pack-destination', outDir],
		{
			cwd: ROOT,
			env: cleanEnv(),
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	const [info] = JSON.parse(out);
	return path.join(outDir, info.filename);
}

function installIntoUserFolder(tarball, userFolder) {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', pkg.name);
	fs.rmSync(target, { recursive: true, force: true });
	fs.mkdirSync(target, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
	const manifestPath = path.join(target, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(
		fs.readFileSync(manifestPath, 'utf8'),
	);
	void devDependencies;
	void peerDependencies;
	void optionalDependencies;
	fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	execFileSync('npm', N8N_INSTALL_ARGS, {
		cwd: target,
		env: cleanEnv(),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const nodesPkg = path.join(nodesDir, 'package.json');
	const current = fs.existsSync(nodesPkg)
		? JSON.parse(fs.readFileSync(nodesPkg, 'utf8'))
		: { name: 'installed-nodes', private: true, dependencies: {} };
	current.dependencies = { ...current.dependencies, [pkg.name]: pkg.version };
	fs.writeFileSync(nodesPkg, JSON.stringify(current, null, 2));
	return target;
}

/** Builds nothing: callers run `npm run build` first. Packs and installs. */
function installPackage(userFolder) {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentos-pack-'));
	try {
		const tarball = packPackage(tmp);
		return installIntoUserFolder(tarball, userFolder);
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

module.exports = { installPackage, packPackage, installIntoUserFolder };
