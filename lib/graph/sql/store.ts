import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../db/errors';
import { migrate } from '../../db/migrations';
import { noteChanges } from '../../db/statistics';
import type { SqlClient, SqlExecutor } from '../../db/types';
import { NotFoundError } from '../errors';
import { planUpsert } from '../merge';
import {
	AGENT_TYPE,
	type CypherResult,
	type Entity,
	type EntityInput,
	type Episode,
	type EpisodeInput,
	type EpisodeResult,
	type ForgetResult,
	type ForgetTarget,
	type GraphPath,
	type GraphStats,
	type MissingEntityPolicy,
	type PathOptions,
	type RecallOptions,
	type RecallResult,
	type RelateResult,
	type Relation,
	type RelationInput,
	type SearchHit,
	type SearchOptions,
	type UpsertResult,
} from '../model';
import { observe } from '../metrics';
import type { ResolutionCandidate } from '../resolution';
import { fuseHits, rankNeighbourhood, recallText } from '../ranking';
import type {
	CandidateOptions,
	GraphStore,
	MentionInput,
	RecordEpisodeOptions,
	RelateOptions,
} from '../store';
import {
	assertGraphName,
	assertKey,
	assertRelationType,
	checkEntity,
	checkEmbedding,
	checkInt,
	checkRelation,
	checkTime,
	checkMentions,
	type CheckedEntity,
	type CheckedRelation,
	normalizeName,
	assertEntityType,
	uniqueStrings,
} from '../validate';
import { GRAPH_MIGRATIONS } from './migrations';
import {
	ENTITY_COLS,
	EPISODE_SELECT,
	RELATION_COLS,
	type Row,
	qualified,
	toEntity,
	toEntityRow,
	toEpisode,
	toRelation,
} from './rows';
import {
	EPISODE_WRITTEN,
	Statement,
	planFacts,
	writeEntities,
	writeEpisode,
	writeFacts,
	type PlannedFact,
} from './writes';
import { checkEpisode, PLACEHOLDER_TYPE, type CheckedEpisode, type StoreOptions } from '../common';
import { bidirectionalShortestPaths } from '../paths';

export type { StoreOptions as SqlGraphStoreOptions } from '../common';

/**
 * Entities named `x.norm` with type `x.type` in graph `$1`, one index probe
 * per name. LATERAL ... OFFSET 0 keeps it a probe whatever the planner's
 * statistics say; joined plainly, a batch of a thousand names was planned as
 * a sort of every name in the graph.
 */
const NAME_PROBE = `CROSS JOIN LATERAL (
  SELECT entity_key FROM agentos_graph_names WHERE graph = $1 AND type = x.type AND norm = x.norm OFFSET 0
) n`;

const newRelationId = () => `rel_${randomUUID()}`;

/**
 * SQLSTATEs after which an episode written without locks is written again
 * under locks (nothing was written): an entity changed since it was read
 * (serialization failure, raised by the statement), or a deadlock with
 * another writer.
 */
const WRITE_AGAIN_LOCKED = ['40001', '40P01'];

/** The graph's tables, analyzed together on PGlite. */
const GRAPH_TABLES = [
	'agentos_graph_entities',
	'agentos_graph_names',
	'agentos_graph_relations',
	'agentos_graph_episodes',
	'agentos_graph_mentions',
];
/** The columns queries filter and join on, per table: what ANALYZE looks at. */
const GRAPH_ANALYZE: Array<[string, string]> = [
	['agentos_graph_entities', 'graph, key, type'],
	['agentos_graph_names', 'graph, type, norm, entity_key'],
	[
		'agentos_graph_relations',
		'graph, from_key, to_key, type, source_episode, valid_at, invalid_at, expired_at',
	],
	['agentos_graph_episodes', 'graph, id, agent, occurred_at'],
	['agentos_graph_mentions', 'graph, episode_id, entity_key'],
];

/** For the statements every write and extraction runs: kept prepared on PostgreSQL connections. */
const PREPARED = { prepare: true } as const;

/**
 * Puts the rows a facts statement returned at the batch positions of their
 * facts: updated facts by their position in `facts` (`n`), inserted ones by id.
 */
function placeFacts(facts: PlannedFact[], rows: Row[], out: Relation[]): void {
	const byId = new Map(facts.map((f) => [f.id, f]));
	for (const row of rows) {
		const fact =
			row.n === null || row.n === undefined ? byId.get(row.id as string) : facts[Number(row.n)];
		const rel = toRelation(row);
		for (const i of fact!.indexes) out[i] = rel;
	}
}

/** Distinct (type, normalized name) pairs as two parallel arrays, for `unnest`. */
function typedNames(list: Array<{ type: string; norms: string[] }>): {
	types: string[];
	norms: string[];
} {
	const seen = new Set<string>();
	const out = { types: [] as string[], norms: [] as string[] };
	for (const { type, norms } of list) {
		for (const norm of norms) {
			const id = `${type}\u0000${norm}`;
			if (seen.has(id)) continue;
			seen.add(id);
			out.types.push(type);
			out.norms.push(norm);
		}
	}
	return out;
}

/** A relation valid at `$asOf` (param index given) with an optional type filter (param index). */
function validAt(alias: string, asOf: number, types: number): string {
	return `${alias}.valid_at <= $${asOf} AND (${alias}.invalid_at IS NULL OR ${alias}.invalid_at > $${asOf}) AND ($${types}::text[] IS NULL OR ${alias}.type = ANY($${types}::text[]))`;
}

/**
 * Words of a query as a safe tsquery: letters and digits only. Words match
 * whole (cheap GIN look-ups); the last one also as a prefix, as typed
 * queries end in a partial word. Fuzzy adds each longer word's first three
 * letters as a prefix, for entity resolution to find misspellings.
 */
