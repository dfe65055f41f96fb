import {
	assertCollectionName,
	assertMetadata,
	assertScopeValue,
	assertText,
	assertTopK,
	assertVector,
} from '../../../lib/memory';
import { ValidationError } from '../../../lib/db';

describe('memory input validation', () => {
	it('accepts good values', () => {
		expect(() => assertCollectionName('memories_2')).not.toThrow();
		expect(() => assertScopeValue('user:42@acme.io', 'namespace')).not.toThrow();
		expect(() => assertTopK(1)).not.toThrow();
		expect(() => assertTopK(1000)).not.toThrow();
		expect(() => assertText('héllo 👋', 'text')).not.toThrow();
		expect(() => assertMetadata({ a: 1 })).not.toThrow();
	});

	it.each([
		['Memories', 'collection name'],
		['1abc', 'collection name'],
		['a"; DROP TABLE x; --', 'collection name'],
	])('refuses collection name %p', (name) => {
		expect(() => assertCollectionName(name)).toThrow(ValidationError);
	});

	it.each(['', 'has space', 'semi;colon', 'x'.repeat(129), "quote'"])(
		'refuses namespace %p',
		(ns) => {
			expect(() => assertScopeValue(ns, 'namespace')).toThrow(/Invalid namespace/);
		},
	);

	it.each([0, 1001, 2.5, -1, NaN, '5'])('refuses top-k %p with the allowed range', (k) => {
		expect(() => assertTopK(k)).toThrow(/1 to 1000/);
	});

	it.each([[[1, 2]], null, 'text', 5])('refuses metadata %p', (m) => {
		expect(() => assertMetadata(m)).toThrow(/must be a JSON object/);
	});

	it('refuses empty, oversized, NUL and lone-surrogate text', () => {
		expect(() => assertText('   ', 'search query')).toThrow(/search query is empty/);
		expect(() => assertText('abcdef', 'text', 5)).toThrow(/limit is 5/);
		expect(() => assertText('a\u0000b', 'text')).toThrow(/NUL/);
		expect(() => assertText('ok \ud83d end', 'text')).toThrow(
			/unpaired UTF-16 surrogate at position 3/,
		);
		expect(() => assertText('ok \udc00', 'text')).toThrow(/surrogate/);
	});

	it('refuses a vector of the wrong dimension or with non-finite values', () => {
		expect(() => assertVector([1, 2, 3], 4, 'query embedding')).toThrow(
			/has 3 dimensions but the collection stores 4/,
		);
		expect(() => assertVector([1, NaN], 2, 'v')).toThrow(/finite/);
	});
});
