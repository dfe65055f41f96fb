// Starts one real n8n for the whole e2e tier: n8n from npm, this package packed
// and installed as a community package into a fresh user folder, every
// template imported and activated. Tests read the state file.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startLocalN8n, writeState } = require('../../../scripts/lib/local-n8n');
const { freePort } = require('../../../scripts/lib/n8n-process');
const { E2E_DIR, ROOT } = require('../../../scripts/lib/paths');
const { STATE_FILE, RUN_DIR } = require('./state');
const { credentialFactory } = require('./credentials');
require('../../../scripts/ts-register');
const { OpenAiMockServer } = require('../../helpers/openai-mock-server.ts');

module.exports = async () => {
	const env = { ...process.env };
	delete env.NODE_OPTIONS;
	if (process.env.AGENT_OS_SKIP_BUILD !== '1') {
		execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, env, stdio: 'inherit' });
	}
	fs.rmSync(RUN_DIR, { recursive: true, force: true });
	const userFolder = path.join(RUN_DIR, 'user');
	const port = await freePort();
	// The chat models of the templates talk to this local OpenAI-compatible
	// server; tests script its answers over its /__admin routes.
	const openai = await OpenAiMockServer.start();
	globalThis.__AGENT_OS_OPENAI__ = openai;
	const started = await startLocalN8n({
		userFolder,
		port,
		credentialFor: credentialFactory({ openaiUrl: openai.url }),
		log: (m) => console.log(`[e2e] ${m}`),
	});
	const pid = started.child.pid;
	// Whatever happens to jest, n8n does not outlive it.
	process.once('exit', () => {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// already stopped
		}
	});
	globalThis.__AGENT_OS_N8N_PID__ = pid;
	writeState(STATE_FILE, {
		pid,
		base: started.base,
		port,
		userFolder,
		logFile: started.logFile,
		apiKey: started.client.apiKey,
		cookie: started.client.cookie,
		workflows: started.workflows,
		openaiUrl: openai.url,
		e2eDir: E2E_DIR,
	});
};
