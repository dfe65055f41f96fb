import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

/**
 * The tool variant n8n generates from this node (`complianceAirlockTool`, for
 * the AI Agent's tools input) has a single output that goes back to the agent.
 */
export function isToolVariant(ctx: { getNode(): INode }): boolean {
	return ctx.getNode().type.endsWith('Tool');
}

function withOutcome(items: INodeExecutionData[], outcome: string): INodeExecutionData[] {
	return items.map((item) => ({
		...item,
		json: {
			...item.json,
			airlock: { ...((item.json.airlock as IDataObject | undefined) ?? {}), outcome },
		},
	}));
}

/**
 * Approved is always the first output. n8n resumes a waiting node by passing
 * on only its first output (the first list of webhook()'s workflowData, or
 * the node's input items when the wait times out), so after a hold only the
 * first output can continue: approved items go on there, and the items a
 * reviewer or the timeout rejects end the execution (their decision is on the
 * audit trail). The `outputs` expression in the node description mirrors this.
 *
 * The tool variant answers the agent on its one output with every item, each
 * marked `airlock.outcome` "approved" or "rejected", so the agent always
 * learns the decision, also after a hold.
 */
export function ordered(
	approved: INodeExecutionData[],
	rejected: INodeExecutionData[],
	asTool = false,
): INodeExecutionData[][] {
	if (asTool) return [[...withOutcome(approved, 'approved'), ...withOutcome(rejected, 'rejected')]];
	return [approved, rejected];
}

export const OUTPUTS_EXPRESSION =
	'={{ ["check", "sendAndWait"].includes($parameter.operation) ? [{ "type": "main", "displayName": "Approved" }, { "type": "main", "displayName": "Rejected" }] : [{ "type": "main" }] }}';
