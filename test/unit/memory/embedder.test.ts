import { HashingEmbedder } from '../../../lib/memory';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('HashingEmbedder', () => {
	const e = new HashingEmbedder(384);

	it('is deterministic and unit length', async () => {
		const [a] = await e.embedDocuments(['The cat sat on the mat']);
		const b = await e.embedQuery('The cat sat on the mat');
		expect(a).toEqual(b);
		expect(a).toHaveLength(384);
		expect(cosine(a, a)).toBeCloseTo(1, 6);
	});

	it('puts texts that share words closer than texts that do not', () => {
		const q = e.embed('invoice payment overdue');
		const near = e.embed('the invoice payment is overdue by ten days');
		const far = e.embed('a recipe for banana bread');
		expect(cosine(q, near)).toBeGreaterThan(cosine(q, far) + 0.3);
	});

	it('is case-insensitive and handles non-Latin scripts and text without words', () => {
		expect(e.embed('Hello World')).toEqual(e.embed('hello world'));
		const jp = e.embed('東京 タワー');
		expect(cosine(jp, e.embed('東京 タワー 夜景'))).toBeGreaterThan(0.5);
		const punct = e.embed('!!! ???');
		expect(cosine(punct, punct)).toBeCloseTo(1, 6);
		expect(e.embed('!!! ???')).toEqual(e.embed('!!! ???'));
	});

	it('rejects an unusable dimension', () => {
		expect(() => new HashingEmbedder(3)).toThrow(RangeError);
	});
});
