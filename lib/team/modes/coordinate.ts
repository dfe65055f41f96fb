/** Coordinate: the leader delegates through tool calls (several at once run in parallel) until it answers. */
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { runAgentTurns, type InternalTool } from '../agent';
import { delegate } from '../members';
import {
	delegateToolDescription,
	leaderSystemPrompt,
	partialAnswer,
	turnLimitReason,
} from '../prompts';
import { toolSafe, type ModeFn } from './shared';

export const coordinate: ModeFn = async (ctx, input, history) => {
	const members = [...ctx.members.values()];
	const taken = new Set(ctx.leaderTools.map((t) => t.name));
	const delegateTools: InternalTool[] = members.map((member) => ({
		name: toolSafe('delegate_to_', member.name, taken),
		description: delegateToolDescription(member),
		parameters: {
			type: 'object',
			properties: { task: { type: 'string', description: 'The complete task for this member' } },
			required: ['task'],
		},
		async handle(call) {
			const task = typeof call.args?.task === 'string' ? call.args.task.trim() : '';
			if (!task) {
				const error = 'the "task" argument is missing; call again with a task';
				ctx.fail('leader', error, member.name);
				return `Error: ${error}`;
			}
			const outcome = await delegate(ctx, member, task);
			return outcome.ok ? outcome.output : `Error: ${member.name} failed: ${outcome.error}`;
		},
	}));
	const messages = [
		new SystemMessage(
			leaderSystemPrompt('coordinate', members, ctx.spec.leaderInstructions, ctx.spec.outputSchema),
		),
		...history,
		new HumanMessage(input),
	];
	const outcome = await runAgentTurns(ctx, {
		actor: 'leader',
		model: ctx.spec.model,
		messages,
		tools: ctx.leaderTools,
		internalTools: delegateTools,
		signal: ctx.signal,
	});
	if (outcome.hitTurnLimit) {
		const reason = turnLimitReason(ctx.limits.maxTurns);
		ctx.log({ kind: 'limit', actor: 'leader', content: reason });
		return { text: partialAnswer(reason, ctx.results), status: 'max_turns' };
	}
	return { text: outcome.text };
};
