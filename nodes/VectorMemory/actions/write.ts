import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { validateMemoryInput, type MemoryInput, type MemoryPatch } from '../../../lib/memory';
import { batched, jsonObject, optionsOf, scopeOf, type Action } from './common';

function memoryInput(ctx: IExecuteFunctions, i: number): MemoryInput {
	const options = optionsOf(ctx, i);
	const input: MemoryInput = {
		...scopeOf(ctx, i),
		text: ctx.getNodeParameter('text', i) as string,
		metadata: jsonObject(ctx, 'metadata', 'Metadata', i),
		id: options.id || undefined,
		ttlSeconds: options.ttlSeconds || undefined,
	};
	validateMemoryInput(input, options.maxTextLength || undefined);
	return input;
}

const echo = (input: MemoryInput, collection: string): IDataObject => ({
	collection,
	namespace: input.namespace ?? 'default',
	text: input.text,
	metadata: (input.metadata ?? {}) as IDataObject,
});

export const insert: Action = async function (store, items) {
	return batched(
		this,
		items,
		(i) => memoryInput(this, i),
		(collection, inputs) => store.insert(collection, inputs),
		(r, input, collection) => ({ id: r.id, created: r.created, ...echo(input, collection) }),
	);
};

export const upsert: Action = async function (store, items) {
	// Duplicate handling applies to the whole batch: it is read from the first item.
	const first = optionsOf(this, 0);
	return batched(
		this,
		items,
		(i) => memoryInput(this, i),
		(collection, inputs) =>
			store.upsert(collection, inputs, {
				dedupThreshold: first.dedupThreshold || undefined,
				onDuplicate: first.onDuplicate,
			}),
		(r, input, collection) => ({ ...r, ...echo(input, collection) }) as IDataObject,
	);
};

export const update: Action = async function (store, items) {
	return batched(
		this,
		items,
		(i): MemoryPatch => {
			const options = optionsOf(this, i);
			const text = this.getNodeParameter('text', i, '') as string;
			const metadata = jsonObject(this, 'metadata', 'Metadata', i);
			return {
				...scopeOf(this, i),
				id: this.getNodeParameter('memoryId', i) as string,
				text: text === '' ? undefined : text,
				metadata: Object.keys(metadata).length ? metadata : undefined,
				mergeMetadata: options.mergeMetadata,
				ttlSeconds: options.ttlSeconds || undefined,
			};
		},
		(collection, patches) => store.update(collection, patches),
		(r, _p, collection) => ({ ...r, collection }) as IDataObject,
	);
};
