import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import {
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type ISupplyDataFunctions,
} from 'n8n-workflow';
import { ConsciousnessGraph } from '../../../nodes/ConsciousnessGraph/ConsciousnessGraph.node';
import { ConsciousnessGraphTool } from '../../../nodes/ConsciousnessGraph/ConsciousnessGraphTool.node';

jest.setTimeout(120_000);

type Params = Record<string, unknown | ((i: number) => unknown)>;

/** A minimal n8n execution context over a parameter map. */
function context(
	items: INodeExecutionData[],
	params: Params,
	extra: { continueOnFail?: boolean; model?: unknown } = {},
) {
	const node = {
		id: 'n1',
		name: 'Consciousness Graph',
		type: 'n8n-nodes-agent-os.consciousnessGraph',
		typeVersion: 1,
		position: [0, 0] as [number, number],
		parameters: {},
	};
	const logged: unknown[] = [];
	const ctx = {
		getInputData: () => items,
		getNode: () => node,
		continueOnFail: () => extra.continueOnFail === true,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const v = params[name];
			if (v === undefined) {
				if (fallback === undefined) throw new Error(`missing parameter ${name}`);
				return fallback;
			}
			return typeof v === 'function' ? (v as (i: number) => unknown)(i) : v;
		},
		getInputConnectionData: async (type: string) =>
			type === 'ai_languageModel' ? extra.model : undefined,
		getCredentials: async () => {
			throw new Error('no credentials in this test');
		},
		addInputData: (_t: string, data: unknown) => {
			logged.push(data);
			return { index: logged.length - 1 };
		},
		addOutputData: (_t: string, _i: number, data: unknown) => logged.push(data),
	};
	return { ctx: ctx as unknown as IExecuteFunctions & ISupplyDataFunctions, logged };
}

const node = new ConsciousnessGraph();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-node-'));
const previous = process.env.AGENT_OS_DATA_DIR;
beforeAll(() => {
	process.env.AGENT_OS_DATA_DIR = dataDir;
});
afterAll(() => {
	if (previous === undefined) delete process.env.AGENT_OS_DATA_DIR;
	else process.env.AGENT_OS_DATA_DIR = previous;
	fs.rmSync(dataDir, { recursive: true, force: true });
});

const base = { backend: 'embedded', graph: 'nodetest' };

