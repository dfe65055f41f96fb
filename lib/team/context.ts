import { budgetReason } from './prompts';
import { RunStopped } from './errors';
import { UsageTracker } from './usage';
import type {
	ChatModelLike,
	MemberSpec,
	TeamLimits,
	TeamMode,
	TeamSpec,
	TeamStatus,
	ToolLike,
	TranscriptEntry,
} from './types';

export const DEFAULT_LIMITS: TeamLimits = {
	maxTurns: 8,
	maxDelegations: 20,
	memberTimeoutMs: 120_000,
	tokenBudget: 0,
	maxConcurrency: 10,
	retry: { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 8_000 },
};

/** A member with everything resolved: its model and the tools it may call. */
export interface ResolvedMember extends MemberSpec {
	model: ChatModelLike;
	toolList: ToolLike[];
}

/** Counting semaphore for member runs in flight. */
class Semaphore {
	private waiting: Array<() => void> = [];
	constructor(private free: number) {}
	async acquire(): Promise<void> {
		if (this.free > 0) {
			this.free--;
			return;
		}
		await new Promise<void>((resolve) => this.waiting.push(resolve));
	}
	release(): void {
		const next = this.waiting.shift();
		if (next) next();
		else this.free++;
	}
}

/** The state of one team run, shared by every agent loop in it. */
export class RunContext {
	private readonly started = performance.now();
	readonly transcript: TranscriptEntry[] = [];
	readonly errors: string[] = [];
	/** Successful member outputs, for a partial answer when the run stops early. */
	readonly results: Array<{ member: string; output: string }> = [];
	readonly usage: UsageTracker;
	readonly slots: Semaphore;
	delegations = 0;
	/** Members whose task failed, fallback included. */
	readonly failedMembers = new Set<string>();
	/** A limit that cut the run short without stopping it (the leader still answered). */
	limitHit: TeamStatus | undefined;

	constructor(
		readonly mode: TeamMode,
		readonly spec: TeamSpec,
		readonly limits: TeamLimits,
		readonly members: Map<string, ResolvedMember>,
		readonly leaderTools: ToolLike[],
		readonly signal: AbortSignal,
	) {
		this.usage = new UsageTracker(limits.tokenBudget);
		this.slots = new Semaphore(limits.maxConcurrency);
	}

	elapsed(): number {
		return Math.round((performance.now() - this.started) * 1000) / 1000;
	}

	log(entry: Omit<TranscriptEntry, 'seq' | 'atMs'> & { atMs?: number }): TranscriptEntry {
		const full: TranscriptEntry = {
			seq: this.transcript.length + 1,
			atMs: this.elapsed(),
			...entry,
		};
		this.transcript.push(full);
		return full;
	}

	fail(actor: string, message: string, target?: string): void {
		this.errors.push(`${actor}${target ? ` → ${target}` : ''}: ${message}`);
		this.log({ kind: 'error', actor, target, content: message, error: true });
	}

	/** Throws when the run must not start another model call. */
	checkContinue(): void {
		if (this.signal.aborted) throw new RunStopped('cancelled', 'The run was cancelled');
		if (this.usage.exhausted())
			throw new RunStopped('budget_exhausted', budgetReason(this.limits.tokenBudget));
	}
}
