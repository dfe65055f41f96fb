import { compileFilter } from '../../../lib/memory/filter';
import { ValidationError } from '../../../lib/db';

describe('compileFilter', () => {
	it('compiles an empty filter to TRUE', () => {
		expect(compileFilter(undefined, 1)).toEqual({ sql: 'TRUE', params: [] });
		expect(compileFilter({}, 1)).toEqual({ sql: 'TRUE', params: [] });
	});

	it('uses JSON containment for plain values and nested objects', () => {
		expect(compileFilter({ source: 'email', meta: { a: 1 } }, 3)).toEqual({
			sql: 'metadata @> $3::jsonb AND metadata @> $4::jsonb',
			params: ['{"source":"email"}', '{"meta":{"a":1}}'],
		});
	});

	it('numbers parameters from the given start and never inlines values', () => {
		const f = compileFilter({ p: { $gte: 2, $lt: 9 }, tag: { $in: ["x'); DROP TABLE t; --"] } }, 5);
		expect(f.sql).not.toContain('DROP');
		expect(f.sql).toContain('$5');
		expect(f.params).toEqual(['p', 2, 'p', 9, 'tag', '["x\'); DROP TABLE t; --"]']);
		expect(f.sql.match(/\$\d+/g)?.map((x) => Number(x.slice(1)))).toEqual([
			5, 5, 6, 7, 7, 8, 9, 10,
		]);
	});

	it('compiles exists and ne', () => {
		expect(compileFilter({ a: { $exists: true } }, 1).sql).toBe('(metadata ? $1)');
		expect(compileFilter({ a: { $exists: false } }, 1).sql).toBe('NOT (metadata ? $1)');
		expect(compileFilter({ a: { $ne: 2 } }, 1).sql).toBe('NOT (metadata @> $1::jsonb)');
	});

	it('rejects unknown operators, bad keys and bad operands with the fix', () => {
		expect(() => compileFilter({ a: { $regex: 'x' } }, 1)).toThrow(
			/Unknown filter operator "\$regex"/,
		);
		expect(() => compileFilter({ 'a b': 1 }, 1)).toThrow(ValidationError);
		expect(() => compileFilter({ a: { $in: [] } }, 1)).toThrow(/non-empty array/);
		expect(() => compileFilter({ a: { $gt: true } }, 1)).toThrow(/number or a string/);
		expect(() => compileFilter({ a: { $exists: 'yes' } }, 1)).toThrow(/true or false/);
		expect(() => compileFilter([] as unknown as Record<string, unknown>, 1)).toThrow(/JSON object/);
	});
});
