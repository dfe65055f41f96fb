/**
 * Building blocks of the team benchmark: scripted zero-latency or delayed
 * models, a team of N members, and the plain agent loop it is compared with.
 */
import {
	HumanMessage,
	SystemMessage,
	ToolMessage,
	type BaseMessage,
} from '@langchain/core/messages';
import { TeamRunner, type MemberSpec, type TeamMode } from '../../lib/team';
import { FakeToolCallingModel, type Reply } from '../../test/unit/team/fake-model';

export const memberNames = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);

/** A leader that delegates to one member per turn, `turns` times, then answers. */
export function chainLeader(turns: number, members: string[]): FakeToolCallingModel {
	return new FakeToolCallingModel(
		(_messages, call): Reply =>
			call < turns
				? {
						toolCalls: [
							{
								name: `delegate_to_${members[call % members.length]}`,
								args: { task: `step ${call}` },
							},
						],
					}
				: 'done',
	);
}

export function team(
	mode: TeamMode,
	leader: FakeToolCallingModel,
	members: string[],
	memberDelayMs: number,
	limits: { maxTurns?: number; maxDelegations?: number; maxConcurrency?: number } = {},
): TeamRunner {
	const specs: MemberSpec[] = members.map((name) => ({
		name,
		model: new FakeToolCallingModel([`result of ${name}`], { delayMs: memberDelayMs }),
	}));
	return new TeamRunner({
		mode,
		model: leader,
		members: specs,
		limits: { memberTimeoutMs: 0, ...limits },
	});
}

/**
 * What a user would write without a team: one loop that asks the leader,
 * calls the member model for each tool call, and feeds the answers back,
 * one at a time.
 */
export async function plainAgentLoop(
	leader: FakeToolCallingModel,
	member: FakeToolCallingModel,
	maxTurns: number,
): Promise<string> {
	const bound = leader.bindTools([
		{
			type: 'function',
			function: { name: 'delegate', parameters: { type: 'object', properties: {} } },
		},
	]);
	const messages: BaseMessage[] = [new SystemMessage('lead'), new HumanMessage('task')];
	for (let turn = 0; turn < maxTurns; turn++) {
		const ai = await bound.invoke(messages);
		messages.push(ai);
		if (!ai.tool_calls?.length) return String(ai.content);
		for (const call of ai.tool_calls) {
			const answer = await member.invoke([
				new SystemMessage('member'),
				new HumanMessage(String(call.args.task)),
			]);
			messages.push(new ToolMessage({ content: String(answer.content), tool_call_id: call.id! }));
		}
	}
	return '';
}

/** Calls each member model in turn, then the leader to synthesise: broadcast without a team. */
export async function plainSequentialBroadcast(members: number, delayMs: number): Promise<void> {
	const leader = new FakeToolCallingModel(['synthesis']);
	const answers: string[] = [];
	for (let i = 0; i < members; i++) {
		const m = new FakeToolCallingModel([`r${i}`], { delayMs });
		answers.push(String((await m.invoke([new HumanMessage('task')])).content));
	}
	await leader.invoke([new HumanMessage(answers.join('\n'))]);
}

export const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
};
