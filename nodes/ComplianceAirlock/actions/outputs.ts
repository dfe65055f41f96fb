import type { INodeExecutionData } from 'n8n-workflow';

/**
 * Output order. A hold that times out is resumed by n8n with its input items
 * on the node's first output, so for "Hold for Human Review" with a timeout
 * the first output is the branch of the timeout decision. The `outputs`
 * expression in the node description mirrors this function.
 */
export function approvedFirst(
	operation: string,
	limitWaitTime: boolean,
	timeoutDecision: string,
): boolean {
	return !(operation === 'sendAndWait' && limitWaitTime && timeoutDecision !== 'approve');
}

export function ordered(
	approved: INodeExecutionData[],
	rejected: INodeExecutionData[],
	first: boolean,
): INodeExecutionData[][] {
	return first ? [approved, rejected] : [rejected, approved];
}

export const OUTPUTS_EXPRESSION =
	'={{ ["check", "sendAndWait"].includes($parameter.operation) ? (($parameter.operation === "sendAndWait" && $parameter.limitWaitTime !== false && $parameter.timeoutDecision !== "approve") ? [{ "type": "main", "displayName": "Rejected" }, { "type": "main", "displayName": "Approved" }] : [{ "type": "main", "displayName": "Approved" }, { "type": "main", "displayName": "Rejected" }]) : [{ "type": "main" }] }}';
