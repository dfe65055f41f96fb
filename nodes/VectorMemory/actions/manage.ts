import {
	collectionOf,
	idsOf,
	jsonObject,
	optionsOf,
	perItem,
	scopeOf,
	type Action,
} from './common';

export const remove: Action = async function (store, items) {
	return perItem(this, items, async (i) => {
		const by = this.getNodeParameter('deleteBy', i, 'ids') as string;
		const collection = collectionOf(this, i);
		const result = await store.delete(collection, {
			...scopeOf(this, i),
			scope: optionsOf(this, i).scope,
			ids: by === 'ids' ? idsOf(this, i) : undefined,
			filter: by === 'filter' ? jsonObject(this, 'filter', 'Metadata Filter', i) : undefined,
			all: by === 'all',
		});
		return { collection, ...result };
	});
};

export const forgetExpired: Action = async function (store, items) {
	return perItem(this, items, async (i) => {
		const collection = collectionOf(this, i);
		const namespace = optionsOf(this, i).allNamespaces
			? undefined
			: (this.getNodeParameter('namespace', i) as string);
		const { deleted } = await store.forgetExpired(collection, { namespace });
		return { collection, namespace: namespace ?? null, deleted };
	});
};

export const setNamespaceTtl: Action = async function (store, items) {
	return perItem(this, items, async (i) => {
		const collection = collectionOf(this, i);
		const namespace = this.getNodeParameter('namespace', i) as string;
		const ttl = this.getNodeParameter('namespaceTtl', i, 0) as number;
		await store.setNamespaceTtl(collection, namespace, ttl > 0 ? ttl : null);
		return { collection, namespace, ttlSeconds: ttl > 0 ? ttl : null };
	});
};
