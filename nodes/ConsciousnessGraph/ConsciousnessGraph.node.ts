import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { GraphEmbedder, GraphStore } from '../../lib/graph';
import { errorItem, toNodeError } from '../shared/errors';
import { backendCredentials, list, openStore } from './backend';
import { properties } from './descriptions/properties';
import * as ops from './operations';

/** Reads an optional sub-node input; an unconnected one is undefined. */
async function optionalInput<T>(
	ctx: IExecuteFunctions,
	type: typeof NodeConnectionTypes.AiLanguageModel | typeof NodeConnectionTypes.AiEmbedding,
): Promise<T | undefined> {
	try {
		const value = (await ctx.getInputConnectionData(type, 0)) as T | T[] | undefined;
		return Array.isArray(value) ? value[0] : (value ?? undefined);
	} catch {
		return undefined;
	}
}

export class ConsciousnessGraph implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Consciousness Graph',
		name: 'consciousnessGraph',
		icon: 'file:consciousnessGraph.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["graph"]}}',
		description:
			'Knowledge-graph memory for agents: entities, facts over time, episodes, extraction, recall and paths (embedded, PostgreSQL or Neo4j)',
		defaults: { name: 'Consciousness Graph' },
		inputs: [
			NodeConnectionTypes.Main,
			{
				type: NodeConnectionTypes.AiLanguageModel,
				displayName: 'Chat Model',
				required: false,
				maxConnections: 1,
			},
			{
				type: NodeConnectionTypes.AiEmbedding,
				displayName: 'Embedding',
				required: false,
				maxConnections: 1,
			},
		],
		outputs: [NodeConnectionTypes.Main],
		credentials: backendCredentials,
		usableAsTool: true,
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as string;
		const inputs: ops.Inputs = {
			model:
				operation === 'extractKnowledge'
					? await optionalInput<BaseChatModel>(this, NodeConnectionTypes.AiLanguageModel)
					: undefined,
			embedder: ['upsertEntities', 'recordEpisode', 'recallContext', 'searchEntities'].includes(
				operation,
			)
				? await optionalInput<GraphEmbedder>(this, NodeConnectionTypes.AiEmbedding)
				: undefined,
		};
		let store: GraphStore;
		try {
			const singleValued = ['relate', 'recordEpisode', 'extractKnowledge'].includes(operation)
				? list(this.getNodeParameter('singleValued', 0, ''))
				: [];
			store = await openStore(this, singleValued);
		} catch (error) {
			// A store that cannot open fails every item: each carries the reason.
			if (this.continueOnFail()) return [items.map((_, i) => errorItem(error, i))];
			throw toNodeError(this.getNode(), error);
		}
		try {
			switch (operation) {
				case 'upsertEntities':
					return [await ops.upsertEntities.call(this, store, items, inputs)];
				case 'relate':
					return [await ops.relate.call(this, store, items)];
				case 'recordEpisode':
					return [await ops.recordEpisode.call(this, store, items, inputs)];
				case 'extractKnowledge':
					return [await ops.extract.call(this, store, items, inputs)];
				case 'recallContext':
					return [await ops.recall.call(this, store, items, inputs)];
				case 'findPaths':
					return [await ops.paths.call(this, store, items)];
				case 'searchEntities':
					return [await ops.search.call(this, store, items, inputs)];
				case 'runCypher':
					return [await ops.cypher.call(this, store, items)];
				case 'forget':
					return [await ops.forget.call(this, store, items)];
				default:
					return [await ops.stats.call(this, store, items)];
			}
		} finally {
			await store.close();
		}
	}
}
