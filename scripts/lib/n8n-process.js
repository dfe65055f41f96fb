// Starts a local n8n with SQLite on a free port and stops it cleanly.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

function isPortFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

function n8nEnv({ userFolder, port, extra = {} }) {
	const env = { ...process.env };
	// Jest sets NODE_ENV=test, which n8n treats as its own test mode.
	for (const key of Object.keys(env)) {
		if (key === 'NODE_OPTIONS' || key === 'NODE_ENV' || key.startsWith('JEST_')) delete env[key];
	}
	return {
		...env,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		DB_TYPE: 'sqlite',
		// isolated-vm (the new expression engine) cannot be built on Node 20 here.
		N8N_EXPRESSION_ENGINE: 'legacy',
		N8N_SECURE_COOKIE: 'false',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_METRICS: 'true',
		// The series the bundled dashboards read (workflow counters, API latency).
		N8N_METRICS_INCLUDE_MESSAGE_EVENT_BUS_METRICS: 'true',
		N8N_METRICS_INCLUDE_API_ENDPOINTS: 'true',
		N8N_METRICS_INCLUDE_WORKFLOW_ID_LABEL: 'true',
		N8N_LOG_LEVEL: env.N8N_LOG_LEVEL || 'info',
		N8N_RUNNERS_ENABLED: 'true',
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
		N8N_PUBLIC_API_SWAGGERUI_DISABLED: 'true',
		N8N_HIRING_BANNER_ENABLED: 'false',
		...extra,
	};
}

/**
 * Starts n8n and resolves once the editor is served and the REST routes are
 * mounted (the readiness probe answers earlier than that).
 */
async function startN8n({
	bin,
	userFolder,
	port,
	logFile,
	extraEnv,
	timeoutMs = 240_000,
	echo = false,
}) {
	fs.mkdirSync(userFolder, { recursive: true });
	const log = fs.createWriteStream(logFile, { flags: 'a' });
	// The task runners' broker listens on a port of its own (5679 by default):
	// a free one lets several local n8n instances run side by side.
	const brokerPort = extraEnv?.N8N_RUNNERS_BROKER_PORT ?? String(await freePort());
	const child = spawn(process.execPath, [bin, 'start'], {
		env: n8nEnv({ userFolder, port, extra: { N8N_RUNNERS_BROKER_PORT: brokerPort, ...extraEnv } }),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let ready = false;
	let seen = '';
	const onData = (chunk) => {
		log.write(chunk);
		if (echo) process.stdout.write(chunk);
		if (!ready) {
			seen = (seen + chunk.toString()).slice(-4000);
			// The REST routes are mounted only when n8n prints this line.
			if (seen.includes('Editor is now accessible')) ready = true;
		}
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	let exited = null;
	child.once('exit', (code, signal) => {
		exited = { code, signal };
		log.end();
	});
	const base = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (exited) {
			throw new Error(`n8n exited during start (${JSON.stringify(exited)}). Output tail:\n${seen}`);
		}
		if (ready) {
			try {
				const res = await fetch(`${base}/rest/settings`);
				if (res.status === 200) return { child, base, port };
			} catch {
				// not listening yet
			}
		}
		await new Promise((r) => setTimeout(r, 300));
	}
	child.kill('SIGKILL');
	throw new Error(`n8n did not become ready within ${timeoutMs / 1000}s; see ${logFile}`);
}

/** SIGTERM, then SIGKILL if n8n has not shut down in time. */
function stopPid(pid, graceMs = 20_000) {
	return new Promise((resolve) => {
		const alive = () => {
			try {
				process.kill(pid, 0);
				return true;
			} catch {
				return false;
			}
		};
		if (!pid || !alive()) return resolve();
		try {
			process.kill(pid, 'SIGTERM');
		} catch {
			return resolve();
		}
		const started = Date.now();
		const timer = setInterval(() => {
			if (!alive()) {
				clearInterval(timer);
				resolve();
			} else if (Date.now() - started > graceMs) {
				clearInterval(timer);
				try {
					process.kill(pid, 'SIGKILL');
				} catch {
					// already gone
				}
				setTimeout(resolve, 200);
			}
		}, 200);
	});
}

module.exports = {
	freePort,
	isPortFree,
	startN8n,
	stopPid,
	n8nEnv,
	logPath: (dir) => path.join(dir, 'n8n.log'),
};
