import type {
	IExecuteFunctions,
	INodeExecutionData,
	ISupplyDataFunctions,
	SupplyData,
} from 'n8n-workflow';
import { toNodeError } from './errors';

type SupplyDataFn = (this: ISupplyDataFunctions, itemIndex: number) => Promise<SupplyData>;

/**
 * Runs a tool sub-node as a node. n8n's AI Agent (v3) asks the workflow engine
 * to execute the tool nodes it calls, handing each one the tool-call arguments
 * as an item; this builds the same tool as `supplyData` and invokes it with
 * them. The engine logs the call itself, so the sub-node's own logging
 * (addInputData/addOutputData) is not used here.
 */
export async function executeAsTool(
	ctx: IExecuteFunctions,
	supplyData: SupplyDataFn,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[] = [];
	const quiet = Object.create(ctx) as ISupplyDataFunctions;
	Object.assign(quiet, {
		addInputData: () => ({ index: 0 }),
		addOutputData: () => undefined,
	});
	for (let i = 0; i < items.length; i++) {
		try {
			const { response, closeFunction } = await supplyData.call(quiet, i);
			try {
				const tool = response as { invoke(input: unknown): Promise<unknown> };
				const result = await tool.invoke(items[i].json);
				out.push({ json: { response: result as string }, pairedItem: { item: i } });
			} finally {
				await closeFunction?.();
			}
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
		}
	}
	return [out];
}
