const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

module.exports = {
	ROOT,
	/** Everything the local n8n needs lives here; ignored by git, reused between runs. */
	E2E_DIR: path.join(ROOT, '.e2e'),
	/** The n8n version the README promises and the tests run. */
	N8N_VERSION: process.env.AGENT_OS_N8N_VERSION || '1.123.81',
};
