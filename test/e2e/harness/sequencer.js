// e2e files run in name order, so zz-stored-rows (which stops n8n) runs last.
const Sequencer = require('@jest/test-sequencer').default;

class ByPath extends Sequencer {
	sort(tests) {
		return [...tests].sort((a, b) => a.path.localeCompare(b.path));
	}
}
module.exports = ByPath;
