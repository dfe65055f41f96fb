// One local n8n with this package and every template: used by `npm start`
// (persistent folder, stays up) and by the end-to-end tests (fresh folder).
const fs = require('node:fs');
const path = require('node:path');
const { ensureN8n } = require('./install-n8n');
const { installPackage } = require('./install-package');
const { startN8n, logPath } = require('./n8n-process');
const { N8nClient, loadTemplates, webhookPaths } = require('./n8n-api');
const { ROOT } = require('./paths');

/**
 * @param {object} o
 * @param {string} o.userFolder   N8N_USER_FOLDER (n8n keeps .n8n/ inside it)
 * @param {number} o.port
 * @param {(type: string, client: N8nClient) => Promise<object|undefined>} [o.credentialFor]
 *        returns {id, name} of a credential to attach for a credential type
 * @param {object} [o.extraEnv]
 */
async function startLocalN8n({
	userFolder,
	port,
	credentialFor,
	extraEnv,
	log = console.log,
	echo = false,
}) {
	const bin = ensureN8n({ log });
	log(
		'Installing n8n-nodes-agent-os into the n8n user folder (as n8n installs community packages)…',
	);
	installPackage(userFolder);
	const logFile = logPath(userFolder);
	log(`Starting n8n on port ${port} (log: ${path.relative(process.cwd(), logFile)})…`);
	const proc = await startN8n({ bin, userFolder, port, logFile, extraEnv, echo });
	const client = new N8nClient(proc.base);
	const owner = await client.ensureOwner();
	await client.createApiKey();

	const existing = new Map((await client.workflows()).map((w) => [w.name, w]));
	const workflows = [];
	for (const { file, template } of loadTemplates(path.join(ROOT, 'workflows'))) {
		let wf = existing.get(template.name);
		const credentials = {};
		for (const node of template.nodes) {
			for (const type of Object.keys(node.credentials ?? {})) {
				if (!credentials[type] && credentialFor)
					credentials[type] = await credentialFor(type, client);
			}
		}
		if (!wf) wf = await client.importWorkflow(template, credentials);
		let active = wf.active;
		let activationError;
		if (!active) {
			try {
				await client.activate(wf.id);
				active = true;
			} catch (err) {
				activationError = err.message;
			}
		}
		workflows.push({
			file,
			id: wf.id,
			name: template.name,
			active,
			activationError,
			webhooks: webhookPaths(template),
		});
	}
	return { ...proc, client, owner, workflows, logFile };
}

function writeState(file, state) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(state, null, 2));
}

module.exports = { startLocalN8n, writeState };
