import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { executeAsTool } from '../shared/tool-execute';
import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';
import { DynamicStructuredTool } from '@langchain/core/tools';
import { z } from 'zod';
import type { GraphEmbedder } from '../../lib/graph';
import { AgentOsError } from '../../lib/db';
import { backendCredentials, backendProperty, graphProperty, list, openStore } from './backend';

interface RecallInput {
	query: string;
	entityKeys?: string[];
	asOf?: string;
}

const recallSchema = z.object({
	query: z.string().describe('What to recall: names of entities or a short question'),
	entityKeys: z
		.array(z.string())
		.optional()
		.describe('Exact entity keys, when known, instead of a query'),
	asOf: z.string().optional().describe('ISO time to recall facts as of; omit for now'),
});

/** The LangChain tool the AI Agent calls. */
function recallTool(
	name: string,
	description: string,
	func: (input: RecallInput) => Promise<string>,
): DynamicStructuredTool {
	const Tool = DynamicStructuredTool as unknown as new (fields: {
		name: string;
		description: string;
		schema: typeof recallSchema;
		func: (input: RecallInput) => Promise<string>;
	}) => DynamicStructuredTool;
	return new Tool({ name, description, schema: recallSchema, func });
}

const DEFAULT_DESCRIPTION =
	'Recall what is known about people, organisations, projects and other entities from the knowledge graph: their facts, how they relate, and recent episodes about them. Give a short query naming the entities you need.';

export class ConsciousnessGraphTool implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Consciousness Graph Recall Tool',
		name: 'consciousnessGraphTool',
		icon: 'file:consciousnessGraph.svg',
		group: ['transform'],
		version: 1,
		description: 'Lets an AI Agent recall context from the knowledge graph',
		defaults: { name: 'Graph Recall' },
		inputs: [
			{
				type: NodeConnectionTypes.AiEmbedding,
				displayName: 'Embedding',
				required: false,
				maxConnections: 1,
			},
		],
		outputs: [NodeConnectionTypes.AiTool],
		outputNames: ['Tool'],
		credentials: backendCredentials,
		properties: [
			backendProperty,
			graphProperty,
			{
				displayName: 'Tool Name',
				name: 'toolName',
				type: 'string',
				default: 'recall_knowledge',
				required: true,
				description: 'Name the agent calls the tool by: letters, digits, _ and -',
			},
			{
				displayName: 'Description',
				name: 'toolDescription',
				type: 'string',
				typeOptions: { rows: 3 },
				default: DEFAULT_DESCRIPTION,
				required: true,
				description: 'Tells the agent when to use the tool',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Budget',
						name: 'budget',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 200 },
						default: 30,
						description: 'Maximum number of entities in an answer',
					},
					{
						displayName: 'Episodes',
						name: 'episodes',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 20 },
						default: 3,
						description: 'Recent episodes to include',
					},
					{
						displayName: 'Hops',
						name: 'hops',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 4 },
						default: 2,
					},
					{
						displayName: 'Relation Types',
						name: 'relationTypes',
						type: 'string',
						default: '',
						description: 'Follow only these relation types (comma-separated)',
					},
				],
			},
		],
	};

	/** Called by n8n's AI Agent (v3), which runs the tools it calls as nodes. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeAsTool(this, ConsciousnessGraphTool.prototype.supplyData);
	}

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const name = this.getNodeParameter('toolName', itemIndex) as string;
		const description = this.getNodeParameter('toolDescription', itemIndex) as string;
		const o = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
		let embedder: GraphEmbedder | undefined;
		try {
			embedder =
				((await this.getInputConnectionData(NodeConnectionTypes.AiEmbedding, itemIndex)) as
					| GraphEmbedder
					| undefined) ?? undefined;
		} catch {
			embedder = undefined;
		}
		const recall = async (input: RecallInput): Promise<string> => {
			const { index } = this.addInputData(NodeConnectionTypes.AiTool, [[{ json: { ...input } }]]);
			let response: string;
			try {
				const store = await openStore(this, [], itemIndex);
				try {
					const keys = input.entityKeys?.length ? input.entityKeys : undefined;
					const res = await store.recallContext({
						keys,
						query: keys ? undefined : input.query,
						queryEmbedding:
							!keys && embedder && input.query ? await embedder.embedQuery(input.query) : undefined,
						hops: (o.hops as number) ?? undefined,
						budget: (o.budget as number) ?? 30,
						episodes: (o.episodes as number) ?? undefined,
						relationTypes: list(o.relationTypes),
						asOf: input.asOf || undefined,
					});
					response = res.entities.length ? res.text : `Nothing is known about "${input.query}".`;
				} finally {
					await store.close();
				}
			} catch (error) {
				const hint = error instanceof AgentOsError && error.hint ? ` ${error.hint}` : '';
				response = `Error: ${(error as Error).message}${hint}`;
			}
			this.addOutputData(NodeConnectionTypes.AiTool, index, [[{ json: { response } }]]);
			return response;
		};
		return { response: recallTool(name, description, recall) };
	}
}
