import type { INodeProperties } from 'n8n-workflow';

const forOperation = (...operation: string[]) => ({ show: { operation } });
const gate = forOperation('check', 'sendAndWait');

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Check',
				value: 'check',
				description: 'Check each item against the policy and route it to Approved or Rejected',
				action: 'Check items against a policy',
			},
			{
				name: 'Export Audit Trail',
				value: 'exportAudit',
				description: 'Export the audit trail as JSON lines',
				action: 'Export the audit trail',
			},
			{
				name: 'Hold for Human Review',
				value: 'sendAndWait',
				description:
					'Check the items and, when the policy asks for review, pause until reviewers approve or reject through signed links',
				action: 'Hold items for human review',
			},
			{
				name: 'Restore Pseudonymised Text',
				value: 'restore',
				description: 'Put the original values back into text pseudonymised by an earlier check',
				action: 'Restore pseudonymised text',
			},
			{
				name: 'Verify Audit Trail',
				value: 'verifyAudit',
				description: 'Recompute the hash chain and report the first broken record',
				action: 'Verify the audit trail',
			},
		],
		default: 'check',
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '={{ $json.text }}',
		required: true,
		displayOptions: gate,
		description: 'The text to check, usually an expression pointing at a field of the item',
	},
	{
		displayName: 'Policy Source',
		name: 'policySource',
		type: 'options',
		noDataExpression: true,
		displayOptions: gate,
		options: [
			{
				name: 'Built-In',
				value: 'builtin',
				description: 'One of the policies that ship with the node',
			},
			{
				name: 'Inline (JSON or YAML)',
				value: 'inline',
				description: 'A policy written in this node',
			},
			{
				name: 'File on the N8n Server',
				value: 'file',
				description: 'A .JSON, .yaml or .yml policy file',
			},
		],
		default: 'builtin',
	},
	{
		displayName: 'Policy',
		name: 'policyName',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { operation: ['check', 'sendAndWait'], policySource: ['builtin'] } },
		options: [
			{
				name: 'Default',
				value: 'default',
				description:
					'Redact PII; block secrets, prompt injection, oversized or binary input; review hidden text',
			},
			{ name: 'PII Redact', value: 'pii-redact', description: 'Only PII, replaced with type tags' },
			{
				name: 'Strict',
				value: 'strict',
				description: 'Any PII or suspicious content needs a human',
			},
		],
		default: 'default',
	},
	{
		displayName: 'Policy Definition',
		name: 'policy',
		type: 'string',
		typeOptions: { rows: 12 },
		displayOptions: { show: { operation: ['check', 'sendAndWait'], policySource: ['inline'] } },
		default:
			'name: my-policy\ndetectors:\n  pii: {}\n  secrets: {}\n  injection: {}\nrules:\n  - match: SECRET\n    severity: critical\n    action: block\n  - match: PROMPT_INJECTION\n    severity: critical\n    action: block\n  - match: pii\n    severity: high\n    action: redact\nredaction:\n  mode: tag\n',
		description:
			'Detectors, rules (match → severity → action) and redaction, as JSON or YAML. See the README for every option.',
	},
	{
		displayName: 'Policy File Path',
		name: 'policyFile',
		type: 'string',
		displayOptions: { show: { operation: ['check', 'sendAndWait'], policySource: ['file'] } },
		default: '',
		placeholder: '/home/node/policies/support.yaml',
		description: 'Absolute path of a policy file readable by the n8n process',
	},
	{
		displayName: 'Output Field',
		name: 'outputField',
		type: 'string',
		displayOptions: gate,
		default: 'text',
		description:
			'Field that receives the checked text: redacted where the policy redacts (Approved) or with every finding tagged (Rejected)',
	},
	{
		displayName: 'Redaction Key',
		name: 'redactionKey',
		type: 'string',
		typeOptions: { password: true },
		displayOptions: forOperation('check', 'sendAndWait', 'restore'),
		default: '',
		description:
			'Secret for "hash" and "pseudonymise" redaction (at least 16 characters). The same key restores pseudonymised text.',
	},
	{
		displayName: 'Pseudonymised Text',
		name: 'restoreText',
		type: 'string',
		typeOptions: { rows: 3 },
		displayOptions: forOperation('restore'),
		default: '={{ $json.text }}',
		required: true,
		description: 'Text containing tokens like &lt;CREDIT_CARD_7KQ2M9XD4A&gt;',
	},
	{
		displayName: 'Vault',
		name: 'vault',
		type: 'string',
		displayOptions: forOperation('restore'),
		default: '={{ $json.airlock.vault }}',
		required: true,
		description: 'The sealed vault the check returned in airlock.vault',
	},
	{
		displayName: 'Reviewers',
		name: 'reviewers',
		type: 'string',
		displayOptions: forOperation('sendAndWait'),
		default: '',
		placeholder: 'ann@example.com, bob@example.com',
		description:
			'Comma-separated reviewer names; each gets their own approve and reject links. Empty: one anonymous reviewer.',
	},
	{
		displayName: 'Required Approvals',
		name: 'requiredApprovals',
		type: 'number',
		typeOptions: { minValue: 1 },
		displayOptions: forOperation('sendAndWait'),
		default: 1,
		description:
			'How many reviewers must approve (N of M). A rejection that makes N unreachable rejects at once.',
	},
	{
		displayName: 'Hold Only When the Policy Asks for Review',
		name: 'holdOnlyWhenNeeded',
		type: 'boolean',
		displayOptions: forOperation('sendAndWait'),
		default: true,
		description:
			'Whether items that need no review pass straight through without pausing. Off: every batch waits for a reviewer.',
	},
	{
		displayName: 'Notify Webhook URL',
		name: 'notifyUrl',
		type: 'string',
		displayOptions: forOperation('sendAndWait'),
		default: '',
		placeholder: 'https://chat.example.com/hooks/reviews',
		description:
			'Where the review links are POSTed as JSON (Slack/Teams/any webhook). If it is down the hold still stands and the failure is shown in the output.',
	},
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'boolean',
		displayOptions: forOperation('sendAndWait'),
		default: true,
		description: 'Whether the hold ends with a default decision after some time',
	},
	{
		displayName: 'Wait Amount',
		name: 'resumeAmount',
		type: 'number',
		typeOptions: { minValue: 1 },
		displayOptions: { show: { operation: ['sendAndWait'], limitWaitTime: [true] } },
		default: 24,
	},
	{
		displayName: 'Wait Unit',
		name: 'resumeUnit',
		type: 'options',
		displayOptions: { show: { operation: ['sendAndWait'], limitWaitTime: [true] } },
		options: [
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
		],
		default: 'hours',
	},
	{
		displayName: 'Decision on Timeout',
		name: 'timeoutDecision',
		type: 'options',
		displayOptions: { show: { operation: ['sendAndWait'], limitWaitTime: [true] } },
		options: [
			{
				name: 'Reject',
				value: 'reject',
				description: 'Held items do not continue; items that needed no review leave on Approved',
			},
			{
				name: 'Approve',
				value: 'approve',
				description: "Held items leave on Approved with the policy's redaction",
			},
		],
		default: 'reject',
		description:
			'What happens to the held items when time runs out. After a hold, n8n continues the node on its first output (Approved) only; rejected items end the execution and stay on the audit trail.',
	},
	{
		displayName: 'Audit',
		name: 'audit',
		type: 'boolean',
		displayOptions: gate,
		default: true,
		description:
			'Whether every decision is appended to the tamper-evident audit trail (redacted text and hashes only)',
	},
	{
		displayName: 'Storage',
		name: 'storage',
		type: 'options',
		noDataExpression: true,
		displayOptions: forOperation('check', 'sendAndWait', 'verifyAudit', 'exportAudit'),
		options: [
			{
				name: 'Embedded',
				value: 'embedded',
				description: 'PostgreSQL compiled into the node (PGlite), saved under the n8n user folder',
			},
			{
				name: 'PostgreSQL',
				value: 'postgres',
				description: 'A PostgreSQL server, through a Postgres credential',
			},
		],
		default: 'embedded',
		description: 'Where the audit trail and review holds are kept',
	},
	{
		displayName: 'Audit Chain',
		name: 'auditChain',
		type: 'string',
		displayOptions: forOperation('check', 'sendAndWait', 'verifyAudit', 'exportAudit'),
		default: 'default',
		description: 'Name of the audit chain; separate chains (e.g. per team) verify independently',
	},
	{
		displayName: 'Start at Record',
		name: 'fromSeq',
		type: 'number',
		typeOptions: { minValue: 1 },
		displayOptions: forOperation('exportAudit'),
		default: 1,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		displayOptions: forOperation('exportAudit'),
		default: 50,
		description: 'Max number of results to return',
	},
];