export function tsQuery(query: string, fuzzy = false): string | null {
	const words = uniqueStrings(normalizeName(query).split(' ').filter(Boolean)).slice(0, 16);
	const terms = words.flatMap((w, i) => {
		const t = [i === words.length - 1 && w.length >= 3 ? `${w}:*` : w];
		if (fuzzy && w.length > 3) t.push(`${w.slice(0, 3)}:*`);
		return t;
	});
	return terms.length ? uniqueStrings(terms).join(' | ') : null;
}

/**
 * The knowledge graph on PostgreSQL or embedded PGlite: tables of entities
 * (with their normalized names alongside, for exact look-ups), relations,
 * episodes and mentions; recursive CTEs for neighbourhoods, tsvector full
 * text and cosine over real[] embeddings, so it needs no extension. An
 * episode's writes go to the server as one statement (see writes.ts).
 */
export class SqlGraphStore implements GraphStore {
	readonly backend = 'sql' as const;
	readonly graph: string;
	private readonly singleValued: Set<string>;
	private readonly missing: MissingEntityPolicy;

	private constructor(
		private readonly client: SqlClient,
		options: StoreOptions,
		private readonly ownsClient: boolean,
	) {
		this.graph = options.graph ?? 'default';
		this.singleValued = new Set(options.singleValued ?? []);
		this.missing = options.missingEntities ?? 'reject';
	}

	/** Opens a store on a client, creating or upgrading the tables on first use. */
	static async open(
		client: SqlClient,
		options: StoreOptions = {},
		ownsClient = false,
	): Promise<SqlGraphStore> {
		assertGraphName(options.graph ?? 'default');
		for (const t of options.singleValued ?? []) assertRelationType(t);
		if (options.missingEntities && !['reject', 'create'].includes(options.missingEntities)) {
			throw new ValidationError(
				`Invalid missing-entity policy ${JSON.stringify(options.missingEntities)}`,
				'Use "reject" or "create".',
			);
		}
		await migrate(client, 'graph', GRAPH_MIGRATIONS);
		return new SqlGraphStore(client, options, ownsClient);
	}

	/** Runs an operation with its metrics; `changed` counts the rows a write changed. */
	private async run<T>(
		operation: string,
		fn: () => Promise<T>,
		changed?: (result: T) => number,
	): Promise<T> {
		const result = await observe(this.backend, operation, fn);
		if (changed) await this.refreshStatistics(changed(result));
		return result;
	}

	/**
	 * PGlite runs no autovacuum: after writes the store analyzes the graph's
	 * tables itself by autovacuum's default rule (see lib/db/statistics), so
	 * recall and resolution plans follow the graph as it grows. Only the
	 * columns queries select and join on are analyzed, which keeps it cheap.
	 */
	private refreshStatistics(changed: number): Promise<void> {
		return noteChanges(this.client, GRAPH_TABLES, changed, async () => {
			for (const [table, columns] of GRAPH_ANALYZE)
				await this.client.query(`ANALYZE ${table} (${columns})`);
		});
	}

	// ---- entities ---------------------------------------------------------

	upsertEntities(entities: EntityInput[]): Promise<UpsertResult> {
		return this.run(
			'upsert',
			async () => {
				if (!Array.isArray(entities))
					throw new ValidationError(
						'Entities must be an array',
						'Give a list of {type, name, ...}.',
					);
				const checked = entities.map((e, i) => checkEntity(e, i));
				const { plan, rows } = await this.client.transaction((tx) => this.upsertTx(tx, checked));
				return {
					entities: plan.resolvedKeys.map((k) => rows.get(k)!),
					created: plan.created,
					merged: plan.merged,
				};
			},
			(r) => r.created + r.merged,
		);
	}

	/**
	 * Locks the stored entities a batch merges into — by key, or by a
	 * normalized name or alias of the same type, every look-up a b-tree probe
	 * (see NAME_PROBE) — and plans the merge.
	 */
	private async planEntities(ex: SqlExecutor, checked: CheckedEntity[], lock = true) {
		const keys = uniqueStrings(checked.map((c) => c.key));
		const names = typedNames(checked.map((c) => ({ type: c.type, norms: c.aliasNorms })));
		const existing = await ex.query<Row>(
			`SELECT ${ENTITY_COLS}, xmin::text AS version FROM agentos_graph_entities
			 WHERE graph = $1 AND key = ANY($2::text[] || ARRAY(
			   SELECT n.entity_key FROM unnest($3::text[], $4::text[]) AS x(type, norm) ${NAME_PROBE}))
			 ORDER BY key${lock ? ' FOR UPDATE' : ''}`,
			[this.graph, keys, names.types, names.norms],
			PREPARED,
		);
		const stored = existing.rows.map(toEntityRow);
		const plan = planUpsert(checked, stored);
		const byKey = new Map(existing.rows.map((r) => [r.key as string, r]));
		const rows = new Map<string, Entity>();
		// Entities the batch leaves as they were are not written again.
		for (const r of plan.rows) if (!r.changed) rows.set(r.key, toEntity(byKey.get(r.key)!));
		return {
			plan,
			/** The rows to write. */
			changed: plan.rows.filter((r) => r.changed),
			/** The entities the batch leaves as they were, as stored. */
			rows,
			before: new Map(stored.map((r) => [r.key, new Set(r.aliasNorms)])),
			/** The row version each stored entity was read at. */
			versions: new Map(existing.rows.map((r) => [r.key as string, r.version as string])),
		};
	}

	private async upsertTx(tx: SqlExecutor, checked: CheckedEntity[]) {
		const { plan, changed, rows, before } = await this.planEntities(tx, checked);
		if (changed.length) {
			const st = new Statement(this.graph);
			writeEntities(st, changed, before, new Date().toISOString());
			const res = await tx.query<Row>(st.sql('SELECT * FROM up'), st.params, PREPARED);
			for (const r of res.rows) rows.set(r.key as string, toEntity(r));
		}
		return { plan, rows };
	}

