import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import {
	embedEntities,
	extractKnowledge,
	structuredOutputFromChatModel,
	validateEntityInputs,
	validateRelationInputs,
	type EntityInput,
	type EpisodeInput,
	type GraphEmbedder,
	type GraphStore,
	type MissingEntityPolicy,
	type RelationInput,
	type StructuredMethod,
} from '../../lib/graph';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { errorItem, parseJsonParameter, toNodeError } from '../shared/errors';
import { list } from './backend';

export interface Inputs {
	embedder?: GraphEmbedder;
	model?: BaseChatModel;
}

type Ctx = IExecuteFunctions;
const json = (v: unknown) => v as unknown as IDataObject;

/** Runs `fn` per item; a failing item becomes an error item when Continue On Fail is on. */
async function perItem(
	ctx: Ctx,
	items: INodeExecutionData[],
	fn: (i: number) => Promise<IDataObject>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			out.push({ json: await fn(i), pairedItem: { item: i } });
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			out.push(errorItem(error, i));
		}
	}
	return out;
}

/**
 * Validates every item, then writes all valid ones in one call (one
 * transaction). Invalid items fail alone (Continue On Fail) or stop the run
 * before anything is written.
 */
async function batched<T>(
	ctx: Ctx,
	items: INodeExecutionData[],
	read: (i: number) => T[],
	write: (all: T[]) => Promise<Array<IDataObject>>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const valid: Array<{ index: number; values: T[] }> = [];
	for (let i = 0; i < items.length; i++) {
		try {
			valid.push({ index: i, values: read(i) });
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			out[i] = errorItem(error, i);
		}
	}
	if (valid.length) {
		try {
			const results = await write(valid.flatMap((v) => v.values));
			let k = 0;
			for (const v of valid) {
				const mine = results.slice(k, k + v.values.length);
				k += v.values.length;
				out[v.index] = { json: { results: mine }, pairedItem: { item: v.index } };
			}
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error);
			for (const v of valid) out[v.index] = errorItem(error, v.index);
		}
	}
	return out;
}

function options(ctx: Ctx, name: string, i: number): IDataObject {
	return ctx.getNodeParameter(name, i, {}) as IDataObject;
}

