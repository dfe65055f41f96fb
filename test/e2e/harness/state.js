const path = require('node:path');
const { E2E_DIR } = require('../../../scripts/lib/paths');

// AGENT_OS_E2E_RUN lets two e2e runs (each with its own n8n) share a checkout.
const RUN_DIR = process.env.AGENT_OS_E2E_RUN
	? path.resolve(process.env.AGENT_OS_E2E_RUN)
	: path.join(E2E_DIR, 'run');
module.exports = { RUN_DIR, STATE_FILE: path.join(RUN_DIR, 'state.json') };
