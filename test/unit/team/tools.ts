import { DynamicStructuredTool } from '@langchain/core/tools';
import type { ToolLike } from '../../../lib/team';

/**
 * A DynamicStructuredTool with a JSON schema. Built through an untyped
 * constructor: the generic zod/JSON-schema inference of the tool types is
 * costly for the type checker and adds nothing to a test.
 */
export function jsonTool(
	name: string,
	description: string,
	properties: Record<string, { type: string }>,
	func: (args: Record<string, unknown>) => Promise<string>,
): ToolLike {
	const Tool = DynamicStructuredTool as unknown as new (
		fields: Record<string, unknown>,
	) => ToolLike;
	return new Tool({
		name,
		description,
		schema: { type: 'object', properties, required: Object.keys(properties) },
		func,
	});
}
