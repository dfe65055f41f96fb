import { BaseMemory, type InputValues, type OutputValues } from '@langchain/core/memory';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import type { MemoryRecord, MemoryStore, Scope } from './store';

export interface ChatMemoryOptions extends Scope {
	collection: string;
	sessionId: string;
	/** Recent turns (one turn = the user's message and the answer) always returned. */
	windowTurns?: number;
	/** Older turns recalled by similarity to the latest input; 0 turns recall off. */
	recallTurns?: number;
	/** Recall from every session of the user and agent instead of this session only. */
	recallAcrossSessions?: boolean;
	/** Recalled turns must score at least this (cosine similarity). */
	minScore?: number;
	/** Turns expire after this many seconds; kept forever when omitted. */
	ttlSeconds?: number;
	inputKey?: string;
	outputKey?: string;
	memoryKey?: string;
}

const TURN = 'chat-turn';

/**
 * Chat memory for an agent: every turn is a memory in the session's scope.
 * It returns the last `windowTurns` turns plus up to `recallTurns` older
 * turns that resemble the latest input, oldest first, as chat messages.
 * n8n's AI Agent loads it with `loadMemoryVariables` and saves each answer
 * with `saveContext`.
 */
export class VectorChatMemory extends BaseMemory {
	readonly returnMessages = true;

	constructor(
		readonly store: MemoryStore,
		readonly options: ChatMemoryOptions,
	) {
		super();
	}

	get memoryKeys(): string[] {
		return [this.options.memoryKey ?? 'chat_history'];
	}

	private scope(): Scope {
		const { namespace, userId, agentId, sessionId } = this.options;
		return { namespace, userId, agentId, sessionId };
	}

	/** The last turns of the session, oldest first. */
	async recentTurns(): Promise<MemoryRecord[]> {
		const exists = await this.store.getCollection(this.options.collection);
		if (!exists) return [];
		const page = await this.store.list(this.options.collection, {
			...this.scope(),
			filter: { kind: TURN },
			orderBy: 'updated_at',
			limit: Math.max(1, this.options.windowTurns ?? 5),
		});
		return page.items.reverse();
	}

	async loadMemoryVariables(values: InputValues): Promise<Record<string, BaseMessage[]>> {
		const recent = await this.recentTurns();
		const key = this.options.inputKey ?? 'input';
		const latest = recent[recent.length - 1];
		const query =
			typeof values?.[key] === 'string' && values[key] ? (values[key] as string) : latest?.text;
		let recalled: MemoryRecord[] = [];
		const k = this.options.recallTurns ?? 3;
		if (query && k > 0 && recent.length > 0) {
			const seen = new Set(recent.map((t) => t.id));
			const hits = await this.store.search(this.options.collection, {
				...this.scope(),
				query,
				topK: Math.min(k + seen.size, 1000),
				filter: { kind: TURN },
				scope: this.options.recallAcrossSessions ? 'all-sessions' : 'exact',
				minScore: this.options.minScore,
			});
			recalled = hits
				.filter((h) => !seen.has(h.id))
				.slice(0, k)
				.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
		}
		return { [this.memoryKeys[0]]: [...recalled, ...recent].flatMap(toMessages) };
	}

	async saveContext(inputValues: InputValues, outputValues: OutputValues): Promise<void> {
		const input = String(inputValues[this.options.inputKey ?? 'input'] ?? '');
		const output = String(outputValues[this.options.outputKey ?? 'output'] ?? '');
		if (!input.trim() && !output.trim()) return;
		await this.store.insert(this.options.collection, [
			{
				...this.scope(),
				text: `${input}\n${output}`.trim(),
				metadata: { kind: TURN, input, output },
				ttlSeconds: this.options.ttlSeconds,
			},
		]);
	}

	/** Forgets the session's turns. */
	async clear(): Promise<void> {
		if (!(await this.store.getCollection(this.options.collection))) return;
		await this.store.delete(this.options.collection, { ...this.scope(), filter: { kind: TURN } });
	}

	/** A message-history view for callers that read `memory.chatHistory`. */
	get chatHistory() {
		return {
			getMessages: async () => (await this.recentTurns()).flatMap(toMessages),
			clear: () => this.clear(),
		};
	}
}

function toMessages(turn: MemoryRecord): BaseMessage[] {
	const input = String(turn.metadata.input ?? '');
	const output = String(turn.metadata.output ?? '');
	const out: BaseMessage[] = [];
	if (input) out.push(new HumanMessage(input));
	if (output) out.push(new AIMessage(output));
	return out;
}
