import type { Migration } from '../../db/migrations';

/** Tables of the SQL graph backend. Every row carries its graph (namespace). */
export const GRAPH_MIGRATIONS: Migration[] = [
	{
		version: 1,
		name: 'graph tables',
		up: [
			`CREATE TABLE IF NOT EXISTS agentos_graph_entities (
				graph text NOT NULL,
				key text NOT NULL,
				type text NOT NULL,
				name text NOT NULL,
				aliases text[] NOT NULL DEFAULT '{}',
				alias_norms text[] NOT NULL DEFAULT '{}',
				properties jsonb NOT NULL DEFAULT '{}',
				embedding real[],
				search tsvector,
				created_at timestamptz NOT NULL DEFAULT now(),
				updated_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (graph, key)
			)`,
			'CREATE INDEX IF NOT EXISTS agentos_graph_entities_aliases ON agentos_graph_entities USING gin (alias_norms)',
			'CREATE INDEX IF NOT EXISTS agentos_graph_entities_search ON agentos_graph_entities USING gin (search)',
			'CREATE INDEX IF NOT EXISTS agentos_graph_entities_type ON agentos_graph_entities (graph, type)',
			`CREATE TABLE IF NOT EXISTS agentos_graph_relations (
				graph text NOT NULL,
				id text NOT NULL,
				type text NOT NULL,
				from_key text NOT NULL,
				to_key text NOT NULL,
				properties jsonb NOT NULL DEFAULT '{}',
				valid_at timestamptz NOT NULL,
				invalid_at timestamptz,
				created_at timestamptz NOT NULL DEFAULT now(),
				expired_at timestamptz,
				source_episode text,
				confidence double precision NOT NULL DEFAULT 1,
				PRIMARY KEY (graph, id),
				FOREIGN KEY (graph, from_key) REFERENCES agentos_graph_entities (graph, key) ON DELETE CASCADE,
				FOREIGN KEY (graph, to_key) REFERENCES agentos_graph_entities (graph, key) ON DELETE CASCADE
			)`,
			'CREATE INDEX IF NOT EXISTS agentos_graph_relations_from ON agentos_graph_relations (graph, from_key, type)',
			'CREATE INDEX IF NOT EXISTS agentos_graph_relations_to ON agentos_graph_relations (graph, to_key, type)',
			'CREATE INDEX IF NOT EXISTS agentos_graph_relations_episode ON agentos_graph_relations (graph, source_episode)',
			`CREATE TABLE IF NOT EXISTS agentos_graph_episodes (
				graph text NOT NULL,
				id text NOT NULL,
				kind text NOT NULL,
				agent text NOT NULL,
				content text NOT NULL,
				occurred_at timestamptz NOT NULL,
				context text,
				source text,
				properties jsonb NOT NULL DEFAULT '{}',
				created_at timestamptz NOT NULL DEFAULT now(),
				extracted_at timestamptz,
				PRIMARY KEY (graph, id)
			)`,
			'CREATE INDEX IF NOT EXISTS agentos_graph_episodes_time ON agentos_graph_episodes (graph, occurred_at DESC)',
			`CREATE TABLE IF NOT EXISTS agentos_graph_mentions (
				graph text NOT NULL,
				episode_id text NOT NULL,
				entity_key text NOT NULL,
				PRIMARY KEY (graph, episode_id, entity_key),
				FOREIGN KEY (graph, episode_id) REFERENCES agentos_graph_episodes (graph, id) ON DELETE CASCADE,
				FOREIGN KEY (graph, entity_key) REFERENCES agentos_graph_entities (graph, key) ON DELETE CASCADE
			)`,
			'CREATE INDEX IF NOT EXISTS agentos_graph_mentions_entity ON agentos_graph_mentions (graph, entity_key)',
			// Cosine similarity over real[]: works on every PostgreSQL, pgvector or not.
			`CREATE OR REPLACE FUNCTION agentos_graph_cosine(a real[], b real[]) RETURNS double precision
				LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
				SELECT CASE WHEN s.na = 0 OR s.nb = 0 THEN 0 ELSE s.dot / sqrt(s.na * s.nb) END
				FROM (SELECT sum(x::float8 * y::float8) AS dot, sum(x::float8 * x::float8) AS na, sum(y::float8 * y::float8) AS nb
				      FROM unnest(a, b) AS t(x, y)) s
			$fn$`,
		],
	},
];
