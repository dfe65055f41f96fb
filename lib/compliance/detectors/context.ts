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

function hasWord(window: string, words: string[]): boolean {
	for (const w of words) {
		let from = 0;
		for (;;) {
			const i = window.indexOf(w, from);
			if (i < 0) break;
			const before = i === 0 ? 32 : window.charCodeAt(i - 1);
			const after = i + w.length >= window.length ? 32 : window.charCodeAt(i + w.length);
			const beforeIsWord = (before >= 97 && before <= 122) || (before >= 48 && before <= 57);
			if (!beforeIsWord && !(after >= 97 && after <= 122)) return true;
			from = i + 1;
		}
	}
	return false;
}

/** Adjusts a base score for the words around [start, end) in `text`. */
export function contextScore(
	type: string,
	text: string,
	start: number,
	end: number,
	base: number,
): number {
	const rule = CONTEXT[type];
	if (!rule) return base;
	const window = (
		text.slice(Math.max(0, start - BEFORE), start) +
		' ' +
		text.slice(end, Math.min(text.length, end + AFTER))
	).toLowerCase();
	let score = base;
	if (hasWord(window, rule.positive)) score += rule.boost;
	if (rule.penalty && hasWord(window, rule.negative)) score -= rule.penalty;
	return Math.max(0, Math.min(1, Math.round(score * 1000) / 1000));
}
