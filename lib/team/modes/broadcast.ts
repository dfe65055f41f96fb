/** Broadcast: every member works on the request in parallel; the leader synthesises. */
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { runAgentTurns } from '../agent';
import { delegate } from '../members';
import { broadcastSynthesis, leaderSystemPrompt, partialAnswer } from '../prompts';
import type { ModeFn } from './shared';

export const broadcast: ModeFn = async (ctx, input, history) => {
	const members = [...ctx.members.values()];
	const outcomes = await Promise.all(members.map((m) => delegate(ctx, m, input)));
	if (outcomes.every((o) => !o.ok)) {
		return { text: partialAnswer('Every member failed', []), status: 'failed' };
	}
	const synthesis = await runAgentTurns(ctx, {
		actor: 'leader',
		model: ctx.spec.model,
		messages: [
			new SystemMessage(
				leaderSystemPrompt(
					'broadcast',
					members,
					ctx.spec.leaderInstructions,
					ctx.spec.outputSchema,
				),
			),
			...history,
			new HumanMessage(
				broadcastSynthesis(
					input,
					outcomes.map((o) =>
						o.ok ? { member: o.member, output: o.output } : { member: o.member, error: o.error },
					),
				),
			),
		],
		signal: ctx.signal,
		maxTurns: 1,
	});
	return { text: synthesis.text };
};
