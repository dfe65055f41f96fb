import { randomUUID } from 'node:crypto';
import neo4j, { type ManagedTransaction } from 'neo4j-driver';
import { ValidationError } from '../../db/errors';
import { NotFoundError } from '../errors';
import { planUpsert, type EntityRow } from '../merge';
import { observe } from '../metrics';
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
import { bidirectionalShortestPaths, type PathEdge } from '../paths';
import { fuseHits, rankNeighbourhood, recallText } from '../ranking';
import type { ResolutionCandidate } from '../resolution';
import { checkEpisode, PLACEHOLDER_TYPE, type StoreOptions } from '../common';
import type {
	CandidateOptions,
	GraphStore,
	MentionInput,
	RecordEpisodeOptions,
	RelateOptions,
} from '../store';
import {
	assertEntityType,
	assertGraphName,
	assertKey,
	assertRelationType,
	checkEmbedding,
	checkEntity,
	checkInt,
	checkMentions,
	checkRelation,
	checkTime,
	cypherName,
	normalizeName,
	uniqueStrings,
	type CheckedEntity,
	type CheckedRelation,
} from '../validate';
import { acquireDriver, type DriverHandle, type Neo4jConnection } from './driver';
import { FULLTEXT_INDEX, SCHEMA_STATEMENTS, VECTOR_INDEX, vectorIndexStatement } from './schema';

export type { Neo4jConnection } from './driver';

type Props = Record<string, unknown>;

/** A relation valid at `$asOf`, of an allowed type: the filter every traversal uses. */
const VALID =
	'r.graph = $graph AND r.validAt <= $asOf AND (r.invalidAt IS NULL OR r.invalidAt > $asOf) AND ($types IS NULL OR type(r) IN $types)';
const CURRENT = 'r.expiredAt IS NULL AND r.invalidAt IS NULL';

function parseJson(v: unknown): Record<string, unknown> {
	if (typeof v !== 'string' || v === '') return {};
	try {
		return JSON.parse(v) as Record<string, unknown>;
	} catch {
		return {};
	}
}

function toEntityRow(p: Props): EntityRow & { createdAt: string; updatedAt: string } {
	const emb = p.embedding as number[] | null | undefined;
	return {
		key: p.key as string,
		type: p.type as string,
		name: p.name as string,
		aliases: (p.aliases as string[]) ?? [],
		aliasNorms: (p.aliasNorms as string[]) ?? [],
		properties: parseJson(p.properties),
		...(emb ? { embedding: emb.map(Number) } : {}),
		createdAt: p.createdAt as string,
		updatedAt: p.updatedAt as string,
	};
}

function toEntity(p: Props): Entity {
	const { aliasNorms: _n, ...e } = toEntityRow(p);
	return e;
}

function toRelation(p: Props, type: string, from: string, to: string): Relation {
	return {
		id: p.id as string,
		type,
		from,
		to,
		properties: parseJson(p.properties),
		validAt: p.validAt as string,
		invalidAt: (p.invalidAt as string | null) ?? null,
		createdAt: p.createdAt as string,
		expiredAt: (p.expiredAt as string | null) ?? null,
		sourceEpisode: (p.sourceEpisode as string | null) ?? null,
		confidence: Number(p.confidence ?? 1),
	};
}

/** Returns a relation with its endpoints: `RETURN properties(r) AS r, type(r) AS t, a.key AS f, b.key AS o`. */
const REL_RETURN = 'properties(r) AS r, type(r) AS t, a.key AS f, b.key AS o';
function relFromRecord(rec: { get(k: string): unknown }): Relation {
	return toRelation(
		rec.get('r') as Props,
		rec.get('t') as string,
		rec.get('f') as string,
		rec.get('o') as string,
	);
}

function toEpisode(p: Props, entityKeys: string[]): Episode {
	return {
		id: p.id as string,
		kind: p.kind as Episode['kind'],
		agent: p.agent as string,
		content: p.content as string,
		occurredAt: p.occurredAt as string,
		entityKeys: [...entityKeys].sort(),
		context: (p.context as string | null) ?? null,
		source: (p.source as string | null) ?? null,
		properties: parseJson(p.properties),
		createdAt: p.createdAt as string,
		extractedAt: (p.extractedAt as string | null) ?? null,
	};
}

/** Words of a query as a Lucene query: letters and digits only; prefix, and fuzzy when asked. */
export function luceneQuery(query: string, fuzzy = false): string | null {
	const words = uniqueStrings(normalizeName(query).split(' ').filter(Boolean)).slice(0, 16);
	const terms = words.flatMap((w) => (fuzzy && w.length > 3 ? [`${w}*`, `${w}~`] : [`${w}*`]));
	return terms.length ? terms.join(' OR ') : null;
}

