import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { executeAsTool } from '../shared/tool-execute';
import { DynamicTool } from '@langchain/core/tools';
import {
	NodeConnectionTypes,
	type ISupplyDataFunctions,
	type INodeType,
	type INodeTypeDescription,
	type SupplyData,
} from 'n8n-workflow';
import { hitsForModel, toolNameFrom, type SearchMode } from '../../lib/memory';
import {
	embeddingInput,
	openSubnodeStore,
	placeProperties,
	scopeFrom,
} from '../VectorMemory/shared/subnode';

/** Vector Memory as a tool for n8n's AI Agent: search memories, or store one. */
export class VectorMemoryRecallTool implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vector Memory Recall Tool',
		name: 'vectorMemoryRecallTool',
		icon: 'file:vectorMemoryTool.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["action"]}}',
		description: 'Lets an AI Agent search its long-term memory or store new memories',
		defaults: { name: 'Vector Memory Recall Tool' },
		inputs: [embeddingInput],
		outputs: [NodeConnectionTypes.AiTool],
		outputNames: ['Tool'],
		credentials: [
			{ name: 'postgres', required: true, displayOptions: { show: { storage: ['postgres'] } } },
		],
		properties: [
			{
				displayName: 'Action',
				name: 'action',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Search Memories', value: 'search' },
					{ name: 'Store a Memory', value: 'store' },
				],
				default: 'search',
			},
			{
				displayName: 'Description',
				name: 'toolDescription',
				type: 'string',
				typeOptions: { rows: 2 },
				default:
					'Search long-term memory. Input: what to look for, in plain words. Returns matching memories as JSON.',
				displayOptions: { show: { action: ['search'] } },
				description: 'Tells the agent what the tool does and when to use it',
			},
			{
				displayName: 'Description',
				name: 'toolDescription',
				type: 'string',
				typeOptions: { rows: 2 },
				default:
					'Store a fact in long-term memory. Input: the fact as one self-contained sentence.',
				displayOptions: { show: { action: ['store'] } },
				description: 'Tells the agent what the tool does and when to use it',
			},
			...placeProperties,
			{
				displayName: 'Session ID',
				name: 'sessionId',
				type: 'string',
				default: '',
				description: 'Narrow the scope to one conversation',
			},
			{
				displayName: 'Search Mode',
				name: 'mode',
				type: 'options',
				displayOptions: { show: { action: ['search'] } },
				options: [
					{ name: 'Vector', value: 'vector' },
					{ name: 'Full Text', value: 'text' },
					{ name: 'Hybrid', value: 'hybrid' },
				],
				default: 'hybrid',
			},
			{
				displayName: 'Top K',
				name: 'topK',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 5,
				displayOptions: { show: { action: ['search'] } },
				description: 'How many memories to return (1-1000)',
			},
		],
	};

	/** Called by n8n's AI Agent (v3), which runs the tools it calls as nodes. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeAsTool(this, VectorMemoryRecallTool.prototype.supplyData);
	}

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const { store } = await openSubnodeStore(this, itemIndex);
		const action = this.getNodeParameter('action', itemIndex, 'search') as string;
		const collection = this.getNodeParameter('collection', itemIndex) as string;
		const scope = {
			...scopeFrom(this, itemIndex),
			sessionId: (this.getNodeParameter('sessionId', itemIndex, '') as string) || undefined,
		};
		const mode = this.getNodeParameter('mode', itemIndex, 'hybrid') as SearchMode;
		const topK = this.getNodeParameter('topK', itemIndex, 5) as number;
		const tool = new DynamicTool({
			name: toolNameFrom(this.getNode().name),
			description: this.getNodeParameter('toolDescription', itemIndex) as string,
			func: async (input: string) => {
				const { index } = this.addInputData(NodeConnectionTypes.AiTool, [[{ json: { input } }]]);
				try {
					let answer: string;
					if (action === 'store') {
						const [r] = await store.insert(collection, [{ ...scope, text: input }]);
						answer = JSON.stringify({ stored: true, id: r.id, created: r.created });
					} else {
						const exists = await store.getCollection(collection);
						answer = exists
							? hitsForModel(await store.search(collection, { ...scope, query: input, mode, topK }))
							: hitsForModel([]);
					}
					this.addOutputData(NodeConnectionTypes.AiTool, index, [[{ json: { response: answer } }]]);
					return answer;
				} catch (error) {
					const message = `Error: ${(error as Error).message}`;
					this.addOutputData(NodeConnectionTypes.AiTool, index, [
						[{ json: { response: message } }],
					]);
					// The model sees the reason and can correct its input.
					return message;
				}
			},
		});
		return { response: tool, closeFunction: async () => await store.close() };
	}
}
