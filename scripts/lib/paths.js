const crypto = require('node:crypto');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * n8n user folders live outside the checkout (see test/e2e/harness/state.js),
 * one set per checkout: <tmp>/agent-os-<hash of the checkout path>.
 */
const RUNTIME_DIR = path.join(
	os.tmpdir(),
	`agent-os-${crypto.createHash('sha256').update(ROOT).digest('hex').slice(0, 10)}`,
);

module.exports = {
	ROOT,
	RUNTIME_DIR,
	/** Everything the local n8n needs lives here; ignored by git, reused between runs. */
	E2E_DIR: path.join(ROOT, '.e2e'),
	/** The n8n version the README promises and the tests run. */
	N8N_VERSION: process.env.AGENT_OS_N8N_VERSION || '1.123.81',
};
