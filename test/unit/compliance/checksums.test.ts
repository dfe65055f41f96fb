import {
	base58CheckValid,
	bech32Valid,
	cardIssuer,
	ibanValid,
	luhnValid,
	ssnValid,
} from '../../../lib/compliance';

describe('checksums', () => {
	it('Luhn accepts real test card numbers and rejects a changed digit', () => {
		expect(luhnValid('4111111111111111')).toBe(true);
		expect(luhnValid('378282246310005')).toBe(true);
		expect(luhnValid('4111111111111112')).toBe(false);
		expect(luhnValid('')).toBe(false);
		expect(luhnValid('41a1')).toBe(false);
	});

	it('knows issuer ranges and lengths', () => {
		expect(cardIssuer('4111111111111111')).toBe('visa');
		expect(cardIssuer('5555555555554444')).toBe('mastercard');
		expect(cardIssuer('2223003122003222')).toBe('mastercard');
		expect(cardIssuer('378282246310005')).toBe('amex');
		expect(cardIssuer('6011111111111117')).toBe('discover');
		expect(cardIssuer('3530111333300000')).toBe('jcb');
		// Amex prefix with a Visa length is no card.
		expect(cardIssuer('3782822463100050')).toBeNull();
		expect(cardIssuer('9111111111111111')).toBeNull();
	});

	it('IBAN: mod-97 and the country length both matter', () => {
		expect(ibanValid('GB82WEST12345698765432')).toBe(true);
		expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
		expect(ibanValid('gb82west12345698765432')).toBe(true);
		expect(ibanValid('GB82WEST12345698765433')).toBe(false);
		// Right checksum arithmetic is not enough with the wrong length for the country.
		expect(ibanValid('GB82WEST1234569876543')).toBe(false);
		expect(ibanValid('ZZ82WEST12345698765432')).toBe(false);
	});

	it('SSN issuance rules', () => {
		expect(ssnValid('460', '89', '9847')).toBe(true);
		expect(ssnValid('000', '12', '3456')).toBe(false);
		expect(ssnValid('666', '12', '3456')).toBe(false);
		expect(ssnValid('900', '12', '3456')).toBe(false);
		expect(ssnValid('123', '00', '3456')).toBe(false);
		expect(ssnValid('123', '45', '0000')).toBe(false);
		expect(ssnValid('078', '05', '1120')).toBe(false);
		expect(ssnValid('123', '45', '6789')).toBe(false);
	});

	it('bitcoin addresses: base58check and bech32', () => {
		expect(base58CheckValid('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe(true);
		expect(base58CheckValid('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).toBe(true);
		expect(base58CheckValid('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3')).toBe(false);
		expect(bech32Valid('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')).toBe(true);
		expect(bech32Valid('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp')).toBe(false);
		expect(bech32Valid('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')).toBe(false);
	});
});
