import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';
import type { MetadataFilter } from './filter';
import type { MemoryStore, Scope, SearchHit, SearchOptions } from './store';

/** Where a LangChain face of the store reads and writes, and how it searches. */
export interface MemoryBinding extends Scope {
	collection: string;
	/** Search settings applied to every query (mode, scope, MMR, decay, min score, filter). */
	search?: Omit<SearchOptions, keyof Scope | 'query' | 'vector' | 'topK'>;
}

/**
 * The memory store as a LangChain VectorStore, so retrievers, Q&A chains and
 * n8n's vector-store consumers can use it. Documents become memories in the
 * bound scope; `filter` takes the metadata filter operators of the store.
 */
export class MemoryVectorStore extends VectorStore {
	declare FilterType: MetadataFilter;

	constructor(
		embeddings: EmbeddingsInterface,
		readonly store: MemoryStore,
		readonly binding: MemoryBinding,
	) {
		super(embeddings, {});
	}

	_vectorstoreType(): string {
		return 'agent-os-memory';
	}

	private scope(): Scope {
		const { namespace, userId, agentId, sessionId } = this.binding;
		return { namespace, userId, agentId, sessionId };
	}

	async addVectors(
		vectors: number[][],
		documents: DocumentInterface[],
		options?: { ids?: string[] },
	): Promise<string[]> {
		const results = await this.store.upsert(
			this.binding.collection,
			documents.map((d, i) => ({
				...this.scope(),
				id: options?.ids?.[i] ?? d.id,
				text: d.pageContent,
				metadata: d.metadata,
				vector: vectors[i],
			})),
		);
		return results.map((r) => r.id);
	}

	async addDocuments(documents: DocumentInterface[], options?: { ids?: string[] }) {
		const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
		return this.addVectors(vectors, documents, options);
	}

	async similaritySearchVectorWithScore(
		query: number[],
		k: number,
		filter?: MetadataFilter,
	): Promise<[DocumentInterface, number][]> {
		const hits = await this.store.search(this.binding.collection, {
			...this.binding.search,
			...this.scope(),
			mode: 'vector',
			vector: query,
			topK: k,
			filter: filter ?? this.binding.search?.filter,
		});
		return hits.map((h) => [toDocument(h), h.score]);
	}

	/** Text queries go through the store, so full-text and hybrid modes work too. */
	async similaritySearchWithScore(
		query: string,
		k = 4,
		filter?: MetadataFilter,
	): Promise<[DocumentInterface, number][]> {
		const hits = await this.store.search(this.binding.collection, {
			...this.binding.search,
			...this.scope(),
			query,
			topK: k,
			filter: filter ?? this.binding.search?.filter,
		});
		return hits.map((h) => [toDocument(h), h.score]);
	}

	async similaritySearch(query: string, k = 4, filter?: MetadataFilter) {
		return (await this.similaritySearchWithScore(query, k, filter)).map(([d]) => d);
	}

	async delete(params: { ids: string[] }): Promise<void> {
		await this.store.delete(this.binding.collection, { ...this.scope(), ids: params.ids });
	}
}

export function toDocument(h: SearchHit): DocumentInterface {
	return new Document({
		id: h.id,
		pageContent: h.text,
		metadata: {
			...h.metadata,
			memoryId: h.id,
			score: h.score,
			createdAt: h.createdAt,
		},
	});
}

/** What a search tool hands back to the model: the memories, compact JSON. */
export function hitsForModel(hits: SearchHit[]): string {
	if (hits.length === 0) return 'No matching memories.';
	return JSON.stringify(
		hits.map((h) => ({
			id: h.id,
			text: h.text,
			metadata: h.metadata,
			score: h.score,
			createdAt: h.createdAt,
		})),
	);
}

/** A tool name models accept (letters, digits, _ and -, up to 64) derived from a node name. */
export function toolNameFrom(nodeName: string): string {
	const name = nodeName
		.replace(/[^A-Za-z0-9_-]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.slice(0, 64);
	return name || 'vector_memory';
}