	async getEntity(key: string): Promise<Entity | null> {
		assertKey(key);
		const res = await this.client.query<Row>(
			`SELECT ${ENTITY_COLS} FROM agentos_graph_entities WHERE graph = $1 AND key = $2`,
			[this.graph, key],
		);
		return res.rows[0] ? toEntity(res.rows[0]) : null;
	}

	// ---- relations --------------------------------------------------------

	relate(relations: RelationInput[], options: RelateOptions = {}): Promise<RelateResult> {
		return this.run(
			'relate',
			async () => {
				if (!Array.isArray(relations))
					throw new ValidationError(
						'Relations must be an array',
						'Give a list of {type, from, to, ...}.',
					);
				const now = new Date().toISOString();
				const checked = relations.map((r, i) => checkRelation(r, now, this.singleValued, i));
				const policy = this.policy(options.missingEntities);
				return this.client.transaction((tx) => this.relateTx(tx, checked, policy, now));
			},
			(r) => r.relations.length + r.invalidated.length + r.createdEntities.length,
		);
	}

	private policy(p: MissingEntityPolicy | undefined): MissingEntityPolicy {
		const policy = p ?? this.missing;
		if (policy !== 'reject' && policy !== 'create') {
			throw new ValidationError(
				`Invalid missing-entity policy ${JSON.stringify(policy)}`,
				'Use "reject" or "create".',
			);
		}
		return policy;
	}

	/**
	 * Writes relations in order. Runs of facts without temporal rules go as
	 * one statement each (see writeFacts); a single-valued or contradicting
	 * fact is handled alone, so facts in one batch close each other in order.
	 */
	private async relateTx(
		tx: SqlExecutor,
		checked: CheckedRelation[],
		policy: MissingEntityPolicy,
		now: string,
		known: { keys?: ReadonlySet<string>; episode?: string } = {},
	): Promise<RelateResult> {
		const result: RelateResult = { relations: [], invalidated: [], createdEntities: [] };
		if (!checked.length) return result;
		result.createdEntities = await this.checkEndpoints(tx, checked, policy, known);
		const out: Relation[] = new Array(checked.length);
		let run: Array<{ relation: CheckedRelation; index: number }> = [];
		const writeRun = async () => {
			if (!run.length) return;
			const st = new Statement(this.graph);
			const facts = planFacts(run, newRelationId);
			run = [];
			writeFacts(st, facts, now);
			const res = await tx.query<Row>(
				st.sql(
					`SELECT n, ${RELATION_COLS} FROM touched UNION ALL SELECT NULL, ${RELATION_COLS} FROM fresh`,
				),
				st.params,
				PREPARED,
			);
			placeFacts(facts, res.rows, out);
		};
		for (let i = 0; i < checked.length; i++) {
			const r = checked[i];
			if (!r.singleValued && !r.contradicts.length) {
				run.push({ relation: r, index: i });
				continue;
			}
			await writeRun();
			out[i] = await this.writeTemporal(tx, r, now, result.invalidated);
		}
		await writeRun();
		result.relations = out;
		return result;
	}

	/**
	 * Checks that the facts' endpoints and source episodes exist; creates
	 * missing endpoints under the `create` policy and returns their keys.
	 * Keys written earlier in the transaction (`known.keys`) need no check.
	 */
	private async checkEndpoints(
		tx: SqlExecutor,
		checked: CheckedRelation[],
		policy: MissingEntityPolicy,
		known: { keys?: ReadonlySet<string>; episode?: string },
	): Promise<string[]> {
		const endpoints = uniqueStrings(checked.flatMap((r) => [r.from, r.to])).filter(
			(k) => !known.keys?.has(k),
		);
		let missing: string[] = [];
		if (endpoints.length) {
			const found = await tx.query<{ key: string }>(
				'SELECT key FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])',
				[this.graph, endpoints],
				PREPARED,
			);
			const have = new Set(found.rows.map((r) => r.key));
			missing = endpoints.filter((k) => !have.has(k));
		}
		if (missing.length) {
			if (policy === 'reject') {
				throw new NotFoundError(
					`Entity ${missing
						.slice(0, 5)
						.map((k) => JSON.stringify(k))
						.join(', ')} not found`,
					'Upsert the entities first, or set "missing entities" to create them.',
				);
			}
			const placeholders = missing.map((key) =>
				checkEntity({ key, type: PLACEHOLDER_TYPE, name: key }),
			);
			await this.upsertTx(tx, placeholders);
		}
		const sourceEpisodes = uniqueStrings(
			checked.map((r) => r.sourceEpisode).filter((s): s is string => !!s && s !== known.episode),
		);
		if (sourceEpisodes.length) {
			const eps = await tx.query<{ id: string }>(
				'SELECT id FROM agentos_graph_episodes WHERE graph = $1 AND id = ANY($2::text[])',
				[this.graph, sourceEpisodes],
				PREPARED,
			);
			const found = new Set(eps.rows.map((r) => r.id));
			const unknown = sourceEpisodes.filter((s) => !found.has(s));
			if (unknown.length)
				throw new NotFoundError(
					`Episode ${JSON.stringify(unknown[0])} not found`,
					'Record the episode first, or leave "sourceEpisode" empty.',
				);
		}
		return missing;
	}

