import { isIPv4 } from 'node:net';
import {
	base58CheckValid,
	bech32Valid,
	cardIssuer,
	luhnValid,
	piiDetector,
} from '../../../lib/compliance';

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

	it('cards: the one-pass Luhn check agrees with luhnValid on random digit runs', () => {
		let seed = 17;
		const rnd = () => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed / 0x7fffffff;
		};
		const detector = piiDetector({ entities: ['CREDIT_CARD'], context: false, minScore: 0 });
		let cards = 0;
		for (let trial = 0; trial < 3000; trial++) {
			let digits = '';
			const n = 12 + Math.floor(rnd() * 8);
			for (let i = 0; i < n; i++) digits += String(Math.floor(rnd() * 10));
			// Make about half of them Luhn-valid by fixing the check digit.
			if (rnd() < 0.5)
				for (let d = 0; d < 10; d++) {
					const t = digits.slice(0, -1) + d;
					if (luhnValid(t)) digits = t;
				}
			const sep = [' ', '-', ''][Math.floor(rnd() * 3)];
			const written = digits.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
			const expected = luhnValid(digits) && !/^(\d)\1+$/.test(digits);
			const found = detector.scan(`number ${written} end`);
			if (expected) cards++;
			expect([written, found.map((f) => [f.text, f.rule])]).toEqual([
				written,
				expected
					? [
							[
								written,
								cardIssuer(digits)
									? `pii.credit_card.${cardIssuer(digits)}`
									: 'pii.credit_card.luhn',
							],
						]
					: [],
			]);
		}
		expect(cards).toBeGreaterThan(1000);
	});

	it('crypto and IPv4 found around their anchors equal a whole-text scan with the patterns', () => {
		let seed = 23;
		const rnd = () => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed / 0x7fffffff;
		};
		const parts = [
			'1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
			'3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
			'1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3',
			'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
			'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4',
			'0x52908400098527886E0F7030069857D2E4169EE7',
			'0x52908400098527886E0F7030069857D2E4169EE',
			'192.168.10.20',
			'10.0.0.255',
			'1.2.3.4.5',
			'999.1.1.1',
			'12.05.2021',
			'v1.2.3.4',
			'_',
			'0',
			'x',
			'.',
			' ',
			' ',
			' ',
			'-',
			'é',
			'12',
		];
		const detector = piiDetector({
			entities: ['CRYPTO', 'IP_ADDRESS'],
			context: false,
			minScore: 0,
		});
		const reference = (text: string) => {
			const out: Array<[number, string]> = [];
			for (const m of text.matchAll(/\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b/g))
				if (base58CheckValid(m[0])) out.push([m.index, m[0]]);
			for (const m of text.matchAll(/\b(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}\b/g))
				if (bech32Valid(m[0])) out.push([m.index, m[0]]);
			for (const m of text.matchAll(/\b0x[0-9a-fA-F]{40}\b/g)) out.push([m.index, m[0]]);
			for (const m of text.matchAll(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g)) {
				const end = m.index + m[0].length;
				if (!isIPv4(m[0]) || /[.\d]/.test(text[m.index - 1] ?? '')) continue;
				if (/^\.\d/.test(text.slice(end, end + 2))) continue;
				out.push([m.index, m[0]]);
			}
			return out.sort((a, b) => a[0] - b[0]);
		};
		let found = 0;
		for (let trial = 0; trial < 1500; trial++) {
			const text = Array.from(
				{ length: Math.floor(rnd() * 12) },
				() => parts[Math.floor(rnd() * parts.length)],
			).join('');
			const want = reference(text);
			found += want.length;
			expect([text, detector.scan(text).map((f) => [f.start, f.text])]).toEqual([text, want]);
		}
		expect(found).toBeGreaterThan(250);
	});
});
