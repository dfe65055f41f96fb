import { ValidationError } from '../../../lib/db/errors';
import {
	assertEntityType,
	assertPropertyKey,
	assertRelationType,
	checkEntity,
	checkRelation,
	checkTime,
	cypherName,
	entityKey,
	episodeId,
	normalizeName,
} from '../../../lib/graph/validate';

const hostile = [
	"Person') DETACH DELETE n //",
	'Person`}) DETACH DELETE n //',
	'}) DETACH DELETE n //',
	'Per"son',
	"Per'son",
	'Реrson',
	'Ρerson',
	'Person\u200b',
	'Person\n',
	'',
	'A'.repeat(65),
];

describe('identifier checks', () => {
	it.each(hostile)('refuses %j as entity type, relation type and property key', (name) => {
		expect(() => assertEntityType(name)).toThrow(ValidationError);
		expect(() => assertRelationType(name.toUpperCase())).toThrow(ValidationError);
		expect(() => assertPropertyKey(name)).toThrow(ValidationError);
		expect(() => cypherName(name, assertEntityType)).toThrow(ValidationError);
	});

	it('accepts plain names and quotes them for Cypher', () => {
		expect(cypherName('Person', assertEntityType)).toBe('`Person`');
		expect(cypherName('WORKS_AT', assertRelationType)).toBe('`WORKS_AT`');
		expect(() => assertPropertyKey('_born_1815')).not.toThrow();
	});

	it('reserves the labels the Neo4j backend uses and wants relation types in upper case', () => {
		expect(() => assertEntityType('Entity')).toThrow(/reserved/);
		expect(() => assertEntityType('Episode')).toThrow(/reserved/);
		expect(() => assertRelationType('works_at')).toThrow(ValidationError);
		expect(() => assertEntityType(42)).toThrow(ValidationError);
	});
});

describe('normalization and keys', () => {
	it('compares names without case, accents or punctuation', () => {
		expect(normalizeName('  Zoë   O’Brien-Smith ')).toBe('zoe o brien smith');
		expect(normalizeName('東京 Tower')).toBe('東京 tower');
	});

	it('derives keys from type and name, bounded in length', () => {
		expect(entityKey('Person', 'Ada Lovelace')).toBe('person:ada_lovelace');
		expect(entityKey('Person', '!!!')).toMatch(/^person:[0-9a-f]{12}$/);
		expect(entityKey('Thing', 'x'.repeat(500)).length).toBeLessThanOrEqual(200);
		expect(entityKey('Thing', 'x'.repeat(500))).not.toBe(entityKey('Thing', 'x'.repeat(499)));
	});

	it('gives the same episode the same id', () => {
		const a = episodeId({ agent: 'a', content: 'hello' });
		expect(episodeId({ agent: 'a', content: 'hello' })).toBe(a);
		expect(episodeId({ agent: 'b', content: 'hello' })).not.toBe(a);
		expect(episodeId({ agent: 'a', content: 'hello', kind: 'thought' })).not.toBe(a);
	});
});

describe('entity and relation checks', () => {
	it('cleans aliases and keeps normalized names for merging', () => {
		const e = checkEntity({
			type: 'City',
			name: ' New York ',
			aliases: ['NYC', 'New York', '', 'NYC'],
		});
		expect(e).toMatchObject({
			key: 'city:new_york',
			name: 'New York',
			aliases: ['NYC'],
			aliasNorms: ['new york', 'nyc'],
		});
	});

	it('refuses bad embeddings and properties', () => {
		expect(() => checkEntity({ type: 'City', name: 'x', embedding: [1, Number.NaN] })).toThrow(
			/embedding/,
		);
		expect(() =>
			checkEntity({ type: 'City', name: 'x', embedding: new Array(2049).fill(0) }),
		).toThrow(/2048/);
		expect(() =>
			checkEntity({
				type: 'City',
				name: 'x',
				properties: [] as unknown as Record<string, unknown>,
			}),
		).toThrow(/object/);
		expect(() => checkEntity({ type: 'City', name: '' })).toThrow(/no name/);
	});

	it('fills relation defaults and declares single-valued types', () => {
		const now = '2025-01-01T00:00:00.000Z';
		const r = checkRelation({ type: 'LIVES_IN', from: 'a', to: 'b' }, now, new Set(['LIVES_IN']));
		expect(r).toMatchObject({
			validAt: now,
			invalidAt: null,
			confidence: 1,
			singleValued: true,
			contradicts: [],
		});
		expect(
			checkRelation({ type: 'KNOWS', from: 'a', to: 'b', singleValued: true }, now, new Set())
				.singleValued,
		).toBe(true);
		expect(() => checkRelation({ type: 'KNOWS', from: '', to: 'b' }, now, new Set())).toThrow(
			/"from" key/,
		);
		expect(() =>
			checkRelation(
				{ type: 'KNOWS', from: 'a', to: 'b', contradicts: [1 as unknown as string] },
				now,
				new Set(),
			),
		).toThrow(/contradicts/);
	});

	it('reads ISO times and refuses others', () => {
		expect(checkTime('2024-02-29T12:00:00+02:00', 't')).toBe('2024-02-29T10:00:00.000Z');
		expect(() => checkTime('2024-13-45', 't')).toThrow(ValidationError);
		expect(() => checkTime('', 't')).toThrow(ValidationError);
	});
});