	/**
	 * One fact with temporal rules: it closes the facts it lists in
	 * `contradicts`; a single-valued fact closes the current value of its
	 * subject and type (or, when older than that value, is stored as ended
	 * when it began). An open single-valued fact identical to the current one
	 * only updates it.
	 */
	private async writeTemporal(
		tx: SqlExecutor,
		r: CheckedRelation,
		now: string,
		invalidated: Relation[],
	): Promise<Relation> {
		let invalidAt = r.invalidAt;
		if (r.contradicts.length) {
			const found = await tx.query<{ id: string }>(
				'SELECT id FROM agentos_graph_relations WHERE graph = $1 AND id = ANY($2::text[])',
				[this.graph, r.contradicts],
			);
			const unknown = r.contradicts.filter((c) => !found.rows.some((k) => k.id === c));
			if (unknown.length)
				throw new NotFoundError(
					`Relation ${JSON.stringify(unknown[0])} not found`,
					'List ids of existing relations in "contradicts".',
				);
			const closed = await tx.query<Row>(
				`UPDATE agentos_graph_relations SET invalid_at = CASE WHEN invalid_at IS NULL OR invalid_at > $3 THEN greatest(valid_at, $3::timestamptz) ELSE invalid_at END, expired_at = $4
				 WHERE graph = $1 AND id = ANY($2::text[]) AND expired_at IS NULL RETURNING ${RELATION_COLS}`,
				[this.graph, r.contradicts, r.validAt, now],
			);
			invalidated.push(...closed.rows.map(toRelation));
		}
		if (r.singleValued) {
			// The subject's current values of this type, the asserted one included.
			const current = await tx.query<Row>(
				`SELECT ${RELATION_COLS} FROM agentos_graph_relations
				 WHERE graph = $1 AND from_key = $2 AND type = $3 AND expired_at IS NULL
				   AND (invalid_at IS NULL OR invalid_at > $4) FOR UPDATE`,
				[this.graph, r.from, r.type, r.validAt],
			);
			const rows = current.rows.map(toRelation);
			const same = rows.find((o) => o.to === r.to && o.invalidAt === null);
			if (same && r.invalidAt === null && !r.contradicts.length) {
				const upd = await tx.query<Row>(
					`UPDATE agentos_graph_relations SET confidence = greatest(confidence, $3), properties = properties || $4::jsonb,
					   valid_at = least(valid_at, $5), source_episode = coalesce(source_episode, $6)
					 WHERE graph = $1 AND id = $2 RETURNING ${RELATION_COLS}`,
					[
						this.graph,
						same.id,
						r.confidence,
						JSON.stringify(r.properties),
						r.validAt,
						r.sourceEpisode,
					],
				);
				return toRelation(upd.rows[0]);
			}
			for (const o of rows.filter((x) => x.to !== r.to)) {
				if (o.validAt <= r.validAt) {
					const closed = await tx.query<Row>(
						`UPDATE agentos_graph_relations SET invalid_at = $3, expired_at = $4 WHERE graph = $1 AND id = $2 RETURNING ${RELATION_COLS}`,
						[this.graph, o.id, r.validAt, now],
					);
					invalidated.push(toRelation(closed.rows[0]));
				} else if (invalidAt === null || invalidAt > o.validAt) {
					// The new fact is older than the stored one: it held until the stored one began.
					invalidAt = o.validAt;
				}
			}
		}
		const ins = await tx.query<Row>(
			`INSERT INTO agentos_graph_relations (graph, id, type, from_key, to_key, properties, valid_at, invalid_at, created_at, expired_at, source_episode, confidence)
			 VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12) RETURNING ${RELATION_COLS}`,
			[
				this.graph,
				newRelationId(),
				r.type,
				r.from,
				r.to,
				JSON.stringify(r.properties),
				r.validAt,
				invalidAt,
				now,
				invalidAt === null ? null : now,
				r.sourceEpisode,
				r.confidence,
			],
		);
		return toRelation(ins.rows[0]);
	}

	async relationsOf(key: string, options: { history?: boolean } = {}): Promise<Relation[]> {
		assertKey(key);
		const res = await this.client.query<Row>(
			`SELECT ${RELATION_COLS} FROM agentos_graph_relations
			 WHERE graph = $1 AND (from_key = $2 OR to_key = $2) AND ($3 OR (expired_at IS NULL AND (invalid_at IS NULL OR invalid_at > now())))
			 ORDER BY valid_at, created_at, id`,
			[this.graph, key, options.history === true],
		);
		return res.rows.map(toRelation);
	}

	// ---- episodes ---------------------------------------------------------

	recordEpisode(input: EpisodeInput, options: RecordEpisodeOptions = {}): Promise<EpisodeResult> {
		return this.run(
			'record_episode',
			async () => {
				const episode = checkEpisode(input, this.singleValued);
				const policy = this.policy(options.missingEntities);
				// Without temporal facts the episode is written optimistically: an
				// unlocked look-up, then one statement that commits on its own and
				// writes only if the entities it merges into are still as read. When
				// they are not, or facts follow temporal rules, it goes as a
				// transaction that locks them first.
				try {
					const written = await this.writeEpisode(this.client, episode, options, policy, false);
					if (written) return written;
				} catch (err) {
					if (!WRITE_AGAIN_LOCKED.includes((err as { code?: string }).code ?? '')) throw err;
				}
				return this.client.transaction(
					async (tx) => (await this.writeEpisode(tx, episode, options, policy, true))!,
				);
			},
			(r) =>
				(r.created ? 1 + r.episode.entityKeys.length : 0) +
				r.relations.length +
				r.invalidated.length,
		);
	}

