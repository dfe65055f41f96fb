export interface Span {
	type: string;
	start: number;
	end: number;
}

export interface Counts {
	tp: number;
	fp: number;
	fn: number;
}

export interface Scores extends Counts {
	precision: number;
	recall: number;
	f1: number;
	support: number;
}

/**
 * Span matching per entity type. `overlap`: a prediction counts as a true
 * positive when it overlaps an unmatched gold span of the same type (each
 * gold span matches at most once). `exact`: the boundaries must be equal.
 */
export function countMatches(
	gold: Span[],
	predicted: Span[],
	type: string,
	mode: 'overlap' | 'exact',
	into: Counts,
): void {
	const g = gold.filter((s) => s.type === type);
	const p = predicted.filter((s) => s.type === type);
	const used = new Set<number>();
	for (const s of p) {
		const idx = g.findIndex(
			(t, i) =>
				!used.has(i) &&
				(mode === 'exact'
					? t.start === s.start && t.end === s.end
					: s.start < t.end && t.start < s.end),
		);
		if (idx >= 0) {
			used.add(idx);
			into.tp++;
		} else into.fp++;
	}
	into.fn += g.length - used.size;
}

export function score(c: Counts): Scores {
	const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
	const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
	const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
	const r = (x: number) => Math.round(x * 1000) / 1000;
	return { ...c, precision: r(precision), recall: r(recall), f1: r(f1), support: c.tp + c.fn };
}
