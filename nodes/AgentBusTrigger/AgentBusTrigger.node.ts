import {
	NodeOperationError,
	type IDataObject,
	type IDeferredPromise,
	type INodeType,
	type INodeTypeDescription,
	type IRun,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import {
	AgentBus,
	announce,
	brokerFromCredential,
	type ConsumeSource,
	type Delivery,
	type Presence,
} from '../../lib/bus';
import { toNodeError } from '../shared/errors';
import { lastNodeOutput, splitList } from './run';

interface TriggerOptions {
	namespace?: string;
	prefetch?: number;
	maxAttempts?: number;
	retryDelayMs?: number;
	replyMode?: 'lastNode' | 'none';
	announce?: boolean;
	capabilities?: string;
	description?: string;
	queueName?: string;
	maxBytes?: number;
}

export class AgentBusTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agent Bus Trigger',
		name: 'agentBusTrigger',
		icon: 'file:agentBusTrigger.svg',
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{$parameter["source"] === "agent" ? $parameter["agentName"] : $parameter["topics"]}}',
		description:
			'Starts the workflow for each task sent to an agent or each event matching a topic; acknowledges only when the workflow succeeds',
		defaults: { name: 'Agent Bus Trigger' },
		inputs: [],
		outputs: ['main'],
		credentials: [{ name: 'rabbitmq', required: true }],
		properties: [
			{
				displayName: 'Listen To',
				name: 'source',
				type: 'options',
				noDataExpression: true,
				default: 'agent',
				options: [
					{
						name: 'Tasks for an Agent',
						value: 'agent',
						description: "This workflow serves an agent: it consumes the agent's queue",
					},
					{
						name: 'Events Matching a Topic',
						value: 'topic',
						description: 'Consume events whose type matches one or more patterns',
					},
				],
			},
			{
				displayName: 'Agent Name',
				name: 'agentName',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'writer',
				displayOptions: { show: { source: ['agent'] } },
				description: 'Name other agents use as recipient',
			},
			{
				displayName: 'Topic Patterns',
				name: 'topics',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'task.*, content.#',
				displayOptions: { show: { source: ['topic'] } },
				description: 'Comma-separated patterns; * matches one word, # matches zero or more words',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Announce as Agent',
						name: 'announce',
						type: 'boolean',
						default: true,
						description:
							'Whether to announce the agent and send heartbeats, so List Agents shows it (agent mode only)',
					},
					{
						displayName: 'Capabilities',
						name: 'capabilities',
						type: 'string',
						default: '',
						placeholder: 'summarize, translate',
						description: 'Comma-separated capabilities announced for the agent',
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
						description: 'What the agent does, shown by List Agents',
					},
					{
						displayName: 'Durable Queue Name',
						name: 'queueName',
						type: 'string',
						default: '',
						description:
							'Topic mode: keep events in a named durable queue while the workflow is inactive (empty: only while active)',
					},
					{
						displayName: 'Max Attempts',
						name: 'maxAttempts',
						type: 'number',
						default: 3,
						typeOptions: { minValue: 1 },
						description:
							'Workflow runs for one message before it goes to the dead-letter queue with the error as reason',
					},
					{
						displayName: 'Max Message Size (Bytes)',
						name: 'maxBytes',
						type: 'number',
						default: 1048576,
						description: 'Larger messages are dead-lettered',
					},
					{
						displayName: 'Namespace',
						name: 'namespace',
						type: 'string',
						default: 'agentos',
						description: 'Prefix of the exchanges and queues',
					},
					{
						displayName: 'Parallel Messages',
						name: 'prefetch',
						type: 'number',
						default: 5,
						typeOptions: { minValue: 1 },
						description: 'Messages processed at the same time',
					},
					{
						displayName: 'Reply',
						name: 'replyMode',
						type: 'options',
						default: 'lastNode',
						options: [
							{
								name: 'With the Last Node Output',
								value: 'lastNode',
								description:
									'When a task expects a reply, answer with the output of the last node that ran',
							},
							{
								name: 'None',
								value: 'none',
								description: 'Reply with an Agent Bus node (operation Reply) instead',
							},
						],
					},
					{
						displayName: 'Retry Delay (Ms)',
						name: 'retryDelayMs',
						type: 'number',
						default: 1000,
						description: 'Pause before a failed message is run again',
					},
				],
			},
		],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const sourceKind = this.getNodeParameter('source') as string;
		const o = this.getNodeParameter('options', {}) as TriggerOptions;
		const agentName =
			sourceKind === 'agent' ? (this.getNodeParameter('agentName') as string).trim() : '';
		const source: ConsumeSource =
			sourceKind === 'agent'
				? { agent: agentName }
				: {
						topics: splitList(this.getNodeParameter('topics') as string),
						queue: o.queueName?.trim() || undefined,
					};
		const sender = agentName || 'n8n';
		const manual = this.getMode() === 'manual';
		const replyMode = o.replyMode ?? 'lastNode';
		const logger = {
			info: (m: string) => this.logger.info(m),
			warn: (m: string) => this.logger.warn(m),
		};

		let bus: AgentBus;
		let presence: Presence | undefined;
		try {
			const credential = await this.getCredentials('rabbitmq');
			bus = await AgentBus.open({
				broker: brokerFromCredential(credential as Record<string, unknown>),
				namespace: o.namespace || undefined,
				maxBytes: o.maxBytes || undefined,
				clientName: `n8n-trigger:${agentName || 'topics'}`,
				startAttempts: manual ? 1 : 5,
				reconnect: { initialMs: 500, maxMs: 30_000 },
				logger,
			});
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}

		const replyQuietly = async (
			d: Pick<Delivery, 'envelope'>,
			payload: unknown,
			error: string | null,
		) => {
			if (!d.envelope.replyTo) return;
			try {
				await bus.reply(d.envelope, { sender, payload, error });
			} catch (e) {
				logger.warn(`Agent Bus Trigger could not reply to ${d.envelope.id}: ${e.message}`);
			}
		};

		const handle = async (d: Delivery) => {
			const item = {
				json: {
					...d.envelope,
					attempt: d.attempt,
					redelivered: d.redelivered,
				} as unknown as IDataObject,
			};
			if (manual) {
				this.emit([[item]]);
				return;
			}
			const done: IDeferredPromise<IRun> = this.helpers.createDeferredPromise<IRun>();
			this.emit([[item]], undefined, done);
			const run = await done.promise;
			const failed = run.data?.resultData?.error;
			if (failed) {
				throw new NodeOperationError(this.getNode(), failed.message || 'the workflow failed');
			}
			if (replyMode === 'lastNode') await replyQuietly(d, lastNodeOutput(run), null);
		};

		try {
			await bus.consume(source, handle, {
				prefetch: manual ? 1 : o.prefetch || 5,
				maxAttempts: o.maxAttempts || 3,
				retryDelayMs: o.retryDelayMs ?? 1000,
				onDeadLetter: async (info) => {
					logger.warn(
						`Agent Bus Trigger dead-lettered a message from ${info.queue}: ${info.reason}`,
					);
					if (info.envelope) await replyQuietly({ envelope: info.envelope }, null, info.reason);
				},
			});
			if (sourceKind === 'agent' && (o.announce ?? true) && !manual) {
				presence = await announce(bus, {
					name: agentName,
					capabilities: splitList(o.capabilities ?? ''),
					description: o.description || undefined,
				});
			}
		} catch (error) {
			await bus.close();
			throw toNodeError(this.getNode(), error);
		}

		return {
			closeFunction: async () => {
				await presence?.stop().catch(() => undefined);
				await bus.close();
			},
		};
	}
}