	/**
	 * One attempt at writing an episode. `locked`: inside a transaction, the
	 * entities it merges into are locked when read. Not locked: returns null
	 * when a fact follows a temporal rule or names an entity outside the
	 * episode, and fails with a serialization failure (40001) when an entity
	 * changed since it was read; nothing is written then.
	 */
	private async writeEpisode(
		ex: SqlExecutor,
		episode: CheckedEpisode,
		options: RecordEpisodeOptions,
		policy: MissingEntityPolicy,
		locked: boolean,
	): Promise<EpisodeResult | null> {
		const { id, actor, entityKeys, now } = episode;
		const { plan, changed, rows, before, versions } = await this.planEntities(
			ex,
			[...actor, ...episode.entities],
			locked,
		);
		const [agentKey, contextKey] = plan.resolvedKeys;
		const mentions = uniqueStrings([...plan.resolvedKeys, ...entityKeys]);
		const deferred = options.deferRelations
			? options.deferRelations(plan.resolvedKeys.slice(actor.length))
			: [];
		const rel = [...episode.relationInputs, ...deferred].map((r, i) =>
			checkRelation({ ...r, sourceEpisode: id }, now, this.singleValued, i),
		);
		// The facts go in the same statement when none follows a temporal rule and
		// all of their endpoints are among the entities just written or checked.
		const mentioned = new Set(mentions);
		const together = rel.every(
			(r) =>
				!r.singleValued && !r.contradicts.length && mentioned.has(r.from) && mentioned.has(r.to),
		);
		if (!together && !locked) return null;
		if (entityKeys.length) {
			const found = await ex.query<{ key: string }>(
				'SELECT key FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])',
				[this.graph, entityKeys],
				PREPARED,
			);
			const miss = entityKeys.find((k) => !found.rows.some((f) => f.key === k));
			if (miss)
				throw new NotFoundError(
					`Entity ${JSON.stringify(miss)} not found`,
					'List keys of existing entities in "entityKeys", or pass them as "entities".',
				);
		}
		// One statement writes the episode and its mentions, its entities and
		// their names, and its facts. An episode recorded before (for extraction:
		// extracted before) stops it from writing anything: recording is
		// idempotent.
		const st = new Statement(this.graph);
		writeEpisode(
			st,
			{
				id,
				kind: episode.kind,
				agent: agentKey,
				content: episode.content,
				occurredAt: episode.occurredAt,
				context: actor.length > 1 ? contextKey : null,
				source: episode.source,
				properties: episode.properties,
				createdAt: now,
				extractedAt: options.markExtracted ? now : null,
			},
			mentions,
			options.markExtracted === true,
		);
		writeEntities(st, changed, before, now, EPISODE_WRITTEN, locked ? undefined : versions);
		const parts = [
			"SELECT 'episode' AS part, NULL::int AS n, to_jsonb(ep) AS row FROM ep",
			"SELECT 'entity', NULL, to_jsonb(up) FROM up",
		];
		if (!locked) {
			// Every entity written is still at the version read, and so is every
			// entity merged into without a change (it is only read, not written).
			const kept = plan.rows.filter((r) => !r.changed).map((r) => r.key);
			const keptStill = kept.length
				? ` OR (SELECT count(*) FROM agentos_graph_entities e
				     JOIN unnest(${st.param(kept)}::text[], ${st.param(kept.map((k) => versions.get(k)))}::text[]) AS k(key, version)
				       ON e.graph = $1 AND e.key = k.key AND e.xmin = k.version::xid) <> ${st.param(kept.length)}::int`
				: '';
			st.with(
				'unchanged',
				`SELECT agentos_graph_changed() FROM ep
				 WHERE (SELECT count(*) FROM up) <> ${st.param(changed.length)}::int${keptStill}`,
			);
			parts.push("SELECT 'check', NULL, NULL FROM unchanged");
		}
		const facts = together
			? planFacts(
					rel.map((relation, index) => ({ relation, index })),
					newRelationId,
				)
			: [];
		if (facts.length) {
			writeFacts(st, facts, now, EPISODE_WRITTEN);
			parts.push(
				"SELECT 'fact', n, to_jsonb(touched) FROM touched",
				"SELECT 'fact', NULL, to_jsonb(fresh) FROM fresh",
			);
		}
		const res = await ex.query<{ part: string; n: number | null; row: Row }>(
			st.sql(parts.join('\nUNION ALL ')),
			st.params,
			PREPARED,
		);
		const episodeRow = res.rows.find((r) => r.part === 'episode')?.row;
		if (!episodeRow) {
			const existing = await ex.query<Row>(
				`${EPISODE_SELECT} WHERE e.graph = $1 AND e.id = $2`,
				[this.graph, id],
				PREPARED,
			);
			return {
				relations: [],
				invalidated: [],
				createdEntities: [],
				entities: [],
				episode: toEpisode(existing.rows[0]),
				created: false,
			};
		}
		const factRows: Row[] = [];
		for (const r of res.rows) {
			if (r.part === 'entity') rows.set(r.row.key as string, toEntity(r.row));
			else if (r.part === 'fact') factRows.push({ ...r.row, n: r.n });
		}
		let related: RelateResult = { relations: [], invalidated: [], createdEntities: [] };
		if (facts.length) {
			related.relations = new Array(rel.length);
			placeFacts(facts, factRows, related.relations);
		} else if (!together) {
			related = await this.relateTx(ex, rel, policy, now, { keys: mentioned, episode: id });
		}
		return {
			...related,
			// Its mentions: those it had before and those just written.
			episode: toEpisode(
				episodeRow,
				uniqueStrings([...((episodeRow.entity_keys as string[]) ?? []), ...mentions]),
			),
			entities: uniqueStrings(plan.resolvedKeys.slice(actor.length)).map((k) => rows.get(k)!),
			created: episodeRow.inserted === true,
		};
	}

	async getEpisode(id: string): Promise<Episode | null> {
		assertKey(id, 'episode id');
		const res = await this.client.query<Row>(
			`${EPISODE_SELECT} WHERE e.graph = $1 AND e.id = $2`,
			[this.graph, id],
			PREPARED,
		);
		return res.rows[0] ? toEpisode(res.rows[0]) : null;
	}

	// ---- recall, paths, search --------------------------------------------

