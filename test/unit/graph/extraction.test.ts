import { ExtractionError } from '../../../lib/graph/errors';
import { EXTRACTION_SCHEMA, validateExtraction } from '../../../lib/graph/extraction';

describe('extraction output validation', () => {
	const good = {
		entities: [
			{ name: 'Ada', type: 'Person', aliases: ['Countess'] },
			{ name: 'Engine', type: 'Machine' },
		],
		relations: [{ from: 'countess', type: 'WROTE_ABOUT', to: 'Engine', validAt: '1843-01-01' }],
	};

	it('accepts an object or JSON text, fenced or not', () => {
		expect(validateExtraction(good)).toEqual(good);
		expect(validateExtraction(JSON.stringify(good))).toEqual(good);
		expect(validateExtraction('```json\n' + JSON.stringify(good) + '\n```')).toEqual(good);
	});

	it('collects every reason for a rejection', () => {
		const err = (() => {
			try {
				validateExtraction(
					{
						entities: [{ name: 'X', type: 'alien' }],
						relations: [{ from: 'X', type: 'knows', to: 'Nobody', invalidAt: 'later' }],
					},
					{},
				);
			} catch (e) {
				return e as ExtractionError;
			}
			throw new Error('no error');
		})();
		expect(err).toBeInstanceOf(ExtractionError);
		expect(err.issues).toEqual([
			expect.stringMatching(/^entities\.0\.type: Invalid entity type/),
			expect.stringMatching(/^relations\.0\.type: Invalid relation type/),
			'relations.0.to: "Nobody" is not one of the extracted entities',
			'relations.0.invalidAt: "later" is not a time',
		]);
	});

	it('holds the model to the allowed types', () => {
		expect(() => validateExtraction(good, { relationTypes: ['KNOWS'] })).toThrow(
			/unknown relation type "WROTE_ABOUT"/,
		);
		expect(() => validateExtraction(good, { entityTypes: ['Person'] })).toThrow(
			/unknown entity type "Machine"/,
		);
	});

	it('rejects extra fields and oversized answers', () => {
		expect(() => validateExtraction({ ...good, comment: 'hi' })).toThrow(/schema/);
		const many = {
			entities: Array.from({ length: 101 }, (_, i) => ({ name: `n${i}`, type: 'Thing' })),
			relations: [],
		};
		expect(() => validateExtraction(many)).toThrow(/schema/);
		expect(() => validateExtraction('null')).toThrow(/schema/);
	});

	it('asks for a closed JSON schema', () => {
		expect(EXTRACTION_SCHEMA).toMatchObject({
			type: 'object',
			additionalProperties: false,
			required: ['entities', 'relations'],
		});
	});
});
