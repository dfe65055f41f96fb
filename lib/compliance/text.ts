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

// eslint-disable-next-line no-control-regex
const CONTROL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F]/;

/** True when the text carries NUL bytes or mostly control characters: binary data, not prose. */
export function looksBinary(text: string): boolean {
	if (text.length === 0) return false;
	const sample = text.length > 4096 ? text.slice(0, 4096) : text;
	// Prose has no control characters at all: one native scan settles it.
	if (!CONTROL_CHAR.test(sample)) return false;
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
	const n = text.length;
	const inSet = (i: number) => {
		const c = text.charCodeAt(i);
		return c < 128 && table[c] === 1;
	};
	const width = Math.max(1, min);
	// Skip-ahead: `start` is 0 or follows a character outside the set. Only the last position
	// of a run that could start there is looked at first; a character outside the set there, or
	// behind it, moves `start` past it, so most characters of prose are never read.
	let start = 0;
	while (start + width <= n) {
		const p = start + width - 1;
		if (!inSet(p)) {
			start = p + 1;
			continue;
		}
		let q = p - 1;
		while (q >= start && inSet(q)) q--;
		if (q >= start) {
			start = q + 1;
			continue;
		}
		let end = p + 1;
		while (end < n && inSet(end)) end++;
		out.push([start, end]);
		start = end + 1;
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

let lastText: string | undefined;
let lastLower = '';

/**
 * `text.toLowerCase()` with every position where it is in `text`, remembered
 * for the last text: the PII context words and the prompt-injection anchors
 * both look at the lower-cased text, so one check lower-cases it once.
 */
export function lowerCased(text: string): string {
	if (text !== lastText) {
		lastLower = sameLengthLower(text);
		lastText = text;
	}
	return lastLower;
}

/**
 * Lower-cases without moving any character. A few characters lower-case to
 * more code units (U+0130 "İ" becomes "i" plus a combining dot); each keeps
 * its own length here, so an offset found in the lower-cased text points at
 * the same place in the original. Otherwise a run of such characters would
 * shift every later match out of the window where it is checked.
 */
function sameLengthLower(text: string): string {
	const lower = text.toLowerCase();
	if (lower.length === text.length) return lower;
	let out = '';
	for (const ch of text) {
		const l = ch.toLowerCase();
		out += l.length === ch.length ? l : l.length > ch.length ? l.slice(0, ch.length) : ch;
	}
	return out;
}

/**
 * Finds every occurrence of a set of literals in one pass. A table keyed by a
 * hash of two or three consecutive characters picks the few positions where a
 * literal can occur, and only there are literals compared. The pass looks at
 * every `stride`-th position only: a literal of at least `stride + key - 1`
 * characters always has one of its first `stride` keys at such a position, so
 * each literal is entered once per offset. Literals too short for that, and
 * sets of a few literals, are searched with indexOf (native, far faster than a
 * JavaScript loop for one needle). Overlapping literals are all found.
 */
export class AnchorSet {
	/** For each key hash: 0, or 1 + the index of its bucket. */
	private readonly table = new Uint16Array(65536);
	/** Per bucket: the literals and, for each, the offset of its key inside it. */
	private readonly buckets: Array<{ literals: string[]; offsets: number[] }> = [];
	/** Literals searched with indexOf. */
	private readonly rest: string[] = [];
	/** Positions looked at: every `stride`-th (0: the table is not used). */
	readonly stride: number;
	/** Characters per key: 2 or 3. */
	readonly keyLength: number;

	constructor(literals: string[]) {
		const unique = [...new Set(literals)].filter((l) => l.length > 0);
		// The widest stride that leaves at most two literals to indexOf, for pairs and for triples.
		const widest = (key: number) => {
			for (let s = 4; s >= 1; s--)
				if (unique.filter((l) => l.length < s + key - 1).length <= 2) return s;
			return 0;
		};
		const byPair = widest(2);
		const byTriple = widest(3);
		// Triples match far less often (fewer literal comparisons); worth one step of stride.
		const triple = byTriple >= 2 && byTriple + 1 >= byPair;
		this.keyLength = triple ? 3 : 2;
		this.stride = unique.length > 4 ? (triple ? byTriple : byPair) : 0;
		const minLength = this.stride + this.keyLength - 1;
		for (const l of unique) {
			if (!this.stride || l.length < minLength) {
				this.rest.push(l);
				continue;
			}
			// Highest offset first, so one literal's positions come out in increasing order.
			for (let k = this.stride - 1; k >= 0; k--) {
				const key = triple
					? keyOf3(l.charCodeAt(k), l.charCodeAt(k + 1), l.charCodeAt(k + 2))
					: keyOf2(l.charCodeAt(k), l.charCodeAt(k + 1));
				if (this.table[key] === 0) {
					this.buckets.push({ literals: [], offsets: [] });
					this.table[key] = this.buckets.length;
				}
				const b = this.buckets[this.table[key] - 1];
				b.literals.push(l);
				b.offsets.push(k);
			}
		}
	}

	/** Positions of each literal found in `haystack`, in increasing order per literal. */
	find(haystack: string): Map<string, number[]> {
		const out = new Map<string, number[]>();
		const { table, stride } = this;
		const n = haystack.length;
		if (stride && this.keyLength === 3) {
			for (let j = 0; j + 2 < n; j += stride) {
				const b =
					table[
						keyOf3(haystack.charCodeAt(j), haystack.charCodeAt(j + 1), haystack.charCodeAt(j + 2))
					];
				if (b !== 0) this.verify(haystack, j, b, out);
			}
		} else if (stride) {
			for (let j = 0; j + 1 < n; j += stride) {
				const b = table[keyOf2(haystack.charCodeAt(j), haystack.charCodeAt(j + 1))];
				if (b !== 0) this.verify(haystack, j, b, out);
			}
		}
		for (const l of this.rest) {
			let i = haystack.indexOf(l);
			if (i < 0) continue;
			const list: number[] = [];
			for (; i >= 0; i = haystack.indexOf(l, i + 1)) list.push(i);
			out.set(l, list);
		}
		return out;
	}

	/** Compares the literals of bucket `b` with the text around position `j`. */
	private verify(haystack: string, j: number, b: number, out: Map<string, number[]>): void {
		const { literals, offsets } = this.buckets[b - 1];
		for (let e = 0; e < literals.length; e++) {
			const l = literals[e];
			const at = j - offsets[e];
			if (at < 0 || at + l.length > haystack.length) continue;
			let i = 0;
			while (i < l.length && haystack.charCodeAt(at + i) === l.charCodeAt(i)) i++;
			if (i < l.length) continue;
			const list = out.get(l);
			if (list) list.push(at);
			else out.set(l, [at]);
		}
	}
}

function keyOf2(c0: number, c1: number): number {
	return ((c0 << 8) ^ c1) & 0xffff;
}

function keyOf3(c0: number, c1: number, c2: number): number {
	return (c0 * 961 + c1 * 31 + c2) & 0xffff;
}

/** The positions and lengths of the given literals in a `find` result. */
export function hitsOf(found: Map<string, number[]>, literals: string[]): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	for (const l of literals) for (const p of found.get(l) ?? []) out.push([p, l.length]);
	return out;
}

/** Where a global regex resumes after an empty match (a code point further in unicode mode). */
function nextIndex(s: string, i: number, unicode: boolean): number {
	if (!unicode || i + 1 >= s.length) return i + 1;
	const c = s.charCodeAt(i);
	const d = s.charCodeAt(i + 1);
	return c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? i + 2 : i + 1;
}

/**
 * Every match of a global regex in `text`, as `[...text.matchAll(re)]` gives
 * them, without the copy of the regex `matchAll` makes on each call.
 */
export function execAll(re: RegExp, text: string): RegExpExecArray[] {
	if (!re.global) throw new TypeError('execAll needs a global regex');
	const out: RegExpExecArray[] = [];
	re.lastIndex = 0;
	try {
		for (let m = re.exec(text); m; m = re.exec(text)) {
			out.push(m);
			if (m[0] === '')
				re.lastIndex = nextIndex(text, re.lastIndex, re.unicode || re.flags.includes('v'));
		}
	} finally {
		re.lastIndex = 0;
	}
	return out;
}

/**
 * Runs a global regex only in windows around anchor hits (positions of
 * literals every match contains). For a pattern whose matches reach at most
 * `before` characters before an anchor and `after` after it, the result
 * equals a scan of the whole text, at a cost proportional to the hits instead
 * of the text length. Windows start at a word boundary so `\b` means what it
 * means in the full text.
 *
 * `containsAnchor`: every match holds one of the hits whole (true when the
 * anchors are spelled in every case the pattern accepts). The scan of a window
 * then stops once it has passed the window's last hit, since no further match
 * can exist; otherwise it runs to the window's end (`after` is sized for the
 * longest match, so that tail is usually long).
 */
export function anchoredMatches(
	text: string,
	re: RegExp,
	hits: Array<[number, number]>,
	before: number,
	after: number,
	containsAnchor = false,
): AnchoredMatch[] {
	if (!re.global) throw new TypeError('anchoredMatches needs a global regex');
	if (!hits.length) return [];
	// [window start, window end, start of the last hit inside]
	const spans: Array<[number, number, number]> = hits.map(([i, len]) => {
		let s = Math.max(0, i - before);
		const limit = Math.max(0, s - 64);
		while (s > limit && isWordChar(text.charCodeAt(s - 1))) s--;
		return [s, Math.min(text.length, i + len + after), i];
	});
	spans.sort((x, y) => x[0] - y[0]);
	const merged: Array<[number, number, number]> = [spans[0]];
	for (let k = 1; k < spans.length; k++) {
		const [s, e, i] = spans[k];
		const last = merged[merged.length - 1];
		if (s <= last[1]) {
			last[1] = Math.max(last[1], e);
			last[2] = Math.max(last[2], i);
		} else merged.push([s, e, i]);
	}
	const out: AnchoredMatch[] = [];
	try {
		for (const [s, e, lastHit] of merged) {
			const window = s === 0 && e === text.length ? text : text.slice(s, e);
			re.lastIndex = 0;
			for (;;) {
				const m = re.exec(window);
				if (!m) break;
				out.push({ index: s + m.index, text: m[0], groups: m.slice(1) });
				if (m[0] === '')
					re.lastIndex = nextIndex(window, re.lastIndex, re.unicode || re.flags.includes('v'));
				if (containsAnchor && s + re.lastIndex > lastHit) break;
			}
		}
	} finally {
		re.lastIndex = 0;
	}
	return out;
}
