import { ValidationError } from '../db/errors';
import {
	AGENT_TYPE,
	CONTEXT_TYPE,
	type EntityInput,
	type EpisodeInput,
	type EpisodeKind,
	type MissingEntityPolicy,
	type RelationInput,
} from './model';
import {
	assertKey,
	checkEntity,
	checkProperties,
	checkRelation,
	checkTime,
	episodeId,
	type CheckedEntity,
} from './validate';

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

/** An episode input after every check both backends run before writing it. */
export interface CheckedEpisode {
	id: string;
	kind: EpisodeKind;
	content: string;
	occurredAt: string;
	source: string | null;
	properties: Record<string, unknown>;
	/** The agent, and the context if any: always the first entities written. */
	actor: CheckedEntity[];
	entities: CheckedEntity[];
	entityKeys: string[];
	relationInputs: RelationInput[];
	now: string;
}

/** Checks an episode input whole, so that a bad one writes nothing. */
export function checkEpisode(
	input: EpisodeInput,
	singleValued: ReadonlySet<string>,
): CheckedEpisode {
	if (!input || typeof input !== 'object')
		throw new ValidationError('The episode is not an object', 'Give {agent, content, ...}.');
	if (typeof input.agent !== 'string' || input.agent.trim() === '')
		throw new ValidationError(
			'The episode has no agent',
			'Give the name of the agent that wrote it in "agent".',
		);
	if (typeof input.content !== 'string' || input.content.trim() === '')
		throw new ValidationError('The episode has no content', 'Give its text in "content".');
	const kind = input.kind ?? 'episode';
	if (kind !== 'episode' && kind !== 'thought')
		throw new ValidationError(
			`Invalid episode kind ${JSON.stringify(kind)}`,
			'Use "episode" or "thought".',
		);
	const now = new Date().toISOString();
	const occurredAt =
		input.occurredAt === undefined ? now : checkTime(input.occurredAt, 'occurredAt');
	const id = input.id ?? episodeId(input);
	assertKey(id, 'episode id');
	const properties = checkProperties(input.properties, 'Episode properties');
	const actor = [checkEntity(actorEntity(AGENT_TYPE, input.agent.trim()))];
	if (input.context !== undefined && input.context !== null && input.context !== '') {
		if (typeof input.context !== 'string')
			throw new ValidationError('The episode context must be a string', 'Give a context name.');
		actor.push(checkEntity(actorEntity(CONTEXT_TYPE, input.context.trim())));
	}
	const entities = (input.entities ?? []).map((e, i) => checkEntity(e, i));
	const entityKeys = input.entityKeys ?? [];
	entityKeys.forEach((k) => assertKey(k));
	const relationInputs = input.relations ?? [];
	relationInputs.forEach((r, i) => checkRelation(r, now, singleValued, i));
	return {
		id,
		kind,
		content: input.content,
		occurredAt,
		source: input.source ?? null,
		properties,
		actor,
		entities,
		entityKeys,
		relationInputs,
		now,
	};
}
