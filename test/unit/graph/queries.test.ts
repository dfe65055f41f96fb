import { luceneQuery, toPlain } from '../../../lib/graph/neo4j/store';
import { SCHEMA_STATEMENTS, vectorIndexStatement } from '../../../lib/graph/neo4j/schema';
import { tsQuery } from '../../../lib/graph/sql/store';
import { actorEntity } from '../../../lib/graph/common';

describe('query text built from user words', () => {
	const hostile = 'Ada\') OR 1=1 -- `}) DETACH DELETE n // & | ! : * ~ " \\';

	it('keeps only letters and digits in a tsquery, the last word also a prefix', () => {
		expect(tsQuery('Ada Lovelace')).toBe('ada | lovelace:*');
		expect(tsQuery(hostile)).toBe('ada | or | 1 | detach | delete | n');
		expect(tsQuery('Charles Babbage', true)).toBe('charles | cha:* | babbage:* | bab:*');
		expect(tsQuery('!!! ---')).toBeNull();
	});

	it('keeps only letters and digits in a Lucene query', () => {
		expect(luceneQuery('Ada Lovelace')).toBe('ada* OR lovelace*');
		expect(luceneQuery(hostile)).toBe('ada* OR or* OR 1* OR detach* OR delete* OR n*');
		expect(luceneQuery('Babbage', true)).toBe('babbage* OR babbage~');
		expect(luceneQuery('')).toBeNull();
	});
});

describe('Neo4j schema', () => {
	it('creates every constraint and index idempotently', () => {
		for (const s of SCHEMA_STATEMENTS) expect(s).toMatch(/IF NOT EXISTS/);
		expect(SCHEMA_STATEMENTS.join('\n')).toMatch(/REQUIRE \(n\.graph, n\.key\) IS UNIQUE/);
	});

	it('writes only a checked dimension into the vector index statement', () => {
		expect(vectorIndexStatement(1536)).toContain('`vector.dimensions`: 1536');
		expect(() => vectorIndexStatement(2049)).toThrow(RangeError);
		expect(() => vectorIndexStatement(1.5)).toThrow(RangeError);
		expect(() => vectorIndexStatement(Number('1; DROP'))).toThrow(RangeError);
	});
});

describe('Neo4j values to JSON', () => {
	it('passes plain values through and converts nested ones', () => {
		expect(toPlain({ a: [1, 'x', null], b: { c: true } })).toEqual({
			a: [1, 'x', null],
			b: { c: true },
		});
		expect(toPlain(undefined)).toBeNull();
	});
});

describe('agents and contexts', () => {
	it('takes a name or a key', () => {
		expect(actorEntity('Agent', 'planner')).toEqual({ type: 'Agent', name: 'planner' });
		expect(actorEntity('Agent', 'agent:planner')).toEqual({
			key: 'agent:planner',
			type: 'Agent',
			name: 'planner',
		});
		expect(actorEntity('Context', 'Project X')).toEqual({ type: 'Context', name: 'Project X' });
	});
});
