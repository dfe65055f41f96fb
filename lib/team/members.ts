/** Running one member on one task: timeout, output schema, fallback member. */
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { callModel, round, runAgentTurns, textOf } from './agent';
import type { ResolvedMember, RunContext } from './context';
import { errorMessage, RunStopped, TimeoutError } from './errors';
import { teamMetrics } from './metrics';
import { enforceSchema } from './output';
import {
	delegationLimitMessage,
	memberSystemPrompt,
	repairPrompt,
	schemaInstruction,
} from './prompts';
import type { ChatModelLike, JsonSchema } from './types';

export type MemberOutcome =
	| { ok: true; member: string; output: string }
	| { ok: false; member: string; error: string; limited?: boolean };

export interface DelegateOptions {
	/** Who asked: `leader`, or `team` for pipelines. */
	from?: string;
	/** Earlier conversation the member should see (route mode). */
	history?: BaseMessage[];
}

/**
 * Runs `member` on `task`. Failures (after retries, or a timeout) are
 * returned, not thrown, after the fallback member has had its try; only a
 * run-level stop (cancel, budget) throws.
 */
export async function delegate(
	ctx: RunContext,
	member: ResolvedMember,
	task: string,
	options: DelegateOptions = {},
): Promise<MemberOutcome> {
	const outcome = await withFallback(ctx, member, task, options);
	if (!outcome.ok) ctx.failedMembers.add(member.name);
	return outcome;
}

async function withFallback(
	ctx: RunContext,
	member: ResolvedMember,
	task: string,
	options: DelegateOptions,
): Promise<MemberOutcome> {
	const first = await attempt(ctx, member, task, options);
	if (first.ok || first.limited) return first;
	const fallbackName = ctx.spec.fallbackMember;
	const fallback = fallbackName ? ctx.members.get(fallbackName) : undefined;
	if (!fallback || fallback.name === member.name) return first;
	ctx.log({
		kind: 'fallback',
		actor: 'team',
		target: fallback.name,
		content: `${member.name} failed (${first.error}); ${fallback.name} takes over the task`,
	});
	const second = await attempt(ctx, fallback, task, options);
	return second.ok
		? second
		: {
				ok: false,
				member: member.name,
				error: `${first.error}; fallback ${fallback.name}: ${second.error}`,
			};
}

async function attempt(
	ctx: RunContext,
	member: ResolvedMember,
	task: string,
	options: DelegateOptions,
): Promise<MemberOutcome> {
	ctx.checkContinue();
	if (ctx.delegations >= ctx.limits.maxDelegations) {
		ctx.limitHit ??= 'max_delegations';
		const error = delegationLimitMessage(ctx.limits.maxDelegations);
		ctx.fail(options.from ?? 'leader', error, member.name);
		return { ok: false, member: member.name, error, limited: true };
	}
	ctx.delegations++;
	ctx.log({
		kind: 'delegation',
		actor: options.from ?? 'leader',
		target: member.name,
		content: task,
	});
	const start = performance.now();
	await ctx.slots.acquire();
	const deadline = new AbortController();
	const timeoutMs = ctx.limits.memberTimeoutMs;
	const timer =
		timeoutMs > 0
			? setTimeout(() => deadline.abort(new TimeoutError(member.name, timeoutMs)), timeoutMs)
			: undefined;
	const signal = AbortSignal.any([ctx.signal, deadline.signal]);
	try {
		const messages: BaseMessage[] = [
			new SystemMessage(memberSystemPrompt(member)),
			...(options.history ?? []),
			new HumanMessage(task),
		];
		const outcome = await runAgentTurns(ctx, {
			actor: member.name,
			model: member.model,
			messages,
			tools: member.toolList,
			signal,
		});
		if (outcome.hitTurnLimit) {
			throw new Error(`stopped at the turn limit of ${ctx.limits.maxTurns} without answering`);
		}
		let output = outcome.text;
		if (member.outputSchema) {
			const value = await enforceSchema(output, member.outputSchema, (problem) =>
				repairJson(ctx, member.name, member.model, member.outputSchema!, output, problem, signal),
			);
			output = JSON.stringify(value);
		}
		ctx.log({
			kind: 'result',
			actor: member.name,
			target: options.from ?? 'leader',
			content: output,
			durationMs: round(performance.now() - start),
		});
		ctx.results.push({ member: member.name, output });
		teamMetrics.delegations.inc({ mode: ctx.mode, outcome: 'ok' });
		return { ok: true, member: member.name, output };
	} catch (error) {
		if (error instanceof RunStopped) throw error;
		if (ctx.signal.aborted) throw new RunStopped('cancelled', 'The run was cancelled');
		const message = deadline.signal.aborted
			? errorMessage(deadline.signal.reason)
			: errorMessage(error);
		ctx.fail(member.name, message);
		teamMetrics.delegations.inc({ mode: ctx.mode, outcome: 'failed' });
		teamMetrics.failures.inc({
			mode: ctx.mode,
			kind: deadline.signal.aborted ? 'timeout' : 'member',
		});
		return { ok: false, member: member.name, error: message };
	} finally {
		if (timer) clearTimeout(timer);
		ctx.slots.release();
	}
}

/** The one repair attempt for a structured answer: show the model its answer and what is wrong. */
export async function repairJson(
	ctx: RunContext,
	actor: string,
	model: ChatModelLike,
	schema: JsonSchema,
	answer: string,
	problem: string,
	signal: AbortSignal,
): Promise<string> {
	ctx.log({ kind: 'error', actor, content: `structured answer rejected: ${problem}`, error: true });
	const messages = [
		new SystemMessage(schemaInstruction(schema)),
		new HumanMessage(answer),
		new HumanMessage(repairPrompt(problem)),
	];
	const reply = await callModel(ctx, actor, model, model, messages, signal);
	return textOf(reply);
}
