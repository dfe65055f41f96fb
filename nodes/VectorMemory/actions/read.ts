import type { IDataObject } from 'n8n-workflow';
import type { SearchMode } from '../../../lib/memory';
import {
	collectionOf,
	idsOf,
	jsonObject,
	optionsOf,
	perItem,
	scopeOf,
	type Action,
} from './common';

export const search: Action = async function (store, items) {
	return perItem(this, items, async (i) => {
		const o = optionsOf(this, i);
		const query = this.getNodeParameter('query', i) as string;
		const hits = await store.search(collectionOf(this, i), {
			...scopeOf(this, i),
			query,
			mode: this.getNodeParameter('mode', i, 'vector') as SearchMode,
			topK: this.getNodeParameter('topK', i, 5) as number,
			filter: jsonObject(this, 'filter', 'Metadata Filter', i),
			scope: o.scope,
			efSearch: o.efSearch || undefined,
			fusion: o.fusion,
			rrfK: o.rrfK || undefined,
			vectorWeight: o.vectorWeight,
			mmrLambda: o.mmrLambda !== undefined && o.mmrLambda < 1 ? o.mmrLambda : undefined,
			halfLifeSeconds: o.halfLifeSeconds || undefined,
			minScore: o.minScore || undefined,
		});
		const results = hits as unknown as IDataObject[];
		if (this.getNodeParameter('outputMode', i, 'perResult') === 'perQuery') {
			return { query, count: hits.length, results };
		}
		return results;
	});
};

export const get: Action = async function (store, items) {
	return perItem(this, items, async (i) => {
		const ids = idsOf(this, i);
		const { items: found, missingIds } = await store.get(
			collectionOf(this, i),
			ids,
			scopeOf(this, i),
		);
		return { count: found.length, items: found as unknown as IDataObject[], missingIds };
	});
};

export const list: Action = async function (store, items) {
	return perItem(this, items, async (i) => {
		const o = optionsOf(this, i);
		const page = await store.list(collectionOf(this, i), {
			...scopeOf(this, i),
			filter: jsonObject(this, 'filter', 'Metadata Filter', i),
			scope: o.scope,
			orderBy: o.orderBy,
			direction: o.direction,
			cursor: o.cursor || undefined,
			limit: this.getNodeParameter('limit', i, 50) as number,
		});
		return {
			count: page.items.length,
			items: page.items as unknown as IDataObject[],
			nextCursor: page.nextCursor,
		};
	});
};