/** Neo4j values → JSON: integers, nodes, relationships, paths, temporal values. */
export function toPlain(v: unknown): unknown {
	if (v === null || v === undefined) return v ?? null;
	if (neo4j.isInt(v)) return (v as { toNumber(): number }).toNumber();
	if (neo4j.isNode(v as never)) {
		const n = v as unknown as { elementId: string; labels: string[]; properties: Props };
		return { elementId: n.elementId, labels: n.labels, properties: toPlain(n.properties) };
	}
	if (neo4j.isRelationship(v as never)) {
		const r = v as unknown as {
			elementId: string;
			type: string;
			startNodeElementId: string;
			endNodeElementId: string;
			properties: Props;
		};
		return {
			elementId: r.elementId,
			type: r.type,
			start: r.startNodeElementId,
			end: r.endNodeElementId,
			properties: toPlain(r.properties),
		};
	}
	if (neo4j.isPath(v as never)) {
		const p = v as unknown as {
			segments: Array<{ start: unknown; relationship: unknown; end: unknown }>;
		};
		return p.segments.map((s) => ({
			start: toPlain(s.start),
			relationship: toPlain(s.relationship),
			end: toPlain(s.end),
		}));
	}
	if (Array.isArray(v)) return v.map(toPlain);
	if (typeof v === 'object') {
		const o = v as { toString(): string; constructor?: { name?: string } };
		if (
			['Date', 'DateTime', 'LocalDateTime', 'LocalTime', 'Time', 'Duration', 'Point'].includes(
				o.constructor?.name ?? '',
			)
		)
			return o.toString();
		return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, toPlain(x)]));
	}
	return v;
}

/**
 * The knowledge graph on Neo4j. Entities are `:Entity:<Type>` nodes,
 * relations are relationships of their own type between them (type names
 * validated and backtick-quoted; every value a parameter), episodes are
 * `:Episode` nodes with `MENTIONS` relationships. Every call runs in one
 * managed transaction (executeRead/executeWrite, retried on transient
 * errors). Times are stored as ISO-8601 UTC strings, which order correctly.
 */
export class Neo4jGraphStore implements GraphStore {
	readonly backend = 'neo4j' as const;
	readonly graph: string;
	private readonly singleValued: Set<string>;
	private readonly missing: MissingEntityPolicy;

	private constructor(
		private readonly handle: DriverHandle,
		private readonly database: string | undefined,
		options: StoreOptions,
	) {
		this.graph = options.graph ?? 'default';
		this.singleValued = new Set(options.singleValued ?? []);
		this.missing = options.missingEntities ?? 'reject';
	}

	static async open(
		connection: Neo4jConnection,
		options: StoreOptions = {},
	): Promise<Neo4jGraphStore> {
		assertGraphName(options.graph ?? 'default');
		for (const t of options.singleValued ?? []) assertRelationType(t);
		const handle = await acquireDriver(connection);
		const store = new Neo4jGraphStore(handle, connection.database || undefined, options);
		try {
			await store.ensureSchema();
		} catch (err) {
			await handle.release();
			throw err;
		}
		return store;
	}

	private ensureSchema(): Promise<void> {
		const key = this.database ?? '';
		let p = this.handle.schema.get(key);
		if (!p) {
			p = (async () => {
				const session = this.handle.driver.session({ database: this.database });
				try {
					for (const s of SCHEMA_STATEMENTS) await session.run(s);
					// New indexes populate in the background; wait so the first query can use them.
					await session.run('CALL db.awaitIndexes(300)');
				} finally {
					await session.close();
				}
			})();
			p.catch(() => this.handle.schema.delete(key));
			this.handle.schema.set(key, p);
		}
		return p;
	}

	private async ensureVectorIndex(dimensions: number): Promise<void> {
		const key = `${this.database ?? ''}|vector`;
		if (this.handle.schema.has(key)) return this.handle.schema.get(key);
		const p = (async () => {
			const session = this.handle.driver.session({ database: this.database });
			try {
				await session.run(vectorIndexStatement(dimensions));
				await session.run('CALL db.awaitIndex($name, 300)', { name: VECTOR_INDEX });
			} finally {
				await session.close();
			}
		})();
		p.catch(() => this.handle.schema.delete(key));
		this.handle.schema.set(key, p);
		return p;
	}

	private async read<T>(fn: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
		const session = this.handle.driver.session({
			database: this.database,
			defaultAccessMode: neo4j.session.READ,
		});
		try {
			return await session.executeRead(fn);
		} finally {
			await session.close();
		}
	}

	private async write<T>(fn: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
		const session = this.handle.driver.session({
			database: this.database,
			defaultAccessMode: neo4j.session.WRITE,
		});
		try {
			return await session.executeWrite(fn);
		} finally {
			await session.close();
		}
	}

	private run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
		return observe(this.backend, operation, fn);
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

	// ---- entities ---------------------------------------------------------

