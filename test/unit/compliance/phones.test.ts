import type { CountryCode } from 'libphonenumber-js/max';
import { DEFAULT_PHONE_REGIONS, piiDetector } from '../../../lib/compliance';
import {
	judgePhone,
	mayBeNumber,
	phoneVerdict,
	plainDigits,
	regionPlan,
} from '../../../lib/compliance/detectors/phones';

/** A small deterministic generator, so every run checks the same cases. */
function random(seed: number): () => number {
	let s = seed;
	return () => {
		s = (s * 1103515245 + 12345) & 0x7fffffff;
		return s / 0x7fffffff;
	};
}

/**
 * Phone-like candidates the way they appear in text: digit runs with separators,
 * after prefixes that libphonenumber treats specially (international call
 * prefixes, national prefixes, calling codes written without "+").
 */
function candidates(seed: number, count: number): string[] {
	const rnd = random(seed);
	const prefixes = [
		'',
		'',
		'',
		'0',
		'00',
		'011',
		'1',
		'44',
		'0044',
		'49',
		'33',
		'91',
		'61',
		'55',
		'972',
		'001',
		'0011',
		'1800',
		'180020',
		'1831',
		'90',
		'0015',
		'7',
	];
	const separators = [' ', '-', '.', '', '', '', ' ', '/', '(', ')', '\t'];
	const out: string[] = [];
	for (let k = 0; k < count; k++) {
		let digits = prefixes[Math.floor(rnd() * prefixes.length)];
		const n = 3 + Math.floor(rnd() * 14);
		for (let i = 0; i < n; i++) digits += String(Math.floor(rnd() * 10));
		let c = '';
		for (const d of digits) {
			c += d;
			if (rnd() < 0.25) c += separators[Math.floor(rnd() * separators.length)];
		}
		if (rnd() < 0.1) c = `(${c.slice(0, 3)}) ${c.slice(3)}`;
		out.push(c);
	}
	return out;
}

const OTHER_REGIONS: CountryCode[] = ['CA', 'JP', 'AR', 'GG', 'JE', 'IM', 'MX', 'CN', 'IT', 'NL'];

describe('phone prefilter', () => {
	it('never changes libphonenumber verdict, region by region', () => {
		let skipped = 0;
		for (const region of [...DEFAULT_PHONE_REGIONS, ...OTHER_REGIONS]) {
			const plan = regionPlan(region);
			for (const c of candidates(region.charCodeAt(0) * 31 + region.charCodeAt(1), 400)) {
				const digits = plainDigits(c);
				if (plan && digits !== null && !mayBeNumber(digits, plan)) skipped++;
				expect([region, c, judgePhone(c, region, true, true)]).toEqual([
					region,
					c,
					judgePhone(c, region, true, false),
				]);
			}
		}
		// The prefilter did skip parses (otherwise this test would prove nothing).
		expect(skipped).toBeGreaterThan(1000);
	});

	it('never changes the verdict over a list of regions, with or without "possible" sufficing', () => {
		const lists: CountryCode[][] = [
			DEFAULT_PHONE_REGIONS,
			['FR', 'US'],
			['GB'],
			['JP', 'CA', 'AR'],
		];
		for (const regions of lists)
			for (const c of candidates(regions.length * 101, 500))
				for (const possibleSuffices of [true, false])
					expect([c, phoneVerdict(c, regions, possibleSuffices, true)]).toEqual([
						c,
						phoneVerdict(c, regions, possibleSuffices, false),
					]);
	});

	it('stays out of the way where it cannot be sure', () => {
		// National prefix rules that rewrite digits (Brazil, Argentina): no plan, always parsed.
		expect(regionPlan('BR')).toBeNull();
		expect(regionPlan('AR')).toBeNull();
		const us = regionPlan('US');
		expect(us).not.toBeNull();
		if (!us) return;
		// +1 numbers are 10 digits (7 in Canada): 8 digits cannot be one...
		expect(mayBeNumber('60568591', us)).toBe(false);
		// ...unless an international call prefix makes any length possible,
		expect(mayBeNumber('0114420794609', us)).toBe(true);
		// or a national prefix / calling code in front leaves a possible length.
		expect(mayBeNumber('14155552671', us)).toBe(true);
		expect(mayBeNumber('4155552671', us)).toBe(true);
		// Extensions and "+" forms are never prefiltered.
		expect(plainDigits('463-612-6138x036')).toBeNull();
		expect(plainDigits('+1 415 555 2671')).toBeNull();
		expect(plainDigits('(415) 555-2671')).toBe('4155552671');
	});

	it('phones written in many ways are still found, with the same scores', () => {
		const expected: Array<[string, number]> = [
			['+1 415-555-2671', 0.8],
			['+1 (415) 555-2671', 0.8],
			['(415) 555-2671', 0.95],
			['415-555-2671', 0.8],
			['415.555.2671', 0.8],
			['415 555 2671', 0.8],
			['4155552671', 0.65],
			['1-415-555-2671', 0.65],
			['+14155552671', 0.8],
			['011 44 20 7946 0958', 0.65],
			['+44 20 7946 0958', 0.8],
			['+44 (0)20 7946 0958', 0.8],
			['020 7946 0958', 0.65],
			['00 44 20 7946 0958', 0.65],
			['+49 30 901820', 0.8],
			['030/901820', 0.55],
			['0049 30 901820', 0.65],
			['+33 1 42 68 53 00', 0.8],
			['01.42.68.53.00', 0.55],
			['+91 98765 43210', 0.8],
			['(02) 9374 4000', 0.7],
			['0011 61 2 9374 4000', 0.65],
			['+55 11 91234-5678', 0.8],
			['(11) 91234-5678', 0.7],
			['+972-3-123-4567', 0.8],
			['03-123-4567', 0.55],
			['001-518-640-0854', 0.65],
			['+1-604-696-5272x565', 0.8],
			['463-612-6138x036', 0.65],
			['555-2671 ext. 12', 0.55],
			['+46 (0)8 928 571 38', 0.8],
			['07700 900 123', 0.55],
			['+81 3-1234-5678', 0.8],
			['60-56-85-91', 0.65],
			['78 651 450', 0.55],
		];
		const detector = piiDetector({ entities: ['PHONE_NUMBER'] });
		for (const [phone, score] of expected) {
			const found = detector.scan(`Call me on ${phone} please`);
			expect([phone, found.map((f) => [f.text, f.score])]).toEqual([phone, [[phone, score]]]);
		}
	});
});
