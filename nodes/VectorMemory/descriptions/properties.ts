import type { INodeProperties } from 'n8n-workflow';
import { storageProperty } from '../../shared/storage';

const forOperation = (...operation: string[]) => ({ show: { operation } });

const scopeOptions: INodeProperties[] = [
	{
		displayName: 'Agent ID',
		name: 'agentId',
		type: 'string',
		default: '',
		description: 'Narrow the scope to one agent',
	},
	{
		displayName: 'Session ID',
		name: 'sessionId',
		type: 'string',
		default: '',
		description: 'Narrow the scope to one conversation',
	},
	{
		displayName: 'User ID',
		name: 'userId',
		type: 'string',
		default: '',
		description: 'Narrow the scope to one user',
	},
];

const maxTextLength: INodeProperties = {
	displayName: 'Max Text Length',
	name: 'maxTextLength',
	type: 'number',
	default: 100000,
	description: 'Longer texts are refused with an error',
};

const ttlSeconds: INodeProperties = {
	displayName: 'Expire After (Seconds)',
	name: 'ttlSeconds',
	type: 'number',
	default: 0,
	description:
		'Forget the memory after this many seconds. 0 keeps it forever (or uses the namespace default TTL).',
};

const crossScope: INodeProperties = {
	displayName: 'Scope',
	name: 'scope',
	type: 'options',
	options: [
		{
			name: 'Exact',
			value: 'exact',
			description: 'Only this namespace, user, agent and session (empty IDs mean none)',
		},
		{
			name: 'All Sessions',
			value: 'all-sessions',
			description: 'Every session of this user and agent',
		},
		{ name: 'Whole Namespace', value: 'namespace', description: 'Every memory in the namespace' },
	],
	default: 'exact',
	description: 'Which memories to see; crossing scopes only happens when chosen here',
};

const sorted = (props: INodeProperties[]) =>
	[...props].sort((a, b) => a.displayName.localeCompare(b.displayName));

