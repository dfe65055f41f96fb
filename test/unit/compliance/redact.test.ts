import {
	ValidationError,
	mergeSpans,
	openVault,
	redact,
	restore,
	type Finding,
} from '../../../lib/compliance';

const f = (type: string, start: number, end: number, score = 0.9): Finding => ({
	type,
	start,
	end,
	score,
	rule: 'r',
	detector: 'pii',
});
const text = 'Card 4111111111111111 and mail ann@example.com, again 4111111111111111.';
const findings = [f('CREDIT_CARD', 5, 21), f('EMAIL_ADDRESS', 31, 46), f('CREDIT_CARD', 54, 70)];
const KEY = 'a-long-enough-secret-key';

describe('redaction', () => {
	it('mask, keeping the last characters when asked', () => {
		expect(redact(text, findings, { mode: 'mask' }).text).toBe(
			'Card **************** and mail ***************, again ****************.',
		);
		expect(
			redact('x 4111111111111111', [f('CREDIT_CARD', 2, 18)], {
				mode: 'mask',
				keepLast: 4,
				maskChar: '#',
			}).text,
		).toBe('x ############1111');
	});
	it('type tags', () => {
		expect(redact(text, findings, { mode: 'tag' })).toEqual({
			text: 'Card <CREDIT_CARD> and mail <EMAIL_ADDRESS>, again <CREDIT_CARD>.',
			replaced: 3,
		});
	});
	it('hash: stable per value, keyed when a key is given', () => {
		const plain = redact(text, findings, { mode: 'hash' }).text;
		const m = plain.match(/<CREDIT_CARD:([0-9a-f]{12})>/g) ?? [];
		expect(m).toHaveLength(2);
		expect(m[0]).toBe(m[1]);
		expect(redact(text, findings, { mode: 'hash', key: KEY }).text).not.toBe(plain);
	});
	it('pseudonymise and restore round-trip; the vault needs the right key', () => {
		const r = redact(text, findings, { mode: 'pseudonymise', key: KEY });
		expect(r.text).not.toContain('4111');
		expect(r.text).toMatch(
			/^Card <CREDIT_CARD_[A-Z0-9]{10}> and mail <EMAIL_ADDRESS_[A-Z0-9]{10}>, again <CREDIT_CARD_[A-Z0-9]{10}>\.$/,
		);
		expect(restore(r.text, r.vault as string, KEY)).toBe(text);
		expect(() => restore(r.text, r.vault as string, 'another-long-secret-key')).toThrow(
			ValidationError,
		);
		const tampered = (r.vault as string).slice(0, -3) + 'AAA';
		expect(() => openVault(tampered, KEY)).toThrow(/cannot be opened/);
		expect(() => redact(text, findings, { mode: 'pseudonymise' })).toThrow(/needs a key/);
	});
	it('the same value gets the same token under one key, different tokens under another', () => {
		const a = redact('x 4111111111111111', [f('CREDIT_CARD', 2, 18)], {
			mode: 'pseudonymise',
			key: KEY,
		}).text;
		const b = redact('y 4111111111111111', [f('CREDIT_CARD', 2, 18)], {
			mode: 'pseudonymise',
			key: KEY,
		}).text;
		const c = redact('x 4111111111111111', [f('CREDIT_CARD', 2, 18)], {
			mode: 'pseudonymise',
			key: KEY + '!',
		}).text;
		expect(a.slice(2)).toBe(b.slice(2));
		expect(c).not.toBe(a);
	});
	it('overlapping spans are merged', () => {
		expect(mergeSpans([f('A', 0, 5, 0.5), f('B', 3, 8, 0.9), f('C', 10, 12)])).toEqual([
			expect.objectContaining({ type: 'B', start: 0, end: 8 }),
			expect.objectContaining({ type: 'C', start: 10, end: 12 }),
		]);
		expect(
			redact('0123456789AB', [f('A', 0, 5, 0.5), f('B', 3, 8, 0.9)], { mode: 'tag' }).text,
		).toBe('<B>89AB');
	});
	it('unknown modes are refused', () => {
		expect(() => redact('x', [], { mode: 'shred' as never })).toThrow(/Unknown redaction mode/);
	});
});
