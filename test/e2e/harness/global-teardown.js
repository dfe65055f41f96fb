// Stops n8n (also after failing tests) and keeps its log as a test artifact.
const fs = require('node:fs');
const path = require('node:path');
const { stopPid } = require('../../../scripts/lib/n8n-process');
const { ROOT } = require('../../../scripts/lib/paths');
const { STATE_FILE } = require('./state');

module.exports = async () => {
	if (!fs.existsSync(STATE_FILE)) return;
	const state = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
	await stopPid(state.pid);
	if (globalThis.__AGENT_OS_OPENAI__) await globalThis.__AGENT_OS_OPENAI__.close();
	const artifacts = path.join(ROOT, 'test-artifacts');
	fs.mkdirSync(artifacts, { recursive: true });
	if (fs.existsSync(state.logFile)) fs.copyFileSync(state.logFile, path.join(artifacts, 'n8n.log'));
};