export const properties: INodeProperties[] = [
	{
		displayName:
			'Without an Embeddings sub-node connected, a built-in lexical embedder is used: it matches shared words, not meaning. Connect an Embeddings node (OpenAI, Ollama, …) for semantic search.',
		name: 'embedderNotice',
		type: 'notice',
		default: '',
	},
	storageProperty,
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Create or Update',
				value: 'upsert',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				action: 'Upsert memories',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete memories by ID or by metadata filter',
				action: 'Delete memories',
			},
			{
				name: 'Forget Expired',
				value: 'forgetExpired',
				description: 'Delete memories whose time to live has run out',
				action: 'Forget expired memories',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Fetch memories by ID',
				action: 'Get memories',
			},
			{
				name: 'Insert',
				value: 'insert',
				description: 'Store one memory per input item',
				action: 'Insert memories',
			},
			{
				name: 'List',
				value: 'list',
				description: 'Page through the memories of a scope',
				action: 'List memories',
			},
			{
				name: 'Search',
				value: 'search',
				description: 'Find the memories closest to a query',
				action: 'Search memories',
			},
			{
				name: 'Set Namespace TTL',
				value: 'setNamespaceTtl',
				description: 'Set the default time to live of a namespace',
				action: 'Set namespace TTL',
			},
			{
				name: 'Update',
				value: 'update',
				description: 'Change the text or metadata of a memory (re-embedded when the text changes)',
				action: 'Update a memory',
			},
		],
		default: 'insert',
	},
	{
		displayName: 'Collection',
		name: 'collection',
		type: 'string',
		default: 'memories',
		required: true,
		description:
			'Table of memories with one embedding dimension. Lower-case letters, digits and _; created on first insert.',
	},
	{
		displayName: 'Namespace',
		name: 'namespace',
		type: 'string',
		default: 'default',
		required: true,
		description:
			'Scope of the memory, e.g. a tenant or project. Letters, digits and _ . : @ -. Searches only see their own namespace.',
	},
	{
		displayName: 'Memory ID',
		name: 'memoryId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forOperation('update'),
		description: 'The ID of the memory to change',
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		displayOptions: forOperation('insert', 'upsert'),
		description: 'The content to remember',
	},
	{
		displayName: 'New Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		displayOptions: forOperation('update'),
		description: 'The new content; empty keeps the current text',
	},
	{
		displayName: 'Metadata',
		name: 'metadata',
		type: 'json',
		default: '{}',
		displayOptions: forOperation('insert', 'upsert', 'update'),
		description:
			'A JSON object stored with the memory and usable in search filters. For Update, {} keeps the current metadata.',
	},
	{
		displayName: 'Memory IDs',
		name: 'ids',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['get'] } },
		description: 'Comma-separated IDs, or a JSON array of IDs',
	},
	{
		displayName: 'Delete By',
		name: 'deleteBy',
		type: 'options',
		displayOptions: forOperation('delete'),
		options: [
			{ name: 'IDs', value: 'ids' },
			{ name: 'Metadata Filter', value: 'filter' },
			{ name: 'Everything in the Scope', value: 'all' },
		],
		default: 'ids',
	},
	{
		displayName: 'Memory IDs',
		name: 'ids',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['delete'], deleteBy: ['ids'] } },
		description: 'Comma-separated IDs, or a JSON array of IDs. IDs that do not exist are reported.',
	},
	{
		displayName: 'Search Mode',
		name: 'mode',
		type: 'options',
		displayOptions: forOperation('search'),
		options: [
			{ name: 'Vector', value: 'vector', description: 'Closest embeddings' },
			{ name: 'Full Text', value: 'text', description: 'PostgreSQL full-text search' },
			{ name: 'Hybrid', value: 'hybrid', description: 'Both, fused into one ranking' },
		],
		default: 'vector',
	},
	{
		displayName: 'Query',
		name: 'query',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forOperation('search'),
		description: 'What to look for',
	},
	{
		displayName: 'Top K',
		name: 'topK',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 5,
		displayOptions: forOperation('search'),
		description: 'How many memories to return (1-1000)',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		displayOptions: forOperation('list'),
		description: 'Max number of results to return',
	},
	// Two declarations of one parameter: a hide rule naming `deleteBy` would also
	// hide the filter of search and list, where `deleteBy` does not exist.
	{
		displayName: 'Metadata Filter',
		name: 'filter',
		type: 'json',
		default: '{}',
		displayOptions: { show: { operation: ['search', 'list'] } },
		description:
			'Metadata conditions, all of which must hold: {"source": "email"} for equality, or operators $eq $ne $in $nin $gt $gte $lt $lte $exists, e.g. {"priority": {"$gte": 2}}',
	},
	{
		displayName: 'Metadata Filter',
		name: 'filter',
		type: 'json',
		default: '{}',
		displayOptions: { show: { operation: ['delete'], deleteBy: ['filter'] } },
		description:
			'Delete the memories whose metadata meets these conditions, e.g. {"source": "email"} or {"priority": {"$lt": 2}}',
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		displayOptions: forOperation('search'),
		options: [
			{ name: 'One Item per Result', value: 'perResult' },
			{
				name: 'One Item per Query',
				value: 'perQuery',
				description: 'An item with a "results" array, also when nothing matched',
			},
		],
		default: 'perResult',
	},
	{
		displayName: 'Default TTL (Seconds)',
		name: 'namespaceTtl',
		type: 'number',
		default: 0,
		displayOptions: forOperation('setNamespaceTtl'),
		description:
			'Memories of this namespace stored without their own TTL expire this many seconds after their last update. 0 removes the default.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('insert'),
		options: sorted([
			ttlSeconds,
			maxTextLength,
			{
				displayName: 'Memory ID',
				name: 'id',
				type: 'string',
				default: '',
				description: 'A stable ID for the memory; left empty, one is generated',
			},
			...scopeOptions,
		]),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('upsert'),
		options: sorted([
			ttlSeconds,
			maxTextLength,
			{
				displayName: 'Memory ID',
				name: 'id',
				type: 'string',
				default: '',
				description:
					'A stable ID: an existing memory with this ID is replaced (and re-embedded when its text changed)',
			},
			{
				displayName: 'Duplicate Threshold',
				name: 'dedupThreshold',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
				default: 0,
				description:
					'A memory in the same scope at least this similar (0-1, cosine) is a near-duplicate. 0 turns detection off.',
			},
			{
				displayName: 'On Duplicate',
				name: 'onDuplicate',
				type: 'options',
				options: [
					{ name: 'Skip', value: 'skip', description: 'Keep the old memory, drop the new one' },
					{
						name: 'Merge',
						value: 'merge',
						description: 'Merge the metadata into the old memory and refresh its TTL',
					},
					{ name: 'Keep Both', value: 'keep' },
				],
				default: 'skip',
			},
			...scopeOptions,
		]),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('update'),
		options: sorted([
			ttlSeconds,
			maxTextLength,
			{
				displayName: 'Merge Metadata',
				name: 'mergeMetadata',
				type: 'boolean',
				default: false,
				description: 'Whether to merge the metadata into the current one instead of replacing it',
			},
			...scopeOptions,
		]),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('search'),
		options: sorted([
			maxTextLength,
			crossScope,
			{
				displayName: 'Search Breadth (Ef Search)',
				name: 'efSearch',
				type: 'number',
				default: 100,
				description: 'HNSW candidates examined per search; higher is more accurate and slower',
			},
			{
				displayName: 'Fusion',
				name: 'fusion',
				type: 'options',
				options: [
					{ name: 'Reciprocal Rank Fusion', value: 'rrf' },
					{ name: 'Weighted Scores', value: 'weighted' },
				],
				default: 'rrf',
				description: 'How hybrid search combines the vector and full-text rankings',
			},
			{
				displayName: 'RRF Constant (K)',
				name: 'rrfK',
				type: 'number',
				default: 60,
				description: 'Larger values flatten the difference between ranks',
			},
			{
				displayName: 'Vector Weight',
				name: 'vectorWeight',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.5,
				description: 'Weighted fusion: the share of the vector score (the rest is full text)',
			},
			{
				displayName: 'Diversity (MMR Lambda)',
				name: 'mmrLambda',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 1,
				description:
					'Maximal marginal relevance: 1 ranks by relevance only, lower values prefer results unlike the ones already picked',
			},
			{
				displayName: 'Recency Half-Life (Seconds)',
				name: 'halfLifeSeconds',
				type: 'number',
				default: 0,
				description:
					'A memory’s score halves every this many seconds since its last update. 0 is off.',
			},
			{
				displayName: 'Minimum Score',
				name: 'minScore',
				type: 'number',
				default: 0,
				description: 'Drop results scoring below this (after recency decay). 0 keeps all.',
			},
			...scopeOptions,
		]),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('list'),
		options: sorted([
			crossScope,
			{
				displayName: 'Cursor',
				name: 'cursor',
				type: 'string',
				default: '',
				description: 'The nextCursor of the previous page; empty for the first page',
			},
			{
				displayName: 'Order By',
				name: 'orderBy',
				type: 'options',
				options: [
					{ name: 'Created At', value: 'created_at' },
					{ name: 'Updated At', value: 'updated_at' },
				],
				default: 'created_at',
			},
			{
				displayName: 'Direction',
				name: 'direction',
				type: 'options',
				options: [
					{ name: 'Newest First', value: 'desc' },
					{ name: 'Oldest First', value: 'asc' },
				],
				default: 'desc',
			},
			...scopeOptions,
		]),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('get'),
		options: sorted(scopeOptions),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('delete'),
		options: sorted([
			{
				...crossScope,
				description:
					'Which memories a filter or "everything" deletion reaches. Deleting by ID stays in the namespace (and user, agent, session when given).',
			},
			...scopeOptions,
		]),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperation('forgetExpired'),
		options: [
			{
				displayName: 'All Namespaces',
				name: 'allNamespaces',
				type: 'boolean',
				default: false,
				description: 'Whether to sweep every namespace of the collection, not just this one',
			},
		],
	},
];
