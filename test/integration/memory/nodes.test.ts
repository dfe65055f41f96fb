import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DynamicTool } from '@langchain/core/tools';
import type { VectorStore } from '@langchain/core/vectorstores';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	ISupplyDataFunctions,
	SupplyData,
} from 'n8n-workflow';
import { VectorMemory } from '../../../nodes/VectorMemory/VectorMemory.node';
import { VectorMemoryStore } from '../../../nodes/VectorMemoryStore/VectorMemoryStore.node';
import { VectorMemoryRecallTool } from '../../../nodes/VectorMemoryRecallTool/VectorMemoryRecallTool.node';
import { VectorChatMemory } from '../../../nodes/VectorChatMemory/VectorChatMemory.node';
import type { VectorChatMemory as ChatMemory } from '../../../lib/memory';

jest.setTimeout(120_000);

type Params = Record<string, unknown | ((i: number) => unknown)>;

function context(
	items: INodeExecutionData[],
	params: Params,
	extra: { continueOnFail?: boolean; name?: string } = {},
) {
	const node = {
		id: 'n1',
		name: extra.name ?? 'Vector Memory',
		type: 'n8n-nodes-agent-os.vectorMemory',
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
		getInputConnectionData: async () => undefined,
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

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memory-node-'));
const previous = process.env.AGENT_OS_DATA_DIR;
beforeAll(() => {
	process.env.AGENT_OS_DATA_DIR = dataDir;
});
afterAll(() => {
	if (previous === undefined) delete process.env.AGENT_OS_DATA_DIR;
	else process.env.AGENT_OS_DATA_DIR = previous;
	fs.rmSync(dataDir, { recursive: true, force: true });
});

const node = new VectorMemory();
const run = (items: INodeExecutionData[], params: Params, continueOnFail = false) =>
	node.execute.call(
		context(items, { collection: 'nodemem', namespace: 'n', ...params }, { continueOnFail }).ctx,
	);

describe('Vector Memory node operations', () => {
	const ids: string[] = [];

	it('upserts a batch, flags near-duplicates, pairs every item', async () => {
		const items = [
			{ json: { t: 'Ada prefers email over phone calls' } },
			{ json: { t: 'Ada prefers email over phone calls!' } },
			{ json: { t: 'The build server runs on Fridays' } },
		];
		const [out] = await run(items, {
			operation: 'upsert',
			text: (i: number) => items[i].json.t,
			metadata: (i: number) => JSON.stringify({ n: i }),
			options: { dedupThreshold: 0.9, onDuplicate: 'skip' },
		});
		expect(out.map((o) => o.json.action)).toEqual(['created', 'skipped', 'created']);
		expect(out[1].json.duplicateOf).toBe(out[0].json.id);
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		ids.push(String(out[0].json.id), String(out[2].json.id));
	});

	it('searches in hybrid mode with an operator filter and explains the ranking', async () => {
		const [out] = await run([{ json: {} }], {
			operation: 'search',
			mode: 'hybrid',
			query: 'email Ada',
			topK: 5,
			filter: '{"n": {"$lt": 1}}',
			options: {},
		});
		expect(out).toHaveLength(1);
		expect(out[0].json).toEqual(
			expect.objectContaining({ id: ids[0], fusedRank: 1, textScore: expect.any(Number) }),
		);
	});

	it('gets, lists, updates and deletes', async () => {
		const [got] = await run([{ json: {} }], {
			operation: 'get',
			ids: `${ids[0]}, ghost`,
			options: {},
		});
		expect(got[0].json).toEqual(expect.objectContaining({ count: 1, missingIds: ['ghost'] }));
		const [listed] = await run([{ json: {} }], {
			operation: 'list',
			limit: 1,
			filter: '{}',
			options: { direction: 'asc' },
		});
		expect(listed[0].json.count).toBe(1);
		expect(listed[0].json.nextCursor).toEqual(expect.any(String));
		const [updated] = await run([{ json: {} }], {
			operation: 'update',
			memoryId: ids[1],
			text: 'The build server runs on Mondays',
			metadata: '{}',
			options: {},
		});
		expect(updated[0].json).toEqual(
			expect.objectContaining({ id: ids[1], found: true, reembedded: true }),
		);
		const [deleted] = await run([{ json: {} }], {
			operation: 'delete',
			deleteBy: 'ids',
			ids: JSON.stringify([ids[1], 'ghost']),
			options: {},
		});
		expect(deleted[0].json).toEqual(expect.objectContaining({ deleted: 1, missingIds: ['ghost'] }));
	});

	it('reports a bad filter per item under continue-on-fail and throws without it', async () => {
		const params = {
			operation: 'search',
			query: 'x',
			topK: 5,
			filter: (i: number) => (i === 0 ? '{"n": {"$like": 1}}' : '{}'),
			options: {},
		};
		const [out] = await run([{ json: {} }, { json: {} }], params, true);
		expect(out[0]).toEqual({
			json: { error: expect.stringMatching(/Unknown filter operator "\$like"/) },
			pairedItem: { item: 0 },
		});
		await expect(run([{ json: {} }], params)).rejects.toThrow(/\[item 0\]/);
	});

	it('sets a namespace TTL and forgets expired memories', async () => {
		const [set] = await run([{ json: {} }], {
			operation: 'setNamespaceTtl',
			namespaceTtl: 3600,
		});
		expect(set[0].json).toEqual({ collection: 'nodemem', namespace: 'n', ttlSeconds: 3600 });
		const [forgot] = await run([{ json: {} }], { operation: 'forgetExpired', options: {} });
		expect(forgot[0].json).toEqual({ collection: 'nodemem', namespace: 'n', deleted: 0 });
	});
});

describe('Vector Memory sub-nodes', () => {
	const supply = async (
		n: { supplyData(this: ISupplyDataFunctions, i: number): Promise<SupplyData> },
		params: Params,
		name?: string,
	) => {
		const c = context(
			[{ json: {} }],
			{ storage: 'embedded', namespace: 'sub', ...params },
			{ name },
		);
		return { data: await n.supplyData.call(c.ctx, 0), logged: c.logged };
	};

	it('stores and searches through the tool', async () => {
		const store = await supply(
			new VectorMemoryRecallTool(),
			{ action: 'store', collection: 'toolmem', toolDescription: 'store' },
			'Remember Fact',
		);
		const storeTool = store.data.response as DynamicTool;
		expect(storeTool.name).toBe('Remember_Fact');
		expect(JSON.parse(await storeTool.invoke('The wifi password is on the fridge'))).toEqual(
			expect.objectContaining({ stored: true, created: true }),
		);
		const search = await supply(new VectorMemoryRecallTool(), {
			action: 'search',
			collection: 'toolmem',
			toolDescription: 'search',
			mode: 'hybrid',
			topK: 3,
		});
		const answer = await (search.data.response as DynamicTool).invoke('wifi password');
		expect(JSON.parse(answer)[0].text).toBe('The wifi password is on the fridge');
		expect(search.logged).toHaveLength(2);
		const empty = await supply(new VectorMemoryRecallTool(), {
			action: 'search',
			collection: 'never_written',
			toolDescription: 'search',
		});
		expect(await (empty.data.response as DynamicTool).invoke('x')).toBe('No matching memories.');
		await Promise.all([store, search, empty].map((s) => s.data.closeFunction?.()));
	});

	it('works as a LangChain vector store and retriever', async () => {
		const { data } = await supply(new VectorMemoryStore(), {
			collection: 'vsmem',
			mode: 'hybrid',
			filter: '{}',
		});
		const vs = data.response as VectorStore;
		const added = (await vs.addDocuments([
			{ pageContent: 'Invoices are due in 30 days', metadata: { topic: 'billing' } },
			{ pageContent: 'Support answers within one hour', metadata: { topic: 'support' } },
		])) as string[];
		expect(added).toHaveLength(2);
		const docs = await vs.asRetriever({ k: 1 }).invoke('when are invoices due');
		expect(docs[0].pageContent).toBe('Invoices are due in 30 days');
		expect(docs[0].metadata).toEqual(
			expect.objectContaining({ topic: 'billing', memoryId: added[0] }),
		);
		const filtered = await vs.similaritySearch('invoices support', 5, { topic: 'support' });
		expect(filtered.map((d) => d.pageContent)).toEqual(['Support answers within one hour']);
		await data.closeFunction?.();
	});

	it('keeps a recent window and recalls older relevant turns', async () => {
		const { data } = await supply(new VectorChatMemory(), {
			collection: 'chatmem',
			sessionId: 's1',
			windowTurns: 2,
			recallTurns: 1,
			recallAcrossSessions: false,
			minScore: 0.1,
		});
		const memory = data.response as ChatMemory;
		await memory.saveContext({ input: 'My dog is called Rex' }, { output: 'Nice name for a dog!' });
		await memory.saveContext({ input: 'What is 2+2?' }, { output: '4' });
		await memory.saveContext({ input: 'And 3+3?' }, { output: '6' });
		await memory.saveContext({ input: 'How old is my dog Rex?' }, { output: 'You did not say.' });
		const vars = await memory.loadMemoryVariables({});
		const texts = vars.chat_history.map(
			(m) => `${m instanceof HumanMessage ? 'H' : m instanceof AIMessage ? 'A' : '?'}:${m.content}`,
		);
		expect(texts).toEqual([
			'H:My dog is called Rex',
			'A:Nice name for a dog!',
			'H:And 3+3?',
			'A:6',
			'H:How old is my dog Rex?',
			'A:You did not say.',
		]);
		await memory.clear();
		expect((await memory.loadMemoryVariables({})).chat_history).toEqual([]);
		await data.closeFunction?.();
	});
});
