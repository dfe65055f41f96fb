// Lint: TypeScript's recommended rules everywhere, and n8n's own node and
// credential rules (eslint-plugin-n8n-nodes-base, the rule set n8n's starter and
// community nodes use) on nodes/ and credentials/.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const n8nNodesBase = require('eslint-plugin-n8n-nodes-base');

module.exports = tseslint.config(
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'.e2e/**',
			'coverage/**',
			'test-artifacts/**',
			'bench/results/**',
		],
	},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.js'],
		languageOptions: {
			sourceType: 'commonjs',
			globals: {
				jest: 'readonly',
				require: 'readonly',
				globalThis: 'readonly',
				module: 'writable',
				process: 'readonly',
				__dirname: 'readonly',
				console: 'readonly',
				setTimeout: 'readonly',
				clearTimeout: 'readonly',
				Buffer: 'readonly',
				URL: 'readonly',
				fetch: 'readonly',
				AbortController: 'readonly',
				setInterval: 'readonly',
				clearInterval: 'readonly',
			},
		},
		rules: { '@typescript-eslint/no-require-imports': 'off' },
	},
	{
		rules: {
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
			],
		},
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Our credentials are documented in the README of this package, not on
			// docs.n8n.io, so the documentation URL is a full https URL.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.community.rules,
			...n8nNodesBase.configs.nodes.rules,
			// Our nodes take AI sub-node inputs (embeddings, chat models, tools, memory),
			// declared with NodeConnectionTypes as n8n's own AI nodes do; these two rules
			// predate AI connections and accept only the literal ['main'].
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			// We reuse n8n's built-in credential types where they fit (postgres, rabbitmq),
			// whose names have no -Api suffix.
			'n8n-nodes-base/node-class-description-credentials-name-unsuffixed': 'off',
		},
	},
);
