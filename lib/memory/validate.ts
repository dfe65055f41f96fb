import { ValidationError, isIdentifier } from '../db';

/** Namespaces and scope ids: letters, digits and `_ . : @ -`, up to 128 characters. */
const SCOPE_VALUE = /^[A-Za-z0-9_.:@-]{1,128}$/;

export const LIMITS = {
	maxTopK: 1000,
	/** Default maximum text length in characters; configurable per store. */
	maxTextLength: 100_000,
	maxBatch: 10_000,
};

export function assertCollectionName(name: unknown): asserts name is string {
	if (!isIdentifier(name)) {
		throw new ValidationError(
			`Invalid collection name ${JSON.stringify(name)}`,
			'Use 1-48 characters: a lower-case letter first, then lower-case letters, digits or "_" (for example "memories").',
		);
	}
}

export function assertScopeValue(value: unknown, field: string): asserts value is string {
	if (typeof value !== 'string' || !SCOPE_VALUE.test(value)) {
		throw new ValidationError(
			`Invalid ${field} ${JSON.stringify(value)}`,
			`Use 1-128 characters from A-Z, a-z, 0-9 and _ . : @ - (for example "user:42" or "support-bot").`,
		);
	}
}

export function assertTopK(topK: unknown): asserts topK is number {
	if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > LIMITS.maxTopK) {
		throw new ValidationError(
			`Top K must be a whole number from 1 to ${LIMITS.maxTopK}, got ${JSON.stringify(topK)}`,
			'Set "Top K" to how many memories to return, for example 5.',
		);
	}
}

export function assertMetadata(
	metadata: unknown,
	field = 'metadata',
): asserts metadata is Record<string, unknown> {
	if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
		throw new ValidationError(
			`The ${field} must be a JSON object, got ${Array.isArray(metadata) ? 'an array' : metadata === null ? 'null' : typeof metadata}`,
			'Pass an object such as {"source": "email", "priority": 2}, or leave it empty.',
		);
	}
}

/** Lone UTF-16 surrogates cannot be stored as UTF-8 text: refuse them with the position. */
export function assertText(
	text: unknown,
	field: string,
	maxLength = LIMITS.maxTextLength,
): asserts text is string {
	if (typeof text !== 'string' || text.trim() === '') {
		throw new ValidationError(
			`The ${field} is empty`,
			`Provide the ${field} as non-empty text (map it from the input with an expression).`,
		);
	}
	if (text.length > maxLength) {
		throw new ValidationError(
			`The ${field} is ${text.length} characters long; the limit is ${maxLength}`,
			'Split the text into smaller chunks before storing it, or raise the "Max Text Length" option.',
		);
	}
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff) {
			const next = text.charCodeAt(i + 1);
			if (next >= 0xdc00 && next <= 0xdfff) {
				i++;
				continue;
			}
		} else if (c < 0xdc00 || c > 0xdfff) {
			if (c !== 0) continue;
			throw new ValidationError(
				`The ${field} contains a NUL character at position ${i}`,
				'Remove NUL (\\u0000) characters; PostgreSQL text cannot hold them.',
			);
		}
		throw new ValidationError(
			`The ${field} contains an unpaired UTF-16 surrogate at position ${i} (not valid Unicode)`,
			'Fix the text encoding upstream (it is usually a string cut in the middle of an emoji).',
		);
	}
}

export function assertVector(vector: number[], dimension: number, what: string): void {
	if (!Array.isArray(vector) || vector.length !== dimension) {
		throw new ValidationError(
			`The ${what} has ${Array.isArray(vector) ? vector.length : 0} dimensions but the collection stores ${dimension}`,
			'Use the same embedding model (and dimensions) for every memory in a collection, or write to a new collection.',
		);
	}
	for (const x of vector) {
		if (typeof x !== 'number' || !Number.isFinite(x)) {
			throw new ValidationError(
				`The ${what} contains a value that is not a finite number`,
				'Check the embedding model output.',
			);
		}
	}
}
