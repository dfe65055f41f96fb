import { ValidationError } from '../db';

/**
 * Metadata filters. A plain value means "equals" (JSON containment, so it
 * uses the GIN index); an object whose keys all start with `$` holds
 * operators: `$eq`, `$ne`, `$in`, `$nin`, `$gt`, `$gte`, `$lt`, `$lte`,
 * `$exists`. Several keys and several operators on one key are ANDed.
 *
 *   { "source": "email", "priority": { "$gte": 2 }, "tags": { "$exists": true } }
 */
export type MetadataFilter = Record<string, unknown>;

export const FILTER_OPERATORS = [
	'$eq',
	'$ne',
	'$in',
	'$nin',
	'$gt',
	'$gte',
	'$lt',
	'$lte',
	'$exists',
] as const;
type Operator = (typeof FILTER_OPERATORS)[number];

/** Metadata keys a filter may name: plain words, so error messages and plans stay readable. */
const KEY = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

export interface CompiledFilter {
	/** A SQL boolean expression over the `metadata` column ('TRUE' when the filter is empty). */
	sql: string;
	params: unknown[];
}

const isOperatorObject = (v: unknown): v is Record<string, unknown> =>
	v !== null &&
	typeof v === 'object' &&
	!Array.isArray(v) &&
	Object.keys(v).length > 0 &&
	Object.keys(v).every((k) => k.startsWith('$'));

/**
 * Compiles a filter into a parameterised SQL expression. Values and keys only
 * travel as `$n` parameters, numbered from `firstParam`.
 */
export function compileFilter(
	filter: MetadataFilter | undefined,
	firstParam: number,
): CompiledFilter {
	if (filter === undefined || filter === null) return { sql: 'TRUE', params: [] };
	if (typeof filter !== 'object' || Array.isArray(filter)) {
		throw new ValidationError(
			'The metadata filter must be a JSON object',
			'Pass an object such as {"source": "email", "priority": {"$gte": 2}}.',
		);
	}
	const params: unknown[] = [];
	const p = (value: unknown) => {
		params.push(value);
		return `$${firstParam + params.length - 1}`;
	};
	const parts: string[] = [];
	for (const [key, condition] of Object.entries(filter)) {
		if (!KEY.test(key)) {
			throw new ValidationError(
				`Invalid metadata filter key ${JSON.stringify(key)}`,
				'Filter keys are metadata field names: a letter or _ first, then letters, digits or _ . : - (up to 64).',
			);
		}
		if (!isOperatorObject(condition)) {
			parts.push(`metadata @> ${p(JSON.stringify({ [key]: condition }))}::jsonb`);
			continue;
		}
		for (const [op, value] of Object.entries(condition)) {
			if (!(FILTER_OPERATORS as readonly string[]).includes(op)) {
				throw new ValidationError(
					`Unknown filter operator "${op}" on "${key}"`,
					`Use one of ${FILTER_OPERATORS.join(', ')}, for example {"${key}": {"$gte": 2}}.`,
				);
			}
			parts.push(compileOperator(key, op as Operator, value, p));
		}
	}
	return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}

function compileOperator(
	key: string,
	op: Operator,
	value: unknown,
	p: (v: unknown) => string,
): string {
	switch (op) {
		case '$eq':
			return `metadata @> ${p(JSON.stringify({ [key]: value }))}::jsonb`;
		case '$ne':
			return `NOT (metadata @> ${p(JSON.stringify({ [key]: value }))}::jsonb)`;
		case '$in':
		case '$nin': {
			if (!Array.isArray(value) || value.length === 0) {
				throw new ValidationError(
					`"${op}" on "${key}" needs a non-empty array`,
					`Write it as {"${key}": {"${op}": ["a", "b"]}}.`,
				);
			}
			const test = `(metadata -> ${p(key)}) IN (SELECT jsonb_array_elements(${p(JSON.stringify(value))}::jsonb))`;
			return op === '$in' ? test : `NOT COALESCE(${test}, false)`;
		}
		case '$exists':
			if (typeof value !== 'boolean') {
				throw new ValidationError(
					`"$exists" on "${key}" needs true or false`,
					`Write it as {"${key}": {"$exists": true}}.`,
				);
			}
			return `${value ? '' : 'NOT '}(metadata ? ${p(key)})`;
		default: {
			const cmp = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op];
			if (typeof value === 'number' && Number.isFinite(value)) {
				const k = p(key);
				// CASE guards the cast: only numeric JSON values are compared.
				return `(CASE WHEN jsonb_typeof(metadata -> ${k}) = 'number' THEN (metadata ->> ${k})::numeric ${cmp} ${p(value)}::numeric ELSE false END)`;
			}
			if (typeof value === 'string') {
				const k = p(key);
				// Strings (ISO dates, versions) compare byte-wise, the same on every server.
				return `(CASE WHEN jsonb_typeof(metadata -> ${k}) = 'string' THEN (metadata ->> ${k}) COLLATE "C" ${cmp} ${p(value)}::text COLLATE "C" ELSE false END)`;
			}
			throw new ValidationError(
				`"${op}" on "${key}" needs a number or a string, got ${JSON.stringify(value)}`,
				`Write it as {"${key}": {"${op}": 10}} or with an ISO date string.`,
			);
		}
	}
}
