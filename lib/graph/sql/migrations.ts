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
	{
		version: 2,
		name: 'graph names table',
		up: [
			// Every normalized name and alias of an entity, one row each: the index
			// for exact look-ups (upsert merges, entity resolution). A b-tree led by
			// the graph keeps each look-up an index probe per name; the GIN index over
			// the alias arrays it replaces lost to a scan of the whole graph as soon as
			// a batch carried many names. The store keeps it in step with
			// `alias_norms` (names are only ever added, and leave with their entity),
			// so it needs no foreign key and no per-row check on every write.
			`CREATE TABLE IF NOT EXISTS agentos_graph_names (
				graph text NOT NULL,
				type text NOT NULL,
				norm text NOT NULL,
				entity_key text NOT NULL,
				PRIMARY KEY (graph, type, norm, entity_key)
			)`,
			`INSERT INTO agentos_graph_names (graph, type, norm, entity_key)
			 SELECT e.graph, e.type, n, e.key FROM agentos_graph_entities e, unnest(e.alias_norms) AS n
			 ON CONFLICT DO NOTHING`,
			'DROP INDEX IF EXISTS agentos_graph_entities_aliases',
			// Full-text look-ups run on every extraction (entity resolution), and
			// every search reads the GIN index's whole pending list of recent
			// inserts: with the default 4 MB, milliseconds per search after a bulk
			// load. A 256 kB list keeps searches fast and keeps inserts cheap (an
			// entity with many aliases re-indexes every word on each update).
			'ALTER INDEX agentos_graph_entities_search SET (gin_pending_list_limit = 256)',
			"SELECT gin_clean_pending_list('agentos_graph_entities_search'::regclass)",
		],
	},
	{
		version: 3,
		name: 'graph concurrent change signal',
		up: [
			// Raised by an episode written without locks when an entity it merges
			// into changed since it was read: the statement is undone and the
			// store writes the episode again under locks.
			`CREATE OR REPLACE FUNCTION agentos_graph_changed() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
			BEGIN
				RAISE EXCEPTION 'An entity of the episode changed while it was written' USING ERRCODE = 'serialization_failure';
			END
			$fn$`,
		],
	},
	{
		version: 4,
		name: 'graph current-fact index',
		up: [
			// The identical-fact look-up of every write (same ends and type, still
			// current, lowest id first) reads one entry of this index. Without it,
			// statistics taken while the table was small make the planner walk the
			// primary key in id order and filter every relation of the graph.
			`CREATE INDEX IF NOT EXISTS agentos_graph_relations_current ON agentos_graph_relations (graph, from_key, type, to_key, id)
			   WHERE expired_at IS NULL AND invalid_at IS NULL`,
		],
	},
];
