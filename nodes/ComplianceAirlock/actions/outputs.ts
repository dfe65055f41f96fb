import type { INodeExecutionData } from 'n8n-workflow';

/**
 * Approved is always the first output. n8n resumes a waiting node by passing
 * on only its first output (the first list of webhook()'s workflowData, or
 * the node's input items when the wait times out), so after a hold only the
 * first output can continue: approved items go on there, and the items a
 * reviewer or the timeout rejects end the execution (their decision is on the
 * audit trail). The `outputs` expression in the node description mirrors this.
 */
export function ordered(
	approved: INodeExecutionData[],
	rejected: INodeExecutionData[],
): INodeExecutionData[][] {
	return [approved, rejected];
}

export const OUTPUTS_EXPRESSION =
	'={{ ["check", "sendAndWait"].includes($parameter.operation) ? [{ "type": "main", "displayName": "Approved" }, { "type": "main", "displayName": "Rejected" }] : [{ "type": "main" }] }}';
