/** Every piece of prompt text the team sends to models lives here. */
import type { JsonSchema, MemberSpec, TeamMode } from './types';

export function memberSystemPrompt(member: MemberSpec): string {
	const lines = [
		`You are "${member.name}"${member.role ? `, ${member.role}` : ''}, a member of a team.`,
	];
	if (member.instructions) lines.push(member.instructions);
	lines.push('Do the task you are given and answer with the result only.');
	if (member.outputSchema) lines.push(schemaInstruction(member.outputSchema));
	return lines.join('\n\n');
}

export function roster(members: MemberSpec[]): string {
	return members
		.map(
			(m) =>
				`- ${m.name}${m.role ? `: ${m.role}` : ''}${m.instructions ? ` (${m.instructions})` : ''}`,
		)
		.join('\n');
}

const leaderIntro: Record<TeamMode, string> = {
	coordinate:
		'You lead a team. Delegate work to members with the delegate tools; call several at once when their work is independent. When you have what you need, answer the user directly without calling tools.',
	route:
		'You route requests. Pick the one team member best suited to answer the request by calling the route tool. Do not answer yourself.',
	broadcast:
		'You lead a team. Your members have worked on the request below. Combine their results into one final answer; say which parts come from which member when it matters, and state any member failures.',
	sequential: 'You lead a team working as a pipeline.',
	plan: 'You lead a team. Break the request into tasks for the members as a task graph.',
};

export function leaderSystemPrompt(
	mode: TeamMode,
	members: MemberSpec[],
	extra: string | undefined,
	outputSchema?: JsonSchema,
): string {
	const lines = [leaderIntro[mode], `Team members:\n${roster(members)}`];
	if (extra) lines.push(extra);
	if (outputSchema && mode !== 'plan' && mode !== 'route')
		lines.push(schemaInstruction(outputSchema));
	return lines.join('\n\n');
}

export function schemaInstruction(schema: JsonSchema): string {
	return `Answer with JSON only (no prose, no code fences) that is valid against this JSON schema:\n${JSON.stringify(schema)}`;
}

export function repairPrompt(errors: string): string {
	return `Your answer is not valid: ${errors}. Reply again with only the corrected JSON.`;
}

export const delegateToolDescription = (member: MemberSpec) =>
	`Delegate a task to ${member.name}${member.role ? ` (${member.role})` : ''}. Give a complete, self-contained task.`;

/** For a leader model without tool calling: it names the member in plain text. */
export const routeByName = (input: string) =>
	`${input}\n\nReply with only the name of the member who should answer.`;

export const routeToolDescription = 'Send the request to the one member who should answer it.';

export function sequentialTask(input: string, previous: { member: string; output: string } | null) {
	if (!previous) return input;
	return `Original request:\n${input}\n\nOutput of the previous step (${previous.member}):\n${previous.output}\n\nContinue the work from there.`;
}

export function broadcastSynthesis(
	input: string,
	results: Array<{ member: string; output?: string; error?: string }>,
) {
	const parts = results.map((r) =>
		r.error ? `### ${r.member} (failed)\n${r.error}` : `### ${r.member}\n${r.output}`,
	);
	return `Request:\n${input}\n\nMember answers:\n\n${parts.join('\n\n')}\n\nWrite the final answer.`;
}

export function planRequest(input: string): string {
	return [
		`Request:\n${input}`,
		'Reply with JSON only, no prose: {"tasks":[{"id":"t1","member":"<member name>","task":"<what to do>","dependsOn":[]}]}.',
		'Use only the member names listed. A task may depend on earlier tasks by id; tasks without dependencies run in parallel. The graph must not have cycles.',
	].join('\n\n');
}

export function planRejected(reason: string): string {
	return `That plan was rejected: ${reason}. Write a corrected plan as JSON only.`;
}

export function planTask(
	task: string,
	inputs: Array<{ id: string; member: string; output: string }>,
) {
	if (inputs.length === 0) return task;
	const context = inputs.map((i) => `### ${i.id} (${i.member})\n${i.output}`).join('\n\n');
	return `${task}\n\nResults of the tasks this one depends on:\n\n${context}`;
}

export function planSynthesis(
	input: string,
	results: Array<{ id: string; member: string; task: string; output?: string; error?: string }>,
) {
	const parts = results.map((r) =>
		r.error
			? `### ${r.id} (${r.member}, failed): ${r.task}\n${r.error}`
			: `### ${r.id} (${r.member}): ${r.task}\n${r.output}`,
	);
	return `Request:\n${input}\n\nTask results:\n\n${parts.join('\n\n')}\n\nWrite the final answer to the request.`;
}

export function partialAnswer(reason: string, results: Array<{ member: string; output: string }>) {
	if (results.length === 0) return `${reason}. No member produced a result.`;
	const parts = results.map((r) => `### ${r.member}\n${r.output}`);
	return `${reason}. Results gathered so far:\n\n${parts.join('\n\n')}`;
}

export const turnLimitReason = (turns: number) => `Stopped after the turn limit of ${turns}`;
export const budgetReason = (budget: number) => `Stopped: the token budget of ${budget} is spent`;
export const delegationLimitMessage = (max: number) =>
	`Delegation limit of ${max} reached. Answer now with what you have.`;
