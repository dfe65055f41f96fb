import type {
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import type { HoldPayload } from './hold';
import { isToolVariant, ordered } from './outputs';
import { confirmPage, resultPage } from '../pages';
import { openStore } from '../storage';

const MESSAGES: Record<string, string> = {
	recorded: 'Your vote is recorded. The items stay held until enough reviewers have decided.',
	duplicate: 'You have already voted on this hold; your first vote stands.',
	'already-decided': 'This hold has already been decided.',
	expired: 'This hold has expired; its timeout decision applies.',
	'unknown-hold': 'This hold does not exist.',
	'not-a-reviewer': 'This link does not belong to a reviewer of this hold.',
};

function stamp(items: INodeExecutionData[], review: IDataObject): INodeExecutionData[] {
	return items.map((item) => ({
		...item,
		json: { ...item.json, airlock: { ...((item.json.airlock as IDataObject) ?? {}), review } },
	}));
}

/**
 * Handles a reviewer's signed link. n8n has already checked the signature
 * (the node calls setSignatureValidationRequired). GET shows a confirmation
 * page, so link previews and mail scanners change nothing; the POST from that
 * page records the vote. Only the vote that settles the hold resumes the
 * execution; every other answer leaves it waiting.
 */
export async function reviewWebhook(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject();
	const res = ctx.getResponseObject();
	const query = ctx.getQueryData() as Record<string, unknown>;
	const holdId = typeof query.hold === 'string' ? query.hold : '';
	const reviewer = typeof query.reviewer === 'string' ? query.reviewer : '';
	const decision =
		query.decision === 'approve' || query.decision === 'reject' ? query.decision : null;
	if (!holdId || !reviewer || !decision) {
		res
			.status(400)
			.send(
				resultPage(
					'Invalid review link',
					'The link is incomplete. Use the link exactly as it was sent.',
				),
			);
		return { noWebhookResponse: true };
	}
	const store = await openStore(
		ctx.getNodeParameter('storage', 'embedded') as string,
		ctx.getNodeParameter('auditChain', 'default') as string,
		() => ctx.getCredentials('postgres'),
	);
	try {
		if (req.method !== 'POST') {
			const hold = await store.holds.get(holdId);
			const summary =
				hold && hold.status === 'pending'
					? ((hold.payload as HoldPayload | null)?.summary ?? '')
					: 'This hold has already been decided.';
			res.status(200).send(confirmPage(decision, reviewer, summary));
			return { noWebhookResponse: true };
		}
		const body = ctx.getBodyData() ?? {};
		const comment =
			typeof body.comment === 'string' && body.comment.trim()
				? body.comment.trim().slice(0, 2000)
				: undefined;
		const outcome = await store.holds.vote(holdId, { reviewer, decision, comment });
		if (ctx.getNodeParameter('audit', true)) {
			await store.audit.append({
				event: 'review',
				action: decision,
				subject: {
					holdId,
					reviewer,
					comment: comment ?? null,
					outcome: outcome.state,
					status: outcome.hold?.status ?? null,
				},
			});
		}
		if (outcome.state !== 'decided' || !outcome.hold) {
			res
				.status(outcome.state === 'recorded' ? 200 : 409)
				.send(resultPage('Review', MESSAGES[outcome.state] ?? outcome.state));
			return { noWebhookResponse: true };
		}
		const hold = outcome.hold;
		const payload = hold.payload as HoldPayload;
		const review: IDataObject = {
			holdId,
			status: hold.status,
			required: hold.required,
			votes: hold.votes.map((v) => ({
				reviewer: v.reviewer,
				decision: v.decision,
				comment: v.comment ?? null,
				at: v.votedAt ?? null,
			})),
		};
		const approved =
			hold.status === 'approved' ? [...payload.pass, ...stamp(payload.held, review)] : payload.pass;
		const rejected =
			hold.status === 'approved'
				? payload.blocked
				: [...stamp(payload.held, review), ...payload.blocked];
		return {
			webhookResponse: resultPage(
				hold.status === 'approved' ? 'Approved' : 'Rejected',
				`The held items are ${hold.status}. The workflow continues.`,
			),
			workflowData: ordered(approved, rejected, isToolVariant(ctx)),
		};
	} finally {
		// Record holds whose wait ran out (n8n resumed them without this node). A failure
		// here must not undo the vote just recorded; the next use of the store retries.
		try {
			if (ctx.getNodeParameter('audit', true)) await store.settleExpiredHolds();
		} catch {
			// retried on the next open
		} finally {
			await store.close();
		}
	}
}
