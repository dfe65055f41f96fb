import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { MemoryStore, ScopeMode } from '../../../lib/memory';
import { AgentOsError } from '../../../lib/db';
import { errorItem, parseJsonParameter, toNodeError } from '../../shared/errors';

export interface NodeOptions {
	userId?: string;
	agentId?: string;
	sessionId?: string;
	id?: string;
	ttlSeconds?: number;
	efSearch?: number;
	maxTextLength?: number;
	dedupThreshold?: number;
	onDuplicate?: 'skip' | 'merge' | 'keep';
	mergeMetadata?: boolean;
	scope?: ScopeMode;
	fusion?: 'rrf' | 'weighted';
	rrfK?: number;
	vectorWeight?: number;
	mmrLambda?: number;
	halfLifeSeconds?: number;
	minScore?: number;
	cursor?: string;
	orderBy?: 'created_at' | 'updated_at';
	direction?: 'asc' | 'desc';
	allNamespaces?: boolean;
}

export type Action = (
	this: IExecuteFunctions,
	store: MemoryStore,
	items: INodeExecutionData[],
) => Promise<INodeExecutionData[]>;

export function optionsOf(ctx: IExecuteFunctions, i: number): NodeOptions {
	return ctx.getNodeParameter('options', i, {}) as NodeOptions;
}

/** Namespace plus the user / agent / session ids set in the options. */
export function scopeOf(ctx: IExecuteFunctions, i: number) {
	const o = optionsOf(ctx, i);
	return {
		namespace: ctx.getNodeParameter('namespace', i) as string,
		userId: o.userId || undefined,
		agentId: o.agentId || undefined,
		sessionId: o.sessionId || undefined,
	};
}

export function collectionOf(ctx: IExecuteFunctions, i: number): string {
	return ctx.getNodeParameter('collection', i) as string;
}

export function jsonObject(ctx: IExecuteFunctions, name: string, label: string, i: number) {
	return parseJsonParameter(ctx.getNodeParameter(name, i, '{}'), label) as IDataObject;
}

/** IDs given as a JSON array, an array value, or comma-separated text. */
export function idsOf(ctx: IExecuteFunctions, i: number): string[] {
	const raw = ctx.getNodeParameter('ids', i, '') as unknown;
	let list: unknown = raw;
	if (typeof raw === 'string') {
		const text = raw.trim();
		list = text.startsWith('[')
			? parseJsonParameter(text, 'Memory IDs')
			: text.split(',').map((s) => s.trim());
	}
	const ids = (Array.isArray(list) ? list : [list]).filter((x) => x !== '');
	if (ids.length === 0 || ids.some((x) => typeof x !== 'string')) {
		throw new AgentOsError(
			'Memory IDs are missing or not text',
			'VALIDATION',
			'Give IDs as "id1, id2" or a JSON array such as ["id1", "id2"].',
		);
	}
	return ids as string[];
}

/** Runs one item at a time; a failing item becomes an error item under continue-on-fail. */
export async function perItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	run: (i: number) => Promise<IDataObject | IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const result = await run(i);
			for (const json of Array.isArray(result) ? result : [result]) {
				out.push({ json, pairedItem: { item: i } });
			}
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			out.push(errorItem(error, i));
		}
	}
	return out;
}

/**
 * Validates every item, then writes the valid ones per collection in one
 * transaction each: a failing batch fails all its items, never half of them.
 */
export async function batched<T, R>(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	read: (i: number) => T,
	write: (collection: string, inputs: T[]) => Promise<R[]>,
	shape: (result: R, input: T, collection: string) => IDataObject,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = new Array(items.length);
	const byCollection = new Map<string, Array<{ index: number; input: T }>>();
	for (let i = 0; i < items.length; i++) {
		try {
			const input = read(i);
			const collection = collectionOf(ctx, i);
			byCollection.set(collection, [...(byCollection.get(collection) ?? []), { index: i, input }]);
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error, i);
			out[i] = errorItem(error, i);
		}
	}
	for (const [collection, batch] of byCollection) {
		try {
			const results = await write(
				collection,
				batch.map((b) => b.input),
			);
			batch.forEach((b, k) => {
				out[b.index] = {
					json: shape(results[k], b.input, collection),
					pairedItem: { item: b.index },
				};
			});
		} catch (error) {
			if (!ctx.continueOnFail()) throw toNodeError(ctx.getNode(), error);
			for (const b of batch) out[b.index] = errorItem(error, b.index);
		}
	}
	return out;
}
