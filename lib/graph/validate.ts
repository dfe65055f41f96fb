import { createHash } from 'node:crypto';
import { ValidationError } from '../db/errors';
import type { EntityInput, RelationInput } from './model';

/**
 * Names that become part of query text — entity types (Neo4j labels),
 * relation types and property keys — are checked against a strict ASCII
 * pattern and refused otherwise. Refusing beats escaping: a hostile name
 * (quotes, backticks, `}) DETACH DELETE n //`, a Cyrillic look-alike) never
 * reaches a query, and the same names work on every backend.
 */
const ENTITY_TYPE = /^[A-Z][A-Za-z0-9_]{0,63}$/;
const RELATION_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
const PROPERTY_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const GRAPH_NAME = /^[a-z][a-z0-9_]{0,47}$/;

/** Labels the Neo4j backend uses itself; an entity type may not take them. */
const RESERVED_TYPES = new Set(['Entity', 'Episode']);

export const MAX_KEY_LENGTH = 200;
export const MAX_EMBEDDING_DIMENSIONS = 2048;

export function assertEntityType(type: unknown): asserts type is string {
	if (typeof type === 'string' && RESERVED_TYPES.has(type)) {
		throw new ValidationError(
			`Entity type ${JSON.stringify(type)} is reserved`,
			'Choose another type name; "Entity" and "Episode" label the graph\'s own nodes.',
		);
	}
	if (typeof type !== 'string' || !ENTITY_TYPE.test(type)) {
		throw new ValidationError(
			`Invalid entity type ${JSON.stringify(type)}`,
			'Use 1-64 ASCII letters, digits or "_", starting with an upper-case letter (e.g. Person, Company); "Entity" and "Episode" are reserved.',
		);
	}
}

export function assertRelationType(type: unknown): asserts type is string {
	if (typeof type !== 'string' || !RELATION_TYPE.test(type)) {
		throw new ValidationError(
			`Invalid relation type ${JSON.stringify(type)}`,
			'Use 1-64 upper-case ASCII letters, digits or "_", starting with a letter (e.g. WORKS_AT).',
		);
	}
}

export function assertPropertyKey(key: unknown): asserts key is string {
	if (typeof key !== 'string' || !PROPERTY_KEY.test(key)) {
		throw new ValidationError(
			`Invalid property key ${JSON.stringify(key)}`,
			'Use 1-64 ASCII letters, digits or "_", not starting with a digit.',
		);
	}
}

export function assertGraphName(name: unknown): asserts name is string {
	if (typeof name !== 'string' || !GRAPH_NAME.test(name)) {
		throw new ValidationError(
			`Invalid graph name ${JSON.stringify(name)}`,
			'Use 1-48 characters: a lower-case letter first, then lower-case letters, digits or "_".',
		);
	}
}

/** Backtick-quotes a name for Cypher after it passed one of the checks above. */
export function cypherName(name: string, check: (n: unknown) => void): string {
	check(name);
	return '`' + name + '`';
}

export function assertKey(key: unknown, what = 'entity key'): asserts key is string {
	if (typeof key !== 'string' || key.trim() === '' || key.length > MAX_KEY_LENGTH) {
		throw new ValidationError(
			`Invalid ${what} ${JSON.stringify(key)}`,
			`Give a non-empty string of at most ${MAX_KEY_LENGTH} characters.`,
		);
	}
}

/** Checks a property map: plain object, safe keys, JSON values. */
export function checkProperties(props: unknown, what: string): Record<string, unknown> {
	if (props === undefined || props === null) return {};
	if (typeof props !== 'object' || Array.isArray(props)) {
		throw new ValidationError(`${what} must be an object`, 'Pass properties as a JSON object.');
	}
	for (const key of Object.keys(props)) assertPropertyKey(key);
	return props as Record<string, unknown>;
}

/** Parses an ISO time; refuses anything `Date` cannot read. */
export function checkTime(value: unknown, what: string): string {
	if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
	if (typeof value === 'string' && value.trim() !== '') {
		const d = new Date(value);
		if (!Number.isNaN(d.getTime())) return d.toISOString();
	}
	throw new ValidationError(
		`Invalid ${what} ${JSON.stringify(value)}`,
		'Use an ISO 8601 time such as 2025-01-31T12:00:00Z.',
	);
}

