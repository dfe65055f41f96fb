#!/usr/bin/env node
// `npm start`: builds this package, prepares a local n8n (SQLite, embedded
// storage for our nodes), installs the package the way n8n installs community
// packages, imports and activates every template, and keeps n8n running.
// Data stays in ~/.agent-os/n8n (AGENT_OS_HOME) between runs; Ctrl-C stops n8n.
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startLocalN8n } = require('./lib/local-n8n');
const { isPortFree, freePort, stopPid } = require('./lib/n8n-process');
const { ROOT, N8N_VERSION } = require('./lib/paths');

async function main() {
	const env = { ...process.env };
	delete env.NODE_OPTIONS;
	console.log('Building n8n-nodes-agent-os…');
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, env, stdio: 'inherit' });

	// Outside the checkout, like a real n8n user folder: the installed package
	// must resolve n8n's own @langchain/core and prom-client, not this project's.
	const userFolder = process.env.AGENT_OS_HOME || path.join(os.homedir(), '.agent-os', 'n8n');
	const wanted = Number(process.env.N8N_PORT || 5678);
	const port = (await isPortFree(wanted)) ? wanted : await freePort();
	if (port !== wanted) console.log(`Port ${wanted} is taken; using ${port}.`);

	const n8n = await startLocalN8n({ userFolder, port });
	const stop = async () => {
		console.log('\nStopping n8n…');
		await stopPid(n8n.child.pid);
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	n8n.child.once('exit', (code) => {
		console.log(`n8n exited (${code}). Log: ${n8n.logFile}`);
		process.exit(code ?? 1);
	});

	const line = '─'.repeat(64);
	console.log(`\n${line}\n n8n ${N8N_VERSION} with n8n-nodes-agent-os is running\n${line}`);
	console.log(` Editor:   ${n8n.base}/`);
	console.log(` Login:    ${n8n.owner.email}  /  ${n8n.owner.password}`);
	console.log(` Data:     ${userFolder} (n8n SQLite + embedded PGlite memory)`);
	console.log(` Log:      ${n8n.logFile}`);
	console.log(' Workflows:');
	for (const wf of n8n.workflows) {
		const state = wf.active
			? 'active'
			: `inactive — ${wf.activationError ?? 'open it to finish set-up'}`;
		console.log(`   • ${wf.name} (${state})`);
		for (const hook of wf.webhooks) {
			console.log(`       ${hook.method.padEnd(5)} ${n8n.base}/webhook/${hook.path}`);
		}
	}
	console.log(
		`\n Try: curl -X POST ${n8n.base}/webhook/memory/store -H 'content-type: application/json' \\`,
	);
	console.log(`        -d '{"text": "Ada prefers email", "namespace": "crm"}'`);
	console.log(`${line}\n Ctrl-C stops n8n.`);
}

main().catch((err) => {
	console.error(err.message);
	process.exit(1);
});
