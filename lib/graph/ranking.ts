import type { Episode, RecalledEntity, Relation, SearchHit } from './model';

/** Reciprocal-rank-fusion constant; 60 is the value from the original paper. */
export const RRF_K = 60;

/**
 * Fuses ranked lists of keys: each key scores Σ 1/(k + rank). Keys found by
 * both full text and vector search rise; either alone still counts.
 */
export function reciprocalRankFusion(
	lists: string[][],
	k = RRF_K,
): Array<{ key: string; score: number; ranks: Array<number | null> }> {
	const scores = new Map<string, { score: number; ranks: Array<number | null> }>();
	lists.forEach((list, li) => {
		list.forEach((key, i) => {
			let s = scores.get(key);
			if (!s) {
				s = { score: 0, ranks: lists.map(() => null) };
				scores.set(key, s);
			}
			if (s.ranks[li] !== null) return;
			s.ranks[li] = i + 1;
			s.score += 1 / (k + i + 1);
		});
	});
	return [...scores.entries()]
		.map(([key, v]) => ({ key, ...v }))
		.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
}

export function cosine(a: number[], b: number[]): number {
	if (a.length !== b.length) return 0;
	let dot = 0;
	let na = 0;
	let nb = 0;
	for (let i = 0; i < a.length; i++) {
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface Candidate {
	key: string;
	distance: number;
}

/**
 * Orders a neighbourhood and cuts it to the budget: nearer entities first;
 * at the same distance, those tied more strongly to nearer ones (sum of the
 * confidences of their relations to entities closer to the seeds) first,
 * then by key for a stable answer. Score = that strength / (1 + distance),
 * seeds scoring 1 + their strength.
 */
export function rankNeighbourhood(
	candidates: Candidate[],
	relations: Array<Pick<Relation, 'from' | 'to' | 'confidence'>>,
	budget: number,
): { kept: Array<Candidate & { score: number }>; truncated: boolean } {
	const dist = new Map<string, number>();
	for (const c of candidates) {
		const d = dist.get(c.key);
		if (d === undefined || c.distance < d) dist.set(c.key, c.distance);
	}
	const strength = new Map<string, number>();
	for (const r of relations) {
		const df = dist.get(r.from);
		const dt = dist.get(r.to);
		if (df === undefined || dt === undefined) continue;
		if (df < dt) strength.set(r.to, (strength.get(r.to) ?? 0) + r.confidence);
		else if (dt < df) strength.set(r.from, (strength.get(r.from) ?? 0) + r.confidence);
	}
	const scored = [...dist.entries()].map(([key, distance]) => {
		const s = strength.get(key) ?? 0;
		return { key, distance, score: distance === 0 ? 1 + s : s / (1 + distance) };
	});
	scored.sort(
		(a, b) =>
			a.distance - b.distance || b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
	);
	return { kept: scored.slice(0, budget), truncated: scored.length > budget };
}

const day = (iso: string) => iso.slice(0, 10);

function clip(text: string, max: number): string {
	const t = text.replace(/\s+/g, ' ').trim();
	return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

function propsText(props: Record<string, unknown>): string {
	const parts = Object.entries(props)
		.filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
		.slice(0, 6)
		.map(([k, v]) => `${k}=${clip(String(v), 40)}`);
	return parts.length ? ` {${parts.join(', ')}}` : '';
}

/**
 * Compact text of a recall for a prompt: one line per entity, fact and
 * episode, names instead of keys, validity dates on facts.
 */
export function recallText(
	entities: RecalledEntity[],
	relations: Relation[],
	episodes: Episode[],
	asOf: string,
): string {
	const names = new Map(entities.map((e) => [e.key, e.name]));
	const lines: string[] = [`Knowledge as of ${asOf}:`];
	if (entities.length) {
		lines.push('Entities:');
		for (const e of entities) {
			const aka = e.aliases.length ? ` (aka ${e.aliases.slice(0, 3).join(', ')})` : '';
			lines.push(`- ${e.name} [${e.type}]${aka}${propsText(e.properties)}`);
		}
	}
	if (relations.length) {
		lines.push('Facts:');
		for (const r of relations) {
			const until = r.invalidAt ? ` until ${day(r.invalidAt)}` : '';
			lines.push(
				`- ${names.get(r.from) ?? r.from} ${r.type} ${names.get(r.to) ?? r.to} (since ${day(r.validAt)}${until})${propsText(r.properties)}`,
			);
		}
	}
	if (episodes.length) {
		lines.push('Episodes:');
		for (const ep of episodes) {
			lines.push(
				`- ${day(ep.occurredAt)} ${names.get(ep.agent) ?? ep.agent.replace(/^agent:/, '')} (${ep.kind}): ${clip(ep.content, 200)}`,
			);
		}
	}
	return lines.join('\n');
}

/** Sorts search hits from fused rankings. */
export function fuseHits(
	textKeys: string[],
	vectorKeys: string[],
	load: (key: string) => SearchHit['entity'] | undefined,
	limit: number,
): SearchHit[] {
	const fused = reciprocalRankFusion([textKeys, vectorKeys]);
	const hits: SearchHit[] = [];
	for (const f of fused) {
		const entity = load(f.key);
		if (!entity) continue;
		hits.push({ entity, score: f.score, textRank: f.ranks[0], vectorRank: f.ranks[1] });
		if (hits.length >= limit) break;
	}
	return hits;
}