export function checkEmbedding(value: unknown, what = 'embedding'): number[] | undefined {
	if (value === undefined || value === null) return undefined;
	if (
		!Array.isArray(value) ||
		value.length === 0 ||
		value.length > MAX_EMBEDDING_DIMENSIONS ||
		!value.every((x) => typeof x === 'number' && Number.isFinite(x))
	) {
		throw new ValidationError(
			`Invalid ${what}: expected 1-${MAX_EMBEDDING_DIMENSIONS} finite numbers`,
			`Give an array of 1-${MAX_EMBEDDING_DIMENSIONS} finite numbers.`,
		);
	}
	return value as number[];
}

export function checkInt(
	value: unknown,
	what: string,
	min: number,
	max: number,
	dflt: number,
): number {
	if (value === undefined || value === null) return dflt;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
		throw new ValidationError(
			`Invalid ${what} ${JSON.stringify(value)}`,
			`Use a whole number from ${min} to ${max}.`,
		);
	}
	return value;
}

/** Lower case, accents and punctuation dropped, single spaces: the form names are compared in. */
export function normalizeName(name: string): string {
	return name
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}

/** The key an entity gets when none is given: `<type>:<normalized_name>`. */
export function entityKey(type: string, name: string): string {
	const slug = normalizeName(name).replace(/ /g, '_');
	const key = `${type.toLowerCase()}:${slug || hash(name).slice(0, 12)}`;
	return key.length <= MAX_KEY_LENGTH
		? key
		: `${key.slice(0, MAX_KEY_LENGTH - 13)}~${hash(key).slice(0, 12)}`;
}

