import {
	WAIT_INDEFINITELY,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import { scrubSecrets } from '../../../lib/db';
import { ValidationError, type ComplianceStore, type Policy } from '../../../lib/compliance';
import { checkItems } from './check';
import { isToolVariant, ordered } from './outputs';

/** What a hold keeps until its decision: the items for each outcome. */
export interface HoldPayload {
	/** Items that need no review; Approved whatever the reviewers decide. */
	pass: INodeExecutionData[];
	/** Items waiting for the reviewers. */
	held: INodeExecutionData[];
	/** Items the policy blocked (or that failed); Rejected whatever the reviewers decide. */
	blocked: INodeExecutionData[];
	summary: string;
}

const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

export function parseReviewers(value: string): string[] {
	return value
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}

/**
 * Checks the items and, when some need a person, stores a hold, posts the
 * signed approve/reject links to the notify URL and pauses the execution.
 * The webhook() method resumes it once the reviewers have decided.
 */
export async function holdForReview(
	ctx: IExecuteFunctions,
	policy: Policy,
	store: ComplianceStore,
): Promise<INodeExecutionData[][]> {
	const limit = ctx.getNodeParameter('limitWaitTime', 0, true) as boolean;
	const timeoutDecision = ctx.getNodeParameter('timeoutDecision', 0, 'reject') as string;
	const onlyWhenNeeded = ctx.getNodeParameter('holdOnlyWhenNeeded', 0, true) as boolean;
	const asTool = isToolVariant(ctx);
	const reviewers = parseReviewers(ctx.getNodeParameter('reviewers', 0, '') as string);
	const required = ctx.getNodeParameter('requiredApprovals', 0, 1) as number;
	const m = reviewers.length || 1;
	if (!Number.isInteger(required) || required < 1 || required > m) {
		throw new ValidationError(
			`Required Approvals is ${required} but there ${m === 1 ? 'is 1 reviewer' : `are ${m} reviewers`}`,
			'Set Required Approvals between 1 and the number of reviewers.',
		);
	}

	const results = await checkItems(ctx, policy, store);
	const payload: HoldPayload = { pass: [], held: [], blocked: [], summary: '' };
	for (const r of results) {
		if (r.rejected) {
			if (r.decision?.action === 'review') payload.held.push(r.rejected);
			else payload.blocked.push(r.rejected);
		} else if (r.approved) (onlyWhenNeeded ? payload.pass : payload.held).push(r.approved);
	}
	if (!payload.held.length) return ordered(payload.pass, payload.blocked, asTool);

	// Review items carry the tagged text; once approved they leave with the policy's redaction.
	const lines = payload.held.map((item, k) => {
		const a = (item.json.airlock ?? {}) as IDataObject;
		const field = (ctx.getNodeParameter('outputField', 0, 'text') as string) || 'text';
		return `#${k + 1} ${a.action ?? ''} risk ${a.risk ?? ''}: ${String(item.json[field] ?? '').slice(0, 300)}`;
	});
	payload.summary = `${payload.held.length} item(s) held by policy "${policy.name}"${payload.blocked.length ? `, ${payload.blocked.length} blocked` : ''}\n${lines.join('\n')}`;

	const expiresAt = limit
		? new Date(
				Date.now() +
					(ctx.getNodeParameter('resumeAmount', 0, 24) as number) *
						(UNIT_MS[ctx.getNodeParameter('resumeUnit', 0, 'hours') as string] ?? UNIT_MS.hours),
			)
		: null;
	const hold = await store.holds.create({
		required,
		reviewers,
		expiresAt,
		payload,
		context: {
			workflowId: ctx.getWorkflow().id ?? null,
			executionId: ctx.getExecutionId() ?? null,
			node: ctx.getNode().name,
			// What settleExpiredHolds() records when the wait time runs out.
			chain: (ctx.getNodeParameter('auditChain', 0, 'default') as string) || 'default',
			timeoutDecision: expiresAt ? timeoutDecision : null,
		},
	});
	ctx.setSignatureValidationRequired();
	const links = hold.reviewers.map((reviewer) => ({
		reviewer,
		approve: ctx.getSignedResumeUrl({ hold: hold.id, reviewer, decision: 'approve' }),
		reject: ctx.getSignedResumeUrl({ hold: hold.id, reviewer, decision: 'reject' }),
	}));

	const notifyUrl = (ctx.getNodeParameter('notifyUrl', 0, '') as string).trim();
	let notify: IDataObject = { sent: false, reason: 'no notify URL set' };
	if (notifyUrl) {
		try {
			await ctx.helpers.httpRequest({
				method: 'POST',
				url: notifyUrl,
				json: true,
				timeout: 10_000,
				body: {
					text: `Review needed: ${payload.summary}`,
					holdId: hold.id,
					required,
					reviewers: hold.reviewers,
					expiresAt: hold.expiresAt,
					links,
					summary: payload.summary,
				},
			});
			notify = { sent: true };
		} catch (error) {
			// The hold stands either way; the failure is shown on the waiting node and in the audit trail.
			notify = { sent: false, error: scrubSecrets((error as Error).message ?? String(error)) };
		}
	}
	if (ctx.getNodeParameter('audit', 0, true)) {
		await store.audit.append({
			event: 'hold',
			policy: policy.name,
			action: 'review',
			subject: {
				holdId: hold.id,
				reviewers: hold.reviewers,
				required,
				expiresAt: hold.expiresAt,
				items: payload.held.length,
				notify,
				executionId: ctx.getExecutionId() ?? null,
			},
		});
	}
	if (expiresAt) {
		// A hold that times out is resumed by n8n with the node's input items on its first
		// output (Approved). Those items are replaced here, in the list n8n keeps for the
		// resume, by what the timeout decision lets through, so unreviewed input never
		// leaves on Approved. The tool variant gets every item with its outcome.
		const timedOut = stampTimeout(payload.held, hold.id, timeoutDecision);
		const timeoutItems = asTool
			? timeoutDecision === 'approve'
				? ordered([...payload.pass, ...timedOut], payload.blocked, true)[0]
				: ordered(payload.pass, [...timedOut, ...payload.blocked], true)[0]
			: timeoutDecision === 'approve'
				? [...payload.pass, ...timedOut]
				: payload.pass;
		const input = ctx.getInputData();
		input.splice(0, input.length, ...timeoutItems);
	}
	await ctx.putExecutionToWait(expiresAt ?? WAIT_INDEFINITELY);
	// Shown on the node while the execution waits; replaced by the decision when it resumes.
	const info: INodeExecutionData = {
		json: {
			hold: {
				id: hold.id,
				required,
				reviewers: hold.reviewers,
				expiresAt: hold.expiresAt,
				links,
				notify,
				summary: payload.summary,
			},
		},
		pairedItem: payload.held
			.map((i) => i.pairedItem)
			.flat()
			.filter(Boolean) as INodeExecutionData['pairedItem'],
	};
	return asTool ? [[info]] : ordered([info], []);
}

function stampTimeout(
	items: INodeExecutionData[],
	holdId: string,
	decision: string,
): INodeExecutionData[] {
	const status = decision === 'approve' ? 'approved' : 'rejected';
	const review = { holdId, status, timedOut: true, votes: [] };
	return items.map((item) => ({
		...item,
		json: { ...item.json, airlock: { ...((item.json.airlock as IDataObject) ?? {}), review } },
	}));
}
