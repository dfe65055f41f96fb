import type { IExecuteFunctions } from 'n8n-workflow';
import { builtinPolicy, loadPolicyFile, parsePolicy, type Policy } from '../../../lib/compliance';

/** The policy the node's parameters name; read once per execution, validated before any item. */
export function policyFromParameters(ctx: IExecuteFunctions): Policy {
	const source = ctx.getNodeParameter('policySource', 0, 'builtin') as string;
	if (source === 'inline')
		return parsePolicy(ctx.getNodeParameter('policy', 0, '') as string, 'policy definition');
	if (source === 'file') return loadPolicyFile(ctx.getNodeParameter('policyFile', 0, '') as string);
	return builtinPolicy(ctx.getNodeParameter('policyName', 0, 'default') as string);
}
