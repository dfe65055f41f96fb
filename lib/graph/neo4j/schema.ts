import { MAX_EMBEDDING_DIMENSIONS } from '../validate';

/** Constraints and indexes, each `IF NOT EXISTS`, so creating them at every start is harmless. */
export const SCHEMA_STATEMENTS = [
	'CREATE CONSTRAINT agentos_entity_key IF NOT EXISTS FOR (n:Entity) REQUIRE (n.graph, n.key) IS UNIQUE',
	'CREATE CONSTRAINT agentos_episode_id IF NOT EXISTS FOR (n:Episode) REQUIRE (n.graph, n.id) IS UNIQUE',
	'CREATE INDEX agentos_entity_type IF NOT EXISTS FOR (n:Entity) ON (n.graph, n.type)',
	'CREATE INDEX agentos_episode_time IF NOT EXISTS FOR (n:Episode) ON (n.graph, n.occurredAt)',
	'CREATE FULLTEXT INDEX agentos_entity_text IF NOT EXISTS FOR (n:Entity) ON EACH [n.name, n.aliasText]',
];

export const VECTOR_INDEX = 'agentos_entity_embedding';
export const FULLTEXT_INDEX = 'agentos_entity_text';

/**
 * The vector index statement. Neo4j takes the dimension in the index
 * options, which do not accept parameters; the number is checked to be an
 * integer in range before it is written into the text.
 */
export function vectorIndexStatement(dimensions: number): string {
	if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_EMBEDDING_DIMENSIONS) {
		throw new RangeError(`Vector index dimensions must be 1-${MAX_EMBEDDING_DIMENSIONS}`);
	}
	return `CREATE VECTOR INDEX ${VECTOR_INDEX} IF NOT EXISTS FOR (n:Entity) ON n.embedding OPTIONS {indexConfig: {\`vector.dimensions\`: ${dimensions}, \`vector.similarity_function\`: 'cosine'}}`;
}
