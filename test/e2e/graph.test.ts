import { callWebhook, state } from './harness/n8n';
import { openai } from './harness/openai';

interface Extracted {
	skipped: boolean;
	episode: { id: string; content: string; entityKeys: string[] };
	entities: Array<{ key: string; type: string; name: string; aliases: string[] }>;
	relations: Array<{ type: string; from: string; to: string; sourceEpisode: string | null }>;
	resolutions: Array<{ name: string; key: string; via: string }>;
}
interface Recalled {
	seeds: string[];
	entities: Array<{ key: string; name: string; distance: number }>;
	relations: Array<{ type: string; from: string; to: string; invalidAt: string | null }>;
	episodes: Array<{ content: string }>;
	text: string;
}

const TEXT =
	'Ada Lovelace, the Countess of Lovelace, worked with Charles Babbage on the Analytical Engine.';
const EXTRACTION = {
	entities: [
		{ name: 'Ada Lovelace', type: 'Person', aliases: ['Countess of Lovelace'] },
		{ name: 'Charles Babbage', type: 'Person' },
		{ name: 'Analytical Engine', type: 'Project' },
	],
	relations: [
		{ from: 'Ada Lovelace', type: 'WORKED_WITH', to: 'Charles Babbage', confidence: 0.9 },
		{ from: 'Countess of Lovelace', type: 'WORKED_ON', to: 'Analytical Engine' },
		{ from: 'Charles Babbage', type: 'DESIGNED', to: 'Analytical Engine' },
	],
};
const EXTRACT_PROMPT = 'Extract a knowledge graph from the text.';

function extractionRequests(requests: Awaited<ReturnType<typeof openai.requests>>) {
	return requests.filter((r) =>
		r.messages.some((m) => m.role === 'system' && String(m.content).includes(EXTRACT_PROMPT)),
	);
}

describe('Consciousness Graph templates with n8n’s OpenAI Chat Model', () => {
	beforeEach(() => openai.reset());

	it('are both active', () => {
		for (const file of ['graph-extract.json', 'graph-recall.json']) {
			const wf = state().workflows.find((w) => w.file === file);
			expect({ file, active: wf?.active, error: wf?.activationError }).toEqual({
				file,
				active: true,
				error: undefined,
			});
		}
	});

	it('extracts entities and facts from posted text through the chat model', async () => {
		await openai.rules({
			system: EXTRACT_PROMPT,
			reply: { content: '```json\n' + JSON.stringify(EXTRACTION) + '\n```' },
		});
		const res = await callWebhook<Extracted>('graph-extract', {
			text: TEXT,
			agent: 'researcher',
			context: 'history',
		});
		expect(res.status).toBe(200);
		expect(res.body.skipped).toBe(false);
		expect(res.body.episode.content).toBe(TEXT);
		const keys = Object.fromEntries(res.body.entities.map((e) => [e.name, e.key]));
		expect(keys).toEqual({
			'Ada Lovelace': 'person:ada_lovelace',
			'Charles Babbage': 'person:charles_babbage',
			'Analytical Engine': 'project:analytical_engine',
		});
		expect(res.body.entities.find((e) => e.name === 'Ada Lovelace')?.aliases).toContain(
			'Countess of Lovelace',
		);
		expect(res.body.relations.map((r) => `${r.from} ${r.type} ${r.to}`).sort()).toEqual([
			'person:ada_lovelace WORKED_ON project:analytical_engine',
			'person:ada_lovelace WORKED_WITH person:charles_babbage',
			'person:charles_babbage DESIGNED project:analytical_engine',
		]);
		expect(res.body.relations.every((r) => r.sourceEpisode === res.body.episode.id)).toBe(true);
		expect(res.body.resolutions.map((r) => r.via)).toEqual(['new', 'new', 'new']);

		const asked = extractionRequests(await openai.requests());
		expect(asked).toHaveLength(1);
		expect(JSON.stringify(asked[0].messages)).toContain('Charles Babbage on the Analytical Engine');
	});

	it('posting the same text again is a no-op that does not ask the model', async () => {
		await openai.rules({ system: EXTRACT_PROMPT, reply: { content: '{"entities": []}' } });
		const res = await callWebhook<Extracted>('graph-extract', {
			text: TEXT,
			agent: 'researcher',
			context: 'history',
		});
		expect(res.status).toBe(200);
		expect(res.body.skipped).toBe(true);
		expect(extractionRequests(await openai.requests())).toHaveLength(0);
	});

	it('rejects a model answer that is not valid JSON and writes nothing', async () => {
		await openai.rules({
			system: EXTRACT_PROMPT,
			reply: { content: 'Grace Hopper wrote the first compiler, I think.' },
		});
		const res = await callWebhook<{ error: string }>('graph-extract', {
			text: 'Grace Hopper wrote the first compiler.',
			agent: 'researcher',
		});
		expect(res.status).toBe(422);
		expect(res.body.error).toMatch(/not valid JSON/);
		expect(extractionRequests(await openai.requests())).toHaveLength(1);
		const recalled = await callWebhook<Recalled>('graph-recall', { query: 'Grace Hopper' });
		expect(recalled.status).toBe(200);
		expect(recalled.body.entities.map((e) => e.name)).not.toContain('Grace Hopper');
	});

	it('recalls the extracted facts around a query through the recall webhook', async () => {
		const res = await callWebhook<Recalled>('graph-recall', { query: 'Ada Lovelace', hops: 2 });
		expect(res.status).toBe(200);
		expect(res.body.seeds).toContain('person:ada_lovelace');
		expect(res.body.entities.map((e) => e.key)).toEqual(
			expect.arrayContaining([
				'person:ada_lovelace',
				'person:charles_babbage',
				'project:analytical_engine',
			]),
		);
		expect(res.body.entities.find((e) => e.key === 'person:ada_lovelace')?.distance).toBe(0);
		expect(res.body.relations.map((r) => `${r.from} ${r.type} ${r.to}`)).toEqual(
			expect.arrayContaining([
				'person:ada_lovelace WORKED_WITH person:charles_babbage',
				'person:charles_babbage DESIGNED project:analytical_engine',
			]),
		);
		expect(res.body.relations.every((r) => r.invalidAt === null)).toBe(true);
		expect(res.body.episodes.map((e) => e.content)).toContain(TEXT);
		expect(res.body.text).toContain('WORKED_WITH');
		expect(res.body.text).toContain('Charles Babbage');
		// The model is not involved in recall.
		expect(await openai.requests()).toHaveLength(0);
	});

	it('recall by an alias finds the same person; an unknown name finds nothing', async () => {
		const alias = await callWebhook<Recalled>('graph-recall', {
			query: 'Countess of Lovelace',
			hops: 1,
		});
		expect(alias.body.seeds).toContain('person:ada_lovelace');
		const none = await callWebhook<Recalled>('graph-recall', { query: 'Zyxwv Qutrop' });
		expect(none.status).toBe(200);
		expect(none.body.entities).toEqual([]);
	});
});
