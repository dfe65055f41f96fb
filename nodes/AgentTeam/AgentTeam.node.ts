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

export class AgentTeam implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agent Team',
		name: 'agentTeam',
		icon: 'file:agentTeam.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["mode"]}}',
		description:
			'A leader agent with specialist members: coordinate, route, broadcast, sequential or plan, with budgets, retries and a transcript',
		defaults: { name: 'Agent Team' },
		inputs: [NodeConnectionTypes.Main, ...subNodeInputs],
		outputs: [NodeConnectionTypes.Main],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeTeam.call(this);
	}
}