function optionalString(v: unknown): string | undefined {
	return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export async function upsertEntities(
	this: Ctx,
	store: GraphStore,
	items: INodeExecutionData[],
	inputs: Inputs,
) {
	return batched<EntityInput>(
		this,
		items,
		(i) =>
			validateEntityInputs(parseJsonParameter(this.getNodeParameter('entities', i), 'Entities')),
		async (all) => {
			const res = await store.upsertEntities(await embedEntities(all, inputs.embedder));
			return res.entities.map((e) => {
				const { embedding: _e, ...rest } = e;
				return json(rest);
			});
		},
	);
}

export async function relate(this: Ctx, store: GraphStore, items: INodeExecutionData[]) {
	return batched<RelationInput>(
		this,
		items,
		(i) =>
			validateRelationInputs(
				parseJsonParameter(this.getNodeParameter('relations', i), 'Relations'),
			),
		async (all) => {
			const res = await store.relate(all, {
				missingEntities: this.getNodeParameter(
					'missingEntities',
					0,
					'reject',
				) as MissingEntityPolicy,
			});
			return res.relations.map((r) => {
				const closed = res.invalidated.filter((x) => x.from === r.from && x.type === r.type);
				return json({ ...r, invalidated: closed });
			});
		},
	);
}

function episodeInput(ctx: Ctx, i: number): EpisodeInput {
	const o = options(ctx, 'episodeOptions', i);
	const entities = parseJsonParameter(o.entities ?? '[]', 'Entities');
	const relations = parseJsonParameter(o.relations ?? '[]', 'Relations');
	return {
		agent: ctx.getNodeParameter('agent', i) as string,
		content: ctx.getNodeParameter('content', i) as string,
		kind: (o.kind as EpisodeInput['kind']) ?? 'episode',
		id: optionalString(o.id),
		context: optionalString(o.context),
		occurredAt: optionalString(o.occurredAt),
		source: optionalString(o.source),
		entities:
			Array.isArray(entities) && entities.length ? validateEntityInputs(entities) : undefined,
		entityKeys: list(o.entityKeys),
		relations:
			Array.isArray(relations) && relations.length ? (relations as RelationInput[]) : undefined,
	};
}

export async function recordEpisode(
	this: Ctx,
	store: GraphStore,
	items: INodeExecutionData[],
	inputs: Inputs,
) {
	return perItem(this, items, async (i) => {
		const input = episodeInput(this, i);
		if (input.entities) input.entities = await embedEntities(input.entities, inputs.embedder);
		const res = await store.recordEpisode(input, {
			missingEntities: this.getNodeParameter('missingEntities', i, 'reject') as MissingEntityPolicy,
		});
		return json({ ...res, entities: res.entities.map(({ embedding: _e, ...e }) => e) });
	});
}

export async function extract(
	this: Ctx,
	store: GraphStore,
	items: INodeExecutionData[],
	inputs: Inputs,
) {
	if (!inputs.model) {
		throw new NodeOperationError(this.getNode(), 'Extract Knowledge needs a chat model', {
			description: 'Connect a Chat Model sub-node (OpenAI, Ollama, …) to the Chat Model input.',
		});
	}
	const model = inputs.model;
	return perItem(this, items, async (i) => {
		const { entities: _e, relations: _r, entityKeys: _k, ...episode } = episodeInput(this, i);
		const o = options(this, 'extractOptions', i);
		const res = await extractKnowledge(
			store,
			structuredOutputFromChatModel(model, (o.method as StructuredMethod) ?? 'tool'),
			episode,
			{
				entityTypes: list(o.entityTypes),
				relationTypes: list(o.relationTypes),
				tieBreak: o.tieBreak !== false,
			},
		);
		return json({ ...res, entities: res.entities.map(({ embedding: _x, ...e }) => e) });
	});
}

export async function recall(
	this: Ctx,
	store: GraphStore,
	items: INodeExecutionData[],
	inputs: Inputs,
) {
	return perItem(this, items, async (i) => {
		const o = options(this, 'recallOptions', i);
		const by = this.getNodeParameter('recallBy', i, 'query') as string;
		const query = by === 'query' ? (this.getNodeParameter('query', i) as string) : undefined;
		const res = await store.recallContext({
			keys: by === 'keys' ? list(this.getNodeParameter('keys', i)) : undefined,
			query,
			queryEmbedding:
				query && inputs.embedder ? await inputs.embedder.embedQuery(query) : undefined,
			hops: (o.hops as number) ?? undefined,
			budget: (o.budget as number) ?? undefined,
			episodes: (o.episodes as number) ?? undefined,
			seedCount: (o.seedCount as number) ?? undefined,
			relationTypes: list(o.relationTypes),
			asOf: optionalString(o.asOf),
		});
		return json(res);
	});
}

export async function paths(this: Ctx, store: GraphStore, items: INodeExecutionData[]) {
	return perItem(this, items, async (i) => {
		const o = options(this, 'pathOptions', i);
		const from = this.getNodeParameter('fromKey', i) as string;
		const to = this.getNodeParameter('toKey', i) as string;
		const found = await store.findPaths(from, to, {
			maxHops: (o.maxHops as number) ?? undefined,
			limit: (o.maxPaths as number) ?? undefined,
			relationTypes: list(o.relationTypes),
			asOf: optionalString(o.asOf),
		});
		return json({ from, to, count: found.length, paths: found });
	});
}

export async function search(
	this: Ctx,
	store: GraphStore,
	items: INodeExecutionData[],
	inputs: Inputs,
) {
	return perItem(this, items, async (i) => {
		const o = options(this, 'searchOptions', i);
		const query = this.getNodeParameter('searchQuery', i) as string;
		const hits = await store.searchEntities({
			query,
			embedding: query && inputs.embedder ? await inputs.embedder.embedQuery(query) : undefined,
			types: list(o.types),
			limit: (o.limit as number) ?? undefined,
		});
		const results = hits.map((h) => {
			const { embedding: _e, ...entity } = h.entity;
			return { ...entity, score: h.score, textRank: h.textRank, vectorRank: h.vectorRank };
		});
		return json({ query, count: results.length, results });
	});
}

export async function cypher(this: Ctx, store: GraphStore, items: INodeExecutionData[]) {
	return perItem(this, items, async (i) => {
		const params = parseJsonParameter(
			this.getNodeParameter('cypherParameters', i, '{}'),
			'Parameters',
		);
		const res = await store.runCypher(
			this.getNodeParameter('cypher', i) as string,
			params as Record<string, unknown>,
			this.getNodeParameter('cypherMode', i, 'read') as 'read' | 'write',
		);
		return json(res);
	});
}

export async function forget(this: Ctx, store: GraphStore, items: INodeExecutionData[]) {
	return perItem(this, items, async (i) => {
		const target = this.getNodeParameter('forgetTarget', i) as string;
		const id = this.getNodeParameter('targetId', i) as string;
		const res = await store.forget(
			target === 'entity'
				? { entityKey: id }
				: target === 'relation'
					? { relationId: id }
					: { episodeId: id },
		);
		return json({ target, id, deleted: res });
	});
}

export async function stats(this: Ctx, store: GraphStore, items: INodeExecutionData[]) {
	return perItem(this, items, async () => json(await store.stats()));
}
