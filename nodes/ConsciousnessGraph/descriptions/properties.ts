import type { INodeProperties } from 'n8n-workflow';
import { backendProperty, graphProperty } from '../backend';

const forOperation = (...operation: string[]) => ({ show: { operation } });

const relationTypesOption: INodeProperties = {
	displayName: 'Relation Types',
	name: 'relationTypes',
	type: 'string',
	default: '',
	placeholder: 'WORKS_AT, KNOWS',
	description: 'Follow only these relation types (comma-separated); empty follows all',
};

const asOfOption: INodeProperties = {
	displayName: 'As Of',
	name: 'asOf',
	type: 'string',
	default: '',
	placeholder: '2025-01-31T00:00:00Z',
	description: 'Only facts valid at this ISO time; empty means now',
};

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Delete (Forget)',
			value: 'forget',
			description: 'Delete an entity, relation or episode, with the stated cascades',
			action: 'Forget an entity relation or episode',
		},
		{
			name: 'Extract Knowledge',
			value: 'extractKnowledge',
			description:
				'Record text as an episode and extract its entities and facts with the connected chat model',
			action: 'Extract knowledge from text',
		},
		{
			name: 'Find Paths',
			value: 'findPaths',
			description: 'Shortest paths between two entities',
			action: 'Find paths between entities',
		},
		{
			name: 'Recall Context',
			value: 'recallContext',
			description: 'The neighbourhood of entities or of a query, as JSON and as prompt text',
			action: 'Recall context',
		},
		{
			name: 'Record Episode',
			value: 'recordEpisode',
			description:
				'Record an episode or thought of an agent, with the entities and facts it is about',
			action: 'Record an episode',
		},
		{
			name: 'Relate',
			value: 'relate',
			description: 'Assert facts between entities; contradicted facts are closed, not deleted',
			action: 'Relate entities',
		},
		{
			name: 'Run Cypher',
			value: 'runCypher',
			description: 'Run a Cypher query with parameters (Neo4j backend only)',
			action: 'Run a cypher query',
		},
		{
			name: 'Search Entities',
			value: 'searchEntities',
			description: 'Find entities by words and meaning',
			action: 'Search entities',
		},
		{
			name: 'Stats',
			value: 'stats',
			description: 'Counts of entities, relations and episodes',
			action: 'Get graph statistics',
		},
		{
			name: 'Upsert Entities',
			value: 'upsertEntities',
			description: 'Create entities or merge them into existing ones by key and alias',
			action: 'Upsert entities',
		},
	],
	default: 'recallContext',
};

