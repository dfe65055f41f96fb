import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { AgentBus as Bus, brokerFromCredential, listAgents, type Envelope } from '../../lib/bus';
import { parseJsonParameter, toNodeError } from '../shared/errors';
import { properties } from './descriptions/properties';

interface BusNodeOptions {
	namespace?: string;
	priority?: number;
	traceId?: string;
	correlationId?: string;
	maxBytes?: number;
	requireSubscriber?: boolean;
	discoveryWaitMs?: number;
}

export class AgentBus implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agent Bus',
		name: 'agentBus',
		icon: 'file:agentBus.svg',
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description:
			'Message other agents over RabbitMQ: publish events, send tasks and await replies, reply, list live agents',
		defaults: { name: 'Agent Bus' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'rabbitmq', required: true }],
		usableAsTool: true,
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as string;
		const first = this.getNodeParameter('options', 0, {}) as BusNodeOptions;
		let bus: Bus;
		try {
			const credential = await this.getCredentials('rabbitmq');
			bus = await Bus.open({
				broker: brokerFromCredential(credential as Record<string, unknown>),
				namespace: first.namespace || undefined,
				maxBytes: first.maxBytes || undefined,
				clientName: `n8n:${this.getWorkflow().name ?? 'workflow'}`.slice(0, 100),
				publishTimeoutMs: 15_000,
			});
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error);
			return [
				items.map((_item, i) => ({
					json: { error: (error as Error).message },
					pairedItem: { item: i },
				})),
			];
		}
		const out: INodeExecutionData[] = [];
		try {
			for (let i = 0; i < items.length; i++) {
				try {
					const json = await runOperation.call(this, bus, operation, i);
					out.push({ json, pairedItem: { item: i } });
				} catch (error) {
					if (this.continueOnFail()) {
						out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
						continue;
					}
					throw toNodeError(this.getNode(), error, i);
				}
			}
		} finally {
			await bus.close();
		}
		return [out];
	}
}

function envelopeJson(env: Envelope): IDataObject {
	return { ...env } as unknown as IDataObject;
}

async function runOperation(
	this: IExecuteFunctions,
	bus: Bus,
	operation: string,
	i: number,
): Promise<IDataObject> {
	const o = this.getNodeParameter('options', i, {}) as BusNodeOptions;
	const common = {
		priority: o.priority ?? undefined,
		traceId: o.traceId || undefined,
		correlationId: o.correlationId || undefined,
	};
	if (operation === 'listAgents') {
		const capability = (this.getNodeParameter('capability', i, '') as string) || undefined;
		const agents = await listAgents(bus, { capability, waitMs: o.discoveryWaitMs || undefined });
		return { count: agents.length, agents: agents as unknown as IDataObject[] };
	}
	const sender = this.getNodeParameter('sender', i) as string;
	const payload = parseJsonParameter(this.getNodeParameter('payload', i, '{}'), 'Payload');
	if (operation === 'publishEvent') {
		const type = this.getNodeParameter('eventType', i) as string;
		const env = await bus.publishEvent(
			{ ...common, type, sender, payload },
			{ requireSubscriber: o.requireSubscriber ?? false },
		);
		return envelopeJson(env);
	}
	if (operation === 'sendTask') {
		const recipient = this.getNodeParameter('recipient', i) as string;
		const type = this.getNodeParameter('taskType', i) as string;
		const wait = this.getNodeParameter('waitForReply', i, true) as boolean;
		if (!wait) return envelopeJson(await bus.send({ ...common, recipient, type, sender, payload }));
		const timeoutMs = this.getNodeParameter('timeoutMs', i, 30000) as number;
		const reply = await bus.request({ ...common, recipient, type, sender, payload, timeoutMs });
		return { reply: reply.payload as IDataObject, envelope: envelopeJson(reply) };
	}
	if (operation === 'reply') {
		const replyTo = this.getNodeParameter('replyTo', i) as string;
		const id = this.getNodeParameter('requestId', i) as string;
		const type = (this.getNodeParameter('requestType', i, '') as string) || 'task';
		const traceId = (this.getNodeParameter('requestTraceId', i, '') as string) || '';
		const error = (this.getNodeParameter('replyError', i, '') as string) || null;
		const env = await bus.reply(
			{ id, replyTo, type, traceId },
			{ sender, payload, error, priority: common.priority },
		);
		return envelopeJson(env);
	}
	throw new NodeOperationError(this.getNode(), `operation "${operation}" is not supported`, {
		itemIndex: i,
		description: 'Choose one of the listed operations.',
	});
}
