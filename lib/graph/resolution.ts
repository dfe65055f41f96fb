import { normalizeName } from './validate';

/** Edit distance (insert, delete, substitute), two rows of memory. */
export function levenshtein(a: string, b: string): number {
	if (a === b) return 0;
	if (!a.length) return b.length;
	if (!b.length) return a.length;
	let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	let cur = new Array<number>(b.length + 1);
	for (let i = 1; i <= a.length; i++) {
		cur[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
		}
		[prev, cur] = [cur, prev];
	}
	return prev[b.length];
}

function trigrams(s: string): Set<string> {
	const out = new Set<string>();
	for (const word of s.split(' ')) {
		if (!word) continue;
		const padded = `  ${word} `;
		for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
	}
	return out;
}

function gramSimilarity(ta: Set<string>, tb: Set<string>): number {
	if (!ta.size && !tb.size) return 1;
	let shared = 0;
	for (const t of ta) if (tb.has(t)) shared++;
	return shared / (ta.size + tb.size - shared);
}

/** pg_trgm-style similarity: shared trigrams over all trigrams of both words. */
export function trigramSimilarity(a: string, b: string): number {
	return gramSimilarity(trigrams(a), trigrams(b));
}

/** A normalized name with its trigrams and numbers, computed once however often it is compared. */
interface PreparedName {
	norm: string;
	grams: Set<string>;
	numbers: string;
}

function prepared(norm: string): PreparedName {
	return { norm, grams: trigrams(norm), numbers: (norm.match(/\d+/g) ?? []).join(' ') };
}

function similarity(a: PreparedName, b: PreparedName): number {
	if (!a.norm || !b.norm) return 0;
	if (a.norm === b.norm) return 1;
	// Names that differ in a number name different things (Apollo 11 and Apollo 13,
	// Room 101 and Room 102), however alike the rest of them is.
	if (a.numbers !== b.numbers) return 0;
	const lev = 1 - levenshtein(a.norm, b.norm) / Math.max(a.norm.length, b.norm.length);
	return Math.max(lev, gramSimilarity(a.grams, b.grams));
}

/**
 * How alike two names are, 0..1, compared in normalized form: the better of
 * trigram similarity and 1 - edit distance / length. Trigrams catch
 * reordered and extended names, edit distance catches typos in short ones.
 * Names whose numbers differ score 0.
 */
export function nameSimilarity(a: string, b: string): number {
	return similarity(prepared(normalizeName(a)), prepared(normalizeName(b)));
}

export interface ResolutionCandidate {
	key: string;
	type: string;
	name: string;
	aliases: string[];
}

export type Resolution =
	| { kind: 'exact'; key: string }
	| { kind: 'fuzzy'; key: string; similarity: number }
	| { kind: 'ambiguous'; candidates: Array<{ key: string; similarity: number }> }
	| { kind: 'new' };

export interface ResolveOptions {
	/** Similarity from which a fuzzy match counts; default 0.8. */
	threshold?: number;
	/** A fuzzy winner must lead the runner-up by this much, else it is ambiguous; default 0.05. */
	margin?: number;
}

/**
 * Entity resolution, in order: an exact match on the normalized name or an
 * alias (same type) wins outright; then the single best fuzzy match above
 * the threshold; several close fuzzy matches are `ambiguous` (the model
 * breaks the tie); nothing close is `new`.
 */
export function resolveEntity(
	entity: { type: string; name: string; aliases?: string[] },
	candidates: ResolutionCandidate[],
	options: ResolveOptions = {},
): Resolution {
	const threshold = options.threshold ?? 0.8;
	const margin = options.margin ?? 0.05;
	const names = [entity.name, ...(entity.aliases ?? [])].map(normalizeName).filter(Boolean);
	// Every name is normalized once, and its trigrams taken once, per call.
	const sameType = candidates
		.filter((c) => c.type === entity.type)
		.map((c) => ({ key: c.key, norms: [c.name, ...c.aliases].map(normalizeName) }));
	const exact = sameType
		.filter((c) => c.norms.some((n) => names.includes(n)))
		.sort((a, b) => (a.key < b.key ? -1 : 1));
	if (exact.length) return { kind: 'exact', key: exact[0].key };
	const mention = names.map(prepared);
	const scored = sameType
		.map((c) => ({
			key: c.key,
			similarity: Math.max(
				...c.norms.flatMap((cn) => {
					const candidate = prepared(cn);
					return mention.map((n) => similarity(n, candidate));
				}),
			),
		}))
		.filter((s) => s.similarity >= threshold)
		.sort((a, b) => b.similarity - a.similarity || (a.key < b.key ? -1 : 1));
	if (!scored.length) return { kind: 'new' };
	if (scored.length === 1 || scored[0].similarity - scored[1].similarity >= margin) {
		return { kind: 'fuzzy', key: scored[0].key, similarity: scored[0].similarity };
	}
	return {
		kind: 'ambiguous',
		candidates: scored.filter((s) => scored[0].similarity - s.similarity < margin),
	};
}
