import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { MemoryStore, type Embedder } from '../../lib/memory';
import { connectionFor } from '../shared/storage';
import { errorItem, toNodeError } from '../shared/errors';
import { actions } from './actions/router';
import type { NodeOptions } from './actions/common';
import { properties } from './descriptions/properties';

export class VectorMemory implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vector Memory',
		name: 'vectorMemory',
		icon: 'file:vectorMemory.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["collection"]}}',
		description:
			'Long-term memory for agents: store and search memories on PostgreSQL + pgvector (embedded by default)',
		defaults: { name: 'Vector Memory' },
		inputs: [
			NodeConnectionTypes.Main,
			{
				type: NodeConnectionTypes.AiEmbedding,
				displayName: 'Embedding',
				required: false,
				maxConnections: 1,
			},
		],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'postgres', required: true, displayOptions: { show: { storage: ['postgres'] } } },
		],
		usableAsTool: true,
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as string;
		const embedder = (await this.getInputConnectionData(NodeConnectionTypes.AiEmbedding, 0)) as
			| Embedder
			| undefined;
		const first = this.getNodeParameter('options', 0, {}) as NodeOptions;
		let store: MemoryStore;
		try {
			store = await MemoryStore.open(await connectionFor(this), {
				embedder: embedder ?? undefined,
				embedderName: embedder ? embedder.constructor?.name : undefined,
				maxTextLength: first.maxTextLength || undefined,
			});
		} catch (error) {
			// A store that cannot open fails every item: each carries the reason.
			if (this.continueOnFail()) return [items.map((_, i) => errorItem(error, i))];
			throw toNodeError(this.getNode(), error);
		}
		try {
			const action = actions[operation];
			if (!action) {
				throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`, {
					description: 'Pick an operation from the list.',
				});
			}
			return [await action.call(this, store, items)];
		} finally {
			await store.close();
		}
	}
}
