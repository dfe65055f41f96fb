import type { INodeProperties } from 'n8n-workflow';

export const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		default: 'coordinate',
		options: [
			{
				name: 'Broadcast',
				value: 'broadcast',
				description: 'Every member works on the task in parallel; the leader combines the answers',
			},
			{
				name: 'Coordinate',
				value: 'coordinate',
				description:
					'The leader delegates to members through tool calls (several at once in parallel) until it can answer',
			},
			{
				name: 'Plan',
				value: 'plan',
				description:
					'The leader writes a task graph with dependencies; independent tasks run in parallel; the leader writes the answer',
			},
			{
				name: 'Route',
				value: 'route',
				description: 'The leader picks the one member who answers',
			},
			{
				name: 'Sequential',
				value: 'sequential',
				description: 'A pipeline: each member works on the previous member’s output',
			},
		],
	},
	{
		displayName: 'Task',
		name: 'task',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '={{ $json.chatInput ?? $json.task }}',
		required: true,
		description: 'What the team should do',
	},
	{
		displayName: 'Leader Instructions',
		name: 'leaderInstructions',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		description: 'Extra guidance for the leader (the model on the Model input)',
	},
	{
		displayName: 'Define Members',
		name: 'membersSource',
		type: 'options',
		noDataExpression: true,
		default: 'fields',
		options: [
			{ name: 'Using Fields Below', value: 'fields' },
			{ name: 'Using JSON', value: 'json' },
		],
	},
	{
		displayName: 'Members',
		name: 'members',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Member',
		default: {},
		displayOptions: { show: { membersSource: ['fields'] } },
		options: [
			{
				displayName: 'Member',
				name: 'member',
				values: [
					{
						displayName: 'Allowed Tools',
						name: 'tools',
						type: 'string',
						default: '',
						placeholder: 'e.g. search, calculator (or * for all)',
						description: 'Comma-separated names of connected tools this member may call',
					},
					{
						displayName: 'Instructions',
						name: 'instructions',
						type: 'string',
						typeOptions: { rows: 3 },
						default: '',
					},
					{
						displayName: 'Model',
						name: 'model',
						type: 'options',
						default: 'member',
						options: [
							{
								name: 'Member Model (If Connected)',
								value: 'member',
								description: 'The model on the Member Model input, else the leader’s',
							},
							{
								name: 'Leader Model',
								value: 'leader',
							},
						],
					},
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						required: true,
						description: 'Unique name of the member; the leader delegates by this name',
					},
					{
						displayName: 'Output Schema (JSON)',
						name: 'outputSchema',
						type: 'json',
						default: '',
						description: 'Optional JSON schema the member’s answer must follow',
					},
					{
						displayName: 'Role',
						name: 'role',
						type: 'string',
						default: '',
						placeholder: 'e.g. finds and checks facts',
					},
				],
			},
		],
	},
	{
		displayName: 'Members (JSON)',
		name: 'membersJson',
		type: 'json',
		default:
			'[\n  {"name": "researcher", "role": "finds facts", "instructions": "Cite sources.", "tools": ["*"]},\n  {"name": "writer", "role": "writes clear prose", "model": "member"}\n]',
		displayOptions: { show: { membersSource: ['json'] } },
		description:
			'Array of members: name, role, instructions, tools (array of tool names), model ("member" or "leader"), outputSchema',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Fallback Member',
				name: 'fallbackMember',
				type: 'string',
				default: '',
				description: 'Member that takes over the task of a member that fails',
			},
			{
				displayName: 'Include Transcript',
				name: 'includeTranscript',
				type: 'boolean',
				default: true,
				description:
					'Whether to output the transcript (the Agent Team Tool leaves it out unless this is on)',
			},
			{
				displayName: 'Leader Tools',
				name: 'leaderTools',
				type: 'string',
				default: '',
				description: 'Comma-separated connected tools the leader may call itself (coordinate mode)',
			},
			{
				displayName: 'Max Concurrency',
				name: 'maxConcurrency',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description: 'Member runs in flight at once',
			},
			{
				displayName: 'Max Delegations',
				name: 'maxDelegations',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 20,
				description: 'Member runs the whole team may start',
			},
			{
				displayName: 'Max Retries',
				name: 'maxRetries',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 3,
				description:
					'Retries of a model call on rate limits and server errors, with exponential backoff',
			},
			{
				displayName: 'Max Turns',
				name: 'maxTurns',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 8,
				description: 'Model calls per agent (leader and each member) before it must stop',
			},
			{
				displayName: 'Member Timeout (Seconds)',
				name: 'memberTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 120,
				description: 'Time limit of one member run, retries included; 0 for none',
			},
			{
				displayName: 'Output Schema (JSON)',
				name: 'outputSchema',
				type: 'json',
				default: '',
				description: 'JSON schema of the final answer; an invalid answer gets one repair attempt',
			},
			{
				displayName: 'Price Table (JSON)',
				name: 'priceTable',
				type: 'json',
				default:
					'{\n  "gpt-4o-mini": {"input": 0.15, "output": 0.6},\n  "*": {"input": 1, "output": 3}\n}',
				description:
					'USD per million tokens by model name (longest prefix wins, * is the default), for the cost estimate',
			},
			{
				displayName: 'Token Budget',
				name: 'tokenBudget',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Tokens the whole run may spend; the run stops cleanly when spent. 0 for no limit.',
			},
		],
	},
];
