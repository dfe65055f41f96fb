const path = require('node:path');
const { RUNTIME_DIR } = require('../../../scripts/lib/paths');

// The test n8n's user folder lies outside the repository: Node resolves
// modules by walking up from the installed package, and inside the checkout
// it would find this project's dev copies of @langchain/core or prom-client
// instead of n8n's, as no real installation could.
// AGENT_OS_E2E_RUN lets two e2e runs (each with its own n8n) share a checkout.
const RUN_DIR = process.env.AGENT_OS_E2E_RUN
	? path.resolve(process.env.AGENT_OS_E2E_RUN)
	: path.join(RUNTIME_DIR, 'e2e-run');
module.exports = { RUN_DIR, STATE_FILE: path.join(RUN_DIR, 'state.json') };
