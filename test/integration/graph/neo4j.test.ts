import { Neo4jGraphStore } from '../../../lib/graph';
import { runGraphContract } from './contract';

/**
 * Neo4j cannot run on the machines this project is built on; the suite runs
 * wherever NEO4J_URI (and NEO4J_USERNAME / NEO4J_PASSWORD / NEO4J_DATABASE)
 * point at a Neo4j 5 server.
 */
const uri = process.env.NEO4J_URI;
if (!uri) {
	console.warn('\n*** SKIPPING the Neo4j graph contract: NEO4J_URI is not set. ***\n');
}

(uri ? describe : describe.skip)('graph store on Neo4j', () => {
	runGraphContract('Neo4j', (options) =>
		Neo4jGraphStore.open(
			{
				uri: uri!,
				username: process.env.NEO4J_USERNAME ?? 'neo4j',
				password: process.env.NEO4J_PASSWORD ?? '',
				database: process.env.NEO4J_DATABASE || undefined,
			},
			options,
		),
	);
});
