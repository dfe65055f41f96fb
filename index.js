// Programmatic entry point: the engines behind the nodes, usable without n8n.
// n8n itself loads the nodes and credentials listed in package.json's "n8n" block.
module.exports = {
	db: require('./dist/lib/db'),
	memory: require('./dist/lib/memory'),
	graph: require('./dist/lib/graph'),
	compliance: require('./dist/lib/compliance'),
	team: require('./dist/lib/team'),
	bus: require('./dist/lib/bus'),
	metrics: require('./dist/lib/metrics'),
};
