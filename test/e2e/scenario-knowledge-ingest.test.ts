import { openai } from './harness/openai';
import { hook, systemOf, textOf, workflowOf } from './scenario-support';

interface Ingested {
	namespace: string;
	graph: string;
	entities: string[];
	extractionErrors: string[];
	documents: number;
	chunks: number;
	created: number;
	memoryIds: string[];
	facts: string[];
	summary: string;
	status: string;
}
interface Found {
	count: number;
	results: Array<{ id: string; text: string; metadata: Record<string, unknown> }>;
}

const run = `${process.pid}-${Date.now()}`;
const namespace = `kb-${run}`;
const paragraph = (n: number) =>
	`Paragraph ${n} of the handbook. ` + `Heat pump fact ${n} is written down here. `.repeat(10);
const handbook = [1, 2, 3, 4, 5].map(paragraph).join('\n\n');
const documents = [
	{ id: 'handbook', title: 'Heat pump handbook', text: handbook },
	{ id: 'memo', title: 'Memo', text: 'Ada Lovelace leads the retrofit team in Leeds.' },
];

const MEMO_GRAPH = {
	entities: [
		{ name: 'Ada Lovelace', type: 'Person' },
		{ name: 'Retrofit Team', type: 'Organization' },
		{ name: 'Leeds', type: 'City' },
	],
	relations: [
		{ from: 'Ada Lovelace', type: 'LEADS', to: 'Retrofit Team' },
		{ from: 'Retrofit Team', type: 'BASED_IN', to: 'Leeds' },
	],
};
const HANDBOOK_GRAPH = {
	entities: [
		{ name: 'Heat Pump', type: 'Concept' },
		{ name: 'Insulation', type: 'Concept' },
	],
	relations: [{ from: 'Heat Pump', type: 'NEEDS', to: 'Insulation' }],
};
const FACTS = [
	'concept:heat_pump NEEDS concept:insulation',
	'person:ada_lovelace LEADS organization:retrofit_team',
	'organization:retrofit_team BASED_IN city:leeds',
];
const extractions = (requests: Array<{ messages: Array<{ role: string; content: unknown }> }>) =>
	requests.filter((r) => systemOf(r).includes('Extract a knowledge graph'));

describe('the knowledge-ingest template: chunks into Vector Memory and a summary', () => {
	beforeEach(async () => {
		await openai.reset();
		await openai.rules(
			{
				system: 'Extract a knowledge graph',
				lastContains: 'Ada Lovelace leads',
				reply: { content: JSON.stringify(MEMO_GRAPH) },
			},
			{ system: 'Extract a knowledge graph', reply: { content: JSON.stringify(HANDBOOK_GRAPH) } },
			{
				system: 'You are "summarizer"',
				reply: { content: 'SUMMARY: who leads the retrofit and how heat pumps behave.' },
			},
		);
	});

	it('is active', () => {
		expect(workflowOf('knowledge-ingest.json')).toEqual(expect.objectContaining({ active: true }));
	});

	it('stores every chunk, extracts the facts into the graph and reports what was learned', async () => {
		expect(paragraph(1).length).toBeGreaterThan(400);
		expect(paragraph(1).length * 2 + 2).toBeLessThanOrEqual(1000);
		const res = await hook<Ingested>('knowledge-ingest', { namespace, documents });
		expect(res.status).toBe(200);
		// Two paragraphs fit in one chunk of at most 1000 characters: 5 paragraphs → 3 chunks, plus the memo.
		expect(res.body).toEqual(
			expect.objectContaining({
				namespace,
				documents: 2,
				chunks: 4,
				created: 4,
				graph: 'knowledge',
				facts: FACTS,
				extractionErrors: [],
				summary: 'SUMMARY: who leads the retrofit and how heat pumps behave.',
				status: 'completed',
			}),
		);
		expect(new Set(res.body.memoryIds).size).toBe(4);
		expect(res.body.entities).toEqual(
			expect.arrayContaining([
				'person:ada_lovelace',
				'organization:retrofit_team',
				'city:leeds',
				'concept:heat_pump',
				'concept:insulation',
			]),
		);

		const found = await hook<Found>('memory/search', {
			query: 'Paragraph 3 heat pump fact 3',
			namespace,
			topK: 10,
		});
		expect(found.body.count).toBe(4);
		const chunk2 = found.body.results.find((r) => r.text.startsWith('Paragraph 3'));
		expect(chunk2?.text).toBe(`${paragraph(3).trim()}\n\n${paragraph(4).trim()}`);
		expect(chunk2?.metadata).toEqual({
			docId: 'handbook',
			title: 'Heat pump handbook',
			chunk: 2,
			chunks: 3,
		});
		expect(found.body.results.every((r) => r.text.length <= 1000)).toBe(true);

		const requests = await openai.requests();
		const asked = extractions(requests).map(textOf);
		expect(asked).toHaveLength(2);
		expect(asked.some((t) => t.includes('# Heat pump handbook'))).toBe(true);
		expect(asked.some((t) => t.includes('Ada Lovelace leads the retrofit team in Leeds.'))).toBe(
			true,
		);
		const summarizer = requests.find((r) => systemOf(r).includes('You are "summarizer"'))!;
		expect(textOf(summarizer)).toContain('Heat pump handbook, Memo');
		for (const fact of FACTS) expect(textOf(summarizer)).toContain(`- ${fact}`);
	});

	it('stores and extracts nothing twice when the documents are ingested again', async () => {
		const again = await hook<Ingested>('knowledge-ingest', { namespace, documents });
		expect(again.status).toBe(200);
		expect(again.body).toEqual(expect.objectContaining({ chunks: 4, created: 0 }));
		expect(extractions(await openai.requests())).toHaveLength(0);
		const found = await hook<Found>('memory/search', { query: 'handbook', namespace, topK: 50 });
		expect(found.body.count).toBe(4);
	});

	it('cuts a paragraph longer than a chunk at sentence ends', async () => {
		const long = Array.from(
			{ length: 50 },
			(_, i) => `Line ${String(i).padStart(2, '0')} of the long paragraph, it ends here ok.`,
		).join(' ');
		const res = await hook<Ingested>('knowledge-ingest', {
			namespace: `${namespace}-long`,
			documents: [{ title: 'Long', text: long }],
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual(expect.objectContaining({ chunks: 3, created: 3 }));
		const found = await hook<Found>('memory/search', {
			query: 'long paragraph',
			namespace: `${namespace}-long`,
			topK: 10,
		});
		expect(found.body.results.every((r) => r.text.length <= 1000 && r.text.endsWith('ok.'))).toBe(
			true,
		);
		expect(found.body.results.map((r) => r.metadata.docId)).toEqual(['doc-1', 'doc-1', 'doc-1']);
	});

	it.each([
		['no documents', { documents: [] }, /documents is required/],
		['documents that are not a list', { documents: 'text' }, /documents is required/],
		[
			'a document without text',
			{ documents: [{ title: 'x' }] },
			/documents\[0\]\.text is required/,
		],
		[
			'too many documents',
			{ documents: Array.from({ length: 21 }, () => ({ text: 'a' })) },
			/at most 20/,
		],
		[
			'an oversized document',
			{ documents: [{ text: 'x'.repeat(100_001) }] },
			/documents\[0\]\.text is too long/,
		],
		['a bad namespace', { namespace: 'a b', documents: [{ text: 'a' }] }, /namespace must be/],
	])('answers 400 for %s', async (_what, body, reason) => {
		const res = await hook<{ error: string }>('knowledge-ingest', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(reason);
		expect(await openai.requests()).toHaveLength(0);
	});
});
