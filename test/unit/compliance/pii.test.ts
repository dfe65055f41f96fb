import { piiDetector } from '../../../lib/compliance';

const scan = (text: string, entities?: string[]) =>
	piiDetector(entities ? { entities: entities as never } : {}).scan(text);
const types = (text: string, entities?: string[]) => scan(text, entities).map((f) => f.type);

describe('PII detector', () => {
	it('finds a Luhn-valid card with its span, issuer rule and score', () => {
		const text = 'Please charge my card 4111 1111 1111 1111 today';
		const [f] = scan(text);
		expect(f).toMatchObject({ type: 'CREDIT_CARD', rule: 'pii.credit_card.visa', detector: 'pii' });
		expect(text.slice(f.start, f.end)).toBe('4111 1111 1111 1111');
		expect(f.score).toBeGreaterThanOrEqual(0.9);
	});

	it('does not call an invalid Luhn number a card', () => {
		expect(types('card 4111 1111 1111 1112', ['CREDIT_CARD'])).toEqual([]);
		expect(types('order 1234567812345678', ['CREDIT_CARD'])).toEqual([]);
	});

	it('lowers a card next to "order"/"invoice" words below the threshold when the issuer is unknown', () => {
		// 9-prefixed: Luhn-valid but no issuer, and an invoice context.
		expect(types('invoice number 9000000000000008', ['CREDIT_CARD'])).toEqual([]);
	});

	it('IBAN with spaces and in lower case; wrong check digits are ignored', () => {
		expect(scan('wire to DE89 3704 0044 0532 0130 00 please')[0]).toMatchObject({
			type: 'IBAN_CODE',
			text: 'DE89 3704 0044 0532 0130 00',
		});
		expect(types('my iban is gb82west12345698765432')).toEqual(['IBAN_CODE']);
		expect(types('my iban is GB83WEST12345698765432', ['IBAN_CODE'])).toEqual([]);
	});

	it('SSN: formatted valid numbers; random 9 digits are not an SSN', () => {
		expect(types("Here's my SSN: 460-89-9847", ['US_SSN'])).toEqual(['US_SSN']);
		expect(types('random 384920174 in a log line', ['US_SSN'])).toEqual([]);
		expect(types('SSN 666-12-3456', ['US_SSN'])).toEqual([]);
		expect(types('SSN 123-00-4567', ['US_SSN'])).toEqual([]);
	});

	it('unformatted 9 digits count as an SSN only with context words', () => {
		expect(types('social security number 460899847', ['US_SSN'])).toEqual(['US_SSN']);
	});

	it('emails, with the span trimmed of trailing punctuation', () => {
		const [f] = scan('write to Jane.Doe+tag@mail.example.co.uk.', ['EMAIL_ADDRESS']);
		expect(f.text).toBe('Jane.Doe+tag@mail.example.co.uk');
		expect(types('not an email: a@b or @handle or x@y.z1', ['EMAIL_ADDRESS'])).toEqual([]);
	});

	it('phones via libphonenumber with context; bare digit runs without context are not phones', () => {
		expect(scan('Call me at +1 415-555-2671 tomorrow', ['PHONE_NUMBER'])[0]).toMatchObject({
			type: 'PHONE_NUMBER',
			text: '+1 415-555-2671',
		});
		expect(types('Phone: 020 7946 0958', ['PHONE_NUMBER'])).toEqual(['PHONE_NUMBER']);
		expect(types('The total is 4159 2671 units', ['PHONE_NUMBER'])).toEqual([]);
		expect(types('When: 2003-08-28 12:13:52', ['PHONE_NUMBER'])).toEqual([]);
	});

	it('IPv4 and IPv6; version strings and out-of-range octets are not addresses', () => {
		expect(types('blocked address 192.168.10.20', ['IP_ADDRESS'])).toEqual(['IP_ADDRESS']);
		expect(types('client 2001:db8::8a2e:370:7334 connected', ['IP_ADDRESS'])).toEqual([
			'IP_ADDRESS',
		]);
		expect(types('address 999.1.1.1', ['IP_ADDRESS'])).toEqual([]);
		expect(types('version 1.2.3.4.5', ['IP_ADDRESS'])).toEqual([]);
		expect(types('at 12:30:45 sharp', ['IP_ADDRESS'])).toEqual([]);
	});

	it('crypto addresses with checksums', () => {
		expect(types('send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', ['CRYPTO'])).toEqual(['CRYPTO']);
		expect(types('send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', ['CRYPTO'])).toEqual([]);
		expect(types('wallet 0x52908400098527886E0F7030069857D2E4169EE7', ['CRYPTO'])).toEqual([
			'CRYPTO',
		]);
	});

	it('overlapping candidates resolve to the stronger finding', () => {
		const found = scan('card 4111111111111111');
		expect(found.map((f) => f.type)).toEqual(['CREDIT_CARD']);
	});

	it('rejects unknown entity names', () => {
		expect(() => piiDetector({ entities: ['PASSPORT' as never] })).toThrow(/Unknown PII entity/);
	});

	it('empty text gives no findings', () => {
		expect(scan('')).toEqual([]);
	});
});