export const properties: INodeProperties[] = [
	backendProperty,
	graphProperty,
	operationProperty,

	// Upsert
	{
		displayName: 'Entities (JSON)',
		name: 'entities',
		type: 'json',
		default:
			'[{"type": "Person", "name": "Ada Lovelace", "aliases": ["Countess of Lovelace"], "properties": {"born": 1815}}]',
		required: true,
		displayOptions: forOperation('upsertEntities'),
		description:
			'An entity or a list of them: type (PascalCase), name, and optionally key, aliases, properties, embedding. All items are written in one transaction.',
	},

	// Relate
	{
		displayName: 'Relations (JSON)',
		name: 'relations',
		type: 'json',
		default:
			'[{"type": "WORKS_AT", "from": "person:ada_lovelace", "to": "org:analytical_engine", "validAt": "1843-01-01T00:00:00Z"}]',
		required: true,
		displayOptions: forOperation('relate'),
		description:
			'A relation or a list: type (UPPER_SNAKE_CASE), from and to (entity keys), and optionally validAt, invalidAt, confidence, properties, contradicts (relation IDs)',
	},
	{
		displayName: 'Missing Entities',
		name: 'missingEntities',
		type: 'options',
		options: [
			{
				name: 'Reject',
				value: 'reject',
				description: 'Fail when a relation names an entity that does not exist',
			},
			{
				name: 'Create',
				value: 'create',
				description: 'Create missing endpoints as entities of type Thing',
			},
		],
		default: 'reject',
		displayOptions: forOperation('relate', 'recordEpisode'),
	},
	{
		displayName: 'Single-Valued Relation Types',
		name: 'singleValued',
		type: 'string',
		default: '',
		placeholder: 'LIVES_IN, WORKS_AT',
		displayOptions: forOperation('relate', 'recordEpisode', 'extractKnowledge'),
		description:
			'Relation types with one value per subject: asserting a new value closes the current one (comma-separated)',
	},

	// Record episode / extract knowledge
	{
		displayName: 'Agent',
		name: 'agent',
		type: 'string',
		default: 'assistant',
		required: true,
		displayOptions: forOperation('recordEpisode', 'extractKnowledge'),
		description:
			'Name of the agent the episode comes from; its Agent entity is created on first use',
	},
	{
		displayName: 'Content',
		name: 'content',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		displayOptions: forOperation('recordEpisode', 'extractKnowledge'),
		description: 'The text of the episode or thought',
	},
	{
		displayName: 'Episode Options',
		name: 'episodeOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('recordEpisode', 'extractKnowledge'),
		options: [
			{
				displayName: 'Context',
				name: 'context',
				type: 'string',
				default: '',
				description: 'A task, conversation or project name; becomes a Context entity',
			},
			{
				displayName: 'Entities (JSON)',
				name: 'entities',
				type: 'json',
				default: '[]',
				description: 'Entities the episode is about, upserted with it (Record Episode only)',
			},
			{
				displayName: 'Entity Keys',
				name: 'entityKeys',
				type: 'string',
				default: '',
				description:
					'Keys of existing entities the episode is about, comma-separated (Record Episode only)',
			},
			{
				displayName: 'Episode ID',
				name: 'id',
				type: 'string',
				default: '',
				description:
					'Stable ID; empty derives one from agent and content, so the same text is one episode',
			},
			{
				displayName: 'Kind',
				name: 'kind',
				type: 'options',
				options: [
					{ name: 'Episode', value: 'episode' },
					{ name: 'Thought', value: 'thought' },
				],
				default: 'episode',
			},
			{
				displayName: 'Occurred At',
				name: 'occurredAt',
				type: 'string',
				default: '',
				description: 'ISO time of the episode; empty means now',
			},
			{
				displayName: 'Relations (JSON)',
				name: 'relations',
				type: 'json',
				default: '[]',
				description: 'Facts the episode asserts (Record Episode only)',
			},
			{
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: '',
				description: 'Where the text came from (URL, message ID, …)',
			},
		],
	},
	{
		displayName: 'Extraction Options',
		name: 'extractOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('extractKnowledge'),
		options: [
			{
				displayName: 'Entity Types',
				name: 'entityTypes',
				type: 'string',
				default: '',
				placeholder: 'Person, Organization, Place',
				description: 'Allowed entity types, comma-separated; empty allows any',
			},
			{
				displayName: 'Model Tie-Break',
				name: 'tieBreak',
				type: 'boolean',
				default: true,
				description:
					'Whether to ask the model which entity is meant when several stored ones match a name about equally',
			},
			{
				displayName: 'Relation Types',
				name: 'relationTypes',
				type: 'string',
				default: '',
				placeholder: 'WORKS_AT, KNOWS',
				description: 'Allowed relation types, comma-separated; empty allows any',
			},
			{
				displayName: 'Structured Output',
				name: 'method',
				type: 'options',
				options: [
					{
						name: 'Model Tool / JSON Schema',
						value: 'tool',
						description: "The model's structured output support",
					},
					{
						name: 'JSON in the Answer',
						value: 'json',
						description: 'Schema in the prompt; for models without tool support',
					},
				],
				default: 'tool',
			},
		],
	},

	// Recall
	{
		displayName: 'Recall By',
		name: 'recallBy',
		type: 'options',
		options: [
			{
				name: 'Query',
				value: 'query',
				description: 'Start from the entities that best match a text',
			},
			{ name: 'Entity Keys', value: 'keys', description: 'Start from given entities' },
		],
		default: 'query',
		displayOptions: forOperation('recallContext'),
	},
	{
		displayName: 'Query',
		name: 'query',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['recallContext'], recallBy: ['query'] } },
		description: 'Text whose best-matching entities start the recall',
	},
	{
		displayName: 'Entity Keys',
		name: 'keys',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['recallContext'], recallBy: ['keys'] } },
		description: 'Keys of the entities to start from, comma-separated',
	},
	{
		displayName: 'Recall Options',
		name: 'recallOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('recallContext'),
		options: [
			asOfOption,
			{
				displayName: 'Budget',
				name: 'budget',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 50,
				description: 'Maximum number of entities returned',
			},
			{
				displayName: 'Episodes',
				name: 'episodes',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 50 },
				default: 3,
				description: 'Recent episodes about the start entities to include',
			},
			{
				displayName: 'Hops',
				name: 'hops',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 4 },
				default: 2,
				description: 'How far from the start entities to go',
			},
			relationTypesOption,
			{
				displayName: 'Start Entities From Query',
				name: 'seedCount',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 20 },
				default: 3,
				description: 'How many best matches of the query start the recall',
			},
		],
	},

	// Paths
	{
		displayName: 'From Entity Key',
		name: 'fromKey',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forOperation('findPaths'),
	},
	{
		displayName: 'To Entity Key',
		name: 'toKey',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forOperation('findPaths'),
	},
	{
		displayName: 'Path Options',
		name: 'pathOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('findPaths'),
		options: [
			asOfOption,
			{
				displayName: 'Max Hops',
				name: 'maxHops',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 6 },
				default: 4,
			},
			{
				displayName: 'Max Paths',
				name: 'maxPaths',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 50 },
				default: 3,
				description: 'Shortest paths to return',
			},
			relationTypesOption,
		],
	},

	// Search
	{
		displayName: 'Query',
		name: 'searchQuery',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forOperation('searchEntities'),
		description:
			'Words to match in names and aliases; with an Embeddings sub-node connected, also matched by meaning',
	},
	{
		displayName: 'Search Options',
		name: 'searchOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('searchEntities'),
		options: [
			{
				displayName: 'Entity Types',
				name: 'types',
				type: 'string',
				default: '',
				description: 'Only these entity types, comma-separated',
			},
			{
				displayName: 'Limit',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: 'Max number of results to return',
			},
		],
	},

	// Cypher
	{
		displayName:
			'Run Cypher needs the Neo4j backend. Pass every value as a $parameter, never inside the query text.',
		name: 'cypherNotice',
		type: 'notice',
		default: '',
		displayOptions: forOperation('runCypher'),
	},
	{
		displayName: 'Query',
		name: 'cypher',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		placeholder:
			'MATCH (n:Entity {graph: $graph}) RETURN n.key AS key, n.name AS name LIMIT $limit',
		required: true,
		displayOptions: forOperation('runCypher'),
		description: 'Cypher text; values only as $parameters',
	},
	{
		displayName: 'Parameters (JSON)',
		name: 'cypherParameters',
		type: 'json',
		default: '{"graph": "default", "limit": 10}',
		displayOptions: forOperation('runCypher'),
	},
	{
		displayName: 'Mode',
		name: 'cypherMode',
		type: 'options',
		options: [
			{
				name: 'Read',
				value: 'read',
				description: 'A read transaction; writes are refused by the server',
			},
			{ name: 'Write', value: 'write' },
		],
		default: 'read',
		displayOptions: forOperation('runCypher'),
	},

	// Forget
	{
		displayName: 'Target',
		name: 'forgetTarget',
		type: 'options',
		options: [
			{
				name: 'Entity',
				value: 'entity',
				description: 'Deletes the entity, its relations and its episode mentions; episodes stay',
			},
			{
				name: 'Episode',
				value: 'episode',
				description: 'Deletes the episode and the facts learned from it; entities stay',
			},
			{
				name: 'Relation',
				value: 'relation',
				description:
					'Deletes one relation. To end a fact but keep its history, use Relate with contradicts.',
			},
		],
		default: 'entity',
		displayOptions: forOperation('forget'),
	},
	{
		displayName: 'Key or ID',
		name: 'targetId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forOperation('forget'),
		description: 'The entity key, relation ID or episode ID',
	},
];
