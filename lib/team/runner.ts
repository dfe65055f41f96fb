/**
 * TeamRunner: a leader and its members over LangChain chat models, in one of
 * five modes, with limits, retries, fallback, a transcript and token accounting.
 */
import { setMaxListeners } from 'node:events';
import { SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { RunContext } from './context';
import { errorMessage, RunStopped } from './errors';
import { teamMetrics } from './metrics';
import { broadcast } from './modes/broadcast';
import { coordinate } from './modes/coordinate';
import { plan } from './modes/plan';
import { route } from './modes/route';
import { sequential } from './modes/sequential';
import type { ModeFn, ModeOutcome } from './modes/shared';
import { repairJson } from './members';
import { enforceSchema } from './output';
import { partialAnswer } from './prompts';
import type { MemoryLike, RunOptions, TeamMode, TeamResult, TeamSpec, TeamStatus } from './types';
import { resolveTeam, type ResolvedTeam } from './validate';

const MODES: Record<TeamMode, ModeFn> = { coordinate, route, broadcast, sequential, plan };

export class TeamRunner {
	private readonly team: ResolvedTeam;

	/** Validates the definition; throws a ValidationError saying what to fix. */
	constructor(private readonly spec: TeamSpec) {
		this.team = resolveTeam(spec);
	}

	async run(input: string, options: RunOptions = {}): Promise<TeamResult> {
		const controller = new AbortController();
		try {
			return await this.runWith(input, options, controller);
		} finally {
			// Stops stray work (a parallel member still running after the leader gave up).
			controller.abort();
		}
	}

	private async runWith(
		input: string,
		options: RunOptions,
		controller: AbortController,
	): Promise<TeamResult> {
		const stopTimer = teamMetrics.runSeconds.startTimer({ mode: this.spec.mode });
		const signal = options.signal
			? AbortSignal.any([options.signal, controller.signal])
			: controller.signal;
		// Every member run and model call in flight listens on the run's signal.
		setMaxListeners(0, signal);
		const ctx = new RunContext(
			this.spec.mode,
			this.spec,
			this.team.limits,
			this.team.members,
			this.team.leaderTools,
			signal,
		);
		ctx.log({ kind: 'input', actor: 'user', content: input });

		let outcome: ModeOutcome;
		let stopped: RunStopped | undefined;
		try {
			const history = await loadHistory(this.spec.memory, ctx);
			outcome = await MODES[this.spec.mode](ctx, input, history);
		} catch (error) {
			if (error instanceof RunStopped || signal.aborted) {
				stopped =
					error instanceof RunStopped
						? error
						: new RunStopped('cancelled', 'The run was cancelled');
				ctx.log({ kind: 'limit', actor: 'team', content: stopped.message });
				ctx.errors.push(stopped.message);
				outcome = { text: partialAnswer(stopped.message, ctx.results) };
			} else {
				ctx.fail('leader', errorMessage(error));
				outcome = { text: partialAnswer('The run failed', ctx.results), status: 'failed' };
			}
		}

		let answer: TeamResult['answer'] = outcome.text;
		let status: TeamStatus = stopped?.status ?? outcome.status ?? ctx.limitHit ?? 'completed';
		if (status === 'completed' && ctx.failedMembers.size > 0) status = 'partial';

		if (this.spec.outputSchema && (status === 'completed' || status === 'partial')) {
			try {
				answer = (await enforceSchema(outcome.text, this.spec.outputSchema, (problem) =>
					repairJson(
						ctx,
						'leader',
						this.spec.model,
						this.spec.outputSchema!,
						outcome.text,
						problem,
						signal,
					),
				)) as TeamResult['answer'];
			} catch (error) {
				ctx.fail('leader', errorMessage(error));
				status = error instanceof RunStopped ? error.status : 'failed';
			}
		}

		if (status === 'failed' && !outcome.text) {
			answer = `The team could not answer: ${ctx.errors.join('; ') || 'no member produced a result'}`;
		}

		if (this.spec.memory && status !== 'cancelled' && status !== 'failed' && outcome.text) {
			await saveHistory(this.spec.memory, input, outcome.text, ctx);
		}
		ctx.log({
			kind: 'final',
			actor: 'team',
			content: typeof answer === 'string' ? answer : JSON.stringify(answer),
		});
		teamMetrics.runs.inc({ mode: this.spec.mode, status });
		if (status !== 'completed')
			teamMetrics.failures.inc({ mode: this.spec.mode, kind: `run_${status}` });
		stopTimer();
		return {
			answer,
			status,
			mode: this.spec.mode,
			errors: ctx.errors,
			transcript: ctx.transcript,
			usage: ctx.usage.report(),
			cost: ctx.usage.cost(this.spec.priceTable),
			delegations: ctx.delegations,
			durationMs: ctx.elapsed(),
		};
	}
}

/** The team's earlier conversation, whichever way the memory returns it. */
async function loadHistory(
	memory: MemoryLike | undefined,
	ctx: RunContext,
): Promise<BaseMessage[]> {
	if (!memory) return [];
	let vars: Record<string, unknown>;
	try {
		vars = await memory.loadMemoryVariables({});
	} catch (error) {
		ctx.fail('team', `could not load the conversation from memory: ${errorMessage(error)}`);
		return [];
	}
	for (const value of Object.values(vars)) {
		if (Array.isArray(value)) return value as BaseMessage[];
		if (typeof value === 'string' && value.trim()) {
			return [new SystemMessage(`Conversation so far:\n${value}`)];
		}
	}
	return [];
}

async function saveHistory(memory: MemoryLike, input: string, output: string, ctx: RunContext) {
	try {
		await memory.saveContext({ input }, { output });
	} catch (error) {
		ctx.fail('team', `could not save the conversation to memory: ${errorMessage(error)}`);
	}
}
