/** Pure ranking helpers: rank fusion, MMR diversification and recency decay. */

export interface RankedCandidate {
	id: string;
	/** Similarity to the query (higher is closer); undefined when not computed. */
	vectorScore?: number;
	/** Full-text rank (ts_rank_cd); 0 when the text does not match. */
	textScore?: number;
	/** 1-based position in the vector list, when present there. */
	vectorRank?: number;
	/** 1-based position in the full-text list, when present there. */
	textRank?: number;
}

/** Reciprocal-rank fusion: the sum over lists of 1 / (k + rank). */
export function rrfScore(c: RankedCandidate, k: number): number {
	let s = 0;
	if (c.vectorRank !== undefined) s += 1 / (k + c.vectorRank);
	if (c.textRank !== undefined) s += 1 / (k + c.textRank);
	return s;
}

/**
 * Weighted fusion of min-max normalised scores: `vectorWeight * v + (1 - vectorWeight) * t`,
 * normalised over the candidate set so the two scales are comparable.
 */
export function weightedScores(cands: RankedCandidate[], vectorWeight: number): number[] {
	const norm = (xs: number[]) => {
		const lo = Math.min(...xs);
		const hi = Math.max(...xs);
		return xs.map((x) => (hi > lo ? (x - lo) / (hi - lo) : hi > 0 ? 1 : 0));
	};
	const v = norm(cands.map((c) => c.vectorScore ?? 0));
	const t = norm(cands.map((c) => c.textScore ?? 0));
	return cands.map((_, i) => vectorWeight * v[i] + (1 - vectorWeight) * t[i]);
}

/** Multiplier for a memory of the given age: 1 when new, 0.5 after one half-life. */
export function recencyFactor(ageSeconds: number, halfLifeSeconds: number): number {
	return Math.pow(0.5, Math.max(0, ageSeconds) / halfLifeSeconds);
}

export function cosine(a: number[], b: number[]): number {
	let dot = 0;
	let na = 0;
	let nb = 0;
	for (let i = 0; i < a.length; i++) {
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Maximal marginal relevance: picks `k` items one by one, each maximising
 * `lambda * relevance - (1 - lambda) * max similarity to the items picked so far`.
 * `relevance` is the item's score (higher is better) and `vectors` its embedding.
 * Returns indexes into the input, in pick order.
 */
export function mmrSelect(
	relevance: number[],
	vectors: number[][],
	k: number,
	lambda: number,
): number[] {
	const picked: number[] = [];
	const left = new Set(relevance.map((_, i) => i));
	const maxSim = relevance.map(() => -Infinity);
	while (picked.length < k && left.size) {
		let best = -1;
		let bestValue = -Infinity;
		for (const i of left) {
			const penalty = picked.length ? maxSim[i] : 0;
			const value = lambda * relevance[i] - (1 - lambda) * penalty;
			if (value > bestValue) {
				bestValue = value;
				best = i;
			}
		}
		picked.push(best);
		left.delete(best);
		for (const i of left) maxSim[i] = Math.max(maxSim[i], cosine(vectors[i], vectors[best]));
	}
	return picked;
}
