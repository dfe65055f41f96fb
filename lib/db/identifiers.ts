import { createHash } from 'node:crypto';
import { ValidationError } from './errors';

/** Lower-case SQL identifiers we create ourselves: a letter, then letters, digits, `_`. */
const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;
/** PostgreSQL's limit (NAMEDATALEN - 1 bytes); longer names are silently truncated by it. */
const MAX_NAME_LENGTH = 63;
/** Names composed from a validated identifier plus a prefix or suffix, up to that limit. */
const COMPOSED_IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
const IDENTIFIER_CHARS = /^[a-z][a-z0-9_]*$/;

/**
 * Validates a name that becomes part of an SQL identifier (a collection's
 * table, say) and returns it double-quoted. Anything outside the safe set is
 * refused rather than escaped, so a hostile name never reaches query text.
 */
export function quoteIdent(name: string, what = 'identifier'): string {
	assertIdentifier(name, what);
	return `"${name}"`;
}

/**
 * Like quoteIdent for object names the code composes from a validated name
 * (a prefix plus a 48-character identifier needs more than 48), up to 63.
 */
export function quoteComposedIdent(name: string, what = 'identifier'): string {
	if (typeof name !== 'string' || !COMPOSED_IDENTIFIER.test(name)) {
		throw new Error(`Invalid ${what} ${JSON.stringify(name)}`);
	}
	return `"${name}"`;
}

/**
 * Fits a composed name into 63 characters. Shorter names are kept as they
 * are; longer ones keep their first 54 characters plus `_` and 8 hex digits
 * of the whole name's SHA-256, so that names differing only past the cut do
 * not collide, and every caller derives the same name.
 */
export function fitIdentifier(name: string): string {
	// Checked before the cut, which would otherwise drop what is wrong with it.
	if (!IDENTIFIER_CHARS.test(name)) throw new Error(`Invalid identifier ${JSON.stringify(name)}`);
	if (name.length <= MAX_NAME_LENGTH) return name;
	const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
	return `${name.slice(0, MAX_NAME_LENGTH - 9)}_${hash}`;
}

export function assertIdentifier(name: unknown, what = 'identifier'): asserts name is string {
	if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
		throw new ValidationError(
			`Invalid ${what} ${JSON.stringify(name)}`,
			`Use 1-48 characters: a lower-case letter first, then lower-case letters, digits or "_".`,
		);
	}
}

export function isIdentifier(name: unknown): name is string {
	return typeof name === 'string' && IDENTIFIER.test(name);
}
