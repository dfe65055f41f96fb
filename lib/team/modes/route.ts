/** Route: the leader picks one member, who answers the request directly. */
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { runAgentTurns, type InternalTool } from '../agent';
import type { ResolvedMember } from '../context';
import { delegate } from '../members';
import { leaderSystemPrompt, routeByName, routeToolDescription } from '../prompts';
import type { ModeFn } from './shared';

export const route: ModeFn = async (ctx, input, history) => {
	const members = [...ctx.members.values()];
	const routeTool: InternalTool = {
		name: 'route_to_member',
		description: routeToolDescription,
		parameters: {
			type: 'object',
			properties: {
				member: { type: 'string', enum: members.map((m) => m.name) },
				reason: { type: 'string' },
			},
			required: ['member'],
		},
		handle: async () => '',
	};
	// A leader model without tool calling routes by naming the member.
	const withTools = typeof ctx.spec.model.bindTools === 'function';
	const outcome = await runAgentTurns(ctx, {
		actor: 'leader',
		model: ctx.spec.model,
		messages: [
			new SystemMessage(leaderSystemPrompt('route', members, ctx.spec.leaderInstructions)),
			...history,
			new HumanMessage(withTools ? input : routeByName(input)),
		],
		internalTools: withTools ? [routeTool] : [],
		signal: ctx.signal,
		returnToolCalls: true,
		maxTurns: 1,
	});
	const call = outcome.message.tool_calls?.find((c) => c.name === routeTool.name);
	const asked = typeof call?.args?.member === 'string' ? call.args.member : outcome.text;
	let chosen = pick(members, asked);
	if (!chosen) {
		const fallback = ctx.spec.fallbackMember ? ctx.members.get(ctx.spec.fallbackMember) : undefined;
		const problem = `the leader did not pick a known member (it said "${asked.slice(0, 200)}")`;
		ctx.fail('leader', problem + (fallback ? `; routing to fallback ${fallback.name}` : ''));
		if (!fallback) return { text: '', status: 'failed' };
		chosen = fallback;
	}
	const reason = typeof call?.args?.reason === 'string' ? call.args.reason : undefined;
	if (reason)
		ctx.log({
			kind: 'message',
			actor: 'leader',
			target: chosen.name,
			content: `routed: ${reason}`,
		});
	const answer = await delegate(ctx, chosen, input, { history });
	return answer.ok ? { text: answer.output } : { text: '', status: 'failed' };
};

/** Exact name, then case-insensitive, then the only member whose name the text mentions. */
function pick(members: ResolvedMember[], asked: string): ResolvedMember | undefined {
	const text = asked.trim();
	const lower = text.toLowerCase();
	const exact =
		members.find((m) => m.name === text) ?? members.find((m) => m.name.toLowerCase() === lower);
	if (exact) return exact;
	const mentioned = members.filter((m) => lower.includes(m.name.toLowerCase()));
	return mentioned.length === 1 ? mentioned[0] : undefined;
}
