/**
 * Write statements of the SQL graph store, built from parts so that a whole
 * episode — its entities and their names, the episode row, its mentions and
 * its facts — reaches the server as one statement of data-modifying CTEs.
 * The parts share one snapshot and foreign keys are checked when the
 * statement ends, so a part may refer to rows another part writes.
 */
import type { EntityRow } from '../merge';
import type { CheckedRelation } from '../validate';
import { ENTITY_COLS, EPISODE_COLS, RELATION_COLS, qualified } from './rows';

/** One statement under construction: CTEs and numbered parameters; `$1` is the graph. */
export class Statement {
	readonly params: unknown[];
	private readonly ctes: string[] = [];

	constructor(graph: string) {
		this.params = [graph];
	}

	/** Adds a parameter and returns its placeholder. */
	param(value: unknown): string {
		this.params.push(value);
		return `$${this.params.length}`;
	}

	with(name: string, body: string): void {
		this.ctes.push(`${name} AS (${body})`);
	}

	sql(select: string): string {
		return this.ctes.length ? `WITH ${this.ctes.join(',\n')}\n${select}` : select;
	}
}

/** The tsvector an entity is found by: its name (weight A), its aliases in both forms (B). */
const SEARCH_VECTOR = `setweight(to_tsvector('simple', x.name), 'A') || setweight(to_tsvector('simple', array_to_string(x.aliases || x.alias_norms, ' ')), 'B')`;

/**
 * Writes entity rows (CTE `up`, returning the rows) and records the names
 * each did not have before (CTE `named`). `before` holds the stored
 * normalized names of entities that already existed. Nothing is written
 * unless `guard` (an SQL condition) holds.
 *
 * With `versions` (the row version each stored entity was read at) a stored
 * entity is only updated if it is still at that version (in key order, as
 * locking writers do), and a new one only inserted if its key is still free;
 * `up` then returns fewer rows than `rows`, which the caller checks. Without,
 * rows are upserted.
 */
export function writeEntities(
	st: Statement,
	rows: Array<EntityRow & { isNew: boolean }>,
	before: ReadonlyMap<string, ReadonlySet<string>>,
	now: string,
	guard = 'true',
	versions?: ReadonlyMap<string, string>,
): void {
	const added = { types: [] as string[], norms: [] as string[], keys: [] as string[] };
	for (const r of rows) {
		const had = before.get(r.key);
		for (const n of r.aliasNorms) {
			if (had?.has(n)) continue;
			added.types.push(r.type);
			added.norms.push(n);
			added.keys.push(r.key);
		}
	}
	const payload = (list: typeof rows) =>
		st.param(
			JSON.stringify(
				list.map((r) => ({
					key: r.key,
					version: versions?.get(r.key) ?? null,
					type: r.type,
					name: r.name,
					aliases: r.aliases,
					alias_norms: r.aliasNorms,
					properties: r.properties,
					embedding: r.embedding ?? null,
				})),
			),
		);
	const recordset = (param: string) =>
		`jsonb_to_recordset(${param}::jsonb) AS x(key text, version text, type text, name text, aliases text[], alias_norms text[], properties jsonb, embedding real[])`;
	const at = st.param(now);
	const insert = (source: string, onConflict: string) =>
		`INSERT INTO agentos_graph_entities AS e (graph, key, type, name, aliases, alias_norms, properties, embedding, search, created_at, updated_at)
		 SELECT $1, x.key, x.type, x.name, x.aliases, x.alias_norms, x.properties, x.embedding, ${SEARCH_VECTOR}, ${at}, ${at}
		 FROM ${recordset(source)}
		 WHERE ${guard}
		 ON CONFLICT (graph, key) ${onConflict}
		 RETURNING ${ENTITY_COLS}`;
	if (!versions) {
		st.with(
			'up',
			insert(
				payload(rows),
				`DO UPDATE SET
		   type = EXCLUDED.type, name = EXCLUDED.name, aliases = EXCLUDED.aliases, alias_norms = EXCLUDED.alias_norms,
		   properties = EXCLUDED.properties, embedding = EXCLUDED.embedding, search = EXCLUDED.search, updated_at = EXCLUDED.updated_at`,
			),
		);
	} else {
		st.with(
			'up_stored',
			`UPDATE agentos_graph_entities AS e SET name = x.name, aliases = x.aliases, alias_norms = x.alias_norms,
			   properties = x.properties, embedding = x.embedding, search = ${SEARCH_VECTOR}, updated_at = ${at}
			 FROM ${recordset(payload(rows.filter((r) => !r.isNew).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))))}
			 WHERE e.graph = $1 AND e.key = x.key AND e.xmin = x.version::xid AND ${guard}
			 RETURNING ${qualified(ENTITY_COLS, 'e')}`,
		);
		st.with('up_new', insert(payload(rows.filter((r) => r.isNew)), 'DO NOTHING'));
		st.with('up', 'SELECT * FROM up_stored UNION ALL SELECT * FROM up_new');
	}
	if (added.keys.length) {
		st.with(
			'named',
			`INSERT INTO agentos_graph_names (graph, type, norm, entity_key)
			 SELECT $1, x.type, x.norm, x.key FROM unnest(${st.param(added.types)}::text[], ${st.param(added.norms)}::text[], ${st.param(added.keys)}::text[]) AS x(type, norm, key)
			 WHERE ${guard}
			 ON CONFLICT DO NOTHING`,
		);
	}
}

