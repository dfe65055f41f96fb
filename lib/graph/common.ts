import { AGENT_TYPE, CONTEXT_TYPE, type EntityInput, type MissingEntityPolicy } from './model';

/** Options every backend takes. */
export interface StoreOptions {
	/** Namespace inside the tables; default `default`. */
	graph?: string;
	/** Relation types that hold one value per subject. */
	singleValued?: string[];
	/** Relations to entities that do not exist: `reject` (default) or `create` them as type Thing. */
	missingEntities?: MissingEntityPolicy;
}

/** The entity type given to endpoints created by the `create` policy. */
export const PLACEHOLDER_TYPE = 'Thing';

/** Keys of agents and contexts: given as a key (`agent:...`) or as a name. */
export function actorEntity(
	type: typeof AGENT_TYPE | typeof CONTEXT_TYPE,
	value: string,
): EntityInput {
	const prefix = `${type.toLowerCase()}:`;
	if (value.startsWith(prefix))
		return { key: value, type, name: value.slice(prefix.length) || value };
	return { type, name: value };
}
