/* Reads the running n8n's state (written by global-setup) and calls it. */
import * as fs from 'node:fs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { STATE_FILE } = require('./state') as { STATE_FILE: string };

export interface E2eState {
	pid: number;
	base: string;
	port: number;
	userFolder: string;
	logFile: string;
	apiKey: string;
	cookie: string;
	workflows: Array<{
		file: string;
		id: string;
		name: string;
		active: boolean;
		activationError?: string;
		webhooks: Array<{ node: string; method: string; path: string }>;
	}>;
}

export function state(): E2eState {
	return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as E2eState;
}

export interface HttpResult<T = unknown> {
	status: number;
	body: T;
}

/**
 * fetch, repeated while n8n answers 503 "Database is not ready". n8n pings its
 * own database every 2 s with a fixed 5 s timeout; when its event loop is kept
 * busy that long (an embedded database opening on a loaded machine), the ping
 * "times out" and n8n answers every request with 503 until the next ping
 * succeeds. Nothing of such a request has run, so repeating it is safe; every
 * other answer is returned as it is.
 */
export async function fetchWhenReady(url: string, init?: RequestInit): Promise<Response> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const res = await fetch(url, init);
		if (res.status !== 503 || Date.now() > deadline) return res;
		const text = await res.clone().text();
		if (!text.includes('Database is not ready')) return res;
		notReadyRetries++;
		await new Promise((r) => setTimeout(r, 500));
	}
}

/** How often fetchWhenReady had to wait for n8n's database flag. */
export let notReadyRetries = 0;

export async function callWebhook<T = Record<string, unknown>>(
	path: string,
	body: unknown,
	method = 'POST',
): Promise<HttpResult<T>> {
	const res = await fetchWhenReady(`${state().base}/webhook/${path}`, {
		method,
		headers: { 'content-type': 'application/json' },
		body: method === 'GET' ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// plain text answer
	}
	return { status: res.status, body: parsed as T };
}

/** The n8n REST API as the logged-in owner (session cookie). */
export async function rest<T = unknown>(route: string): Promise<T> {
	const s = state();
	const res = await fetchWhenReady(`${s.base}${route}`, {
		headers: { cookie: s.cookie, 'browser-id': 'agent-os-local' },
	});
	if (!res.ok) throw new Error(`${route} → ${res.status}`);
	return (await res.json()) as T;
}

/** The public API with the harness's API key. */
export async function api<T = unknown>(route: string): Promise<T> {
	const s = state();
	const res = await fetchWhenReady(`${s.base}/api/v1${route}`, {
		headers: { 'X-N8N-API-KEY': s.apiKey },
	});
	if (!res.ok) throw new Error(`/api/v1${route} → ${res.status}: ${await res.text()}`);
	return (await res.json()) as T;
}
