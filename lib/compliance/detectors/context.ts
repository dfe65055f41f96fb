/**
 * Context words: a number next to "card" or "SSN" is more likely what it looks
 * like; next to "order", "invoice" or "tracking" it is less likely. Presidio
 * uses the same idea; the windows here are in characters, measured on the
 * lower-cased text before (mostly) and just after a span.
 */
export interface ContextRule {
	positive: string[];
	negative: string[];
	/** Added to the score when a positive word is near; subtracted for a negative one. */
	boost: number;
	penalty: number;
}

export const CONTEXT: Record<string, ContextRule> = {
	CREDIT_CARD: {
		positive: ['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'cc', 'payment', 'charge'],
		negative: ['order', 'invoice', 'tracking', 'isbn', 'serial', 'reference', 'ref'],
		boost: 0.1,
		penalty: 0.4,
	},
	US_SSN: {
		positive: ['ssn', 'social security', 'social sec', 'ss#', 'ss #', 'ssa'],
		negative: ['order', 'invoice', 'tracking', 'phone', 'tel', 'zip', 'routing', 'account'],
		boost: 0.35,
		penalty: 0.3,
	},
	PHONE_NUMBER: {
		positive: [
			'phone',
			'call',
			'tel',
			'mobile',
			'cell',
			'fax',
			'desk',
			'office',
			'contact',
			'number',
			'whatsapp',
			'sms',
			'messages',
			'answering',
			'reach',
		],
		negative: [
			'order',
			'invoice',
			'isbn',
			'amount',
			'total',
			'price',
			'card',
			'iban',
			'account',
			'license',
			'licence',
			'zip',
			'postal',
			'postcode',
			'ssn',
			'passport',
		],
		boost: 0.25,
		penalty: 0.3,
	},
	IP_ADDRESS: {
		positive: ['ip', 'address', 'host', 'server', 'client', 'blocked', 'ipv4', 'ipv6'],
		negative: ['version', 'v.', 'release', 'build'],
		boost: 0.1,
		penalty: 0.4,
	},
	IBAN_CODE: {
		positive: ['iban', 'bank', 'account', 'transfer', 'wire', 'sepa'],
		negative: [],
		boost: 0.05,
		penalty: 0,
	},
	CRYPTO: {
		positive: ['bitcoin', 'btc', 'wallet', 'eth', 'ethereum', 'crypto', 'address', 'send'],
		negative: ['hash', 'commit', 'sha', 'tx', 'transaction id'],
		boost: 0.1,
		penalty: 0.3,
	},
};

const BEFORE = 48;
const AFTER = 16;

function isLowerAlnum(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

function isLowerLetter(c: number): boolean {
	return c >= 97 && c <= 122;
}

/** Bits of a lookup result: a positive word was found, a negative one was. */
const POSITIVE = 1;
const NEGATIVE = 2;

/**
 * The context words of one rule, looked up in a range of lower-cased text as
 * if the range were a string of its own: a word counts where the character
 * before it is not a letter or digit and the one after it is not a letter,
 * the range's edges counting as spaces. Words are bucketed by their first
 * character, so only the positions where a word can begin are compared, and
 * positive and negative words are found in the same pass.
 */
class RuleWords {
	private readonly ascii: Array<Array<[string, number]>> = Array.from({ length: 128 }, () => []);
	private readonly other = new Map<number, Array<[string, number]>>();
	/** Words with a space inside, with its position: they can straddle two ranges. */
	readonly spaced: Array<[string, number, number]> = [];
	/** The bits a lookup can stop at: both, or only positive when there is no penalty. */
	readonly all: number;

	constructor(rule: ContextRule) {
		const add = (w: string, bit: number) => {
			if (!w) return;
			const c = w.charCodeAt(0);
			const entry: [string, number] = [w, bit];
			if (c < 128) this.ascii[c].push(entry);
			else {
				const list = this.other.get(c);
				if (list) list.push(entry);
				else this.other.set(c, [entry]);
			}
			for (let k = w.indexOf(' '); k >= 0; k = w.indexOf(' ', k + 1)) this.spaced.push([w, k, bit]);
		};
		for (const w of rule.positive) add(w, POSITIVE);
		if (rule.penalty) for (const w of rule.negative) add(w, NEGATIVE);
		this.all = rule.penalty ? POSITIVE | NEGATIVE : POSITIVE;
	}

	/** The bits of the words found in `s` between `from` and `to`, added to `found`. */
	in(s: string, from: number, to: number, found: number): number {
		for (let i = from; i < to && found !== this.all; i++) {
			if (i > from && isLowerAlnum(s.charCodeAt(i - 1))) continue;
			const c = s.charCodeAt(i);
			const bucket = c < 128 ? this.ascii[c] : this.other.get(c);
			if (!bucket || bucket.length === 0) continue;
			for (const [w, bit] of bucket) {
				if (found & bit) continue;
				const end = i + w.length;
				if (end > to || !s.startsWith(w, i)) continue;
				if (end < to && isLowerLetter(s.charCodeAt(end))) continue;
				found |= bit;
			}
		}
		return found;
	}

	/**
	 * The bits of the words with a space that occur across two ranges joined by that space:
	 * the part before the space ends `[a, start)` and the part after it begins `[end, b)`.
	 */
	across(s: string, a: number, start: number, end: number, b: number, found: number): number {
		for (const [w, k, bit] of this.spaced) {
			if (found & bit) continue;
			const head = w.slice(0, k);
			const tail = w.slice(k + 1);
			const from = start - head.length;
			const to = end + tail.length;
			if (from < a || to > b) continue;
			if (!s.startsWith(head, from) || !s.startsWith(tail, end)) continue;
			if (from > a && isLowerAlnum(s.charCodeAt(from - 1))) continue;
			if (to < b && isLowerLetter(s.charCodeAt(to))) continue;
			found |= bit;
		}
		return found;
	}

	/**
	 * The bits of the words in the context window of [start, end): the text from `a`
	 * to `start` and from `end` to `b`, read as one string with a space where the span was.
	 */
	near(s: string, a: number, start: number, end: number, b: number): number {
		let found = this.in(s, a, start, 0);
		if (found !== this.all) found = this.in(s, end, b, found);
		if (found !== this.all && this.spaced.length) found = this.across(s, a, start, end, b, found);
		return found;
	}
}

const WORDS: Record<string, RuleWords> = Object.fromEntries(
	Object.entries(CONTEXT).map(([type, rule]) => [type, new RuleWords(rule)]),
);

/**
 * Adjusts a base score for the words around [start, end) in `text`.
 * `lower`: `text.toLowerCase()`, when the caller scores many spans of one text
 * (used only when it has the text's length, so offsets agree); without it each
 * window is lower-cased on its own.
 */
export function contextScore(
	type: string,
	text: string,
	start: number,
	end: number,
	base: number,
	lower?: string,
): number {
	const rule = CONTEXT[type];
	if (!rule) return base;
	let found: number;
	if (lower !== undefined && lower.length === text.length) {
		const a = Math.max(0, start - BEFORE);
		const b = Math.min(text.length, end + AFTER);
		found = WORDS[type].near(lower, a, start, end, b);
	} else {
		// Lower-casing may change the length (e.g. U+0130): lower-case the window on its own.
		const before = text.slice(Math.max(0, start - BEFORE), start).toLowerCase();
		const after = text.slice(end, Math.min(text.length, end + AFTER)).toLowerCase();
		const s = before + ' ' + after;
		found = WORDS[type].near(s, 0, before.length, before.length + 1, s.length);
	}
	let score = base;
	if (found & POSITIVE) score += rule.boost;
	if (rule.penalty && found & NEGATIVE) score -= rule.penalty;
	return Math.max(0, Math.min(1, Math.round(score * 1000) / 1000));
}
