import { NodeConnectionTypes, type INodeProperties, type ISupplyDataFunctions } from 'n8n-workflow';
import { HashingEmbedder, MemoryStore, type Embedder, type Scope } from '../../../lib/memory';
import { connectionFor, storageProperty } from '../../shared/storage';
import { toNodeError } from '../../shared/errors';

/** The Embedding input of the memory sub-nodes (optional: the lexical embedder is the default). */
export const embeddingInput = {
	type: NodeConnectionTypes.AiEmbedding,
	displayName: 'Embedding',
	required: false,
	maxConnections: 1,
};

/** Storage, collection and namespace: where a sub-node's memories live. */
export const placeProperties: INodeProperties[] = [
	storageProperty,
	{
		displayName: 'Collection',
		name: 'collection',
		type: 'string',
		default: 'memories',
		required: true,
		description: 'Table of memories; created on first write',
	},
	{
		displayName: 'Namespace',
		name: 'namespace',
		type: 'string',
		default: 'default',
		required: true,
		description: 'Scope of the memories, e.g. a tenant or project',
	},
	{
		displayName: 'User ID',
		name: 'userId',
		type: 'string',
		default: '',
		description: 'Narrow the scope to one user',
	},
	{
		displayName: 'Agent ID',
		name: 'agentId',
		type: 'string',
		default: '',
		description: 'Narrow the scope to one agent',
	},
];

export function scopeFrom(ctx: ISupplyDataFunctions, i: number): Scope {
	return {
		namespace: ctx.getNodeParameter('namespace', i) as string,
		userId: (ctx.getNodeParameter('userId', i, '') as string) || undefined,
		agentId: (ctx.getNodeParameter('agentId', i, '') as string) || undefined,
	};
}

/** Opens the store with the connected embeddings model (or the built-in one). */
export async function openSubnodeStore(
	ctx: ISupplyDataFunctions,
	i: number,
): Promise<{ store: MemoryStore; embedder: Embedder }> {
	const connected = (await ctx.getInputConnectionData(NodeConnectionTypes.AiEmbedding, i)) as
		| Embedder
		| undefined;
	const embedder = connected ?? new HashingEmbedder();
	try {
		const store = await MemoryStore.open(await connectionFor(ctx, i), {
			embedder: connected ?? undefined,
			embedderName: connected ? connected.constructor?.name : undefined,
		});
		return { store, embedder };
	} catch (error) {
		throw toNodeError(ctx.getNode(), error, i);
	}
}
