// Three tiers, all run by `npm test`:
//   unit        pure and fast, no I/O beyond temp files
//   integration real services: PostgreSQL and RabbitMQ on 127.0.0.1, PGlite in-process
//   e2e         a real n8n with this package installed the way n8n installs community packages
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = { testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest } };

module.exports = {
	testSequencer: '<rootDir>/test/e2e/harness/sequencer.js',
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{
			...common,
			displayName: 'integration',
			testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
			globalSetup: '<rootDir>/test/integration/global-setup.js',
			setupFilesAfterEnv: ['<rootDir>/test/integration/timeout.js'],
		},
		{
			...common,
			displayName: 'e2e',
			testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
			// A guard against a hung n8n, not a speed requirement.
			setupFilesAfterEnv: ['<rootDir>/test/e2e/harness/timeout.js'],
			globalSetup: '<rootDir>/test/e2e/harness/global-setup.js',
			globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.js',
		},
	],
};
