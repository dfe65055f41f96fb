import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { restore, type ComplianceStore } from '../../lib/compliance';
import { errorItem, toNodeError } from '../shared/errors';
import { exportAudit, verifyAudit } from './actions/audit';
import { checkItems } from './actions/check';
import { holdForReview } from './actions/hold';
import { OUTPUTS_EXPRESSION, isToolVariant, ordered } from './actions/outputs';
import { policyFromParameters } from './actions/policy';
import { reviewWebhook } from './actions/webhook';
import { properties } from './descriptions/properties';
import { openStore } from './storage';

export class ComplianceAirlock implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Compliance Airlock',
		name: 'complianceAirlock',
		icon: 'file:complianceAirlock.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description:
			'Policy gate for agent input and output: PII, secrets, prompt injection, URL and keyword rules; redact, block or hold for human approval; tamper-evident audit trail',
		defaults: { name: 'Compliance Airlock' },
		// n8n derives "Compliance Airlock Tool" for the AI Agent: the agent checks text or
		// holds it for a person, and the execution waits for the decision like n8n's
		// human-in-the-loop tools. Its one output answers the agent (see ordered()).
		usableAsTool: true,
		inputs: [
			NodeConnectionTypes.Main,
			{
				type: NodeConnectionTypes.AiLanguageModel,
				displayName: 'Judge Model',
				required: false,
				maxConnections: 1,
			},
		],
		outputs: OUTPUTS_EXPRESSION,
		credentials: [
			{ name: 'postgres', required: true, displayOptions: { show: { storage: ['postgres'] } } },
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				responseData: '',
				path: '={{ $nodeId }}',
				restartWebhook: true,
				isFullPath: true,
			},
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				responseData: '',
				path: '={{ $nodeId }}',
				restartWebhook: true,
				isFullPath: true,
			},
		],
		properties,
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return reviewWebhook(this);
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		if (operation === 'restore') return [restoreItems(this)];

		let store: ComplianceStore | null = null;
		try {
			const policy =
				operation === 'check' || operation === 'sendAndWait' ? policyFromParameters(this) : null;
			const needsStore =
				operation !== 'check' || (this.getNodeParameter('audit', 0, true) as boolean);
			if (needsStore) {
				store = await openStore(
					this.getNodeParameter('storage', 0, 'embedded') as string,
					this.getNodeParameter('auditChain', 0, 'default') as string,
					() => this.getCredentials('postgres'),
				);
				// Holds whose wait ran out were resumed by n8n without this node: record them now.
				if (this.getNodeParameter('audit', 0, true) as boolean) await store.settleExpiredHolds();
			}
			if (operation === 'verifyAudit') return [await verifyAudit(store as ComplianceStore)];
			if (operation === 'exportAudit') return [await exportAudit(this, store as ComplianceStore)];
			if (operation === 'sendAndWait')
				return await holdForReview(this, policy!, store as ComplianceStore);
			const results = await checkItems(this, policy!, store);
			return ordered(
				results.flatMap((r) => (r.approved ? [r.approved] : [])),
				results.flatMap((r) => (r.rejected ? [r.rejected] : [])),
				isToolVariant(this),
			);
		} catch (error) {
			// Policy, storage or audit failures concern the whole batch; an error item is never approved.
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error);
			const failed = this.getInputData().map((_, i) => errorItem(error, i));
			if (operation !== 'check' && operation !== 'sendAndWait') return [failed];
			return ordered([], failed, isToolVariant(this));
		} finally {
			await store?.close();
		}
	}
}

function restoreItems(ctx: IExecuteFunctions): INodeExecutionData[] {
	return ctx.getInputData().map((item, i) => {
		try {
			const text = ctx.getNodeParameter('restoreText', i) as string;
			const vault = ctx.getNodeParameter('vault', i) as string;
			const key = ctx.getNodeParameter('redactionKey', i, '') as string;
			return {
				json: { ...item.json, text: restore(String(text ?? ''), vault, key) },
				pairedItem: { item: i },
			};
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			return errorItem(error, i);
		}
	});
}
