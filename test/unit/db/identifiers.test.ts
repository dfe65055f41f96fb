import { ValidationError, fitIdentifier, quoteComposedIdent, quoteIdent } from '../../../lib/db';

describe('composed SQL identifiers', () => {
	it('keeps names of up to 63 characters as they are', () => {
		expect(fitIdentifier('agentos_mem_notes_scope')).toBe('agentos_mem_notes_scope');
		const n63 = `t${'x'.repeat(62)}`;
		expect(fitIdentifier(n63)).toBe(n63);
	});

	it('shortens longer names to 63 characters, the same way every time', () => {
		const long = `agentos_mem_${'a'.repeat(48)}_scope`;
		const fitted = fitIdentifier(long);
		expect(fitted).toHaveLength(63);
		expect(fitted).toMatch(/^agentos_mem_a+_[0-9a-f]{8}$/);
		expect(fitIdentifier(long)).toBe(fitted);
		expect(fitIdentifier(`agentos_mem_${'a'.repeat(48)}_stat`)).not.toBe(fitted);
		expect(fitIdentifier(`agentos_mem_${'a'.repeat(47)}b_scope`)).not.toBe(fitted);
	});

	it('refuses what is not an identifier, even past the cut', () => {
		expect(() => fitIdentifier(`t${'x'.repeat(70)}"; drop table x`)).toThrow(/Invalid/);
		expect(() => fitIdentifier('Upper')).toThrow(/Invalid/);
	});

	it('quotes composed names up to 63 characters and user-given ones up to 48', () => {
		expect(quoteComposedIdent(`t${'x'.repeat(62)}`)).toBe(`"t${'x'.repeat(62)}"`);
		expect(() => quoteComposedIdent(`t${'x'.repeat(63)}`)).toThrow(/Invalid/);
		expect(() => quoteComposedIdent('a"b')).toThrow(/Invalid/);
		expect(quoteIdent(`t${'x'.repeat(47)}`)).toBe(`"t${'x'.repeat(47)}"`);
		expect(() => quoteIdent(`t${'x'.repeat(48)}`)).toThrow(ValidationError);
	});
});
