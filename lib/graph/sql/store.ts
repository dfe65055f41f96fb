import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../db/errors';
import { migrate } from '../../db/migrations';
import type { SqlClient, SqlExecutor } from '../../db/types';
import { NotFoundError } from '../errors';
import { planUpsert, type EntityRow } from '../merge';
import {
	AGENT_TYPE,
	CONTEXT_TYPE,
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
import { fuseHits, rankNeighbourhood, recallText } from '../ranking';
import type { GraphStore, RecordEpisodeOptions, RelateOptions } from '../store';
import {
	assertGraphName,
	assertKey,
	assertRelationType,
	checkEntity,
	checkEmbedding,
	checkInt,
	checkProperties,
	checkRelation,
	checkTime,
	episodeId,
	type CheckedRelation,
	normalizeName,
	assertEntityType,
	uniqueStrings,
} from '../validate';
import { GRAPH_MIGRATIONS } from './migrations';
import { actorEntity, PLACEHOLDER_TYPE, type StoreOptions } from '../common';
import { bidirectionalShortestPaths } from '../paths';

export type { StoreOptions as SqlGraphStoreOptions } from '../common';

const ENTITY_COLS =
	'key, type, name, aliases, alias_norms, properties, embedding, created_at, updated_at';
const RELATION_COLS =
	'id, type, from_key, to_key, properties, valid_at, invalid_at, created_at, expired_at, source_episode, confidence';
const EPISODE_COLS =
	'id, kind, agent, content, occurred_at, context, source, properties, created_at, extracted_at';

type Row = Record<string, unknown>;

function iso(v: unknown): string {
	return v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
}
function isoOrNull(v: unknown): string | null {
	return v === null || v === undefined ? null : iso(v);
}

function toEntityRow(r: Row): EntityRow & { createdAt: string; updatedAt: string } {
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

function toEntity(r: Row): Entity {
	const { aliasNorms: _n, ...e } = toEntityRow(r);
	return e;
}

function toRelation(r: Row): Relation {
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

function toEpisode(r: Row, entityKeys: string[]): Episode {
	return {
		id: r.id as string,
		kind: r.kind as Episode['kind'],
		agent: r.agent as string,
		content: r.content as string,
		occurredAt: iso(r.occurred_at),
		entityKeys,
		context: (r.context as string | null) ?? null,
		source: (r.source as string | null) ?? null,
		properties: (r.properties as Record<string, unknown>) ?? {},
		createdAt: iso(r.created_at),
		extractedAt: isoOrNull(r.extracted_at),
	};
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
 * The knowledge graph on PostgreSQL or embedded PGlite: four tables
 * (entities, relations, episodes, mentions), recursive CTEs for
 * neighbourhoods, tsvector full text and cosine over real[] embeddings, so
 * it needs no extension.
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

	private run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
		return observe(this.backend, operation, fn);
	}

	// ---- entities ---------------------------------------------------------

	upsertEntities(entities: EntityInput[]): Promise<UpsertResult> {
		return this.run('upsert', async () => {
			if (!Array.isArray(entities))
				throw new ValidationError('Entities must be an array', 'Give a list of {type, name, ...}.');
			const checked = entities.map((e, i) => checkEntity(e, i));
			const { plan, rows } = await this.client.transaction((tx) => this.upsertTx(tx, checked));
			return {
				entities: plan.resolvedKeys.map((k) => rows.get(k)!),
				created: plan.created,
				merged: plan.merged,
			};
		});
	}

	private async upsertTx(tx: SqlExecutor, checked: ReturnType<typeof checkEntity>[]) {
		const now = new Date().toISOString();
		const keys = uniqueStrings(checked.map((c) => c.key));
		const norms = uniqueStrings(checked.flatMap((c) => c.aliasNorms));
		const existing = await tx.query<Row>(
			`SELECT ${ENTITY_COLS} FROM agentos_graph_entities
			 WHERE graph = $1 AND (key = ANY($2::text[]) OR alias_norms && $3::text[]) ORDER BY key FOR UPDATE`,
			[this.graph, keys, norms],
		);
		const plan = planUpsert(checked, existing.rows.map(toEntityRow));
		const rows = new Map<string, Entity>();
		if (plan.rows.length) {
			const payload = plan.rows.map((r) => ({
				key: r.key,
				type: r.type,
				name: r.name,
				aliases: r.aliases,
				alias_norms: r.aliasNorms,
				properties: r.properties,
				embedding: r.embedding ?? null,
			}));
			const res = await tx.query<Row>(
				`INSERT INTO agentos_graph_entities AS e (graph, key, type, name, aliases, alias_norms, properties, embedding, search, created_at, updated_at)
				 SELECT $1, x.key, x.type, x.name, x.aliases, x.alias_norms, x.properties, x.embedding,
				        setweight(to_tsvector('simple', x.name), 'A') || setweight(to_tsvector('simple', array_to_string(x.aliases || x.alias_norms, ' ')), 'B'),
				        $3, $3
				 FROM jsonb_to_recordset($2::jsonb) AS x(key text, type text, name text, aliases text[], alias_norms text[], properties jsonb, embedding real[])
				 ON CONFLICT (graph, key) DO UPDATE SET
				   type = EXCLUDED.type, name = EXCLUDED.name, aliases = EXCLUDED.aliases, alias_norms = EXCLUDED.alias_norms,
				   properties = EXCLUDED.properties, embedding = EXCLUDED.embedding, search = EXCLUDED.search, updated_at = EXCLUDED.updated_at
				 RETURNING ${ENTITY_COLS}`,
				[this.graph, JSON.stringify(payload), now],
			);
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
		return this.run('relate', async () => {
			if (!Array.isArray(relations))
				throw new ValidationError(
					'Relations must be an array',
					'Give a list of {type, from, to, ...}.',
				);
			const now = new Date().toISOString();
			const checked = relations.map((r, i) => checkRelation(r, now, this.singleValued, i));
			const policy = this.policy(options.missingEntities);
			return this.client.transaction((tx) => this.relateTx(tx, checked, policy, now));
		});
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

	private async relateTx(
		tx: SqlExecutor,
		checked: CheckedRelation[],
		policy: MissingEntityPolicy,
		now: string,
		known: { keys?: ReadonlySet<string>; fresh?: ReadonlySet<string>; episode?: string } = {},
	): Promise<RelateResult> {
		const result: RelateResult = { relations: [], invalidated: [], createdEntities: [] };
		if (!checked.length) return result;
		// Keys this transaction has just written need no existence check.
		const endpoints = uniqueStrings(checked.flatMap((r) => [r.from, r.to])).filter(
			(k) => !known.keys?.has(k),
		);
		const found = endpoints.length
			? await tx.query<{ key: string }>(
					'SELECT key FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])',
					[this.graph, endpoints],
				)
			: { rows: [] };
		const have = new Set(found.rows.map((r) => r.key));
		const missing = endpoints.filter((k) => !have.has(k));
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
			result.createdEntities = missing;
		}
		const sourceEpisodes = uniqueStrings(
			checked.map((r) => r.sourceEpisode).filter((s): s is string => !!s && s !== known.episode),
		);
		if (sourceEpisodes.length) {
			const eps = await tx.query<{ id: string }>(
				'SELECT id FROM agentos_graph_episodes WHERE graph = $1 AND id = ANY($2::text[])',
				[this.graph, sourceEpisodes],
			);
			const known = new Set(eps.rows.map((r) => r.id));
			const unknown = sourceEpisodes.filter((s) => !known.has(s));
			if (unknown.length)
				throw new NotFoundError(
					`Episode ${JSON.stringify(unknown[0])} not found`,
					'Record the episode first, or leave "sourceEpisode" empty.',
				);
		}

		// Identical current facts are not duplicated: one query finds them for the whole batch.
		const ident = (r: { type: string; from: string; to: string }) =>
			`${r.from}\u0000${r.type}\u0000${r.to}`;
		// A fact touching an entity created in this transaction cannot exist yet.
		const maybeDup = checked.filter((r) => !known.fresh?.has(r.from) && !known.fresh?.has(r.to));
		const dupRes = maybeDup.length
			? await tx.query<Row>(
					// LATERAL ... OFFSET 0 keeps one index probe per pair, whatever the planner's statistics say.
					`SELECT DISTINCT r.* FROM jsonb_to_recordset($2::jsonb) AS x(f text, t text, o text)
					 CROSS JOIN LATERAL (
					   SELECT ${RELATION_COLS} FROM agentos_graph_relations
					   WHERE graph = $1 AND from_key = x.f AND type = x.t AND to_key = x.o AND expired_at IS NULL AND invalid_at IS NULL
					   OFFSET 0
					 ) r`,
					[this.graph, JSON.stringify(maybeDup.map((r) => ({ f: r.from, t: r.type, o: r.to })))],
				)
			: { rows: [] };
		const current = new Map<string, Relation>(
			dupRes.rows.map((r) => [ident(toRelation(r)), toRelation(r)]),
		);

		const bulk: Array<CheckedRelation & { id: string; index: number }> = [];
		const pendingOpen = new Map<string, CheckedRelation & { id: string; index: number }>();
		const out: Relation[] = new Array(checked.length);
		for (let i = 0; i < checked.length; i++) {
			const r = checked[i];
			const same = current.get(ident(r));
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
				out[i] = toRelation(upd.rows[0]);
				current.set(ident(r), out[i]);
				continue;
			}
			if (!r.singleValued && !r.contradicts.length) {
				const pending = r.invalidAt === null ? pendingOpen.get(ident(r)) : undefined;
				if (pending) {
					pending.confidence = Math.max(pending.confidence, r.confidence);
					bulk.push({ ...r, id: pending.id, index: i });
					continue;
				}
				const entry = { ...r, id: `rel_${randomUUID()}`, index: i };
				bulk.push(entry);
				if (r.invalidAt === null) pendingOpen.set(ident(r), entry);
				continue;
			}
			// Temporal path, one at a time so facts in one batch close each other in order.
			let invalidAt = r.invalidAt;
			if (r.contradicts.length) {
				const known = await tx.query<{ id: string }>(
					'SELECT id FROM agentos_graph_relations WHERE graph = $1 AND id = ANY($2::text[])',
					[this.graph, r.contradicts],
				);
				const unknown = r.contradicts.filter((c) => !known.rows.some((k) => k.id === c));
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
				result.invalidated.push(...closed.rows.map(toRelation));
			}
			if (r.singleValued) {
				const others = await tx.query<Row>(
					`SELECT ${RELATION_COLS} FROM agentos_graph_relations
					 WHERE graph = $1 AND from_key = $2 AND type = $3 AND to_key <> $4 AND expired_at IS NULL
					   AND (invalid_at IS NULL OR invalid_at > $5) FOR UPDATE`,
					[this.graph, r.from, r.type, r.to, r.validAt],
				);
				for (const o of others.rows.map(toRelation)) {
					if (o.validAt <= r.validAt) {
						const closed = await tx.query<Row>(
							`UPDATE agentos_graph_relations SET invalid_at = $3, expired_at = $4 WHERE graph = $1 AND id = $2 RETURNING ${RELATION_COLS}`,
							[this.graph, o.id, r.validAt, now],
						);
						result.invalidated.push(toRelation(closed.rows[0]));
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
					`rel_${randomUUID()}`,
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
			out[i] = toRelation(ins.rows[0]);
			if (out[i].invalidAt === null) current.set(ident(r), out[i]);
		}
		if (bulk.length) {
			const seenIds = new Set<string>();
			const first = bulk.filter((b) => !seenIds.has(b.id) && seenIds.add(b.id));
			const ins = await tx.query<Row>(
				`INSERT INTO agentos_graph_relations (graph, id, type, from_key, to_key, properties, valid_at, invalid_at, created_at, expired_at, source_episode, confidence)
				 SELECT $1, x.id, x.type, x.from_key, x.to_key, x.properties, x.valid_at, x.invalid_at, $3, NULL, x.source_episode, x.confidence
				 FROM jsonb_to_recordset($2::jsonb) AS x(id text, type text, from_key text, to_key text, properties jsonb, valid_at timestamptz, invalid_at timestamptz, source_episode text, confidence float8)
				 RETURNING ${RELATION_COLS}`,
				[
					this.graph,
					JSON.stringify(
						first.map((b) => ({
							id: b.id,
							type: b.type,
							from_key: b.from,
							to_key: b.to,
							properties: b.properties,
							valid_at: b.validAt,
							invalid_at: b.invalidAt,
							source_episode: b.sourceEpisode,
							confidence: b.confidence,
						})),
					),
					now,
				],
			);
			const byId = new Map(ins.rows.map((r) => [r.id as string, toRelation(r)]));
			for (const b of bulk) out[b.index] = byId.get(b.id)!;
		}
		result.relations = out;
		return result;
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
		return this.run('record_episode', async () => {
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
			const policy = this.policy(options.missingEntities);
			const singleValued = this.singleValued;
			const relationInputs = input.relations ?? [];
			relationInputs.forEach((r, i) => checkRelation(r, now, singleValued, i));

			return this.client.transaction(async (tx) => {
				const prior = await tx.query<Row>(
					`SELECT ${EPISODE_COLS} FROM agentos_graph_episodes WHERE graph = $1 AND id = $2 FOR UPDATE`,
					[this.graph, id],
				);
				const empty = { relations: [], invalidated: [], createdEntities: [], entities: [] };
				if (prior.rows[0] && (!options.markExtracted || prior.rows[0].extracted_at)) {
					return { ...empty, episode: await this.loadEpisode(tx, prior.rows[0]), created: false };
				}
				const { plan, rows } = await this.upsertTx(tx, [...actor, ...entities]);
				const [agentKey, contextKey] = plan.resolvedKeys;
				const resolvedEntityKeys = plan.resolvedKeys.slice(actor.length);
				if (entityKeys.length) {
					const found = await tx.query<{ key: string }>(
						'SELECT key FROM agentos_graph_entities WHERE graph = $1 AND key = ANY($2::text[])',
						[this.graph, entityKeys],
					);
					const miss = entityKeys.find((k) => !found.rows.some((f) => f.key === k));
					if (miss)
						throw new NotFoundError(
							`Entity ${JSON.stringify(miss)} not found`,
							'List keys of existing entities in "entityKeys", or pass them as "entities".',
						);
				}
				let episodeRow: Row;
				if (prior.rows[0]) {
					const upd = await tx.query<Row>(
						`UPDATE agentos_graph_episodes SET extracted_at = $3 WHERE graph = $1 AND id = $2 RETURNING ${EPISODE_COLS}`,
						[this.graph, id, now],
					);
					episodeRow = upd.rows[0];
				} else {
					const ins = await tx.query<Row>(
						`INSERT INTO agentos_graph_episodes (graph, id, kind, agent, content, occurred_at, context, source, properties, created_at, extracted_at)
						 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) RETURNING ${EPISODE_COLS}`,
						[
							this.graph,
							id,
							kind,
							agentKey,
							input.content,
							occurredAt,
							actor.length > 1 ? contextKey : null,
							input.source ?? null,
							JSON.stringify(properties),
							now,
							options.markExtracted ? now : null,
						],
					);
					episodeRow = ins.rows[0];
				}
				const mentions = uniqueStrings([...plan.resolvedKeys, ...entityKeys]);
				await tx.query(
					'INSERT INTO agentos_graph_mentions (graph, episode_id, entity_key) SELECT $1, $2, k FROM unnest($3::text[]) AS k ON CONFLICT DO NOTHING',
					[this.graph, id, mentions],
				);
				const deferred = options.deferRelations ? options.deferRelations(resolvedEntityKeys) : [];
				const rel = [...relationInputs, ...deferred].map((r, i) =>
					checkRelation({ ...r, sourceEpisode: id }, now, singleValued, i),
				);
				const related = await this.relateTx(tx, rel, policy, now, {
					keys: new Set(plan.resolvedKeys),
					fresh: new Set(plan.rows.filter((r) => r.isNew).map((r) => r.key)),
					episode: id,
				});
				return {
					...related,
					// A new episode's mentions are exactly those just written.
					episode: prior.rows[0]
						? await this.loadEpisode(tx, episodeRow)
						: toEpisode(episodeRow, [...mentions].sort()),
					entities: uniqueStrings(plan.resolvedKeys.slice(actor.length)).map((k) => rows.get(k)!),
					created: !prior.rows[0],
				};
			});
		});
	}

	private async loadEpisode(ex: SqlExecutor, row: Row): Promise<Episode> {
		const m = await ex.query<{ entity_key: string }>(
			'SELECT entity_key FROM agentos_graph_mentions WHERE graph = $1 AND episode_id = $2 ORDER BY entity_key',
			[this.graph, row.id],
		);
		return toEpisode(row, m.rows.map((r) => r.entity_key).sort());
	}

	async getEpisode(id: string): Promise<Episode | null> {
		assertKey(id, 'episode id');
		const res = await this.client.query<Row>(
			`SELECT ${EPISODE_COLS} FROM agentos_graph_episodes WHERE graph = $1 AND id = $2`,
			[this.graph, id],
		);
		return res.rows[0] ? this.loadEpisode(this.client, res.rows[0]) : null;
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
					`SELECT ${EPISODE_COLS} FROM agentos_graph_episodes e
					 WHERE e.graph = $1 AND e.occurred_at <= $3
					   AND e.id IN (SELECT episode_id FROM agentos_graph_mentions WHERE graph = $1 AND entity_key = ANY($2::text[]))
					 ORDER BY e.occurred_at DESC, e.id LIMIT $4`,
					[this.graph, seeds, asOf, episodeCount],
				);
				episodes = await Promise.all(epRes.rows.map((r) => this.loadEpisode(this.client, r)));
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
					`SELECT ${ENTITY_COLS.split(', ')
						.map((c) => `e.${c}`)
						.join(', ')} FROM agentos_graph_entities e, to_tsquery('simple', $2) q
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
					`SELECT ${ENTITY_COLS.split(', ')
						.map((c) => `e.${c}`)
						.join(', ')} FROM agentos_graph_entities e
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

	async runCypher(): Promise<CypherResult> {
		throw new ValidationError(
			'Run Cypher needs the Neo4j backend',
			'Choose Backend: Neo4j, or use the other operations on this graph.',
		);
	}

	// ---- forget, stats ----------------------------------------------------

	forget(target: ForgetTarget): Promise<ForgetResult> {
		return this.run('forget', async () => {
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
					const del = await tx.query(
						'DELETE FROM agentos_graph_entities WHERE graph = $1 AND key = $2',
						[this.graph, target.entityKey],
					);
					if (!del.rowCount)
						throw new NotFoundError(
							`Entity ${JSON.stringify(target.entityKey)} not found`,
							'Check the key.',
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
		});
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
