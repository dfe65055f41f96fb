const path = require('node:path');
const { E2E_DIR } = require('../../../scripts/lib/paths');

const RUN_DIR = path.join(E2E_DIR, 'run');
module.exports = { RUN_DIR, STATE_FILE: path.join(RUN_DIR, 'state.json') };
