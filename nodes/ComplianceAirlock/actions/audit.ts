import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { ComplianceStore } from '../../../lib/compliance';

export async function verifyAudit(store: ComplianceStore): Promise<INodeExecutionData[]> {
	const result = await store.audit.verify();
	return [{ json: { chain: store.audit.chain, ...result }, pairedItem: { item: 0 } }];
}

/** The chain as JSON lines: in `jsonl` and as a binary .jsonl file, for archiving or a SIEM. */
export async function exportAudit(
	ctx: IExecuteFunctions,
	store: ComplianceStore,
): Promise<INodeExecutionData[]> {
	const fromSeq = ctx.getNodeParameter('fromSeq', 0, 1) as number;
	const limit = ctx.getNodeParameter('limit', 0, 50) as number;
	const jsonl = await store.audit.exportJsonl({ fromSeq, limit });
	const binary = await ctx.helpers.prepareBinaryData(
		Buffer.from(jsonl, 'utf8'),
		`audit-${store.audit.chain}.jsonl`,
		'application/x-ndjson',
	);
	const lines = jsonl ? jsonl.trimEnd().split('\n') : [];
	return [
		{
			json: { chain: store.audit.chain, fromSeq, records: lines.length, jsonl },
			binary: { data: binary },
			pairedItem: { item: 0 },
		},
	];
}
