import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ExtractionError } from './errors';
import type { StructuredOutputFn } from './extraction';
import type { EntityInput } from './model';

/**
 * How a chat model is asked for JSON: `tool` uses the model's structured
 * output (function calling / JSON schema, as the provider supports); `json`
 * puts the schema in the prompt and parses the answer text, for models
 * without tool support.
 */
export type StructuredMethod = 'tool' | 'json';

function messageText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content))
		return content
			.map((c) => (typeof c === 'string' ? c : ((c as { text?: string }).text ?? '')))
			.join('');
	return String(content ?? '');
}

/** Adapts a LangChain chat model to the structured-output function extraction uses. */
export function structuredOutputFromChatModel(
	model: BaseChatModel,
	method: StructuredMethod = 'tool',
): StructuredOutputFn {
	return async (req) => {
		if (method === 'tool' && typeof model.withStructuredOutput === 'function') {
			const runnable = model.withStructuredOutput(req.schema, { name: req.name });
			return runnable.invoke([new SystemMessage(req.instructions), new HumanMessage(req.input)]);
		}
		const answer = await model.invoke([
			new SystemMessage(
				`${req.instructions}\nThe JSON schema of the answer:\n${JSON.stringify(req.schema)}`,
			),
			new HumanMessage(req.input),
		]);
		const text = messageText(answer.content);
		if (!text.trim())
			throw new ExtractionError('The chat model returned an empty answer', ['empty answer']);
		return text;
	};
}

/** The small part of LangChain's Embeddings interface the graph needs. */
export interface GraphEmbedder {
	embedDocuments(texts: string[]): Promise<number[][]>;
	embedQuery(text: string): Promise<number[]>;
}

/** The text an entity is embedded from: its type, name and aliases. */
export function entityEmbeddingText(e: Pick<EntityInput, 'type' | 'name' | 'aliases'>): string {
	const aka = e.aliases?.length ? ` (also ${e.aliases.join(', ')})` : '';
	return `${e.type}: ${e.name}${aka}`;
}

/** Fills in embeddings for entities that have none, in one embedder call. */
export async function embedEntities(
	entities: EntityInput[],
	embedder: GraphEmbedder | undefined,
): Promise<EntityInput[]> {
	if (!embedder) return entities;
	const todo = entities
		.map((e, i) => ({ e, i }))
		.filter(({ e }) => !e.embedding && typeof e?.name === 'string' && typeof e?.type === 'string');
	if (!todo.length) return entities;
	const vectors = await embedder.embedDocuments(todo.map(({ e }) => entityEmbeddingText(e)));
	const out = [...entities];
	todo.forEach(({ e, i }, k) => (out[i] = { ...e, embedding: vectors[k] }));
	return out;
}
