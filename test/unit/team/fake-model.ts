/**
 * A scripted LangChain chat model with tool calling, for tests and benchmarks.
 * Each call takes the next reply from the script (the last one repeats), or
 * asks a function; replies can be text, tool calls, malformed tool calls or
 * errors, after an optional simulated latency that honours AbortSignal.
 */
import {
	BaseChatModel,
	type BaseChatModelCallOptions,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

export interface ScriptedReply {
	content?: string;
	toolCalls?: Array<{ name: string; args: Record<string, unknown>; id?: string }>;
	invalidToolCalls?: Array<{ name: string; args: string; id?: string; error?: string }>;
	usage?: { input: number; output: number };
	delayMs?: number;
}
export type Reply = string | ScriptedReply | Error;
export type ReplyFn = (messages: BaseMessage[], call: number) => Reply | Promise<Reply>;

export interface FakeModelOptions {
	delayMs?: number;
	name?: string;
	usage?: { input: number; output: number };
}

export interface RecordedCall {
	messages: BaseMessage[];
	tools: Array<{ name: string }>;
	startedAt: number;
	endedAt?: number;
}

let ids = 0;

export class FakeToolCallingModel extends BaseChatModel {
	readonly calls: RecordedCall[] = [];
	readonly model: string;

	constructor(
		private readonly script: Reply[] | ReplyFn,
		private readonly options: FakeModelOptions = {},
	) {
		super({});
		this.model = options.name ?? 'fake-model';
	}

	_llmType(): string {
		return 'fake-tool-calling';
	}

	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	bindTools(tools: unknown[]): any {
		return this.withConfig({ tools } as Partial<BaseChatModelCallOptions>);
	}

	async _generate(
		messages: BaseMessage[],
		options: this['ParsedCallOptions'],
	): Promise<ChatResult> {
		const index = this.calls.length;
		const tools = ((options as { tools?: unknown[] }).tools ?? []).map(toolName);
		const record: RecordedCall = { messages: [...messages], tools, startedAt: performance.now() };
		this.calls.push(record);
		const reply =
			typeof this.script === 'function'
				? await this.script(messages, index)
				: this.script[Math.min(index, this.script.length - 1)];
		const delay =
			(typeof reply === 'object' && !(reply instanceof Error) && reply.delayMs) ||
			this.options.delayMs;
		if (delay) await wait(delay, options.signal);
		record.endedAt = performance.now();
		if (reply instanceof Error) throw reply;
		const r: ScriptedReply = typeof reply === 'string' ? { content: reply } : reply;
		const usage = r.usage ?? this.options.usage ?? { input: 10, output: 5 };
		const message = new AIMessage({
			content: r.content ?? '',
			tool_calls: (r.toolCalls ?? []).map((c) => ({
				...c,
				id: c.id ?? `call_${++ids}`,
				type: 'tool_call' as const,
			})),
			invalid_tool_calls: (r.invalidToolCalls ?? []).map((c) => ({
				...c,
				id: c.id ?? `call_${++ids}`,
				error: c.error ?? 'Malformed args.',
				type: 'invalid_tool_call' as const,
			})),
			usage_metadata: {
				input_tokens: usage.input,
				output_tokens: usage.output,
				total_tokens: usage.input + usage.output,
			},
		});
		return { generations: [{ text: r.content ?? '', message }] };
	}
}

function toolName(tool: unknown): { name: string } {
	const t = tool as { name?: string; function?: { name: string } };
	return { name: t.function?.name ?? t.name ?? '?' };
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(new Error('Aborted'));
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener(
			'abort',
			() => {
				clearTimeout(timer);
				reject(new Error('Aborted'));
			},
			{ once: true },
		);
	});
}

/** An error shaped like a provider SDK's HTTP error. */
export function httpError(status: number, message = `HTTP ${status}`): Error {
	return Object.assign(new Error(message), { status });
}

/** The text of every message a model saw in one call, joined, for assertions. */
export function seen(call: RecordedCall): string {
	return call.messages
		.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
		.join('\n');
}
