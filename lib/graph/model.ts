/**
 * The knowledge-graph model, shared by every backend.
 *
 * Facts carry two time axes, as in the graphiti/Zep model: `validAt` /
 * `invalidAt` say when a fact was true in the world; `createdAt` /
 * `expiredAt` say when this store learned it and when it learned that it no
 * longer holds. Contradicted facts are closed, never deleted, so a recall
 * "as of" an earlier time still sees them.
 */

/** Entity types every graph knows: the agents that write, and the contexts they work in. */
export const AGENT_TYPE = 'Agent';
export const CONTEXT_TYPE = 'Context';

export interface Entity {
	/** Stable identity, unique in a graph (e.g. `person:ada_lovelace`). */
	key: string;
	/** A label such as `Person`, `Company`, `Agent`, `Context`. */
	type: string;
	name: string;
	/** Other names that refer to this entity; upserts merge on them. */
	aliases: string[];
	properties: Record<string, unknown>;
	embedding?: number[];
	createdAt: string;
	updatedAt: string;
}

export interface EntityInput {
	/** Omitted: derived from type and name (see `entityKey`). */
	key?: string;
	type: string;
	name: string;
	aliases?: string[];
	properties?: Record<string, unknown>;
	embedding?: number[];
}

export interface Relation {
	id: string;
	type: string;
	from: string;
	to: string;
	properties: Record<string, unknown>;
	/** When the fact became true in the world. */
	validAt: string;
	/** When it stopped being true; null while it holds. */
	invalidAt: string | null;
	/** When the store recorded it. */
	createdAt: string;
	/** When the store recorded that it no longer holds; null while current. */
	expiredAt: string | null;
	/** The episode the fact was learned from, if any. */
	sourceEpisode: string | null;
	/** 0..1; 1 when asserted directly. */
	confidence: number;
}

export interface RelationInput {
	type: string;
	from: string;
	to: string;
	properties?: Record<string, unknown>;
	/** ISO time; defaults to now. */
	validAt?: string;
	invalidAt?: string | null;
	confidence?: number;
	sourceEpisode?: string;
	/** Ids of relations this one contradicts: they are closed at this one's `validAt`. */
	contradicts?: string[];
	/**
	 * The relation type holds one value per subject (`LIVES_IN`, `WORKS_AT`):
	 * asserting a new target closes the current one. Also declared per store.
	 */
	singleValued?: boolean;
}

export type EpisodeKind = 'episode' | 'thought';

export interface Episode {
	id: string;
	kind: EpisodeKind;
	/** Key of the Agent entity that wrote it. */
	agent: string;
	content: string;
	occurredAt: string;
	/** Keys of the entities it is about (the agent and context included). */
	entityKeys: string[];
	/** Key of the Context entity it belongs to, if any. */
	context: string | null;
	source: string | null;
	properties: Record<string, unknown>;
	createdAt: string;
	/** Set once knowledge has been extracted from it; extraction is idempotent on it. */
	extractedAt: string | null;
}

export interface EpisodeInput {
	/** Omitted: a hash of agent, kind and content, so recording twice is a no-op. */
	id?: string;
	kind?: EpisodeKind;
	/** The agent's name or key; its Agent entity is created on first use. */
	agent: string;
	content: string;
	occurredAt?: string;
	/** A context (task, conversation, project) name; becomes a Context entity. */
	context?: string;
	source?: string;
	properties?: Record<string, unknown>;
	/** Entities the episode is about: upserted and linked. */
	entities?: EntityInput[];
	/** Existing entities it is about. */
	entityKeys?: string[];
	/** Facts it asserts; their `sourceEpisode` is this episode. */
	relations?: RelationInput[];
}

/** What to do with a relation whose endpoint does not exist. */
export type MissingEntityPolicy = 'reject' | 'create';

export interface UpsertResult {
	entities: Entity[];
	created: number;
	merged: number;
}

export interface RelateResult {
	relations: Relation[];
	/** Relations closed because the new ones contradict them. */
	invalidated: Relation[];
	/** Entities created for missing endpoints (policy `create`). */
	createdEntities: string[];
}

export interface EpisodeResult extends RelateResult {
	episode: Episode;
	entities: Entity[];
	/** False when the episode already existed (nothing was written). */
	created: boolean;
}

export interface RecallOptions {
	/** Entities to start from. */
	keys?: string[];
	/** Or start from the best matches of a query (full text, and vector when given). */
	query?: string;
	queryEmbedding?: number[];
	/** How many query matches become seeds; default 3. */
	seedCount?: number;
	/** Hops from the seeds, 1-4; default 2. */
	hops?: number;
	relationTypes?: string[];
	/** ISO time: only facts valid then. Default: now. */
	asOf?: string;
	/** At most this many entities in the answer (seeds included); default 50. */
	budget?: number;
	/** Recent episodes about the seeds to include; default 3. */
	episodes?: number;
}

export interface RecalledEntity extends Omit<Entity, 'embedding'> {
	/** Hops from the nearest seed. */
	distance: number;
	score: number;
}

export interface RecallResult {
	seeds: string[];
	entities: RecalledEntity[];
	relations: Relation[];
	episodes: Episode[];
	/** True when the neighbourhood was larger than the budget. */
	truncated: boolean;
	asOf: string;
	/** Compact text for a prompt. */
	text: string;
}

export interface PathOptions {
	/** Default 4, at most 6. */
	maxHops?: number;
	relationTypes?: string[];
	asOf?: string;
	/** Paths to return (all of the shortest length); default 3. */
	limit?: number;
}

export interface GraphPath {
	/** Entity keys from start to end. */
	nodes: string[];
	/** The relations between consecutive nodes (either direction). */
	relations: Relation[];
	length: number;
}

export interface SearchOptions {
	query?: string;
	embedding?: number[];
	types?: string[];
	/** Default 10, at most 200. */
	limit?: number;
	/** Match word prefixes of three letters too (entity resolution uses it). */
	fuzzy?: boolean;
}

export interface SearchHit {
	entity: Entity;
	/** Reciprocal-rank-fusion score. */
	score: number;
	textRank: number | null;
	vectorRank: number | null;
}

export interface ForgetTarget {
	entityKey?: string;
	relationId?: string;
	episodeId?: string;
}

export interface ForgetResult {
	entities: number;
	relations: number;
	episodes: number;
}

export interface GraphStats {
	entities: number;
	relations: number;
	currentRelations: number;
	episodes: number;
	agents: number;
	entitiesByType: Record<string, number>;
	relationsByType: Record<string, number>;
}

export interface CypherResult {
	records: Array<Record<string, unknown>>;
	counters: Record<string, number>;
}
