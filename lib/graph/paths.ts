/** An edge as path search sees it: undirected, with the relation id. */
export interface PathEdge {
	id: string;
	from: string;
	to: string;
}

interface Side {
	dist: Map<string, number>;
	parents: Map<string, Array<{ prev: string; rel: string }>>;
	frontier: string[];
	depth: number;
}

function side(start: string): Side {
	return { dist: new Map([[start, 0]]), parents: new Map(), frontier: [start], depth: 0 };
}

/**
 * Shortest paths between two nodes by bidirectional breadth-first search,
 * one `expand` call (one query) per level, always growing the smaller
 * frontier. Each node is visited once per side, so cycles cannot loop and a
 * hub costs one level, not every simple path through it. Returns up to
 * `limit` distinct paths of the shortest length (≤ maxHops), edges taken in
 * either direction.
 */
export async function bidirectionalShortestPaths(
	from: string,
	to: string,
	maxHops: number,
	limit: number,
	expand: (frontier: string[]) => Promise<PathEdge[]>,
): Promise<Array<{ nodes: string[]; relationIds: string[] }>> {
	if (from === to) return [{ nodes: [from], relationIds: [] }];
	const f = side(from);
	const b = side(to);
	while (f.depth + b.depth < maxHops && f.frontier.length && b.frontier.length) {
		const grow = f.frontier.length <= b.frontier.length ? f : b;
		const other = grow === f ? b : f;
		const edges = await expand(grow.frontier);
		const inFrontier = new Set(grow.frontier);
		const next: string[] = [];
		const nd = grow.depth + 1;
		for (const e of edges) {
			for (const [here, there] of [
				[e.from, e.to],
				[e.to, e.from],
			]) {
				if (!inFrontier.has(here) || here === there) continue;
				const d = grow.dist.get(there);
				if (d === undefined) {
					grow.dist.set(there, nd);
					grow.parents.set(there, [{ prev: here, rel: e.id }]);
					next.push(there);
				} else if (d === nd) {
					const ps = grow.parents.get(there)!;
					if (!ps.some((p) => p.prev === here && p.rel === e.id))
						ps.push({ prev: here, rel: e.id });
				}
			}
		}
		grow.frontier = next;
		grow.depth = nd;
		const meets = next.filter((n) => other.dist.has(n));
		if (meets.length) {
			const best = Math.min(...meets.map((m) => nd + other.dist.get(m)!));
			const at = meets.filter((m) => nd + other.dist.get(m)! === best).sort();
			const out: Array<{ nodes: string[]; relationIds: string[] }> = [];
			const seen = new Set<string>();
			for (const m of at) {
				for (const head of chains(f, m, limit)) {
					for (const tail of chains(b, m, limit)) {
						const nodes = [...head.nodes, ...tail.nodes.slice(0, -1).reverse()];
						const relationIds = [...head.rels, ...[...tail.rels].reverse()];
						const id = relationIds.join('|');
						if (seen.has(id)) continue;
						seen.add(id);
						out.push({ nodes, relationIds });
						if (out.length >= limit) return out;
					}
				}
			}
			return out;
		}
	}
	return [];
}

/** Up to `limit` parent chains from a side's start to `node`: nodes start→node, relation ids in order. */
function chains(s: Side, node: string, limit: number): Array<{ nodes: string[]; rels: string[] }> {
	const ps = s.parents.get(node);
	if (!ps) return [{ nodes: [node], rels: [] }];
	const out: Array<{ nodes: string[]; rels: string[] }> = [];
	for (const p of ps) {
		for (const c of chains(s, p.prev, limit)) {
			out.push({ nodes: [...c.nodes, node], rels: [...c.rels, p.rel] });
			if (out.length >= limit) return out;
		}
	}
	return out;
}
