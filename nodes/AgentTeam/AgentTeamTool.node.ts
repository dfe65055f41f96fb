import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { subNodeInputs } from './descriptions/inputs';
import { properties } from './descriptions/properties';
import { executeTeam } from './execute';

/**
 * The team as a tool for an AI Agent (or for another team). n8n's automatic
 * tool variant of a node drops the node's inputs, and a team needs its model,
 * tool and memory inputs, so the tool variant is a node of its own, as n8n's
 * AI Agent Tool is. The calling agent fills the task.
 */
export class AgentTeamTool implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agent Team Tool',
		name: 'agentTeamTool',
		icon: 'file:agentTeam.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["mode"]}}',
		description: 'An agent team that an AI Agent or another team can call as a tool',
		defaults: { name: 'Agent Team Tool' },
		inputs: subNodeInputs,
		outputs: [NodeConnectionTypes.AiTool],
		outputNames: ['Tool'],
		properties: [
			{
				displayName: 'Description',
				name: 'toolDescription',
				type: 'string',
				typeOptions: { rows: 2 },
				default: 'A team of specialist agents. Give it a complete task; it returns the answer.',
				description: 'Tells the calling agent what the team does and when to use it',
			},
			...properties.map((p) =>
				p.name === 'task'
					? {
							...p,
							default:
								"={{ $fromAI('task', 'The complete task for the team, with all the context it needs', 'string') }}",
						}
					: p,
			),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeTeam.call(this);
	}
}
