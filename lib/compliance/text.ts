/**
 * Input normalisation shared by every detector: strings that are not well
 * formed UTF-16 (lone surrogates) get U+FFFD in their place so offsets stay
 * stable and regexes never see broken pairs; binary content is recognised so
 * the size rule can report it instead of scanning noise.
 */

/** Replaces lone surrogates with U+FFFD; the length is unchanged. */
export function wellFormed(text: string): string {
	const s = text as string & { toWellFormed?: () => string };
	if (typeof s.toWellFormed === 'function') return s.toWellFormed();
	return text.replace(
		/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
		'\uFFFD',
	);
}

/** True when the text carries NUL bytes or mostly control characters: binary data, not prose. */
export function looksBinary(text: string): boolean {
	if (text.length === 0) return false;
	const sample = text.length > 4096 ? text.slice(0, 4096) : text;
	let control = 0;
	for (let i = 0; i < sample.length; i++) {
		const c = sample.charCodeAt(i);
		if (c === 0) return true;
		if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
	}
	return control / sample.length > 0.1;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
	if (!s) return 0;
	const counts = new Map<string, number>();
	for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
	let h = 0;
	const n = s.length;
	for (const c of counts.values()) {
		const p = c / n;
		h -= p * Math.log2(p);
	}
	return h;
}

/** A lookup table of the ASCII characters in `chars` (ranges written as `a-z`). */
export function charTable(spec: string): Uint8Array {
	const t = new Uint8Array(128);
	for (let i = 0; i < spec.length; i++) {
		if (spec[i + 1] === '-' && i + 2 < spec.length) {
			for (let c = spec.charCodeAt(i); c <= spec.charCodeAt(i + 2); c++) t[c] = 1;
			i += 2;
		} else t[spec.charCodeAt(i)] = 1;
	}
	return t;
}

/**
 * Maximal runs of table characters at least `min` long, in one linear pass.
 * Used instead of regexes like `[A-Za-z0-9+/]{24,}`, which backtrack inside
 * every shorter word and cost a multiple of the text length.
 */
export function tokenRuns(text: string, min: number, table: Uint8Array): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	let start = -1;
	for (let i = 0; i <= text.length; i++) {
		const c = i < text.length ? text.charCodeAt(i) : 0;
		if (c < 128 && table[c] === 1) {
			if (start < 0) start = i;
		} else if (start >= 0) {
			if (i - start >= min) out.push([start, i]);
			start = -1;
		}
	}
	return out;
}

export interface AnchoredMatch {
	index: number;
	text: string;
	groups: Array<string | undefined>;
}

function isWordChar(c: number): boolean {
	return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Finds every occurrence of a set of literals in one pass: a table of the
 * literals' first two characters picks the few positions where a literal can
 * start, and only there are literals compared. Overlapping literals are all
 * found. Far cheaper than one indexOf pass per literal when there are dozens.
 */
export class AnchorSet {
	/** For each first-two-characters key (Latin-1 only): 0, or 1 + the index of its bucket. */
	private readonly table = new Uint16Array(65536);
	private readonly buckets: string[][] = [];
	/** Literals that do not start with two Latin-1 characters; searched with indexOf. */
	private readonly rest: string[] = [];

	constructor(literals: string[]) {
		for (const l of new Set(literals)) {
			const c0 = l.charCodeAt(0);
			const c1 = l.charCodeAt(1);
			if (l.length >= 2 && c0 < 256 && c1 < 256) {
				const key = (c0 << 8) | c1;
				if (this.table[key] === 0) {
					this.buckets.push([]);
					this.table[key] = this.buckets.length;
				}
				this.buckets[this.table[key] - 1].push(l);
			} else this.rest.push(l);
		}
	}

	/** Positions of each literal found in `haystack`, in one pass over it. */
	find(haystack: string): Map<string, number[]> {
		const out = new Map<string, number[]>();
		const add = (l: string, i: number) => {
			const list = out.get(l);
			if (list) list.push(i);
			else out.set(l, [i]);
		};
		const { table, buckets } = this;
		const n = haystack.length - 1;
		let prev = haystack.charCodeAt(0);
		for (let i = 0; i < n; i++) {
			const next = haystack.charCodeAt(i + 1);
			if (prev < 256 && next < 256) {
				const b = table[(prev << 8) | next];
				if (b !== 0) for (const l of buckets[b - 1]) if (haystack.startsWith(l, i)) add(l, i);
			}
			prev = next;
		}
		for (const l of this.rest)
			for (let i = haystack.indexOf(l); i >= 0; i = haystack.indexOf(l, i + 1)) add(l, i);
		return out;
	}
}

/** The positions and lengths of the given literals in a `find` result. */
export function hitsOf(found: Map<string, number[]>, literals: string[]): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	for (const l of literals) for (const p of found.get(l) ?? []) out.push([p, l.length]);
	return out;
}

/**
 * Runs a global regex only in windows around anchor hits (positions of
 * literals every match contains). For a pattern whose matches reach at most
 * `before` characters before an anchor and `after` after it, the result
 * equals a scan of the whole text, at a cost proportional to the hits instead
 * of the text length. Windows start at a word boundary so `\b` means what it
 * means in the full text.
 */
export function anchoredMatches(
	text: string,
	re: RegExp,
	hits: Array<[number, number]>,
	before: number,
	after: number,
): AnchoredMatch[] {
	if (!hits.length) return [];
	const spans: Array<[number, number]> = hits.map(([i, len]) => {
		let s = Math.max(0, i - before);
		const limit = Math.max(0, s - 64);
		while (s > limit && isWordChar(text.charCodeAt(s - 1))) s--;
		return [s, Math.min(text.length, i + len + after)];
	});
	spans.sort((x, y) => x[0] - y[0]);
	const merged: Array<[number, number]> = [spans[0]];
	for (const [s, e] of spans.slice(1)) {
		const last = merged[merged.length - 1];
		if (s <= last[1]) last[1] = Math.max(last[1], e);
		else merged.push([s, e]);
	}
	const out: AnchoredMatch[] = [];
	for (const [s, e] of merged) {
		const window = s === 0 && e === text.length ? text : text.slice(s, e);
		for (const m of window.matchAll(re))
			out.push({ index: s + m.index, text: m[0], groups: m.slice(1) });
	}
	return out;
}
