/** Sequential: a pipeline; each member sees the request and the previous member's output. */
import { delegate } from '../members';
import { partialAnswer, sequentialTask } from '../prompts';
import type { ModeFn } from './shared';

export const sequential: ModeFn = async (ctx, input, history) => {
	let previous: { member: string; output: string } | null = null;
	for (const member of ctx.members.values()) {
		const outcome = await delegate(ctx, member, sequentialTask(input, previous), {
			from: 'team',
			// The first step sees the team's earlier conversation; later steps see its output.
			history: previous ? [] : history,
		});
		if (!outcome.ok) {
			const reason = `The pipeline stopped at ${member.name}: ${outcome.error}`;
			return previous
				? { text: partialAnswer(reason, [previous]) }
				: { text: partialAnswer(reason, []), status: 'failed' };
		}
		previous = { member: member.name, output: outcome.output };
	}
	return { text: previous?.output ?? '' };
};
