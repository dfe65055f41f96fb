import { createHash } from 'node:crypto';

/**
 * What the memory store needs from an embedding model. LangChain's
 * `Embeddings` (and so every n8n Embeddings sub-node) has this shape.
 */
export interface Embedder {
	embedDocuments(texts: string[]): Promise<number[][]>;
	embedQuery(text: string): Promise<number[]>;
}

/** Unicode-aware word tokens, lower-cased. */
const WORD = /[\p{L}\p{N}]+/gu;

function fnv1a(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/**
 * A deterministic, offline embedder: lexical feature hashing of words and
 * character trigrams into a fixed number of signed buckets, L2-normalised.
 * Texts that share words land close together; it does NOT understand meaning
 * (synonyms and paraphrases are far apart). It exists so memory works with
 * zero set-up; connect a real Embeddings sub-node for semantic search.
 */
export class HashingEmbedder implements Embedder {
	static readonly MODEL = 'agentos-hashing-v1';

	constructor(readonly dimension = 384) {
		if (!Number.isInteger(dimension) || dimension < 8 || dimension > 16000) {
			throw new RangeError('HashingEmbedder dimension must be an integer between 8 and 16000');
		}
	}

	embed(text: string): number[] {
		const v = new Float64Array(this.dimension);
		const words = text.toLowerCase().match(WORD) ?? [];
		const add = (feature: string, weight: number) => {
			const h = fnv1a(feature);
			const sign = h & 1 ? 1 : -1;
			v[(h >>> 1) % this.dimension] += sign * weight;
		};
		for (const w of words) {
			add(`w:${w}`, 1);
			const padded = `^${w}$`;
			for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.35);
		}
		let norm = 0;
		for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
		norm = Math.sqrt(norm);
		if (norm === 0) {
			// No word characters at all: a stable vector from the raw text, so equal texts stay equal.
			const digest = createHash('sha256').update(text).digest();
			v[digest.readUInt32BE(0) % this.dimension] = 1;
			norm = 1;
		}
		return Array.from(v, (x) => x / norm);
	}

	async embedDocuments(texts: string[]): Promise<number[][]> {
		return texts.map((t) => this.embed(t));
	}

	async embedQuery(text: string): Promise<number[]> {
		return this.embed(text);
	}
}