export interface EpisodeRowInput {
	id: string;
	kind: string;
	agent: string;
	content: string;
	occurredAt: string;
	context: string | null;
	source: string | null;
	properties: Record<string, unknown>;
	createdAt: string;
	extractedAt: string | null;
}

/**
 * Writes an episode (CTE `ep`) and its mentions (CTE `m`). An episode that
 * exists already is left as it is — or, with `markExtracted`, marked
 * extracted if it was not yet — and then `ep` returns no row. `ep` returns
 * the row, `inserted`, and the keys it mentioned before this statement.
 * The condition `EPISODE_WRITTEN` holds when `ep` returned a row.
 */
export function writeEpisode(
	st: Statement,
	e: EpisodeRowInput,
	mentions: string[],
	markExtracted: boolean,
): void {
	const id = st.param(e.id);
	const onConflict = markExtracted
		? 'DO UPDATE SET extracted_at = EXCLUDED.extracted_at WHERE e.extracted_at IS NULL'
		: 'DO NOTHING';
	st.with(
		'ep',
		`INSERT INTO agentos_graph_episodes AS e (graph, id, kind, agent, content, occurred_at, context, source, properties, created_at, extracted_at)
		 VALUES ($1, ${id}, ${st.param(e.kind)}, ${st.param(e.agent)}, ${st.param(e.content)}, ${st.param(e.occurredAt)}, ${st.param(e.context)},
		   ${st.param(e.source)}, ${st.param(JSON.stringify(e.properties))}::jsonb, ${st.param(e.createdAt)}, ${st.param(e.extractedAt)})
		 ON CONFLICT (graph, id) ${onConflict}
		 RETURNING ${qualified(EPISODE_COLS, 'e')}, e.xmax = 0 AS inserted,
		   ARRAY(SELECT m.entity_key FROM agentos_graph_mentions m WHERE m.graph = $1 AND m.episode_id = e.id) AS entity_keys`,
	);
	st.with(
		'm',
		`INSERT INTO agentos_graph_mentions (graph, episode_id, entity_key)
		 SELECT $1, ${id}, k FROM unnest(${st.param(mentions)}::text[]) AS k WHERE ${EPISODE_WRITTEN}
		 ON CONFLICT DO NOTHING`,
	);
}

/** Holds, in a statement with `writeEpisode`, once the episode was written. */
export const EPISODE_WRITTEN = 'EXISTS (SELECT 1 FROM ep)';

/** What repeats of an open fact add to the current identical fact, if the graph has one. */
export interface FactTouch {
	confidence: number;
	properties: Record<string, unknown>;
	validAt: string;
	sourceEpisode: string | null;
}

/**
 * A distinct fact of a batch that follows no temporal rule (not single-valued,
 * contradicting nothing): inserted as given, or — when it has no end and an
 * identical fact is current — folded into that one instead of duplicating it.
 */
export interface PlannedFact {
	/** The id it gets if inserted. */
	id: string;
	relation: CheckedRelation;
	/** Open facts only. */
	touch: FactTouch | null;
	/** Positions in the batch that asserted it. */
	indexes: number[];
}

const ident = (r: { type: string; from: string; to: string }) =>
	`${r.from}\u0000${r.type}\u0000${r.to}`;

/**
 * Folds a batch of non-temporal facts: repeats of an open fact become one
 * fact (highest confidence; for a current identical fact also the merged
 * properties, earliest start and first source); facts with an end are kept
 * one by one.
 */
