/**
 * Plan: the leader writes a task graph; a bad graph (cycle, unknown member)
 * is sent back with the reason once. Tasks run as soon as their dependencies
 * are done, independent ones in parallel, each seeing its dependencies'
 * results; the leader writes the final answer from all of them.
 */
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { runAgentTurns } from '../agent';
import type { RunContext } from '../context';
import { RunStopped } from '../errors';
import { delegate } from '../members';
import { parsePlan, type PlanTask } from '../plan-graph';
import { leaderSystemPrompt, planRejected, planRequest, planSynthesis, planTask } from '../prompts';
import type { ModeFn } from './shared';

type TaskResult = { id: string; member: string; task: string; output?: string; error?: string };

export const plan: ModeFn = async (ctx, input, history) => {
	const members = [...ctx.members.values()];
	const messages: BaseMessage[] = [
		new SystemMessage(leaderSystemPrompt('plan', members, ctx.spec.leaderInstructions)),
		...history,
		new HumanMessage(planRequest(input)),
	];
	const tasks = await writePlan(ctx, messages);
	if (!tasks) return { text: '', status: 'failed' };

	const results = await executeGraph(ctx, tasks);
	if (results.every((r) => r.error)) return { text: '', status: 'failed' };
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
			new HumanMessage(planSynthesis(input, results)),
		],
		signal: ctx.signal,
		maxTurns: 1,
	});
	return { text: synthesis.text };
};

async function writePlan(
	ctx: RunContext,
	messages: BaseMessage[],
): Promise<PlanTask[] | undefined> {
	const names = [...ctx.members.keys()];
	for (let attempt = 1; attempt <= 2; attempt++) {
		const outcome = await runAgentTurns(ctx, {
			actor: 'leader',
			model: ctx.spec.model,
			messages,
			signal: ctx.signal,
			maxTurns: 1,
		});
		const parsed = parsePlan(outcome.text, names);
		if (parsed.ok) {
			ctx.log({
				kind: 'plan',
				actor: 'leader',
				content: parsed.tasks
					.map(
						(t) =>
							`${t.id} ${t.member}${t.dependsOn.length ? ` after ${t.dependsOn.join(',')}` : ''}`,
					)
					.join('; '),
				args: parsed.tasks,
			});
			return parsed.tasks;
		}
		ctx.fail(
			'leader',
			`plan rejected: ${parsed.reason}${attempt === 1 ? '; asking for a new plan' : ''}`,
		);
		messages.push(new HumanMessage(planRejected(parsed.reason)));
	}
	return undefined;
}

async function executeGraph(ctx: RunContext, tasks: PlanTask[]): Promise<TaskResult[]> {
	const byId = new Map(tasks.map((t) => [t.id, t]));
	const running = new Map<string, Promise<TaskResult>>();
	const run = (id: string): Promise<TaskResult> => {
		let promise = running.get(id);
		if (!promise) {
			const task = byId.get(id)!;
			promise = Promise.all(task.dependsOn.map(run)).then((deps) => runTask(ctx, task, deps));
			running.set(id, promise);
		}
		return promise;
	};
	const settled = await Promise.allSettled(tasks.map((t) => run(t.id)));
	const stop = settled.find((s) => s.status === 'rejected');
	if (stop) throw (stop as PromiseRejectedResult).reason;
	return settled.map((s) => (s as PromiseFulfilledResult<TaskResult>).value);
}

async function runTask(ctx: RunContext, task: PlanTask, deps: TaskResult[]): Promise<TaskResult> {
	const base = { id: task.id, member: task.member, task: task.task };
	const failed = deps.find((d) => d.error);
	if (failed) {
		const error = `skipped: it depends on ${failed.id}, which failed`;
		ctx.fail(task.member, `${task.id} ${error}`);
		ctx.failedMembers.add(task.member);
		return { ...base, error };
	}
	const inputs = deps.map((d) => ({ id: d.id, member: d.member, output: d.output! }));
	try {
		const outcome = await delegate(ctx, ctx.members.get(task.member)!, planTask(task.task, inputs));
		return outcome.ok ? { ...base, output: outcome.output } : { ...base, error: outcome.error };
	} catch (error) {
		if (error instanceof RunStopped) throw error;
		return { ...base, error: (error as Error).message };
	}
}
