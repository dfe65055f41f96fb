// Probes the real services once per run. Outside CI an absent service is
// reported loudly and its suites are skipped; with CI=true it fails the run.
require('../../scripts/ts-register');
const { postgresAvailable, rabbitAvailable } = require('../helpers/services.ts');

module.exports = async () => {
	process.env.AGENTOS_HAVE_PG = (await postgresAvailable()) ? '1' : '0';
	process.env.AGENTOS_HAVE_AMQP = (await rabbitAvailable()) ? '1' : '0';
};
