/**
 * One agent's tool-calling loop: ask the model, run the tools it calls
 * (in parallel when it calls several), feed the results back, until it
 * answers without tools or the turn limit is reached.
 */
import { ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { errorMessage } from './errors';
import { teamMetrics } from './metrics';
import { abortReason, withRetry } from './retry';
import type { RunContext } from './context';
import type {
	AiMessageLike,
	ChatModelLike,
	InvalidToolCallLike,
	RunnableChat,
	ToolCallLike,
	ToolLike,
} from './types';
import { modelName, usageOf } from './usage';

/** A tool the engine itself answers (delegation, routing), given to the model as a function definition. */
export interface InternalTool {
	name: string;
	description: string;
	parameters: Record<string, unknown>;
	handle(call: ToolCallLike): Promise<string>;
}

export interface AgentTurnsInput {
	actor: string;
	model: ChatModelLike;
	messages: BaseMessage[];
	tools?: ToolLike[];
	internalTools?: InternalTool[];
	signal: AbortSignal;
	/** Return the first answer without running the tools it calls (routing). */
	returnToolCalls?: boolean;
	maxTurns?: number;
}

export interface AgentOutcome {
	text: string;
	message: AiMessageLike;
	turns: number;
	hitTurnLimit: boolean;
}

/** The text of a model answer: string content, or the text parts of multi-part content. */
export function textOf(message: { content: unknown }): string {
	const c = message.content;
	if (typeof c === 'string') return c;
	if (Array.isArray(c)) {
		return c
			.map((part) =>
				typeof part === 'string' ? part : ((part as { type?: string; text?: string }).text ?? ''),
			)
			.join('');
	}
	return c == null ? '' : JSON.stringify(c);
}

function bind(input: AgentTurnsInput): RunnableChat {
	const tools = input.tools ?? [];
	const internal = input.internalTools ?? [];
	if (tools.length === 0 && internal.length === 0) return input.model;
	if (typeof input.model.bindTools !== 'function') {
		throw new Error(
			`the model of ${input.actor} does not support tool calling; connect a chat model that does`,
		);
	}
	const definitions: unknown[] = [
		...tools.map(toolDefinition),
		...internal.map((t) => ({
			type: 'function',
			function: { name: t.name, description: t.description, parameters: t.parameters },
		})),
	];
	return input.model.bindTools(definitions);
}

/** LangChain tools with a schema are passed as they are; bare name+invoke objects get a one-string schema. */
function toolDefinition(tool: ToolLike): unknown {
	if (tool.schema) return tool;
	return {
		type: 'function',
		function: {
			name: tool.name,
			description: tool.description ?? tool.name,
			parameters: {
				type: 'object',
				properties: { input: { type: 'string' } },
				required: ['input'],
			},
		},
	};
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts even if the model ignores it. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) {
		promise.catch(() => undefined);
		return Promise.reject(abortReason(signal));
	}
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(abortReason(signal));
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

/** One model call with retries, usage accounting and a transcript entry. */
export async function callModel(
	ctx: RunContext,
	actor: string,
	model: ChatModelLike,
	runnable: RunnableChat,
	messages: BaseMessage[],
	signal: AbortSignal,
): Promise<AiMessageLike> {
	ctx.checkContinue();
	const start = performance.now();
	const message = (await withRetry(
		() => raceSignal(runnable.invoke(messages, { signal }), signal),
		ctx.limits.retry,
		signal,
		(attempt, delayMs, error) => {
			teamMetrics.failures.inc({ mode: ctx.mode, kind: 'model_retry' });
			ctx.log({
				kind: 'retry',
				actor,
				content: `model call failed (${errorMessage(error)}); retry ${attempt} in ${delayMs} ms`,
				error: true,
			});
		},
	)) as AiMessageLike;
	const tokens = usageOf(message);
	ctx.usage.record(actor, modelName(model), tokens);
	teamMetrics.tokens.inc({ kind: 'input' }, tokens.input);
	teamMetrics.tokens.inc({ kind: 'output' }, tokens.output);
	const calls = message.tool_calls ?? [];
	ctx.log({
		kind: 'message',
		actor,
		content: textOf(message),
		durationMs: round(performance.now() - start),
		tokens,
		args: calls.length ? calls.map((c) => ({ name: c.name, args: c.args })) : undefined,
	});
	return message;
}

export async function runAgentTurns(
	ctx: RunContext,
	input: AgentTurnsInput,
): Promise<AgentOutcome> {
	const runnable = bind(input);
	const maxTurns = input.maxTurns ?? ctx.limits.maxTurns;
	const byName = new Map<string, ToolLike | InternalTool>();
	for (const t of input.tools ?? []) byName.set(t.name, t);
	for (const t of input.internalTools ?? []) byName.set(t.name, t);

	let last: AiMessageLike | undefined;
	for (let turn = 1; turn <= maxTurns; turn++) {
		last = await callModel(ctx, input.actor, input.model, runnable, input.messages, input.signal);
		input.messages.push(last);
		const calls = last.tool_calls ?? [];
		const invalid = last.invalid_tool_calls ?? [];
		if ((calls.length === 0 && invalid.length === 0) || input.returnToolCalls) {
			return { text: textOf(last), message: last, turns: turn, hitTurnLimit: false };
		}
		const replies = await Promise.all([
			...calls.map((call) => runToolCall(ctx, input.actor, byName, call, input.signal)),
			...invalid.map(async (call) => invalidCallReply(ctx, input.actor, call)),
		]);
		input.messages.push(...replies);
	}
	return { text: last ? textOf(last) : '', message: last!, turns: maxTurns, hitTurnLimit: true };
}

let syntheticId = 0;
const callId = (id: string | undefined) => id || `call_${++syntheticId}`;

async function runToolCall(
	ctx: RunContext,
	actor: string,
	byName: Map<string, ToolLike | InternalTool>,
	call: ToolCallLike,
	signal: AbortSignal,
): Promise<ToolMessage> {
	const id = callId(call.id);
	const tool = byName.get(call.name);
	if (!tool) {
		const content = `Error: there is no tool named "${call.name}". Available: ${[...byName.keys()].join(', ') || 'none'}.`;
		ctx.fail(actor, content, call.name);
		teamMetrics.failures.inc({ mode: ctx.mode, kind: 'tool' });
		return new ToolMessage({ content, tool_call_id: id, name: call.name, status: 'error' });
	}
	if ('handle' in tool) {
		const content = await tool.handle(call);
		return new ToolMessage({ content, tool_call_id: id, name: call.name });
	}
	ctx.log({
		kind: 'tool_call',
		actor,
		target: call.name,
		content: JSON.stringify(call.args),
		args: call.args,
	});
	const start = performance.now();
	try {
		const args = tool.schema ? call.args : (call.args.input ?? call.args);
		const result = await raceSignal(tool.invoke(args, { signal }), signal);
		const content = typeof result === 'string' ? result : stringifyToolResult(result);
		ctx.log({
			kind: 'tool_result',
			actor,
			target: call.name,
			content,
			durationMs: round(performance.now() - start),
		});
		return new ToolMessage({ content, tool_call_id: id, name: call.name });
	} catch (error) {
		if (signal.aborted) throw error;
		const content = `Error: tool "${call.name}" failed: ${errorMessage(error)}`;
		teamMetrics.failures.inc({ mode: ctx.mode, kind: 'tool' });
		ctx.log({
			kind: 'tool_result',
			actor,
			target: call.name,
			content,
			durationMs: round(performance.now() - start),
			error: true,
		});
		ctx.errors.push(`${actor} → ${call.name}: ${errorMessage(error)}`);
		return new ToolMessage({ content, tool_call_id: id, name: call.name, status: 'error' });
	}
}

function stringifyToolResult(result: unknown): string {
	const r = result as { content: unknown; tool_call_id?: unknown };
	if (r && typeof r === 'object' && 'content' in r && 'tool_call_id' in r) return textOf(r);
	return JSON.stringify(result);
}

function invalidCallReply(ctx: RunContext, actor: string, call: InvalidToolCallLike): ToolMessage {
	const content = `Error: the arguments for "${call.name ?? 'unknown'}" are not valid JSON (${call.error ?? 'unparseable'}): ${call.args ?? ''}. Call the tool again with valid JSON arguments.`;
	teamMetrics.failures.inc({ mode: ctx.mode, kind: 'tool_arguments' });
	ctx.fail(actor, content, call.name);
	return new ToolMessage({
		content,
		tool_call_id: callId(call.id),
		name: call.name,
		status: 'error',
	});
}

export const round = (ms: number) => Math.round(ms * 1000) / 1000;
