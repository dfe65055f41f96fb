import { openClient } from '../db';
import type { ConnectionConfig } from '../db/types';
import { Neo4jGraphStore, type Neo4jConnection } from './neo4j/store';
import { SqlGraphStore } from './sql/store';
import type { StoreOptions } from './common';
import type { GraphStore } from './store';

export * from './model';
export * from './store';
export * from './errors';
export { SqlGraphStore } from './sql/store';
export { PLACEHOLDER_TYPE, type StoreOptions } from './common';
export { Neo4jGraphStore } from './neo4j/store';
export {
	extractKnowledge,
	validateExtraction,
	EXTRACTION_SCHEMA,
	type StructuredOutputFn,
	type StructuredRequest,
	type ExtractOptions,
	type ExtractResult,
} from './extraction';
export {
	resolveEntity,
	nameSimilarity,
	levenshtein,
	trigramSimilarity,
	type ResolutionCandidate,
} from './resolution';
export { reciprocalRankFusion, rankNeighbourhood, recallText } from './ranking';
export { entityKey, episodeId, normalizeName } from './validate';

export type GraphBackendConfig =
	| ({ kind: 'sql'; connection: ConnectionConfig } & StoreOptions)
	| ({ kind: 'neo4j'; connection: Neo4jConnection } & StoreOptions);

/**
 * Opens a graph store: SQL on PostgreSQL or embedded PGlite, or Neo4j. The
 * store owns its connection handle; `close()` releases it (shared pools and
 * drivers stay open for the next execution).
 */
export async function openGraphStore(config: GraphBackendConfig): Promise<GraphStore> {
	const { kind, connection, ...options } = config;
	if (kind === 'neo4j') return Neo4jGraphStore.open(connection, options);
	const client = await openClient(connection);
	try {
		return await SqlGraphStore.open(client, options, true);
	} catch (err) {
		await client.close();
		throw err;
	}
}
export {
	structuredOutputFromChatModel,
	embedEntities,
	entityEmbeddingText,
	type GraphEmbedder,
	type StructuredMethod,
} from './llm';
export { validateEntityInputs, validateRelationInputs } from './validate';
