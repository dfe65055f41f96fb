/**
 * Contracts of the team engine. Models, tools and memory are taken
 * structurally: anything shaped like a LangChain chat model, tool or chat
 * memory works, so the engine never depends on n8n's own classes.
 */
import type { BaseMessage } from '@langchain/core/messages';

/** Token counts as LangChain reports them in `AIMessage.usage_metadata`. */
export interface TokenUsage {
	input: number;
	output: number;
	total: number;
}

/** One tool call asked for by a model. */
export interface ToolCallLike {
	id?: string;
	name: string;
	args: Record<string, unknown>;
}

/** A tool call whose arguments could not be parsed (LangChain's `invalid_tool_calls`). */
export interface InvalidToolCallLike {
	id?: string;
	name?: string;
	args?: string;
	error?: string;
}

/** The parts of an `AIMessage` the engine reads. */
export interface AiMessageLike extends BaseMessage {
	tool_calls?: ToolCallLike[];
	invalid_tool_calls?: InvalidToolCallLike[];
	usage_metadata?: { input_tokens?: number; output_tokens?: number; total_tokens?: number };
}

export interface InvokeOptions {
	signal?: AbortSignal;
}

/** Something that turns messages into an AI message. */
export interface RunnableChat {
	invoke(messages: BaseMessage[], options?: InvokeOptions): Promise<unknown>;
}

/** A LangChain chat model with tool calling (`BaseChatModel` and subclasses). */
export interface ChatModelLike extends RunnableChat {
	bindTools?(tools: unknown[], kwargs?: Record<string, unknown>): RunnableChat;
}

/** A LangChain tool: StructuredTool, DynamicStructuredTool, DynamicTool or anything with name + invoke. */
export interface ToolLike {
	name: string;
	description?: string;
	schema?: unknown;
	invoke(input: unknown, config?: unknown): Promise<unknown>;
}

/** A LangChain chat memory (`BaseChatMemory`): the team's conversation across runs. */
export interface MemoryLike {
	loadMemoryVariables(values: Record<string, unknown>): Promise<Record<string, unknown>>;
	saveContext(input: Record<string, unknown>, output: Record<string, unknown>): Promise<void>;
}

export type TeamMode = 'coordinate' | 'route' | 'broadcast' | 'sequential' | 'plan';
export const TEAM_MODES: TeamMode[] = ['coordinate', 'route', 'broadcast', 'sequential', 'plan'];

export type JsonSchema = Record<string, unknown>;

export interface MemberSpec {
	name: string;
	role?: string;
	instructions?: string;
	/** Names of the team tools this member may call; `*` allows every tool. */
	tools?: string[];
	/** The member's own model; defaults to the team's member model, then the leader's. */
	model?: ChatModelLike;
	/** When set, the member answers with JSON valid against this schema. */
	outputSchema?: JsonSchema;
}

export interface RetryPolicy {
	/** Retries after the first attempt on rate limits (429) and server errors (5xx). */
	maxRetries: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export interface TeamLimits {
	/** Model calls per agent loop (the leader's and each member's). */
	maxTurns: number;
	/** Member runs the whole team may start. */
	maxDelegations: number;
	/** Wall-clock limit of one member run, retries included; 0 = none. */
	memberTimeoutMs: number;
	/** Tokens the whole run may spend; 0 = unlimited. */
	tokenBudget: number;
	/** Member runs in flight at once. */
	maxConcurrency: number;
	retry: RetryPolicy;
}

/** Price per million tokens, keyed by model name; `*` is the default. */
export type PriceTable = Record<string, { input: number; output: number }>;

export interface TeamSpec {
	mode: TeamMode;
	/** The leader's model: delegates, routes, plans and synthesises. */
	model: ChatModelLike;
	/** Default model of members without their own. */
	memberModel?: ChatModelLike;
	members: MemberSpec[];
	leaderInstructions?: string;
	/** Names of team tools the leader itself may call (coordinate mode). */
	leaderTools?: string[];
	tools?: ToolLike[];
	memory?: MemoryLike;
	/** Member that takes over the task of a member that failed. */
	fallbackMember?: string;
	/** When set, the final answer is JSON valid against this schema. */
	outputSchema?: JsonSchema;
	limits?: Partial<Omit<TeamLimits, 'retry'>> & { retry?: Partial<RetryPolicy> };
	priceTable?: PriceTable;
}

export type TeamStatus =
	| 'completed'
	| 'partial'
	| 'max_turns'
	| 'max_delegations'
	| 'budget_exhausted'
	| 'cancelled'
	| 'failed';

export type TranscriptKind =
	| 'input'
	| 'message'
	| 'delegation'
	| 'result'
	| 'tool_call'
	| 'tool_result'
	| 'retry'
	| 'fallback'
	| 'plan'
	| 'error'
	| 'limit'
	| 'final';

export interface TranscriptEntry {
	seq: number;
	/** Milliseconds since the run started. */
	atMs: number;
	durationMs?: number;
	kind: TranscriptKind;
	/** Who acted: `leader`, a member name, or `team`. */
	actor: string;
	/** Whom it concerned: the member delegated to, the tool called. */
	target?: string;
	content: string;
	args?: unknown;
	tokens?: TokenUsage;
	error?: boolean;
}

export interface UsageReport {
	total: TokenUsage;
	byMember: Record<string, TokenUsage>;
	byModel: Record<string, TokenUsage>;
}

export interface CostReport {
	currency: 'USD';
	total: number;
	byModel: Record<string, number>;
}

export interface TeamResult {
	answer: string | Record<string, unknown> | unknown[];
	status: TeamStatus;
	mode: TeamMode;
	errors: string[];
	transcript: TranscriptEntry[];
	usage: UsageReport;
	cost: CostReport;
	delegations: number;
	durationMs: number;
}

export interface RunOptions {
	/** Stops the run: in-flight model calls are aborted and the result says `cancelled`. */
	signal?: AbortSignal;
}
