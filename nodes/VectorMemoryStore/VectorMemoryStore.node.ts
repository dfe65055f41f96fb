import {
	NodeConnectionTypes,
	type ISupplyDataFunctions,
	type INodeType,
	type INodeTypeDescription,
	type SupplyData,
} from 'n8n-workflow';
import { MemoryVectorStore, type SearchMode } from '../../lib/memory';
import { parseJsonParameter } from '../shared/errors';
import {
	embeddingInput,
	openSubnodeStore,
	placeProperties,
	scopeFrom,
} from '../VectorMemory/shared/subnode';

/**
 * Vector Memory as a LangChain vector store, for n8n's Vector Store
 * Retriever, Question and Answer Chain and other vector-store consumers.
 */
export class VectorMemoryStore implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vector Memory Store',
		name: 'vectorMemoryStore',
		icon: 'file:vectorMemoryStore.svg',
		group: ['transform'],
		version: 1,
		description:
			'Vector Memory as a vector store for retrievers and Q&A chains: hybrid search, filters, scoping',
		defaults: { name: 'Vector Memory Store' },
		inputs: [embeddingInput],
		outputs: [NodeConnectionTypes.AiVectorStore],
		outputNames: ['Vector Store'],
		credentials: [
			{ name: 'postgres', required: true, displayOptions: { show: { storage: ['postgres'] } } },
		],
		properties: [
			...placeProperties,
			{
				displayName: 'Search Mode',
				name: 'mode',
				type: 'options',
				options: [
					{ name: 'Vector', value: 'vector' },
					{ name: 'Full Text', value: 'text' },
					{ name: 'Hybrid', value: 'hybrid' },
				],
				default: 'hybrid',
				description:
					'How text queries are answered (queries that arrive as vectors always use vector search)',
			},
			{
				displayName: 'Metadata Filter',
				name: 'filter',
				type: 'json',
				default: '{}',
				description: 'Applied to every search, e.g. {"source": "docs", "year": {"$gte": 2024}}',
			},
		],
	};

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const { store, embedder } = await openSubnodeStore(this, itemIndex);
		const filter = parseJsonParameter(
			this.getNodeParameter('filter', itemIndex, '{}'),
			'Metadata Filter',
		);
		const vectorStore = new MemoryVectorStore(embedder, store, {
			collection: this.getNodeParameter('collection', itemIndex) as string,
			...scopeFrom(this, itemIndex),
			search: {
				mode: this.getNodeParameter('mode', itemIndex, 'hybrid') as SearchMode,
				filter: filter as Record<string, unknown>,
			},
		});
		return { response: vectorStore, closeFunction: async () => await store.close() };
	}
}