	upsertEntities(entities: EntityInput[]): Promise<UpsertResult> {
		return this.run('upsert', async () => {
			if (!Array.isArray(entities))
				throw new ValidationError('Entities must be an array', 'Give a list of {type, name, ...}.');
			const checked = entities.map((e, i) => checkEntity(e, i));
			await this.vectorIndexFor(checked);
			const { plan, rows } = await this.write((tx) => this.upsertTx(tx, checked));
			return {
				entities: plan.resolvedKeys.map((k) => rows.get(k)!),
				created: plan.created,
				merged: plan.merged,
			};
		});
	}

	private async vectorIndexFor(checked: CheckedEntity[]): Promise<void> {
		const dims = checked.find((c) => c.embedding)?.embedding?.length;
		if (dims) await this.ensureVectorIndex(dims);
	}

	private async upsertTx(tx: ManagedTransaction, checked: CheckedEntity[]) {
		const now = new Date().toISOString();
		const existing = await tx.run(
			`MATCH (n:Entity) WHERE n.graph = $graph AND (n.key IN $keys OR any(a IN n.aliasNorms WHERE a IN $norms))
			 RETURN properties(n) AS n ORDER BY n.key`,
			{
				graph: this.graph,
				keys: uniqueStrings(checked.map((c) => c.key)),
				norms: uniqueStrings(checked.flatMap((c) => c.aliasNorms)),
			},
		);
		const stored = new Map(
			existing.records.map((r) => {
				const n = r.get('n') as Props;
				return [n.key as string, n];
			}),
		);
		const plan = planUpsert(checked, [...stored.values()].map(toEntityRow));
		const rows = new Map<string, Entity>();
		// Entities the batch leaves as they were are not written again.
		const byType = new Map<string, typeof plan.rows>();
		for (const r of plan.rows) {
			if (!r.changed) rows.set(r.key, toEntity(stored.get(r.key)!));
			else byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
		}
		for (const [type, group] of byType) {
			const label = cypherName(type, assertEntityType);
			const res = await tx.run(
				`UNWIND $rows AS row
				 MERGE (n:Entity {graph: $graph, key: row.key})
				 ON CREATE SET n.createdAt = $now
				 SET n:${label}, n.type = row.type, n.name = row.name, n.aliases = row.aliases, n.aliasNorms = row.aliasNorms,
				     n.aliasText = row.aliasText, n.properties = row.properties, n.embedding = row.embedding, n.updatedAt = $now
				 RETURN properties(n) AS n`,
				{
					graph: this.graph,
					now,
					rows: group.map((r) => ({
						key: r.key,
						type: r.type,
						name: r.name,
						aliases: r.aliases,
						aliasNorms: r.aliasNorms,
						aliasText: [...r.aliases, ...r.aliasNorms].join(' '),
						properties: JSON.stringify(r.properties),
						embedding: r.embedding ?? null,
					})),
				},
			);
			for (const rec of res.records) {
				const e = toEntity(rec.get('n') as Props);
				rows.set(e.key, e);
			}
		}
		return { plan, rows };
	}

