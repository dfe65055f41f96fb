import { ValidationError } from './errors';

/** Lower-case SQL identifiers we create ourselves: a letter, then letters, digits, `_`. */
const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * Validates a name that becomes part of an SQL identifier (a collection's
 * table, say) and returns it double-quoted. Anything outside the safe set is
 * refused rather than escaped, so a hostile name never reaches query text.
 */
export function quoteIdent(name: string, what = 'identifier'): string {
	assertIdentifier(name, what);
	return `"${name}"`;
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