	recallContext(options: RecallOptions): Promise<RecallResult> {
		return this.run('recall', async () => {
			const hops = checkInt(options.hops, 'hops', 1, 4, 2);
			const budget = checkInt(options.budget, 'budget', 1, 1000, 50);
			const episodeCount = checkInt(options.episodes, 'episodes', 0, 50, 3);
			const seedCount = checkInt(options.seedCount, 'seed count', 1, 20, 3);
			const asOf =
				options.asOf === undefined || options.asOf === null || options.asOf === ''
					? new Date().toISOString()
					: checkTime(options.asOf, 'asOf');
			const types = options.relationTypes?.length ? options.relationTypes : null;
			types?.forEach((t) => assertRelationType(t));
			let seeds: string[];
			if (options.keys?.length) {
				options.keys.forEach((k) => assertKey(k));
				seeds = uniqueStrings(options.keys);
				const found = await this.client.query<{ key: string }>(
					'SELECT key FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])',
					[this.graph, seeds],
				);
				const miss = seeds.find((k) => !found.rows.some((f) => f.key === k));
				if (miss)
					throw new NotFoundError(
						`Entity ${JSON.stringify(miss)} not found`,
						'Check the key, or recall by a query instead.',
					);
			} else if (options.query || options.queryEmbedding) {
				const hits = await this.searchEntities({
					query: options.query,
					embedding: options.queryEmbedding,
					limit: seedCount,
				});
				seeds = hits.map((h) => h.entity.key);
			} else {
				throw new ValidationError('Recall needs entity keys or a query', 'Give "keys" or "query".');
			}
			if (!seeds.length)
				return {
					seeds,
					entities: [],
					relations: [],
					episodes: [],
					truncated: false,
					asOf,
					text: recallText([], [], [], asOf),
				};

			// Breadth-first by construction: the recursive term runs level by level,
			// so the LIMIT keeps the nearest rows and stops the walk early on hubs.
			const cap = Math.max(budget * 8, 100);
			const walk = await this.client.query<{ key: string; distance: number; n: number }>(
				`WITH RECURSIVE walk(key, depth) AS (
				   SELECT k, 0 FROM unnest($2::text[]) AS k
				   UNION
				   SELECT CASE WHEN r.from_key = w.key THEN r.to_key ELSE r.from_key END, w.depth + 1
				   FROM walk w JOIN agentos_graph_relations r ON r.graph = $1 AND (r.from_key = w.key OR r.to_key = w.key)
				   WHERE w.depth < $3 AND ${validAt('r', 4, 5)}
				 ),
				 limited AS (SELECT key, depth FROM walk LIMIT $6)
				 SELECT key, min(depth)::int AS distance, (SELECT count(*) FROM limited)::int AS n FROM limited GROUP BY key`,
				[this.graph, seeds, hops, asOf, types, cap + 1],
			);
			const capped = walk.rows.length > 0 && Number(walk.rows[0].n) > cap;
			const candidates = walk.rows.map((r) => ({ key: r.key, distance: Number(r.distance) }));
			const keys = candidates.map((c) => c.key);
			const relRes = await this.client.query<Row>(
				`SELECT ${RELATION_COLS} FROM agentos_graph_relations r
				 WHERE r.graph = $1 AND r.from_key = ANY($2::text[]) AND r.to_key = ANY($2::text[]) AND ${validAt('r', 3, 4)}
				 ORDER BY r.valid_at DESC, r.id`,
				[this.graph, keys, asOf, types],
			);
			const allRelations = relRes.rows.map(toRelation);
			const { kept, truncated } = rankNeighbourhood(candidates, allRelations, budget);
			const keptKeys = new Set(kept.map((k) => k.key));
			const entRes = await this.client.query<Row>(
				`SELECT ${ENTITY_COLS} FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])`,
				[this.graph, [...keptKeys]],
			);
			const byKey = new Map(entRes.rows.map((r) => [r.key as string, toEntity(r)]));
			const entities = kept
				.filter((k) => byKey.has(k.key))
				.map((k) => {
					const { embedding: _e, ...e } = byKey.get(k.key)!;
					return { ...e, distance: k.distance, score: Number(k.score.toFixed(4)) };
				});
			const relations = allRelations.filter((r) => keptKeys.has(r.from) && keptKeys.has(r.to));
			let episodes: Episode[] = [];
			if (episodeCount > 0) {
				const epRes = await this.client.query<Row>(
					`${EPISODE_SELECT}
					 WHERE e.graph = $1 AND e.occurred_at <= $3
					   AND e.id IN (SELECT episode_id FROM agentos_graph_mentions WHERE graph = $1 AND entity_key = ANY($2::text[]))
					 ORDER BY e.occurred_at DESC, e.id LIMIT $4`,
					[this.graph, seeds, asOf, episodeCount],
				);
				episodes = epRes.rows.map((r) => toEpisode(r));
			}
			return {
				seeds,
				entities,
				relations,
				episodes,
				truncated: truncated || capped,
				asOf,
				text: recallText(entities, relations, episodes, asOf),
			};
		});
	}

