import { NodeOperationError, type INode } from 'n8n-workflow';
import { AgentOsError } from '../../lib/db';

/**
 * Wraps an engine error as the error n8n shows: the message says what went
 * wrong (and for which item), the description how to fix it.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const err = error as Error;
	const hint = error instanceof AgentOsError ? error.hint : undefined;
	const where = itemIndex === undefined ? '' : ` [item ${itemIndex}]`;
	return new NodeOperationError(node, `${err?.message ?? String(error)}${where}`, {
		itemIndex,
		description: hint,
	});
}

/** Parses a JSON parameter that n8n may hand over as text or as an already parsed value. */
export function parseJsonParameter(value: unknown, name: string): unknown {
	if (typeof value !== 'string') return value;
	if (value.trim() === '') return {};
	try {
		return JSON.parse(value);
	} catch (e) {
		throw new AgentOsError(
			`${name} is not valid JSON: ${(e as Error).message}`,
			'VALIDATION',
			`Write ${name} as a JSON object, for example {"source": "chat"}.`,
		);
	}
}

/**
 * The item n8n routes to a node's error output (and what "continue on fail"
 * keeps): exactly `{ error }`, with the fix appended when the engine gave one.
 */
export function errorItem(error: unknown, itemIndex: number) {
	const err = error as Error;
	const hint = error instanceof AgentOsError && error.hint ? ` ${error.hint}` : '';
	return {
		json: { error: `${err?.message ?? String(error)}${hint}` },
		pairedItem: { item: itemIndex },
	};
}
