import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import {
	ComplianceEngine,
	ValidationError,
	buildJudgeMessages,
	parseJudgeResponse,
	withoutText,
	type AuditEntry,
	type AuditRecord,
	type ComplianceStore,
	type Decision,
	type Finding,
	type Policy,
} from '../../../lib/compliance';
import { errorItem, toNodeError } from '../../shared/errors';

export interface ItemResult {
	index: number;
	decision?: Decision;
	error?: unknown;
	/** Approved output item, or the Rejected one. */
	approved?: INodeExecutionData;
	rejected?: INodeExecutionData;
}

interface ChatModelLike {
	invoke(messages: Array<{ role: string; content: string }>): Promise<{ content: unknown }>;
}

function textOf(value: unknown, index: number): string {
	if (typeof value === 'string') return value;
	if (value === undefined || value === null) {
		throw new ValidationError(
			`Item ${index} has no text to check`,
			'Set "Text" to an expression that yields the text, e.g. {{ $json.text }}.',
		);
	}
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	// Objects and arrays are checked as their JSON, so nothing inside them escapes the policy.
	return JSON.stringify(value);
}

function contentOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content))
		return content
			.map((c) => (typeof c === 'string' ? c : ((c as { text?: string }).text ?? '')))
			.join('');
	return String(content ?? '');
}

async function judgeModel(
	ctx: IExecuteFunctions,
	policy: Policy,
): Promise<ChatModelLike | undefined> {
	if (!policy.detectors.llm) return undefined;
	let model: unknown;
	try {
		model = await ctx.getInputConnectionData(NodeConnectionTypes.AiLanguageModel, 0);
	} catch {
		model = undefined;
	}
	const m = (Array.isArray(model) ? model[0] : model) as ChatModelLike | undefined;
	if (!m || typeof m.invoke !== 'function') {
		throw new ValidationError(
			`Policy "${policy.name}" uses the LLM judge but no chat model is connected`,
			'Connect a chat model to the "Judge Model" input, or remove "llm" from the policy detectors.',
		);
	}
	return m;
}

function summary(d: Decision, record?: AuditRecord): IDataObject {
	const out: IDataObject = {
		policy: d.policy,
		action: d.action,
		risk: d.risk,
		findings: withoutText(d.findings) as unknown as IDataObject[],
		redacted: d.findings.some((f) => f.action === 'redact'),
		truncated: d.truncated,
		textSha256: d.textSha256,
	};
	if (d.reasons.length) out.reasons = d.reasons;
	if (d.vault) out.vault = d.vault;
	if (record) out.audit = { chain: record.chain, seq: record.seq, hash: record.hash };
	return out;
}

/**
 * Checks every item; errors either stop the node or, with continue-on-fail,
 * become items on the Rejected output (an error is never approved). All
 * audit records of the batch are appended in one transaction.
 */
export async function checkItems(
	ctx: IExecuteFunctions,
	policy: Policy,
	store: ComplianceStore | null,
): Promise<ItemResult[]> {
	const items = ctx.getInputData();
	const engine = new ComplianceEngine(policy);
	const model = await judgeModel(ctx, policy);
	const results: ItemResult[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const text = textOf(ctx.getNodeParameter('text', i, undefined), i);
			let extraFindings: Finding[] = [];
			if (model && policy.detectors.llm) {
				const answer = await model.invoke(buildJudgeMessages(policy.detectors.llm, text));
				extraFindings = parseJudgeResponse(
					contentOf(answer.content),
					policy.detectors.llm,
					text.length,
				);
			}
			const key = (ctx.getNodeParameter('redactionKey', i, '') as string) || undefined;
			results.push({
				index: i,
				decision: engine.check(text, { extraFindings, redactionKey: key }),
			});
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			results.push({ index: i, error });
		}
	}

	let records: AuditRecord[] = [];
	if (store && ctx.getNodeParameter('audit', 0, true)) {
		const decided = results.filter((r) => r.decision);
		const entries: AuditEntry[] = decided.map((r) => {
			const d = r.decision as Decision;
			return {
				event: 'decision',
				policy: d.policy,
				action: d.action,
				risk: d.risk,
				findings: withoutText(d.findings) as unknown as Array<Record<string, unknown>>,
				textRedacted: d.auditText,
				textSha256: d.textSha256,
				subject: {
					workflowId: ctx.getWorkflow().id ?? null,
					executionId: ctx.getExecutionId() ?? null,
					node: ctx.getNode().name,
					item: r.index,
				},
			};
		});
		records = await store.audit.append(entries);
		decided.forEach((r, k) => ((r as ItemResult & { record?: AuditRecord }).record = records[k]));
	}

	const outputField = (ctx.getNodeParameter('outputField', 0, 'text') as string) || 'text';
	for (const r of results) {
		if (r.error !== undefined) {
			r.rejected = errorItem(r.error, r.index);
			continue;
		}
		const d = r.decision as Decision;
		const record = (r as ItemResult & { record?: AuditRecord }).record;
		const base = items[r.index].json;
		if (d.action === 'allow' || d.action === 'redact') {
			r.approved = {
				json: { ...base, [outputField]: d.redactedText, airlock: summary(d, record) },
				pairedItem: { item: r.index },
			};
		} else {
			r.rejected = {
				json: { ...base, [outputField]: d.auditText, airlock: summary(d, record) },
				pairedItem: { item: r.index },
			};
		}
	}
	return results;
}