export function hash(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export interface CheckedEntity {
	key: string;
	type: string;
	name: string;
	aliases: string[];
	/** Normalized name and aliases, for merging. */
	aliasNorms: string[];
	properties: Record<string, unknown>;
	embedding?: number[];
}

export function checkEntity(input: EntityInput, index = 0): CheckedEntity {
	if (!input || typeof input !== 'object') {
		throw new ValidationError(`Entity ${index} is not an object`, 'Give {type, name, ...}.');
	}
	assertEntityType(input.type);
	if (typeof input.name !== 'string' || input.name.trim() === '') {
		throw new ValidationError(
			`Entity ${index} has no name`,
			'Give each entity a non-empty "name".',
		);
	}
	const name = input.name.trim();
	const key =
		input.key === undefined || input.key === null || input.key === ''
			? entityKey(input.type, name)
			: input.key;
	assertKey(key);
	const aliases = uniqueStrings(
		[...(input.aliases ?? [])]
			.filter((a) => typeof a === 'string' && a.trim() !== '' && a.trim() !== name)
			.map((a) => a.trim()),
	);
	return {
		key,
		type: input.type,
		name,
		aliases,
		aliasNorms: uniqueStrings([name, ...aliases].map(normalizeName).filter((s) => s !== '')),
		properties: checkProperties(input.properties, `Properties of entity "${key}"`),
		embedding: checkEmbedding(input.embedding, `embedding of entity "${key}"`),
	};
}

export interface CheckedMention {
	type: string;
	/** The names as given, trimmed, empty ones dropped. */
	names: string[];
	/** Their normalized forms, distinct and non-empty. */
	norms: string[];
}

/** Checks mentions to resolve: a list of {type, names}. */
export function checkMentions(mentions: unknown): CheckedMention[] {
	if (!Array.isArray(mentions))
		throw new ValidationError('Mentions must be an array', 'Give a list of {type, names}.');
	return mentions.map((m: unknown, i) => {
		if (!m || typeof m !== 'object')
			throw new ValidationError(`Mention ${i} is not an object`, 'Give {type, names}.');
		const { type, names } = m as { type?: unknown; names?: unknown };
		assertEntityType(type);
		if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
			throw new ValidationError(
				`Mention ${i} has no list of names`,
				'Give "names" as a list of strings.',
			);
		const trimmed = (names as string[]).map((n) => n.trim()).filter((n) => n !== '');
		return {
			type,
			names: trimmed,
			norms: uniqueStrings(trimmed.map(normalizeName).filter((n) => n !== '')),
		};
	});
}

export interface CheckedRelation {
	type: string;
	from: string;
	to: string;
	properties: Record<string, unknown>;
	validAt: string;
	invalidAt: string | null;
	confidence: number;
	sourceEpisode: string | null;
	contradicts: string[];
	singleValued: boolean;
}

export function checkRelation(
	input: RelationInput,
	now: string,
	singleValued: ReadonlySet<string>,
	index = 0,
): CheckedRelation {
	if (!input || typeof input !== 'object') {
		throw new ValidationError(`Relation ${index} is not an object`, 'Give {type, from, to, ...}.');
	}
	assertRelationType(input.type);
	assertKey(input.from, `"from" key of relation ${index}`);
	assertKey(input.to, `"to" key of relation ${index}`);
	const validAt =
		input.validAt === undefined || input.validAt === null
			? now
			: checkTime(input.validAt, `validAt of relation ${index}`);
	const invalidAt =
		input.invalidAt === undefined || input.invalidAt === null
			? null
			: checkTime(input.invalidAt, `invalidAt of relation ${index}`);
	if (invalidAt !== null && invalidAt <= validAt) {
		throw new ValidationError(
			`Relation ${index} ends (invalidAt ${invalidAt}) before it starts (validAt ${validAt})`,
			'Make invalidAt later than validAt, or leave it empty.',
		);
	}
	const confidence = input.confidence ?? 1;
	if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
		throw new ValidationError(
			`Invalid confidence ${JSON.stringify(input.confidence)} on relation ${index}`,
			'Use a number from 0 to 1.',
		);
	}
	const contradicts = input.contradicts ?? [];
	if (!Array.isArray(contradicts) || !contradicts.every((c) => typeof c === 'string' && c !== '')) {
		throw new ValidationError(
			`Invalid "contradicts" on relation ${index}`,
			'Give an array of relation ids.',
		);
	}
	if (input.sourceEpisode !== undefined && input.sourceEpisode !== null)
		assertKey(input.sourceEpisode, 'episode id');
	return {
		type: input.type,
		from: input.from,
		to: input.to,
		properties: checkProperties(input.properties, `Properties of relation ${index}`),
		validAt,
		invalidAt,
		confidence,
		sourceEpisode: input.sourceEpisode ?? null,
		contradicts,
		singleValued: input.singleValued === true || singleValued.has(input.type),
	};
}

export function uniqueStrings(list: string[]): string[] {
	return [...new Set(list)];
}

/** The id an episode gets when none is given: recording the same text twice is one episode. */
export function episodeId(input: {
	agent: string;
	kind?: string;
	content: string;
	occurredAt?: string;
	context?: string;
}): string {
	return `ep_${hash(JSON.stringify([input.agent, input.kind ?? 'episode', input.content, input.occurredAt ?? null, input.context ?? null])).slice(0, 32)}`;
}

/** Reads a JSON value given as an entity list (one object or an array) and checks every entry. */
export function validateEntityInputs(value: unknown): EntityInput[] {
	const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : null;
	if (!list || !list.length)
		throw new ValidationError(
			'No entities given',
			'Give an entity object or a non-empty list of them.',
		);
	list.forEach((e, i) => checkEntity(e as EntityInput, i));
	return list as EntityInput[];
}

/** Reads a JSON value given as a relation list (one object or an array) and checks every entry. */
export function validateRelationInputs(value: unknown): RelationInput[] {
	const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : null;
	if (!list || !list.length)
		throw new ValidationError(
			'No relations given',
			'Give a relation object or a non-empty list of them.',
		);
	const now = new Date().toISOString();
	list.forEach((r, i) => checkRelation(r as RelationInput, now, new Set(), i));
	return list as RelationInput[];
}
