/** Column lists and row mappers of the SQL graph tables. */
import type { EntityRow } from '../merge';
import type { Entity, Episode, Relation } from '../model';

export const ENTITY_COLS =
	'key, type, name, aliases, alias_norms, properties, embedding, created_at, updated_at';
export const RELATION_COLS =
	'id, type, from_key, to_key, properties, valid_at, invalid_at, created_at, expired_at, source_episode, confidence';
export const EPISODE_COLS =
	'id, kind, agent, content, occurred_at, context, source, properties, created_at, extracted_at';

export type Row = Record<string, unknown>;

/** A timestamp as ISO text; `new Date(date)` keeps milliseconds, also for a date of another realm. */
function iso(v: unknown): string {
	return new Date(v as string | Date).toISOString();
}
function isoOrNull(v: unknown): string | null {
	return v === null || v === undefined ? null : iso(v);
}

export function toEntityRow(r: Row): EntityRow & { createdAt: string; updatedAt: string } {
	const emb = r.embedding as number[] | null;
	return {
		key: r.key as string,
		type: r.type as string,
		name: r.name as string,
		aliases: (r.aliases as string[]) ?? [],
		aliasNorms: (r.alias_norms as string[]) ?? [],
		properties: (r.properties as Record<string, unknown>) ?? {},
		...(emb ? { embedding: emb.map(Number) } : {}),
		createdAt: iso(r.created_at),
		updatedAt: iso(r.updated_at),
	};
}

export function toEntity(r: Row): Entity {
	const { aliasNorms: _n, ...e } = toEntityRow(r);
	return e;
}

export function toRelation(r: Row): Relation {
	return {
		id: r.id as string,
		type: r.type as string,
		from: r.from_key as string,
		to: r.to_key as string,
		properties: (r.properties as Record<string, unknown>) ?? {},
		validAt: iso(r.valid_at),
		invalidAt: isoOrNull(r.invalid_at),
		createdAt: iso(r.created_at),
		expiredAt: isoOrNull(r.expired_at),
		sourceEpisode: (r.source_episode as string | null) ?? null,
		confidence: Number(r.confidence),
	};
}

/** An episode row with the keys of the entities it mentions (alias `e`). */
export const EPISODE_SELECT = `SELECT ${qualified(EPISODE_COLS, 'e')},
  ARRAY(SELECT m.entity_key FROM agentos_graph_mentions m WHERE m.graph = e.graph AND m.episode_id = e.id) AS entity_keys
  FROM agentos_graph_episodes e`;

export function toEpisode(
	r: Row,
	entityKeys = (r.entity_keys as string[] | undefined) ?? [],
): Episode {
	return {
		id: r.id as string,
		kind: r.kind as Episode['kind'],
		agent: r.agent as string,
		content: r.content as string,
		occurredAt: iso(r.occurred_at),
		entityKeys: [...entityKeys].sort(),
		context: (r.context as string | null) ?? null,
		source: (r.source as string | null) ?? null,
		properties: (r.properties as Record<string, unknown>) ?? {},
		createdAt: iso(r.created_at),
		extractedAt: isoOrNull(r.extracted_at),
	};
}

/** A column list with every column prefixed by a table alias. */
export function qualified(cols: string, alias: string): string {
	return cols
		.split(', ')
		.map((c) => `${alias}.${c}`)
		.join(', ');
}
