import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import {
	MemoryStore,
	validateMemoryInput,
	type Embedder,
	type MemoryInput,
} from '../../lib/memory';
import { connectionFor } from '../shared/storage';
import { errorItem, parseJsonParameter, toNodeError } from '../shared/errors';
import { properties } from './descriptions/properties';

interface ScopeOptions {
	userId?: string;
	agentId?: string;
	sessionId?: string;
	id?: string;
	ttlSeconds?: number;
	efSearch?: number;
	maxTextLength?: number;
}

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
		const first = this.getNodeParameter('options', 0, {}) as ScopeOptions;
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
			if (operation === 'insert') return [await insert.call(this, store, items)];
			return [await search.call(this, store, items)];
		} finally {
			await store.close();
		}
	}
}

/** Validates every item, then stores the valid ones in one transaction. */
async function insert(
	this: IExecuteFunctions,
	store: MemoryStore,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const valid: Array<{ index: number; collection: string; input: MemoryInput }> = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const options = this.getNodeParameter('options', i, {}) as ScopeOptions;
			const input: MemoryInput = {
				text: this.getNodeParameter('text', i) as string,
				metadata: parseJsonParameter(
					this.getNodeParameter('metadata', i, '{}'),
					'Metadata',
				) as IDataObject,
				namespace: this.getNodeParameter('namespace', i) as string,
				userId: options.userId || undefined,
				agentId: options.agentId || undefined,
				sessionId: options.sessionId || undefined,
				id: options.id || undefined,
				ttlSeconds: options.ttlSeconds || undefined,
			};
			validateMemoryInput(input, options.maxTextLength || undefined);
			valid.push({ index: i, collection: this.getNodeParameter('collection', i) as string, input });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out[i] = errorItem(error, i);
		}
	}
	// Items may name different collections: each collection's batch is one transaction.
	const byCollection = new Map<string, typeof valid>();
	for (const v of valid)
		byCollection.set(v.collection, [...(byCollection.get(v.collection) ?? []), v]);
	for (const [collection, batch] of byCollection) {
		try {
			const results = await store.insert(
				collection,
				batch.map((b) => b.input),
			);
			batch.forEach((b, k) => {
				out[b.index] = {
					json: {
						id: results[k].id,
						created: results[k].created,
						collection,
						namespace: b.input.namespace ?? 'default',
						text: b.input.text,
						metadata: (b.input.metadata ?? {}) as IDataObject,
					},
					pairedItem: { item: b.index },
				};
			});
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error);
			for (const b of batch) {
				out[b.index] = errorItem(error, b.index);
			}
		}
	}
	return out;
}

async function search(
	this: IExecuteFunctions,
	store: MemoryStore,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const options = this.getNodeParameter('options', i, {}) as ScopeOptions;
			const query = this.getNodeParameter('query', i) as string;
			const filter = parseJsonParameter(
				this.getNodeParameter('filter', i, '{}'),
				'Metadata Filter',
			);
			const hits = await store.search(this.getNodeParameter('collection', i) as string, {
				query,
				topK: this.getNodeParameter('topK', i, 5) as number,
				filter: filter as IDataObject,
				namespace: this.getNodeParameter('namespace', i) as string,
				userId: options.userId || undefined,
				agentId: options.agentId || undefined,
				sessionId: options.sessionId || undefined,
				efSearch: options.efSearch || undefined,
			});
			if (this.getNodeParameter('outputMode', i, 'perResult') === 'perQuery') {
				out.push({
					json: { query, count: hits.length, results: hits as unknown as IDataObject[] },
					pairedItem: { item: i },
				});
			} else {
				for (const hit of hits) {
					out.push({ json: hit as unknown as IDataObject, pairedItem: { item: i } });
				}
			}
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			out.push(errorItem(error, i));
		}
	}
	return out;
}
