// A small client for a local n8n: owner set-up, an API key, and the public
// API for credentials and workflows — what a user does in the editor.
const fs = require('node:fs');
const path = require('node:path');

const OWNER = {
	email: 'owner@agent-os.local',
	firstName: 'Agent',
	lastName: 'Owner',
	password: 'AgentOS-local-1',
};
const BROWSER_ID = 'agent-os-local';

class N8nClient {
	constructor(base) {
		this.base = base;
		this.cookie = '';
		this.apiKey = '';
	}

	async rest(method, route, body) {
		const res = await fetch(`${this.base}/rest${route}`, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': BROWSER_ID,
				cookie: this.cookie,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = res.headers.get('set-cookie');
		if (setCookie) {
			const m = /n8n-auth=[^;]+/.exec(setCookie);
			if (m) this.cookie = m[0];
		}
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} /rest${route} → ${res.status}: ${text.slice(0, 500)}`);
		return text ? JSON.parse(text).data : undefined;
	}

	async api(method, route, body) {
		const res = await fetch(`${this.base}/api/v1${route}`, {
			method,
			headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': this.apiKey },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok)
			throw new Error(`${method} /api/v1${route} → ${res.status}: ${text.slice(0, 800)}`);
		return text ? JSON.parse(text) : undefined;
	}

	/** Creates the owner on a fresh instance, or logs in when it exists. */
	async ensureOwner() {
		try {
			await this.rest('POST', '/owner/setup', OWNER);
		} catch (err) {
			if (!/400|owner/i.test(err.message)) throw err;
			await this.rest('POST', '/login', {
				emailOrLdapLoginId: OWNER.email,
				password: OWNER.password,
			});
		}
		return OWNER;
	}

	async createApiKey(label = 'agent-os') {
		const scopes = await this.rest('GET', '/api-keys/scopes');
		const key = await this.rest('POST', '/api-keys', {
			label: `${label}-${Date.now()}`,
			expiresAt: null,
			scopes,
		});
		this.apiKey = key.rawApiKey;
		return this.apiKey;
	}

	async createCredential(name, type, data) {
		return this.api('POST', '/credentials', { name, type, data });
	}

	/** Imports a template through the public API, attaching credentials by type. */
	async importWorkflow(template, credentialsByType = {}) {
		const nodes = template.nodes.map((node) => {
			if (!node.credentials) return node;
			const credentials = {};
			for (const [type, ref] of Object.entries(node.credentials)) {
				const cred = credentialsByType[type];
				credentials[type] = cred ? { id: cred.id, name: cred.name } : ref;
			}
			return { ...node, credentials };
		});
		const body = {
			name: template.name,
			nodes,
			connections: template.connections,
			settings: template.settings ?? { executionOrder: 'v1' },
		};
		return this.api('POST', '/workflows', body);
	}

	async activate(id) {
		return this.api('POST', `/workflows/${id}/activate`);
	}

	async workflows() {
		return (await this.api('GET', '/workflows?limit=250')).data;
	}
}

function loadTemplates(dir) {
	return fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => ({ file: f, template: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}

/** Webhook paths of a template, for printing and for tests. */
function webhookPaths(template) {
	return template.nodes
		.filter((n) => n.type === 'n8n-nodes-base.webhook')
		.map((n) => ({
			node: n.name,
			method: n.parameters.httpMethod || 'GET',
			path: n.parameters.path,
		}));
}

module.exports = { N8nClient, OWNER, loadTemplates, webhookPaths };
