import type {
	CypherResult,
	EntityInput,
	Entity,
	EpisodeInput,
	EpisodeResult,
	Episode,
	ForgetResult,
	ForgetTarget,
	GraphPath,
	GraphStats,
	MissingEntityPolicy,
	PathOptions,
	RecallOptions,
	RecallResult,
	RelateResult,
	Relation,
	RelationInput,
	SearchHit,
	SearchOptions,
	UpsertResult,
} from './model';
import type { ResolutionCandidate } from './resolution';

export interface RecordEpisodeOptions extends RelateOptions {
	/** Mark the episode as extracted; an episode recorded before but not extracted takes the new writes. */
	markExtracted?: boolean;
	/** Relations computed from the keys the episode's entities resolved to (extraction uses it). */
	deferRelations?: (resolvedKeys: string[]) => RelationInput[];
}

/** An extracted mention to resolve against the graph: its type and every name it goes by. */
export interface MentionInput {
	type: string;
	/** The name as written, then its aliases. */
	names: string[];
}

export interface CandidateOptions {
	/** Full-text matches per mention that has no exact one; default 20, at most 200. */
	limit?: number;
}

export interface RelateOptions {
	/** Overrides the store's policy for relations to entities that do not exist. */
	missingEntities?: MissingEntityPolicy;
}

/**
 * The contract every graph backend keeps (SQL on PostgreSQL/PGlite, Neo4j).
 * One test suite (test/integration/graph/contract.ts) runs against each.
 *
 * Rules every implementation follows:
 * - A call is one transaction: it writes everything or nothing.
 * - Entities merge by key, then by a shared normalized name/alias within the same type.
 * - A relation that contradicts a current one (same `from` and type, other `to`,
 *   for a single-valued type; or listed in `contradicts`) closes the old one:
 *   its `invalidAt` becomes the new fact's `validAt` and `expiredAt` now.
 *   An identical current fact is not duplicated.
 * - Forget cascades: an entity takes its relations and episode mentions with
 *   it (episodes stay); an episode takes the relations learned from it
 *   (entities stay); a relation goes alone.
 * - Unknown keys raise NotFoundError; bad input raises ValidationError.
 */
export interface GraphStore {
	readonly backend: 'sql' | 'neo4j';
	/** The graph (namespace) this store reads and writes. */
	readonly graph: string;

	upsertEntities(entities: EntityInput[]): Promise<UpsertResult>;
	getEntity(key: string): Promise<Entity | null>;
	relate(relations: RelationInput[], options?: RelateOptions): Promise<RelateResult>;
	/** Relations touching an entity, current only unless `history`. */
	relationsOf(key: string, options?: { history?: boolean }): Promise<Relation[]>;
	recordEpisode(episode: EpisodeInput, options?: RecordEpisodeOptions): Promise<EpisodeResult>;
	getEpisode(id: string): Promise<Episode | null>;
	recallContext(options: RecallOptions): Promise<RecallResult>;
	findPaths(from: string, to: string, options?: PathOptions): Promise<GraphPath[]>;
	searchEntities(options: SearchOptions): Promise<SearchHit[]>;
	/**
	 * Entity-resolution candidates for a batch of mentions, looked up together
	 * (one round trip on SQL). Per mention: every stored entity of its type
	 * whose normalized name or alias equals one of the mention's names (exact);
	 * for a mention with none, the best full-text matches of its names, whole
	 * words and three-letter word prefixes (fuzzy). Candidates carry what
	 * resolution compares: key, type, name and aliases. The caller decides.
	 */
	resolutionCandidates(
		mentions: MentionInput[],
		options?: CandidateOptions,
	): Promise<ResolutionCandidate[][]>;
	/** Raw Cypher with parameters; Neo4j only (the SQL backend raises ValidationError). */
	runCypher(
		query: string,
		params?: Record<string, unknown>,
		mode?: 'read' | 'write',
	): Promise<CypherResult>;
	forget(target: ForgetTarget): Promise<ForgetResult>;
	stats(): Promise<GraphStats>;
	/** Removes every row of this graph (tests, resets). */
	clear(): Promise<void>;
	close(): Promise<void>;
}