export function planFacts(
	batch: Array<{ relation: CheckedRelation; index: number }>,
	newId: () => string,
): PlannedFact[] {
	const facts: PlannedFact[] = [];
	const open = new Map<string, PlannedFact>();
	for (const { relation: r, index } of batch) {
		if (r.invalidAt !== null) {
			facts.push({ id: newId(), relation: r, touch: null, indexes: [index] });
			continue;
		}
		const same = open.get(ident(r));
		if (!same) {
			const fact: PlannedFact = {
				id: newId(),
				relation: { ...r },
				touch: {
					confidence: r.confidence,
					properties: r.properties,
					validAt: r.validAt,
					sourceEpisode: r.sourceEpisode,
				},
				indexes: [index],
			};
			open.set(ident(r), fact);
			facts.push(fact);
			continue;
		}
		const t = same.touch!;
		same.relation.confidence = Math.max(same.relation.confidence, r.confidence);
		t.confidence = Math.max(t.confidence, r.confidence);
		t.properties = { ...t.properties, ...r.properties };
		if (r.validAt < t.validAt) t.validAt = r.validAt;
		t.sourceEpisode = t.sourceEpisode ?? r.sourceEpisode;
		same.indexes.push(index);
	}
	return facts;
}

/**
 * Writes planned facts, if `guard` holds: open facts with a current
 * identical fact update it (CTE `touched`, returning `n`, the fact's
 * position in `facts`, and the row); the others are inserted (CTE `fresh`,
 * returning the rows). Each
 * identical-fact look-up is one probe of the current-fact index (a LATERAL
 * subquery with a LIMIT stays one whatever the planner's statistics say).
 */
export function writeFacts(st: Statement, facts: PlannedFact[], now: string, guard = 'true'): void {
	const payload = st.param(
		JSON.stringify(
			facts.map((f, n) => ({
				n,
				id: f.id,
				type: f.relation.type,
				from_key: f.relation.from,
				to_key: f.relation.to,
				properties: f.relation.properties,
				valid_at: f.relation.validAt,
				invalid_at: f.relation.invalidAt,
				source_episode: f.relation.sourceEpisode,
				confidence: f.relation.confidence,
				touch: f.touch !== null,
				t_confidence: f.touch?.confidence ?? null,
				t_properties: f.touch?.properties ?? null,
				t_valid_at: f.touch?.validAt ?? null,
				t_source_episode: f.touch?.sourceEpisode ?? null,
			})),
		),
	);
	st.with(
		'facts',
		`SELECT * FROM jsonb_to_recordset(${payload}::jsonb) AS x(n int, id text, type text, from_key text, to_key text, properties jsonb,
		   valid_at timestamptz, invalid_at timestamptz, source_episode text, confidence float8,
		   touch boolean, t_confidence float8, t_properties jsonb, t_valid_at timestamptz, t_source_episode text)`,
	);
	st.with(
		'touched',
		`UPDATE agentos_graph_relations AS r SET confidence = greatest(r.confidence, f.t_confidence), properties = r.properties || f.t_properties,
		   valid_at = least(r.valid_at, f.t_valid_at), source_episode = coalesce(r.source_episode, f.t_source_episode)
		 FROM (
		   SELECT x.n, x.t_confidence, x.t_properties, x.t_valid_at, x.t_source_episode, c.id
		   FROM facts x CROSS JOIN LATERAL (
		     SELECT id FROM agentos_graph_relations
		     WHERE graph = $1 AND from_key = x.from_key AND type = x.type AND to_key = x.to_key AND expired_at IS NULL AND invalid_at IS NULL
		     ORDER BY id LIMIT 1
		   ) c
		   WHERE x.touch AND ${guard}
		 ) f
		 WHERE r.graph = $1 AND r.id = f.id
		 RETURNING f.n, ${qualified(RELATION_COLS, 'r')}`,
	);
	st.with(
		'fresh',
		`INSERT INTO agentos_graph_relations (graph, id, type, from_key, to_key, properties, valid_at, invalid_at, created_at, expired_at, source_episode, confidence)
		 SELECT $1, x.id, x.type, x.from_key, x.to_key, x.properties, x.valid_at, x.invalid_at, ${st.param(now)}, NULL, x.source_episode, x.confidence
		 FROM facts x WHERE x.n NOT IN (SELECT n FROM touched) AND ${guard}
		 RETURNING ${RELATION_COLS}`,
	);
}
