import { NodeConnectionTypes, type INodeInputConfiguration } from 'n8n-workflow';

/**
 * The sub-node inputs of both Agent Team nodes. Both model inputs have the
 * same type; n8n passes their models as one list (see execute.ts).
 */
export const subNodeInputs: INodeInputConfiguration[] = [
	{
		type: NodeConnectionTypes.AiLanguageModel,
		displayName: 'Model',
		required: true,
		maxConnections: 1,
	},
	{
		type: NodeConnectionTypes.AiLanguageModel,
		displayName: 'Member Model',
		required: false,
		maxConnections: 1,
	},
	{ type: NodeConnectionTypes.AiTool, displayName: 'Tools', required: false },
	{ type: NodeConnectionTypes.AiMemory, displayName: 'Memory', required: false, maxConnections: 1 },
];