	findPaths(from: string, to: string, options: PathOptions = {}): Promise<GraphPath[]> {
		return this.run('paths', async () => {
			assertKey(from, '"from" key');
			assertKey(to, '"to" key');
			const maxHops = checkInt(options.maxHops, 'max hops', 1, 6, 4);
			const limit = checkInt(options.limit, 'path limit', 1, 50, 3);
			const asOf =
				options.asOf === undefined || options.asOf === null || options.asOf === ''
					? new Date().toISOString()
					: checkTime(options.asOf, 'asOf');
			const types = options.relationTypes?.length ? options.relationTypes : null;
			types?.forEach((t) => assertRelationType(t));
			const found = await this.client.query<{ key: string }>(
				'SELECT key FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])',
				[this.graph, [from, to]],
			);
			for (const k of [from, to]) {
				if (!found.rows.some((f) => f.key === k))
					throw new NotFoundError(`Entity ${JSON.stringify(k)} not found`, 'Check the key.');
			}
			const expand = async (frontier: string[]) => {
				const res = await this.client.query<{ id: string; from_key: string; to_key: string }>(
					`SELECT r.id, r.from_key, r.to_key FROM agentos_graph_relations r
					 WHERE r.graph = $1 AND (r.from_key = ANY($2::text[]) OR r.to_key = ANY($2::text[])) AND ${validAt('r', 3, 4)}`,
					[this.graph, frontier, asOf, types],
				);
				return res.rows.map((r) => ({ id: r.id, from: r.from_key, to: r.to_key }));
			};
			const paths = await bidirectionalShortestPaths(from, to, maxHops, limit, expand);
			const ids = uniqueStrings(paths.flatMap((p) => p.relationIds));
			const relRes = ids.length
				? await this.client.query<Row>(
						`SELECT ${RELATION_COLS} FROM agentos_graph_relations WHERE graph = $1 AND id = ANY($2::text[])`,
						[this.graph, ids],
					)
				: { rows: [] };
			const rels = new Map(relRes.rows.map((r) => [r.id as string, toRelation(r)]));
			return paths.map((p) => ({
				nodes: p.nodes,
				relations: p.relationIds.map((id) => rels.get(id)!),
				length: p.relationIds.length,
			}));
		});
	}

	searchEntities(options: SearchOptions): Promise<SearchHit[]> {
		return this.run('search', async () => {
			const limit = checkInt(options.limit, 'limit', 1, 200, 10);
			const embedding = checkEmbedding(options.embedding, 'query embedding');
			const types = options.types?.length ? options.types : null;
			types?.forEach((t) => assertEntityType(t));
			if (
				(options.query === undefined || options.query === null || options.query === '') &&
				!embedding
			) {
				throw new ValidationError(
					'Search needs a query text or an embedding',
					'Give "query" or "embedding".',
				);
			}
			if (
				options.query !== undefined &&
				options.query !== null &&
				typeof options.query !== 'string'
			) {
				throw new ValidationError('The search query must be text', 'Give "query" as a string.');
			}
			const pool = Math.min(limit * 3, 200);
			// Both lists return whole rows, so a search is one or two statements.
			const byKey = new Map<string, Entity>();
			let textKeys: string[] = [];
			const q = options.query ? tsQuery(options.query, options.fuzzy) : null;
			if (q) {
				const res = await this.client.query<Row>(
					`SELECT ${qualified(ENTITY_COLS, 'e')} FROM agentos_graph_entities e, to_tsquery('simple', $2) q
					 WHERE e.graph = $1 AND e.search @@ q AND ($3::text[] IS NULL OR e.type = ANY($3::text[]))
					 ORDER BY ts_rank(e.search, q) DESC, e.key LIMIT $4`,
					[this.graph, q, types, pool],
				);
				textKeys = res.rows.map((r) => r.key as string);
				for (const r of res.rows) byKey.set(r.key as string, toEntity(r));
			}
			let vectorKeys: string[] = [];
			if (embedding) {
				const res = await this.client.query<Row>(
					`SELECT ${qualified(ENTITY_COLS, 'e')} FROM agentos_graph_entities e
					 WHERE e.graph = $1 AND e.embedding IS NOT NULL AND cardinality(e.embedding) = $3 AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
					 ORDER BY agentos_graph_cosine(e.embedding, $2::real[]) DESC, e.key LIMIT $5`,
					[this.graph, embedding, embedding.length, types, pool],
				);
				vectorKeys = res.rows.map((r) => r.key as string);
				for (const r of res.rows) byKey.set(r.key as string, toEntity(r));
			}
			return fuseHits(textKeys, vectorKeys, (k) => byKey.get(k), limit);
		});
	}

	resolutionCandidates(
		mentions: MentionInput[],
		options: CandidateOptions = {},
	): Promise<ResolutionCandidate[][]> {
		return this.run('resolve', async () => {
			const checked = checkMentions(mentions);
			const limit = checkInt(options.limit, 'candidate limit', 1, 200, 20);
			const exact = { i: [] as number[], types: [] as string[], norms: [] as string[] };
			const text = { i: [] as number[], types: [] as string[], queries: [] as string[] };
			checked.forEach((m, i) => {
				for (const norm of m.norms) {
					exact.i.push(i);
					exact.types.push(m.type);
					exact.norms.push(norm);
				}
				const q = tsQuery(m.names.join(' '), true);
				if (q) {
					text.i.push(i);
					text.types.push(m.type);
					text.queries.push(q);
				}
			});
			const out: ResolutionCandidate[][] = checked.map(() => []);
			if (!exact.i.length && !text.i.length) return out;
			// One statement for the whole batch: exact matches by name probes; full
			// text only for the mentions that have none (the filter on q.i runs
			// before the lateral search, so the others cost nothing). Rows are
			// fetched inside each lateral, by primary key, so no plan joins the table.
			// The type test is written as a filter: as an index condition it
			// intersected the text matches with every entity of the type. An
			// exact match is checked against the entity's own names as well.
			const res = await this.client.query<Row>(
				`WITH exact AS (
				   SELECT x.i, e.* FROM unnest($2::int[], $3::text[], $4::text[]) AS x(i, type, norm) ${NAME_PROBE}
				   CROSS JOIN LATERAL (
				     SELECT key, type, name, aliases FROM agentos_graph_entities
				     WHERE graph = $1 AND key = n.entity_key AND type = x.type AND x.norm = ANY(alias_norms) OFFSET 0
				   ) e
				 ), fuzzy AS (
				   SELECT q.i, f.* FROM unnest($5::int[], $6::text[], $7::text[]) AS q(i, type, query)
				   CROSS JOIN LATERAL (
				     SELECT e.key, e.type, e.name, e.aliases, ts_rank(e.search, tq) AS rank
				     FROM agentos_graph_entities e, to_tsquery('simple', q.query) tq
				     WHERE e.graph = $1 AND e.search @@ tq AND (q.type IS NULL OR e.type = q.type)
				     ORDER BY rank DESC, e.key LIMIT $8
				   ) f
				   WHERE q.i NOT IN (SELECT i FROM exact)
				 )
				 SELECT i, 0 AS pass, 0::real AS rank, key, type, name, aliases FROM exact
				 UNION ALL SELECT i, 1, rank, key, type, name, aliases FROM fuzzy
				 ORDER BY i, pass, rank DESC, key`,
				[this.graph, exact.i, exact.types, exact.norms, text.i, text.types, text.queries, limit],
				PREPARED,
			);
			for (const r of res.rows) {
				const list = out[Number(r.i)];
				if (!list.some((e) => e.key === r.key))
					list.push({
						key: r.key as string,
						type: r.type as string,
						name: r.name as string,
						aliases: (r.aliases as string[]) ?? [],
					});
			}
			return out;
		});
	}