	async getEntity(key: string): Promise<Entity | null> {
		assertKey(key);
		const res = await this.read((tx) =>
			tx.run('MATCH (n:Entity {graph: $graph, key: $key}) RETURN properties(n) AS n', {
				graph: this.graph,
				key,
			}),
		);
		return res.records[0] ? toEntity(res.records[0].get('n') as Props) : null;
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
			return this.write((tx) => this.relateTx(tx, checked, policy, now));
		});
	}

	private async relateTx(
		tx: ManagedTransaction,
		checked: CheckedRelation[],
		policy: MissingEntityPolicy,
		now: string,
	): Promise<RelateResult> {
		const result: RelateResult = { relations: [], invalidated: [], createdEntities: [] };
		if (!checked.length) return result;
		const g = this.graph;
		const endpoints = uniqueStrings(checked.flatMap((r) => [r.from, r.to]));
		const found = await tx.run(
			'MATCH (n:Entity) WHERE n.graph = $graph AND n.key IN $keys RETURN n.key AS k',
			{ graph: g, keys: endpoints },
		);
		const have = new Set(found.records.map((r) => r.get('k') as string));
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
			await this.upsertTx(
				tx,
				missing.map((key) => checkEntity({ key, type: PLACEHOLDER_TYPE, name: key })),
			);
			result.createdEntities = missing;
		}
		const sources = uniqueStrings(
			checked.map((r) => r.sourceEpisode).filter((s): s is string => !!s),
		);
		if (sources.length) {
			const eps = await tx.run(
				'MATCH (e:Episode) WHERE e.graph = $graph AND e.id IN $ids RETURN e.id AS id',
				{ graph: g, ids: sources },
			);
			const unknown = sources.filter((s) => !eps.records.some((r) => r.get('id') === s));
			if (unknown.length)
				throw new NotFoundError(
					`Episode ${JSON.stringify(unknown[0])} not found`,
					'Record the episode first, or leave "sourceEpisode" empty.',
				);
		}
		for (const r of checked) {
			const type = cypherName(r.type, assertRelationType);
			const same = await tx.run(
				`MATCH (a:Entity {graph: $graph, key: $from})-[r:${type}]->(b:Entity {graph: $graph, key: $to}) WHERE ${CURRENT} RETURN ${REL_RETURN} LIMIT 1`,
				{ graph: g, from: r.from, to: r.to },
			);
			if (same.records[0] && r.invalidAt === null && !r.contradicts.length) {
				const old = relFromRecord(same.records[0]);
				const upd = await tx.run(
					`MATCH (a:Entity {graph: $graph, key: $from})-[r:${type} {id: $id}]->(b:Entity {graph: $graph, key: $to})
					 SET r.confidence = CASE WHEN r.confidence > $confidence THEN r.confidence ELSE $confidence END,
					     r.properties = $properties, r.validAt = CASE WHEN r.validAt < $validAt THEN r.validAt ELSE $validAt END,
					     r.sourceEpisode = coalesce(r.sourceEpisode, $sourceEpisode)
					 RETURN ${REL_RETURN}`,
					{
						graph: g,
						from: r.from,
						to: r.to,
						id: old.id,
						confidence: r.confidence,
						properties: JSON.stringify({ ...old.properties, ...r.properties }),
						validAt: r.validAt,
						sourceEpisode: r.sourceEpisode,
					},
				);
				result.relations.push(relFromRecord(upd.records[0]));
				continue;
			}
			let invalidAt = r.invalidAt;
			if (r.contradicts.length) {
				const known = await tx.run(
					'MATCH (a:Entity)-[r]->(b:Entity) WHERE r.graph = $graph AND r.id IN $ids RETURN r.id AS id',
					{ graph: g, ids: r.contradicts },
				);
				const unknown = r.contradicts.filter((c) => !known.records.some((k) => k.get('id') === c));
				if (unknown.length)
					throw new NotFoundError(
						`Relation ${JSON.stringify(unknown[0])} not found`,
						'List ids of existing relations in "contradicts".',
					);
				const closed = await tx.run(
					`MATCH (a:Entity)-[r]->(b:Entity) WHERE r.graph = $graph AND r.id IN $ids AND r.expiredAt IS NULL
					 SET r.invalidAt = CASE WHEN r.invalidAt IS NULL OR r.invalidAt > $at THEN (CASE WHEN r.validAt > $at THEN r.validAt ELSE $at END) ELSE r.invalidAt END,
					     r.expiredAt = $now
					 RETURN ${REL_RETURN}`,
					{ graph: g, ids: r.contradicts, at: r.validAt, now },
				);
				result.invalidated.push(...closed.records.map(relFromRecord));
			}
			if (r.singleValued) {
				const others = await tx.run(
					`MATCH (a:Entity {graph: $graph, key: $from})-[r:${type}]->(b:Entity)
					 WHERE b.key <> $to AND r.expiredAt IS NULL AND (r.invalidAt IS NULL OR r.invalidAt > $at) RETURN ${REL_RETURN}`,
					{ graph: g, from: r.from, to: r.to, at: r.validAt },
				);
				for (const o of others.records.map(relFromRecord)) {
					if (o.validAt <= r.validAt) {
						const closed = await tx.run(
							`MATCH (a:Entity)-[r:${type} {id: $id}]->(b:Entity) WHERE r.graph = $graph SET r.invalidAt = $at, r.expiredAt = $now RETURN ${REL_RETURN}`,
							{ graph: g, id: o.id, at: r.validAt, now },
						);
						result.invalidated.push(relFromRecord(closed.records[0]));
					} else if (invalidAt === null || invalidAt > o.validAt) {
						invalidAt = o.validAt;
					}
				}
			}
			const ins = await tx.run(
				`MATCH (a:Entity {graph: $graph, key: $from}), (b:Entity {graph: $graph, key: $to})
				 CREATE (a)-[r:${type} {graph: $graph, id: $id, properties: $properties, validAt: $validAt, invalidAt: $invalidAt,
				   createdAt: $now, expiredAt: $expiredAt, sourceEpisode: $sourceEpisode, confidence: $confidence}]->(b)
				 RETURN ${REL_RETURN}`,
				{
					graph: g,
					from: r.from,
					to: r.to,
					id: `rel_${randomUUID()}`,
					properties: JSON.stringify(r.properties),
					validAt: r.validAt,
					invalidAt,
					now,
					expiredAt: invalidAt === null ? null : now,
					sourceEpisode: r.sourceEpisode,
					confidence: r.confidence,
				},
			);
			result.relations.push(relFromRecord(ins.records[0]));
		}
		return result;
	}

	async relationsOf(key: string, options: { history?: boolean } = {}): Promise<Relation[]> {
		assertKey(key);
		const res = await this.read((tx) =>
			tx.run(
				`MATCH (a:Entity)-[r]->(b:Entity) WHERE r.graph = $graph AND (a.key = $key OR b.key = $key) AND a.graph = $graph
				   AND ($history OR (r.expiredAt IS NULL AND (r.invalidAt IS NULL OR r.invalidAt > $now)))
				 RETURN ${REL_RETURN} ORDER BY r.validAt, r.createdAt, r.id`,
				{
					graph: this.graph,
					key,
					history: options.history === true,
					now: new Date().toISOString(),
				},
			),
		);
		return res.records.map(relFromRecord);
	}

	// ---- episodes ---------------------------------------------------------

	recordEpisode(input: EpisodeInput, options: RecordEpisodeOptions = {}): Promise<EpisodeResult> {
		return this.run('record_episode', async () => {
			const {
				id,
				kind,
				content,
				occurredAt,
				source,
				properties,
				actor,
				entities,
				entityKeys,
				relationInputs,
				now,
			} = checkEpisode(input, this.singleValued);
			const policy = this.policy(options.missingEntities);
			await this.vectorIndexFor(entities);
			const g = this.graph;

			return this.write(async (tx) => {
				const prior = await tx.run(
					'MATCH (e:Episode {graph: $graph, id: $id}) RETURN properties(e) AS e',
					{ graph: g, id },
				);
				const priorEp = prior.records[0]?.get('e') as Props | undefined;
				if (priorEp && (!options.markExtracted || priorEp.extractedAt)) {
					return {
						relations: [],
						invalidated: [],
						createdEntities: [],
						entities: [],
						episode: await this.loadEpisode(tx, priorEp),
						created: false,
					};
				}
				const { plan, rows } = await this.upsertTx(tx, [...actor, ...entities]);
				const [agentKey, contextKey] = plan.resolvedKeys;
				if (entityKeys.length) {
					const found = await tx.run(
						'MATCH (n:Entity) WHERE n.graph = $graph AND n.key IN $keys RETURN n.key AS k',
						{ graph: g, keys: entityKeys },
					);
					const miss = entityKeys.find((k) => !found.records.some((f) => f.get('k') === k));
					if (miss)
						throw new NotFoundError(
							`Entity ${JSON.stringify(miss)} not found`,
							'List keys of existing entities in "entityKeys", or pass them as "entities".',
						);
				}
				const ep = await tx.run(
					`MERGE (e:Episode {graph: $graph, id: $id})
					 ON CREATE SET e.kind = $kind, e.agent = $agent, e.content = $content, e.occurredAt = $occurredAt, e.context = $context,
					   e.source = $source, e.properties = $properties, e.createdAt = $now
					 SET e.extractedAt = CASE WHEN $mark THEN $now ELSE e.extractedAt END
					 WITH e
					 UNWIND $mentions AS k
					 MATCH (n:Entity {graph: $graph, key: k})
					 MERGE (e)-[:MENTIONS]->(n)
					 RETURN DISTINCT properties(e) AS e`,
					{
						graph: g,
						id,
						kind,
						agent: agentKey,
						content,
						occurredAt,
						context: actor.length > 1 ? contextKey : null,
						source,
						properties: JSON.stringify(properties),
						now,
						mark: options.markExtracted === true,
						mentions: uniqueStrings([...plan.resolvedKeys, ...entityKeys]),
					},
				);
				const deferred = options.deferRelations
					? options.deferRelations(plan.resolvedKeys.slice(actor.length))
					: [];
				const rel = [...relationInputs, ...deferred].map((r, i) =>
					checkRelation({ ...r, sourceEpisode: id }, now, this.singleValued, i),
				);
				const related = await this.relateTx(tx, rel, policy, now);
				return {
					...related,
					episode: await this.loadEpisode(tx, ep.records[0].get('e') as Props),
					entities: uniqueStrings(plan.resolvedKeys.slice(actor.length)).map((k) => rows.get(k)!),
					created: !priorEp,
				};
			});
		});
	}

	private async loadEpisode(tx: ManagedTransaction, p: Props): Promise<Episode> {
		const m = await tx.run(
			'MATCH (e:Episode {graph: $graph, id: $id})-[:MENTIONS]->(n:Entity) RETURN n.key AS k',
			{ graph: this.graph, id: p.id },
		);
		return toEpisode(
			p,
			m.records.map((r) => r.get('k') as string),
		);
	}

	async getEpisode(id: string): Promise<Episode | null> {
		assertKey(id, 'episode id');
		return this.read(async (tx) => {
			const res = await tx.run(
				'MATCH (e:Episode {graph: $graph, id: $id}) RETURN properties(e) AS e',
				{ graph: this.graph, id },
			);
			return res.records[0] ? this.loadEpisode(tx, res.records[0].get('e') as Props) : null;
		});
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
				const found = await this.read((tx) =>
					tx.run('MATCH (n:Entity) WHERE n.graph = $graph AND n.key IN $keys RETURN n.key AS k', {
						graph: this.graph,
						keys: seeds,
					}),
				);
				const miss = seeds.find((k) => !found.records.some((f) => f.get('k') === k));
				if (miss)
					throw new NotFoundError(
						`Entity ${JSON.stringify(miss)} not found`,
						'Check the key, or recall by a query instead.',
					);
			} else if (options.query || options.queryEmbedding) {
				seeds = (
					await this.searchEntities({
						query: options.query,
						embedding: options.queryEmbedding,
						limit: seedCount,
					})
				).map((h) => h.entity.key);
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

			return this.read(async (tx) => {
				// Level by level, each level one query and capped, so a hub cannot flood the walk.
				const cap = Math.max(budget * 8, 100);
				const dist = new Map(seeds.map((s) => [s, 0]));
				let frontier = seeds;
				let capped = false;
				for (let d = 1; d <= hops && frontier.length && !capped; d++) {
					const res = await tx.run(
						`MATCH (a:Entity)-[r]-(b:Entity) WHERE a.graph = $graph AND a.key IN $frontier AND b.graph = $graph AND ${VALID}
						 RETURN DISTINCT b.key AS k LIMIT $cap`,
						{ graph: this.graph, frontier, asOf, types, cap: neo4j.int(cap + 1) },
					);
					const next: string[] = [];
					for (const rec of res.records) {
						const k = rec.get('k') as string;
						if (!dist.has(k)) {
							dist.set(k, d);
							next.push(k);
						}
					}
					if (res.records.length > cap || dist.size > cap) capped = true;
					frontier = next;
				}
				const keys = [...dist.keys()];
				const relRes = await tx.run(
					`MATCH (a:Entity)-[r]->(b:Entity) WHERE a.graph = $graph AND a.key IN $keys AND b.key IN $keys AND ${VALID}
					 RETURN ${REL_RETURN} ORDER BY r.validAt DESC, r.id`,
					{ graph: this.graph, keys, asOf, types },
				);
				const allRelations = relRes.records.map(relFromRecord);
				const { kept, truncated } = rankNeighbourhood(
					[...dist].map(([key, distance]) => ({ key, distance })),
					allRelations,
					budget,
				);
				const keptKeys = new Set(kept.map((k) => k.key));
				const ents = await tx.run(
					'MATCH (n:Entity) WHERE n.graph = $graph AND n.key IN $keys RETURN properties(n) AS n',
					{ graph: this.graph, keys: [...keptKeys] },
				);
				const byKey = new Map(
					ents.records.map((r) => [
						(r.get('n') as Props).key as string,
						toEntity(r.get('n') as Props),
					]),
				);
				const entities = kept
					.filter((k) => byKey.has(k.key))
					.map((k) => {
						const { embedding: _e, ...e } = byKey.get(k.key)!;
						return { ...e, distance: k.distance, score: Number(k.score.toFixed(4)) };
					});
				const relations = allRelations.filter((r) => keptKeys.has(r.from) && keptKeys.has(r.to));
				const episodes: Episode[] = [];
				if (episodeCount > 0) {
					const eps = await tx.run(
						`MATCH (e:Episode)-[:MENTIONS]->(n:Entity) WHERE e.graph = $graph AND n.graph = $graph AND n.key IN $seeds AND e.occurredAt <= $asOf
						 WITH DISTINCT e ORDER BY e.occurredAt DESC, e.id LIMIT $n RETURN properties(e) AS e`,
						{ graph: this.graph, seeds, asOf, n: neo4j.int(episodeCount) },
					);
					for (const rec of eps.records)
						episodes.push(await this.loadEpisode(tx, rec.get('e') as Props));
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
			return this.read(async (tx) => {
				const found = await tx.run(
					'MATCH (n:Entity) WHERE n.graph = $graph AND n.key IN $keys RETURN n.key AS k',
					{ graph: this.graph, keys: [from, to] },
				);
				for (const k of [from, to]) {
					if (!found.records.some((f) => f.get('k') === k))
						throw new NotFoundError(`Entity ${JSON.stringify(k)} not found`, 'Check the key.');
				}
				const expand = async (frontier: string[]): Promise<PathEdge[]> => {
					const res = await tx.run(
						`MATCH (x:Entity)-[r]-(y:Entity) WHERE x.graph = $graph AND x.key IN $frontier AND ${VALID}
						 RETURN DISTINCT r.id AS id, startNode(r).key AS f, endNode(r).key AS o`,
						{ graph: this.graph, frontier, asOf, types },
					);
					return res.records.map((r) => ({
						id: r.get('id') as string,
						from: r.get('f') as string,
						to: r.get('o') as string,
					}));
				};
				const paths = await bidirectionalShortestPaths(from, to, maxHops, limit, expand);
				const ids = uniqueStrings(paths.flatMap((p) => p.relationIds));
				const rels = new Map<string, Relation>();
				if (ids.length) {
					const res = await tx.run(
						`MATCH (a:Entity)-[r]->(b:Entity) WHERE r.graph = $graph AND r.id IN $ids RETURN ${REL_RETURN}`,
						{ graph: this.graph, ids },
					);
					for (const rec of res.records) {
						const r = relFromRecord(rec);
						rels.set(r.id, r);
					}
				}
				return paths.map((p) => ({
					nodes: p.nodes,
					relations: p.relationIds.map((id) => rels.get(id)!),
					length: p.relationIds.length,
				}));
			});
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
			// The index may predate this process: creating it is a no-op when it exists.
			if (embedding) await this.ensureVectorIndex(embedding.length);
			return this.read(async (tx) => {
				let textKeys: string[] = [];
				const q = options.query ? luceneQuery(options.query, options.fuzzy) : null;
				if (q) {
					const res = await tx.run(
						`CALL db.index.fulltext.queryNodes($index, $q) YIELD node, score
						 WHERE node.graph = $graph AND ($types IS NULL OR node.type IN $types)
						 RETURN node.key AS k ORDER BY score DESC, k LIMIT $n`,
						{ index: FULLTEXT_INDEX, q, graph: this.graph, types, n: neo4j.int(pool) },
					);
					textKeys = res.records.map((r) => r.get('k') as string);
				}
				let vectorKeys: string[] = [];
				if (embedding) {
					const res = await tx.run(
						`CALL db.index.vector.queryNodes($index, $k, $embedding) YIELD node, score
						 WHERE node.graph = $graph AND ($types IS NULL OR node.type IN $types)
						 RETURN node.key AS k ORDER BY score DESC, k LIMIT $n`,
						{
							index: VECTOR_INDEX,
							k: neo4j.int(pool * 4),
							embedding,
							graph: this.graph,
							types,
							n: neo4j.int(pool),
						},
					);
					vectorKeys = res.records.map((r) => r.get('k') as string);
				}
				const keys = uniqueStrings([...textKeys, ...vectorKeys]);
				if (!keys.length) return [];
				const ents = await tx.run(
					'MATCH (n:Entity) WHERE n.graph = $graph AND n.key IN $keys RETURN properties(n) AS n',
					{ graph: this.graph, keys },
				);
				const byKey = new Map(
					ents.records.map((r) => [
						(r.get('n') as Props).key as string,
						toEntity(r.get('n') as Props),
					]),
				);
				return fuseHits(textKeys, vectorKeys, (k) => byKey.get(k), limit);
			});
		});
	}

	resolutionCandidates(
		mentions: MentionInput[],
		options: CandidateOptions = {},
	): Promise<ResolutionCandidate[][]> {
		return this.run('resolve', async () => {
			const checked = checkMentions(mentions);
			const limit = checkInt(options.limit, 'candidate limit', 1, 200, 20);
			const out: ResolutionCandidate[][] = checked.map(() => []);
			const add = (i: number, p: Props) => {
				if (!out[i].some((e) => e.key === p.key))
					out[i].push({
						key: p.key as string,
						type: p.type as string,
						name: p.name as string,
						aliases: (p.aliases as string[]) ?? [],
					});
			};
			const exact = checked
				.map((m, i) => ({ i, type: m.type, norms: m.norms }))
				.filter((m) => m.norms.length);
			return this.read(async (tx) => {
				if (exact.length) {
					const res = await tx.run(
						`UNWIND $mentions AS m
						 MATCH (n:Entity) WHERE n.graph = $graph AND n.type = m.type AND any(a IN n.aliasNorms WHERE a IN m.norms)
						 RETURN m.i AS i, n {.key, .type, .name, .aliases} AS n ORDER BY i, n.key`,
						{ graph: this.graph, mentions: exact },
					);
					for (const rec of res.records) add(Number(rec.get('i')), rec.get('n') as Props);
				}
				// Full text only for the mentions without an exact match.
				const fuzzy = checked
					.map((m, i) => ({ i, type: m.type, q: luceneQuery(m.names.join(' '), true) }))
					.filter((m) => m.q !== null && !out[m.i].length);
				if (fuzzy.length) {
					const res = await tx.run(
						`UNWIND $mentions AS m
						 CALL {
						   WITH m
						   CALL db.index.fulltext.queryNodes($index, m.q) YIELD node, score
						   WHERE node.graph = $graph AND node.type = m.type
						   RETURN node, score ORDER BY score DESC, node.key LIMIT $n
						 }
						 RETURN m.i AS i, node {.key, .type, .name, .aliases} AS n, score ORDER BY i, score DESC, n.key`,
						{ index: FULLTEXT_INDEX, graph: this.graph, mentions: fuzzy, n: neo4j.int(limit) },
					);
					for (const rec of res.records) add(Number(rec.get('i')), rec.get('n') as Props);
				}
				return out;
			});
		});
	}

	runCypher(
		query: string,
		params: Record<string, unknown> = {},
		mode: 'read' | 'write' = 'read',
	): Promise<CypherResult> {
		return this.run('cypher', async () => {
			if (typeof query !== 'string' || query.trim() === '')
				throw new ValidationError(
					'The Cypher query is empty',
					'Give a query; pass values as $parameters.',
				);
			if (params === null || typeof params !== 'object' || Array.isArray(params)) {
				throw new ValidationError(
					'Cypher parameters must be an object',
					'Give parameters as a JSON object, e.g. {"name": "Ada"}.',
				);
			}
			for (const k of Object.keys(params)) {
				if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k))
					throw new ValidationError(
						`Invalid parameter name ${JSON.stringify(k)}`,
						'Use letters, digits and "_".',
					);
			}
			if (mode !== 'read' && mode !== 'write')
				throw new ValidationError(`Invalid mode ${JSON.stringify(mode)}`, 'Use "read" or "write".');
			const work = async (tx: ManagedTransaction) => {
				const res = await tx.run(query, params);
				const counters = res.summary.counters.updates() as unknown as Record<string, number>;
				return {
					records: res.records.map((r) => toPlain(r.toObject()) as Record<string, unknown>),
					counters: { ...counters },
				};
			};
			return mode === 'read' ? this.read(work) : this.write(work);
		});
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
			const g = this.graph;
			return this.write(async (tx) => {
				if (target.entityKey) {
					assertKey(target.entityKey);
					const res = await tx.run(
						`MATCH (n:Entity {graph: $graph, key: $key})
						 OPTIONAL MATCH (n)-[r]-(:Entity) WHERE r.graph = $graph
						 WITH n, count(DISTINCT r) AS rels DETACH DELETE n RETURN rels`,
						{ graph: g, key: target.entityKey },
					);
					if (!res.records[0])
						throw new NotFoundError(
							`Entity ${JSON.stringify(target.entityKey)} not found`,
							'Check the key.',
						);
					return { entities: 1, relations: Number(res.records[0].get('rels')), episodes: 0 };
				}
				if (target.relationId) {
					assertKey(target.relationId, 'relation id');
					const res = await tx.run(
						'MATCH (:Entity)-[r]->(:Entity) WHERE r.graph = $graph AND r.id = $id DELETE r RETURN count(*) AS n',
						{ graph: g, id: target.relationId },
					);
					if (!Number(res.records[0]?.get('n')))
						throw new NotFoundError(
							`Relation ${JSON.stringify(target.relationId)} not found`,
							'Check the relation id.',
						);
					return { entities: 0, relations: 1, episodes: 0 };
				}
				const id = target.episodeId!;
				assertKey(id, 'episode id');
				const ep = await tx.run('MATCH (e:Episode {graph: $graph, id: $id}) RETURN e.id AS id', {
					graph: g,
					id,
				});
				if (!ep.records[0])
					throw new NotFoundError(
						`Episode ${JSON.stringify(id)} not found`,
						'Check the episode id.',
					);
				const rels = await tx.run(
					'MATCH (:Entity)-[r]->(:Entity) WHERE r.graph = $graph AND r.sourceEpisode = $id DELETE r RETURN count(*) AS n',
					{ graph: g, id },
				);
				await tx.run('MATCH (e:Episode {graph: $graph, id: $id}) DETACH DELETE e', {
					graph: g,
					id,
				});
				return { entities: 0, relations: Number(rels.records[0]?.get('n') ?? 0), episodes: 1 };
			});
		});
	}

	stats(): Promise<GraphStats> {
		return this.run('stats', async () =>
			this.read(async (tx) => {
				const now = new Date().toISOString();
				const ent = await tx.run(
					'MATCH (n:Entity {graph: $graph}) RETURN n.type AS t, count(*) AS n ORDER BY t',
					{ graph: this.graph },
				);
				const rel = await tx.run(
					`MATCH (:Entity)-[r]->(:Entity) WHERE r.graph = $graph
					 RETURN type(r) AS t, count(*) AS n, sum(CASE WHEN r.expiredAt IS NULL AND (r.invalidAt IS NULL OR r.invalidAt > $now) THEN 1 ELSE 0 END) AS cur ORDER BY t`,
					{ graph: this.graph, now },
				);
				const ep = await tx.run('MATCH (e:Episode {graph: $graph}) RETURN count(*) AS n', {
					graph: this.graph,
				});
				const entitiesByType = Object.fromEntries(
					ent.records.map((r) => [r.get('t') as string, Number(r.get('n'))]),
				);
				const relationsByType = Object.fromEntries(
					rel.records.map((r) => [r.get('t') as string, Number(r.get('n'))]),
				);
				return {
					entities: Object.values(entitiesByType).reduce((s, n) => s + n, 0),
					relations: Object.values(relationsByType).reduce((s, n) => s + n, 0),
					currentRelations: rel.records.reduce((s, r) => s + Number(r.get('cur')), 0),
					episodes: Number(ep.records[0].get('n')),
					agents: entitiesByType[AGENT_TYPE] ?? 0,
					entitiesByType,
					relationsByType,
				};
			}),
		);
	}

	async clear(): Promise<void> {
		await this.write((tx) =>
			tx.run('MATCH (n) WHERE (n:Entity OR n:Episode) AND n.graph = $graph DETACH DELETE n', {
				graph: this.graph,
			}),
		);
	}

	async close(): Promise<void> {
		await this.handle.release();
	}
}

export { CONTEXT_TYPE };