describe('Consciousness Graph node on the embedded backend', () => {
	it('upserts the entities of all items in one batch, one output per item', async () => {
		const items = [{ json: { who: 'Ada Lovelace' } }, { json: { who: 'Charles Babbage' } }];
		const { ctx } = context(items, {
			...base,
			operation: 'upsertEntities',
			entities: (i: number) => JSON.stringify([{ type: 'Person', name: items[i].json.who }]),
		});
		const [out] = await node.execute.call(ctx);
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out.map((o) => (o.json.results as Array<{ key: string }>)[0].key)).toEqual([
			'person:ada_lovelace',
			'person:charles_babbage',
		]);
	});

	it('fails a bad item alone with Continue On Fail, and names the item otherwise', async () => {
		const entities = (i: number) =>
			i === 0
				? '[{"type": "Machine", "name": "Difference Engine"}]'
				: '[{"type": "bad type", "name": "x"}]';
		const items = [{ json: {} }, { json: {} }];
		const { ctx } = context(
			items,
			{ ...base, operation: 'upsertEntities', entities },
			{ continueOnFail: true },
		);
		const [out] = await node.execute.call(ctx);
		expect((out[0].json.results as Array<{ key: string }>)[0].key).toBe(
			'machine:difference_engine',
		);
		expect(out[1]).toEqual({
			json: { error: expect.stringMatching(/Invalid entity type "bad type".*upper-case letter/) },
			pairedItem: { item: 1 },
		});

		const strict = context(items, {
			...base,
			operation: 'upsertEntities',
			entities: '[{"type": "Machine", "name": "x"',
		});
		const err = await node.execute.call(strict.ctx).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toMatch(/Entities is not valid JSON.*\[item 0\]/);
	});

	it('relates, recalls as JSON and text, and finds paths', async () => {
		const rel = context([{ json: {} }], {
			...base,
			operation: 'relate',
			relations:
				'[{"type": "COLLABORATED_WITH", "from": "person:ada_lovelace", "to": "person:charles_babbage", "validAt": "1842-01-01T00:00:00Z"}, {"type": "DESIGNED", "from": "person:charles_babbage", "to": "machine:difference_engine"}]',
			missingEntities: 'reject',
			singleValued: '',
		});
		const [[r]] = await node.execute.call(rel.ctx);
		expect((r.json.results as unknown[]).length).toBe(2);

		const recall = context([{ json: {} }], {
			...base,
			operation: 'recallContext',
			recallBy: 'query',
			query: 'Ada',
			recallOptions: { hops: 2 },
		});
		const [[rc]] = await node.execute.call(recall.ctx);
		expect(rc.json.seeds).toEqual(['person:ada_lovelace']);
		expect(String(rc.json.text)).toContain(
			'Ada Lovelace COLLABORATED_WITH Charles Babbage (since 1842-01-01)',
		);
		expect((rc.json.entities as Array<{ key: string }>).map((e) => e.key)).toContain(
			'machine:difference_engine',
		);

		const p = context([{ json: {} }], {
			...base,
			operation: 'findPaths',
			fromKey: 'person:ada_lovelace',
			toKey: 'machine:difference_engine',
			pathOptions: {},
		});
		const [[pp]] = await node.execute.call(p.ctx);
		expect(pp.json).toMatchObject({
			count: 1,
			paths: [
				{
					nodes: ['person:ada_lovelace', 'person:charles_babbage', 'machine:difference_engine'],
					length: 2,
				},
			],
		});

		const cy = context(
			[{ json: {} }],
			{
				...base,
				operation: 'runCypher',
				cypher: 'RETURN 1',
				cypherParameters: '{}',
				cypherMode: 'read',
			},
			{ continueOnFail: true },
		);
		const [[c]] = await node.execute.call(cy.ctx);
		expect(c.json.error).toMatch(/needs the Neo4j backend/);
	});

	it('extracts knowledge with a connected chat model, once per episode', async () => {
		const answer = JSON.stringify({
			entities: [
				{ name: 'Ada Lovelace', type: 'Person' },
				{ name: 'Luigi Menabrea', type: 'Person' },
			],
			relations: [{ from: 'Ada Lovelace', type: 'TRANSLATED', to: 'Luigi Menabrea' }],
		});
		const model = new FakeListChatModel({ responses: [answer] });
		const params = {
			...base,
			operation: 'extractKnowledge',
			agent: 'historian',
			content: 'Ada Lovelace translated Menabrea.',
			episodeOptions: {},
			extractOptions: { method: 'json' },
			singleValued: '',
		};
		const { ctx } = context([{ json: {} }], params, { model });
		const [[out]] = await node.execute.call(ctx);
		expect(out.json.skipped).toBe(false);
		expect(
			(out.json.resolutions as Array<{ key: string; via: string }>).map((r) => [r.key, r.via]),
		).toEqual([
			['person:ada_lovelace', 'exact'],
			['person:luigi_menabrea', 'new'],
		]);
		const again = context([{ json: {} }], params, {
			model: new FakeListChatModel({ responses: ['never used'] }),
		});
		const [[second]] = await node.execute.call(again.ctx);
		expect(second.json.skipped).toBe(true);

		const none = context([{ json: {} }], { ...params, content: 'other text' });
		await expect(node.execute.call(none.ctx)).rejects.toThrow(/needs a chat model/);
		const bad = context(
			[{ json: {} }],
			{ ...params, content: 'third text' },
			{ model: new FakeListChatModel({ responses: ['I am not JSON'] }), continueOnFail: true },
		);
		const [[b]] = await node.execute.call(bad.ctx);
		expect(b.json.error).toMatch(/not valid JSON/);
	});

	it('gives an AI Agent a recall tool', async () => {
		const tool = new ConsciousnessGraphTool();
		const { ctx, logged } = context([], {
			...base,
			toolName: 'recall_knowledge',
			toolDescription: 'Recall facts',
			options: {},
		});
		const { response } = await tool.supplyData.call(ctx, 0);
		const t = response as { name: string; invoke(input: unknown): Promise<string> };
		expect(t.name).toBe('recall_knowledge');
		const text = await t.invoke({ query: 'Babbage' });
		expect(text).toContain('Charles Babbage DESIGNED Difference Engine');
		expect(await t.invoke({ query: 'unknown', entityKeys: ['person:nobody'] })).toMatch(
			/^Error: Entity "person:nobody" not found/,
		);
		expect(await t.invoke({ query: 'qwertyuiop' })).toBe('Nothing is known about "qwertyuiop".');
		expect(logged.length).toBe(6);
	});
});
