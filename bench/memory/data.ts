/**
 * The Vector Memory benchmark's seeded data. Every memory and query is derived
 * from its own index alone, so each process of the benchmark (our engine, the
 * PGVectorStore side, the ground truth) generates exactly the same rows batch
 * by batch, and none has to hold 100k vectors in memory.
 *
 * 200 cluster centres; a memory is its centre plus Gaussian noise (unit
 * length), its text four topic words of its cluster and eight random words,
 * its metadata `{bucket: i % 20, cluster}` so `{"bucket": b}` keeps 5%.
 */

export const DIM = 384;
export const CLUSTERS = 200;
export const BUCKETS = 20;
const NOISE = 0.06;
const SEED = 42;

function rng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A well-mixed 32-bit seed per (stream, index). */
function seedOf(stream: number, index: number): number {
	let h = Math.imul(index ^ Math.imul(stream, 0x9e3779b1), 0x85ebca6b) ^ SEED;
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}

const gaussian = (rand: () => number) => () =>
	Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

function normalised(v: Float32Array): Float32Array {
	let n = 0;
	for (let i = 0; i < v.length; i++) n += v[i] * v[i];
	n = Math.sqrt(n);
	for (let i = 0; i < v.length; i++) v[i] /= n;
	return v;
}

const centres = (() => {
	const g = gaussian(rng(SEED));
	return Array.from({ length: CLUSTERS }, () => normalised(Float32Array.from({ length: DIM }, g)));
})();
const vocabulary = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}`);

function sample(stream: number, index: number, topical: number, random: number) {
	const rand = rng(seedOf(stream, index));
	const g = gaussian(rand);
	const cluster = Math.floor(rand() * CLUSTERS);
	const v = new Float32Array(DIM);
	for (let i = 0; i < DIM; i++) v[i] = centres[cluster][i] + g() * NOISE;
	const words: string[] = [];
	for (let i = 0; i < topical; i++) words.push(vocabulary[cluster * 20 + Math.floor(rand() * 20)]);
	for (let i = 0; i < random; i++) words.push(vocabulary[Math.floor(rand() * vocabulary.length)]);
	return { cluster, vector: normalised(v), text: words.join(' ') };
}

export interface Memory {
	index: number;
	cluster: number;
	bucket: number;
	vector: Float32Array;
	text: string;
}

/** Memory number `i` of the data set. */
export function memoryAt(i: number): Memory {
	const s = sample(1, i, 4, 8);
	return { index: i, bucket: i % BUCKETS, ...s };
}

/** Query number `q`: a point near a random centre, with two of its topic words. */
export function queryAt(q: number): { vector: Float32Array; text: string; bucket: number } {
	const s = sample(2, q, 2, 0);
	// Filtered searches cycle through the buckets, each keeping 5% of the memories.
	return { vector: s.vector, text: s.text, bucket: q % BUCKETS };
}

/** Memories [start, end), generated on demand. */
export function batch(start: number, end: number): Memory[] {
	const out: Memory[] = [];
	for (let i = start; i < end; i++) out.push(memoryAt(i));
	return out;
}

/** A memory's id, shared by both sides so recall compares like with like. */
export const memoryId = (i: number) => `m${i}`;

/**
 * Exact top-k by cosine (unit vectors: by dot product) for every query, with
 * and without its bucket filter, in one streaming pass over the data set.
 */
export function groundTruth(n: number, queries: ReturnType<typeof queryAt>[], k: number) {
	type Top = Array<[number, number]>;
	const all: Top[] = queries.map(() => []);
	const filtered: Top[] = queries.map(() => []);
	const push = (top: Top, score: number, i: number) => {
		if (top.length === k && score <= top[k - 1][0]) return;
		let at = top.length;
		while (at > 0 && top[at - 1][0] < score) at--;
		top.splice(at, 0, [score, i]);
		if (top.length > k) top.pop();
	};
	for (let i = 0; i < n; i++) {
		const m = memoryAt(i);
		const v = m.vector;
		for (let qi = 0; qi < queries.length; qi++) {
			const q = queries[qi].vector;
			let dot = 0;
			for (let j = 0; j < DIM; j++) dot += v[j] * q[j];
			push(all[qi], dot, i);
			if (m.bucket === queries[qi].bucket) push(filtered[qi], dot, i);
		}
	}
	const ids = (tops: Top[]) => tops.map((t) => t.map(([, i]) => memoryId(i)));
	return { all: ids(all), filtered: ids(filtered) };
}

/** Share of the exact top-k that a result list found. */
export function recall(got: string[], truth: string[]): number {
	const t = new Set(truth);
	return got.filter((id) => t.has(id)).length / truth.length;
}