	async runCypher(): Promise<CypherResult> {
		throw new ValidationError(
			'Run Cypher needs the Neo4j backend',
			'Choose Backend: Neo4j, or use the other operations on this graph.',
		);
	}

	// ---- forget, stats ----------------------------------------------------

	forget(target: ForgetTarget): Promise<ForgetResult> {
		return this.run(
			'forget',
			async () => {
				const given = [target?.entityKey, target?.relationId, target?.episodeId].filter(
					(x) => x !== undefined && x !== null && x !== '',
				);
				if (given.length !== 1)
					throw new ValidationError(
						'Forget needs exactly one of entityKey, relationId, episodeId',
						'Give one target per call.',
					);
				return this.client.transaction(async (tx) => {
					if (target.entityKey) {
						assertKey(target.entityKey);
						const rel = await tx.query<{ n: number }>(
							'SELECT count(*)::int AS n FROM agentos_graph_relations WHERE graph = $1 AND (from_key = $2 OR to_key = $2)',
							[this.graph, target.entityKey],
						);
						const del = await tx.query<{ type: string; alias_norms: string[] }>(
							'DELETE FROM agentos_graph_entities WHERE graph = $1 AND key = $2 RETURNING type, alias_norms',
							[this.graph, target.entityKey],
						);
						if (!del.rowCount)
							throw new NotFoundError(
								`Entity ${JSON.stringify(target.entityKey)} not found`,
								'Check the key.',
							);
						await tx.query(
							'DELETE FROM agentos_graph_names WHERE graph = $1 AND type = $2 AND norm = ANY($3::text[]) AND entity_key = $4',
							[this.graph, del.rows[0].type, del.rows[0].alias_norms, target.entityKey],
						);
						return { entities: 1, relations: Number(rel.rows[0].n), episodes: 0 };
					}
					if (target.relationId) {
						assertKey(target.relationId, 'relation id');
						const del = await tx.query(
							'DELETE FROM agentos_graph_relations WHERE graph = $1 AND id = $2',
							[this.graph, target.relationId],
						);
						if (!del.rowCount)
							throw new NotFoundError(
								`Relation ${JSON.stringify(target.relationId)} not found`,
								'Check the relation id.',
							);
						return { entities: 0, relations: 1, episodes: 0 };
					}
					const id = target.episodeId!;
					assertKey(id, 'episode id');
					const rel = await tx.query(
						'DELETE FROM agentos_graph_relations WHERE graph = $1 AND source_episode = $2',
						[this.graph, id],
					);
					const del = await tx.query(
						'DELETE FROM agentos_graph_episodes WHERE graph = $1 AND id = $2',
						[this.graph, id],
					);
					if (!del.rowCount)
						throw new NotFoundError(
							`Episode ${JSON.stringify(id)} not found`,
							'Check the episode id.',
						);
					return { entities: 0, relations: rel.rowCount, episodes: 1 };
				});
			},
			(r) => r.entities + r.relations + r.episodes,
		);
	}

	stats(): Promise<GraphStats> {
		return this.run('stats', async () => {
			const ent = await this.client.query<{ type: string; n: number }>(
				'SELECT type, count(*)::int AS n FROM agentos_graph_entities WHERE graph = $1 GROUP BY type ORDER BY type',
				[this.graph],
			);
			const rel = await this.client.query<{ type: string; n: number; cur: number }>(
				`SELECT type, count(*)::int AS n, count(*) FILTER (WHERE expired_at IS NULL AND (invalid_at IS NULL OR invalid_at > now()))::int AS cur
				 FROM agentos_graph_relations WHERE graph = $1 GROUP BY type ORDER BY type`,
				[this.graph],
			);
			const ep = await this.client.query<{ n: number }>(
				'SELECT count(*)::int AS n FROM agentos_graph_episodes WHERE graph = $1',
				[this.graph],
			);
			const entitiesByType = Object.fromEntries(ent.rows.map((r) => [r.type, Number(r.n)]));
			const relationsByType = Object.fromEntries(rel.rows.map((r) => [r.type, Number(r.n)]));
			return {
				entities: ent.rows.reduce((s, r) => s + Number(r.n), 0),
				relations: rel.rows.reduce((s, r) => s + Number(r.n), 0),
				currentRelations: rel.rows.reduce((s, r) => s + Number(r.cur), 0),
				episodes: Number(ep.rows[0].n),
				agents: entitiesByType[AGENT_TYPE] ?? 0,
				entitiesByType,
				relationsByType,
			};
		});
	}

	async clear(): Promise<void> {
		await this.client.transaction(async (tx) => {
			for (const t of [
				'agentos_graph_mentions',
				'agentos_graph_relations',
				'agentos_graph_episodes',
				'agentos_graph_names',
				'agentos_graph_entities',
			]) {
				await tx.query(`DELETE FROM ${t} WHERE graph = $1`, [this.graph]);
			}
		});
	}

	async close(): Promise<void> {
		if (this.ownsClient) await this.client.close();
	}
}
