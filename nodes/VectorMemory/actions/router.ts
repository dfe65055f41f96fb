import { forgetExpired, remove, setNamespaceTtl } from './manage';
import { get, list, search } from './read';
import { insert, update, upsert } from './write';
import type { Action } from './common';

export const actions: Record<string, Action> = {
	insert,
	upsert,
	search,
	get,
	list,
	update,
	delete: remove,
	forgetExpired,
	setNamespaceTtl,
};
