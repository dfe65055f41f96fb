import {
	NodeConnectionTypes,
	type ISupplyDataFunctions,
	type INodeType,
	type INodeTypeDescription,
	type SupplyData,
} from 'n8n-workflow';
import { VectorChatMemory as ChatMemory } from '../../lib/memory';
import {
	embeddingInput,
	openSubnodeStore,
	placeProperties,
	scopeFrom,
} from '../VectorMemory/shared/subnode';

/**
 * Chat memory for n8n's AI Agent: the recent turns of a session, plus older
 * turns recalled by similarity to the conversation, stored in Vector Memory.
 */
export class VectorChatMemory implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vector Chat Memory',
		name: 'vectorChatMemory',
		icon: 'file:vectorChatMemory.svg',
		group: ['transform'],
		version: 1,
		description:
			'Chat memory that keeps the recent turns of a session and recalls older relevant turns',
		defaults: { name: 'Vector Chat Memory' },
		inputs: [embeddingInput],
		outputs: [NodeConnectionTypes.AiMemory],
		outputNames: ['Memory'],
		credentials: [
			{ name: 'postgres', required: true, displayOptions: { show: { storage: ['postgres'] } } },
		],
		properties: [
			{
				displayName: 'Session ID',
				name: 'sessionId',
				type: 'string',
				default: '={{ $json.sessionId }}',
				required: true,
				description: 'The conversation the turns belong to (the Chat Trigger sends sessionId)',
			},
			...placeProperties.map((p) =>
				p.name === 'collection' ? { ...p, default: 'chat_memory' } : p,
			),
			{
				displayName: 'Recent Turns',
				name: 'windowTurns',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 5,
				description: 'How many of the latest turns (question and answer) are always included',
			},
			{
				displayName: 'Recalled Turns',
				name: 'recallTurns',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 3,
				description:
					'How many older turns similar to the conversation are added. 0 turns recall off.',
			},
			{
				displayName: 'Recall Across Sessions',
				name: 'recallAcrossSessions',
				type: 'boolean',
				default: false,
				description: 'Whether older turns may come from other sessions of the same user and agent',
			},
			{
				displayName: 'Minimum Similarity',
				name: 'minScore',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.2,
				description: 'Recalled turns must be at least this similar (0-1)',
			},
		],
	};

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const { store } = await openSubnodeStore(this, itemIndex);
		const memory = new ChatMemory(store, {
			...scopeFrom(this, itemIndex),
			collection: this.getNodeParameter('collection', itemIndex) as string,
			sessionId: this.getNodeParameter('sessionId', itemIndex) as string,
			windowTurns: this.getNodeParameter('windowTurns', itemIndex, 5) as number,
			recallTurns: this.getNodeParameter('recallTurns', itemIndex, 3) as number,
			recallAcrossSessions: this.getNodeParameter(
				'recallAcrossSessions',
				itemIndex,
				false,
			) as boolean,
			minScore: (this.getNodeParameter('minScore', itemIndex, 0.2) as number) || undefined,
		});
		return { response: memory, closeFunction: async () => await store.close() };
	}
}
